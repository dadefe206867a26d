# ruff: noqa
# mypy: ignore-errors
"""GENERATED from schemas/state.schema.json by keylint.schema_compile.state_fast_module:
do not edit.

The state schema compiled by fastjsonschema as draft-07, shipped so that reading a valid
state file neither walks it with jsonschema nor compiles anything.
"""

SCHEMA_SHA256 = "4b9ca919f43742e0d973a14d348b18bd6d4614168352bdc48a39447da572e990"

VERSION = "2.22.3"
from decimal import Decimal
import re
from fastjsonschema import JsonSchemaValueException, JsonSchemaValuesException


REGEX_PATTERNS = {
    '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$': re.compile('^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})\\Z'),
    '^[^…]{0,8}…$': re.compile('^[^…]{0,8}…\\Z'),
    '^(enable|permits)': re.compile('^(enable|permits)')
}

NoneType = type(None)

def validate_https___raw_githubusercontent_com_keylint_keylint_v0_1_0_schemas_state_schema_json(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", definition={'$schema': 'http://json-schema.org/draft-07/schema#', '$id': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json', 'type': 'object', 'required': ['version', 'fetched_at', 'keys', 'sub_accounts'], 'properties': {'version': {'const': 1}, 'fetched_at': {'type': 'string', 'pattern': '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$'}, 'keys': {'type': 'object', 'additionalProperties': {'type': 'object', 'required': ['status'], 'properties': {'status': {'enum': ['ok', 'not_found', 'error']}, 'rotation': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/rotation'}}, 'allOf': [{'if': {'properties': {'status': {'const': 'ok'}}}, 'then': {'required': ['restrictions', 'listing', 'ip_list'], 'properties': {'restrictions': {'oneOf': [{'type': 'null'}, {'$ref': '#/$defs/restrictions'}]}, 'listing': {'oneOf': [{'type': 'null'}, {'$ref': '#/$defs/listing_row'}]}, 'ip_list': {'oneOf': [{'type': 'null'}, {'type': 'array', 'items': {'type': 'string'}}]}, 'ip_restriction': {'oneOf': [{'type': 'null'}, {'$ref': '#/$defs/ip_restriction'}]}, 'unverifiable': {'type': 'array', 'items': {'type': 'string'}, 'uniqueItems': True}, 'notes': {'$ref': '#/$defs/notes'}}}}, {'if': {'properties': {'status': {'const': 'error'}}}, 'then': {'required': ['error'], 'properties': {'error': {'type': 'string', 'minLength': 1}, 'listing': {'oneOf': [{'type': 'null'}, {'$ref': '#/$defs/listing_row'}]}, 'notes': {'$ref': '#/$defs/notes'}}}}, {'if': {'properties': {'status': {'const': 'not_found'}}}, 'then': {'properties': {'reason': {'type': 'string'}, 'notes': {'$ref': '#/$defs/notes'}}}}]}}, 'sub_accounts': {'type': 'object', 'additionalProperties': {'type': 'array', 'items': {'type': 'object', 'properties': {'apiName': {'type': 'string'}, 'apikey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}, 'apiKey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}, 'canTrade': {'type': 'boolean'}, 'canMarginLoanRepay': {'type': 'boolean'}, 'canFuturesTrade': {'type': 'boolean'}, 'canUniversalTransfer': {'type': 'boolean'}, 'canVanillaOptions': {'type': 'boolean'}}}}}}, '$defs': {'key_prefix': {'type': 'string', 'pattern': '^[^…]{0,8}…$'}, 'timestamp_ms': {'type': 'integer', 'minimum': 0}, 'notes': {'type': 'array', 'items': {'type': 'string'}}, 'key': {'type': 'object', 'required': ['status'], 'properties': {'status': {'enum': ['ok', 'not_found', 'error']}, 'rotation': {'type': 'object', 'required': ['path', 'current', 'replaced', 'retire_after', 'pending'], 'additionalProperties': False, 'properties': {'path': {'type': 'string'}, 'current': {'oneOf': [{'type': 'null'}, {'$ref': '#/$defs/key_prefix'}]}, 'replaced': {'oneOf': [{'type': 'null'}, {'$ref': '#/$defs/key_prefix'}]}, 'retire_after': {'oneOf': [{'type': 'null'}, {'type': 'string', 'pattern': '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$'}]}, 'pending': {'oneOf': [{'type': 'null'}, {'type': 'string'}]}}}}, 'allOf': [{'if': {'properties': {'status': {'const': 'ok'}}}, 'then': {'required': ['restrictions', 'listing', 'ip_list'], 'properties': {'restrictions': {'oneOf': [{'type': 'null'}, {'type': 'object', 'properties': {'ipRestrict': {'type': 'boolean'}, 'createTime': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/timestamp_ms'}, 'tradingAuthorityExpirationTime': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/timestamp_ms'}}, 'patternProperties': {'^(enable|permits)': {'type': 'boolean'}}}]}, 'listing': {'oneOf': [{'type': 'null'}, {'type': 'object', 'properties': {'apiName': {'type': 'string'}, 'apikey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}, 'apiKey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}, 'canTrade': {'type': 'boolean'}, 'canMarginLoanRepay': {'type': 'boolean'}, 'canFuturesTrade': {'type': 'boolean'}, 'canUniversalTransfer': {'type': 'boolean'}, 'canVanillaOptions': {'type': 'boolean'}}}]}, 'ip_list': {'oneOf': [{'type': 'null'}, {'type': 'array', 'items': {'type': 'string'}}]}, 'ip_restriction': {'oneOf': [{'type': 'null'}, {'type': 'object', 'properties': {'ipRestrict': {'type': ['string', 'boolean']}, 'ipList': {'type': 'array', 'items': {'type': 'string'}}, 'apiKey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}}}]}, 'unverifiable': {'type': 'array', 'items': {'type': 'string'}, 'uniqueItems': True}, 'notes': {'type': 'array', 'items': {'type': 'string'}}}}}, {'if': {'properties': {'status': {'const': 'error'}}}, 'then': {'required': ['error'], 'properties': {'error': {'type': 'string', 'minLength': 1}, 'listing': {'oneOf': [{'type': 'null'}, {'type': 'object', 'properties': {'apiName': {'type': 'string'}, 'apikey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}, 'apiKey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}, 'canTrade': {'type': 'boolean'}, 'canMarginLoanRepay': {'type': 'boolean'}, 'canFuturesTrade': {'type': 'boolean'}, 'canUniversalTransfer': {'type': 'boolean'}, 'canVanillaOptions': {'type': 'boolean'}}}]}, 'notes': {'type': 'array', 'items': {'type': 'string'}}}}}, {'if': {'properties': {'status': {'const': 'not_found'}}}, 'then': {'properties': {'reason': {'type': 'string'}, 'notes': {'type': 'array', 'items': {'type': 'string'}}}}}]}, 'rotation': {'type': 'object', 'required': ['path', 'current', 'replaced', 'retire_after', 'pending'], 'additionalProperties': False, 'properties': {'path': {'type': 'string'}, 'current': {'oneOf': [{'type': 'null'}, {'type': 'string', 'pattern': '^[^…]{0,8}…$'}]}, 'replaced': {'oneOf': [{'type': 'null'}, {'type': 'string', 'pattern': '^[^…]{0,8}…$'}]}, 'retire_after': {'oneOf': [{'type': 'null'}, {'type': 'string', 'pattern': '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$'}]}, 'pending': {'oneOf': [{'type': 'null'}, {'type': 'string'}]}}}, 'restrictions': {'type': 'object', 'properties': {'ipRestrict': {'type': 'boolean'}, 'createTime': {'type': 'integer', 'minimum': 0}, 'tradingAuthorityExpirationTime': {'type': 'integer', 'minimum': 0}}, 'patternProperties': {'^(enable|permits)': {'type': 'boolean'}}}, 'listing_row': {'type': 'object', 'properties': {'apiName': {'type': 'string'}, 'apikey': {'type': 'string', 'pattern': '^[^…]{0,8}…$'}, 'apiKey': {'type': 'string', 'pattern': '^[^…]{0,8}…$'}, 'canTrade': {'type': 'boolean'}, 'canMarginLoanRepay': {'type': 'boolean'}, 'canFuturesTrade': {'type': 'boolean'}, 'canUniversalTransfer': {'type': 'boolean'}, 'canVanillaOptions': {'type': 'boolean'}}}, 'ip_restriction': {'type': 'object', 'properties': {'ipRestrict': {'type': ['string', 'boolean']}, 'ipList': {'type': 'array', 'items': {'type': 'string'}}, 'apiKey': {'type': 'string', 'pattern': '^[^…]{0,8}…$'}}}}}, rule='type')
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['version', 'fetched_at', 'keys', 'sub_accounts']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain " + (str(sorted(data__missing_keys)) + " properties"), value=data, name="" + (name_prefix or "data") + "", definition={'$schema': 'http://json-schema.org/draft-07/schema#', '$id': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json', 'type': 'object', 'required': ['version', 'fetched_at', 'keys', 'sub_accounts'], 'properties': {'version': {'const': 1}, 'fetched_at': {'type': 'string', 'pattern': '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$'}, 'keys': {'type': 'object', 'additionalProperties': {'type': 'object', 'required': ['status'], 'properties': {'status': {'enum': ['ok', 'not_found', 'error']}, 'rotation': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/rotation'}}, 'allOf': [{'if': {'properties': {'status': {'const': 'ok'}}}, 'then': {'required': ['restrictions', 'listing', 'ip_list'], 'properties': {'restrictions': {'oneOf': [{'type': 'null'}, {'$ref': '#/$defs/restrictions'}]}, 'listing': {'oneOf': [{'type': 'null'}, {'$ref': '#/$defs/listing_row'}]}, 'ip_list': {'oneOf': [{'type': 'null'}, {'type': 'array', 'items': {'type': 'string'}}]}, 'ip_restriction': {'oneOf': [{'type': 'null'}, {'$ref': '#/$defs/ip_restriction'}]}, 'unverifiable': {'type': 'array', 'items': {'type': 'string'}, 'uniqueItems': True}, 'notes': {'$ref': '#/$defs/notes'}}}}, {'if': {'properties': {'status': {'const': 'error'}}}, 'then': {'required': ['error'], 'properties': {'error': {'type': 'string', 'minLength': 1}, 'listing': {'oneOf': [{'type': 'null'}, {'$ref': '#/$defs/listing_row'}]}, 'notes': {'$ref': '#/$defs/notes'}}}}, {'if': {'properties': {'status': {'const': 'not_found'}}}, 'then': {'properties': {'reason': {'type': 'string'}, 'notes': {'$ref': '#/$defs/notes'}}}}]}}, 'sub_accounts': {'type': 'object', 'additionalProperties': {'type': 'array', 'items': {'type': 'object', 'properties': {'apiName': {'type': 'string'}, 'apikey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}, 'apiKey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}, 'canTrade': {'type': 'boolean'}, 'canMarginLoanRepay': {'type': 'boolean'}, 'canFuturesTrade': {'type': 'boolean'}, 'canUniversalTransfer': {'type': 'boolean'}, 'canVanillaOptions': {'type': 'boolean'}}}}}}, '$defs': {'key_prefix': {'type': 'string', 'pattern': '^[^…]{0,8}…$'}, 'timestamp_ms': {'type': 'integer', 'minimum': 0}, 'notes': {'type': 'array', 'items': {'type': 'string'}}, 'key': {'type': 'object', 'required': ['status'], 'properties': {'status': {'enum': ['ok', 'not_found', 'error']}, 'rotation': {'type': 'object', 'required': ['path', 'current', 'replaced', 'retire_after', 'pending'], 'additionalProperties': False, 'properties': {'path': {'type': 'string'}, 'current': {'oneOf': [{'type': 'null'}, {'$ref': '#/$defs/key_prefix'}]}, 'replaced': {'oneOf': [{'type': 'null'}, {'$ref': '#/$defs/key_prefix'}]}, 'retire_after': {'oneOf': [{'type': 'null'}, {'type': 'string', 'pattern': '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$'}]}, 'pending': {'oneOf': [{'type': 'null'}, {'type': 'string'}]}}}}, 'allOf': [{'if': {'properties': {'status': {'const': 'ok'}}}, 'then': {'required': ['restrictions', 'listing', 'ip_list'], 'properties': {'restrictions': {'oneOf': [{'type': 'null'}, {'type': 'object', 'properties': {'ipRestrict': {'type': 'boolean'}, 'createTime': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/timestamp_ms'}, 'tradingAuthorityExpirationTime': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/timestamp_ms'}}, 'patternProperties': {'^(enable|permits)': {'type': 'boolean'}}}]}, 'listing': {'oneOf': [{'type': 'null'}, {'type': 'object', 'properties': {'apiName': {'type': 'string'}, 'apikey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}, 'apiKey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}, 'canTrade': {'type': 'boolean'}, 'canMarginLoanRepay': {'type': 'boolean'}, 'canFuturesTrade': {'type': 'boolean'}, 'canUniversalTransfer': {'type': 'boolean'}, 'canVanillaOptions': {'type': 'boolean'}}}]}, 'ip_list': {'oneOf': [{'type': 'null'}, {'type': 'array', 'items': {'type': 'string'}}]}, 'ip_restriction': {'oneOf': [{'type': 'null'}, {'type': 'object', 'properties': {'ipRestrict': {'type': ['string', 'boolean']}, 'ipList': {'type': 'array', 'items': {'type': 'string'}}, 'apiKey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}}}]}, 'unverifiable': {'type': 'array', 'items': {'type': 'string'}, 'uniqueItems': True}, 'notes': {'type': 'array', 'items': {'type': 'string'}}}}}, {'if': {'properties': {'status': {'const': 'error'}}}, 'then': {'required': ['error'], 'properties': {'error': {'type': 'string', 'minLength': 1}, 'listing': {'oneOf': [{'type': 'null'}, {'type': 'object', 'properties': {'apiName': {'type': 'string'}, 'apikey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}, 'apiKey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}, 'canTrade': {'type': 'boolean'}, 'canMarginLoanRepay': {'type': 'boolean'}, 'canFuturesTrade': {'type': 'boolean'}, 'canUniversalTransfer': {'type': 'boolean'}, 'canVanillaOptions': {'type': 'boolean'}}}]}, 'notes': {'type': 'array', 'items': {'type': 'string'}}}}}, {'if': {'properties': {'status': {'const': 'not_found'}}}, 'then': {'properties': {'reason': {'type': 'string'}, 'notes': {'type': 'array', 'items': {'type': 'string'}}}}}]}, 'rotation': {'type': 'object', 'required': ['path', 'current', 'replaced', 'retire_after', 'pending'], 'additionalProperties': False, 'properties': {'path': {'type': 'string'}, 'current': {'oneOf': [{'type': 'null'}, {'type': 'string', 'pattern': '^[^…]{0,8}…$'}]}, 'replaced': {'oneOf': [{'type': 'null'}, {'type': 'string', 'pattern': '^[^…]{0,8}…$'}]}, 'retire_after': {'oneOf': [{'type': 'null'}, {'type': 'string', 'pattern': '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$'}]}, 'pending': {'oneOf': [{'type': 'null'}, {'type': 'string'}]}}}, 'restrictions': {'type': 'object', 'properties': {'ipRestrict': {'type': 'boolean'}, 'createTime': {'type': 'integer', 'minimum': 0}, 'tradingAuthorityExpirationTime': {'type': 'integer', 'minimum': 0}}, 'patternProperties': {'^(enable|permits)': {'type': 'boolean'}}}, 'listing_row': {'type': 'object', 'properties': {'apiName': {'type': 'string'}, 'apikey': {'type': 'string', 'pattern': '^[^…]{0,8}…$'}, 'apiKey': {'type': 'string', 'pattern': '^[^…]{0,8}…$'}, 'canTrade': {'type': 'boolean'}, 'canMarginLoanRepay': {'type': 'boolean'}, 'canFuturesTrade': {'type': 'boolean'}, 'canUniversalTransfer': {'type': 'boolean'}, 'canVanillaOptions': {'type': 'boolean'}}}, 'ip_restriction': {'type': 'object', 'properties': {'ipRestrict': {'type': ['string', 'boolean']}, 'ipList': {'type': 'array', 'items': {'type': 'string'}}, 'apiKey': {'type': 'string', 'pattern': '^[^…]{0,8}…$'}}}}}, rule='required')
        data_keys = set(data.keys())
        if "version" in data_keys:
            data_keys.remove("version")
            data__version = data["version"]
            if not (isinstance(data__version, (int, float)) and not isinstance(data__version, bool) and data__version == 1):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".version must be same as const definition: 1", value=data__version, name="" + (name_prefix or "data") + ".version", definition={'const': 1}, rule='const')
        if "fetched_at" in data_keys:
            data_keys.remove("fetched_at")
            data__fetchedat = data["fetched_at"]
            if not isinstance(data__fetchedat, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".fetched_at must be string", value=data__fetchedat, name="" + (name_prefix or "data") + ".fetched_at", definition={'type': 'string', 'pattern': '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$'}, rule='type')
            if isinstance(data__fetchedat, str):
                if not REGEX_PATTERNS['^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$'].search(data__fetchedat):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".fetched_at must match pattern ^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$", value=data__fetchedat, name="" + (name_prefix or "data") + ".fetched_at", definition={'type': 'string', 'pattern': '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$'}, rule='pattern')
        if "keys" in data_keys:
            data_keys.remove("keys")
            data__keys = data["keys"]
            if not isinstance(data__keys, (dict)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".keys must be object", value=data__keys, name="" + (name_prefix or "data") + ".keys", definition={'type': 'object', 'additionalProperties': {'type': 'object', 'required': ['status'], 'properties': {'status': {'enum': ['ok', 'not_found', 'error']}, 'rotation': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/rotation'}}, 'allOf': [{'if': {'properties': {'status': {'const': 'ok'}}}, 'then': {'required': ['restrictions', 'listing', 'ip_list'], 'properties': {'restrictions': {'oneOf': [{'type': 'null'}, {'$ref': '#/$defs/restrictions'}]}, 'listing': {'oneOf': [{'type': 'null'}, {'$ref': '#/$defs/listing_row'}]}, 'ip_list': {'oneOf': [{'type': 'null'}, {'type': 'array', 'items': {'type': 'string'}}]}, 'ip_restriction': {'oneOf': [{'type': 'null'}, {'$ref': '#/$defs/ip_restriction'}]}, 'unverifiable': {'type': 'array', 'items': {'type': 'string'}, 'uniqueItems': True}, 'notes': {'$ref': '#/$defs/notes'}}}}, {'if': {'properties': {'status': {'const': 'error'}}}, 'then': {'required': ['error'], 'properties': {'error': {'type': 'string', 'minLength': 1}, 'listing': {'oneOf': [{'type': 'null'}, {'$ref': '#/$defs/listing_row'}]}, 'notes': {'$ref': '#/$defs/notes'}}}}, {'if': {'properties': {'status': {'const': 'not_found'}}}, 'then': {'properties': {'reason': {'type': 'string'}, 'notes': {'$ref': '#/$defs/notes'}}}}]}}, rule='type')
            data__keys_is_dict = isinstance(data__keys, dict)
            if data__keys_is_dict:
                data__keys_keys = set(data__keys.keys())
                for data__keys_key in data__keys_keys:
                    if data__keys_key not in []:
                        data__keys_value = data__keys.get(data__keys_key)
                        validate_https___raw_githubusercontent_com_keylint_keylint_v0_1_0_schemas_state_schema_json___defs_key(data__keys_value, custom_formats, (name_prefix or "data") + ".keys.{data__keys_key}".format(**locals()))
        if "sub_accounts" in data_keys:
            data_keys.remove("sub_accounts")
            data__subaccounts = data["sub_accounts"]
            if not isinstance(data__subaccounts, (dict)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".sub_accounts must be object", value=data__subaccounts, name="" + (name_prefix or "data") + ".sub_accounts", definition={'type': 'object', 'additionalProperties': {'type': 'array', 'items': {'type': 'object', 'properties': {'apiName': {'type': 'string'}, 'apikey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}, 'apiKey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}, 'canTrade': {'type': 'boolean'}, 'canMarginLoanRepay': {'type': 'boolean'}, 'canFuturesTrade': {'type': 'boolean'}, 'canUniversalTransfer': {'type': 'boolean'}, 'canVanillaOptions': {'type': 'boolean'}}}}}, rule='type')
            data__subaccounts_is_dict = isinstance(data__subaccounts, dict)
            if data__subaccounts_is_dict:
                data__subaccounts_keys = set(data__subaccounts.keys())
                for data__subaccounts_key in data__subaccounts_keys:
                    if data__subaccounts_key not in []:
                        data__subaccounts_value = data__subaccounts.get(data__subaccounts_key)
                        if not isinstance(data__subaccounts_value, (list, tuple)):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".sub_accounts.{data__subaccounts_key}".format(**locals()) + " must be array", value=data__subaccounts_value, name="" + (name_prefix or "data") + ".sub_accounts.{data__subaccounts_key}".format(**locals()) + "", definition={'type': 'array', 'items': {'type': 'object', 'properties': {'apiName': {'type': 'string'}, 'apikey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}, 'apiKey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}, 'canTrade': {'type': 'boolean'}, 'canMarginLoanRepay': {'type': 'boolean'}, 'canFuturesTrade': {'type': 'boolean'}, 'canUniversalTransfer': {'type': 'boolean'}, 'canVanillaOptions': {'type': 'boolean'}}}}, rule='type')
                        data__subaccounts_value_is_list = isinstance(data__subaccounts_value, (list, tuple))
                        if data__subaccounts_value_is_list:
                            data__subaccounts_value_len = len(data__subaccounts_value)
                            for data__subaccounts_value_x, data__subaccounts_value_item in enumerate(data__subaccounts_value):
                                validate_https___raw_githubusercontent_com_keylint_keylint_v0_1_0_schemas_state_schema_json___defs_listing_row(data__subaccounts_value_item, custom_formats, (name_prefix or "data") + ".sub_accounts.{data__subaccounts_key}[{data__subaccounts_value_x}]".format(**locals()))
    return data

def validate_https___raw_githubusercontent_com_keylint_keylint_v0_1_0_schemas_state_schema_json___defs_listing_row(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'properties': {'apiName': {'type': 'string'}, 'apikey': {'type': 'string', 'pattern': '^[^…]{0,8}…$'}, 'apiKey': {'type': 'string', 'pattern': '^[^…]{0,8}…$'}, 'canTrade': {'type': 'boolean'}, 'canMarginLoanRepay': {'type': 'boolean'}, 'canFuturesTrade': {'type': 'boolean'}, 'canUniversalTransfer': {'type': 'boolean'}, 'canVanillaOptions': {'type': 'boolean'}}}, rule='type')
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "apiName" in data_keys:
            data_keys.remove("apiName")
            data__apiName = data["apiName"]
            if not isinstance(data__apiName, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".apiName must be string", value=data__apiName, name="" + (name_prefix or "data") + ".apiName", definition={'type': 'string'}, rule='type')
        if "apikey" in data_keys:
            data_keys.remove("apikey")
            data__apikey = data["apikey"]
            validate_https___raw_githubusercontent_com_keylint_keylint_v0_1_0_schemas_state_schema_json___defs_key_prefix(data__apikey, custom_formats, (name_prefix or "data") + ".apikey")
        if "apiKey" in data_keys:
            data_keys.remove("apiKey")
            data__apiKey = data["apiKey"]
            validate_https___raw_githubusercontent_com_keylint_keylint_v0_1_0_schemas_state_schema_json___defs_key_prefix(data__apiKey, custom_formats, (name_prefix or "data") + ".apiKey")
        if "canTrade" in data_keys:
            data_keys.remove("canTrade")
            data__canTrade = data["canTrade"]
            if not isinstance(data__canTrade, (bool)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".canTrade must be boolean", value=data__canTrade, name="" + (name_prefix or "data") + ".canTrade", definition={'type': 'boolean'}, rule='type')
        if "canMarginLoanRepay" in data_keys:
            data_keys.remove("canMarginLoanRepay")
            data__canMarginLoanRepay = data["canMarginLoanRepay"]
            if not isinstance(data__canMarginLoanRepay, (bool)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".canMarginLoanRepay must be boolean", value=data__canMarginLoanRepay, name="" + (name_prefix or "data") + ".canMarginLoanRepay", definition={'type': 'boolean'}, rule='type')
        if "canFuturesTrade" in data_keys:
            data_keys.remove("canFuturesTrade")
            data__canFuturesTrade = data["canFuturesTrade"]
            if not isinstance(data__canFuturesTrade, (bool)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".canFuturesTrade must be boolean", value=data__canFuturesTrade, name="" + (name_prefix or "data") + ".canFuturesTrade", definition={'type': 'boolean'}, rule='type')
        if "canUniversalTransfer" in data_keys:
            data_keys.remove("canUniversalTransfer")
            data__canUniversalTransfer = data["canUniversalTransfer"]
            if not isinstance(data__canUniversalTransfer, (bool)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".canUniversalTransfer must be boolean", value=data__canUniversalTransfer, name="" + (name_prefix or "data") + ".canUniversalTransfer", definition={'type': 'boolean'}, rule='type')
        if "canVanillaOptions" in data_keys:
            data_keys.remove("canVanillaOptions")
            data__canVanillaOptions = data["canVanillaOptions"]
            if not isinstance(data__canVanillaOptions, (bool)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".canVanillaOptions must be boolean", value=data__canVanillaOptions, name="" + (name_prefix or "data") + ".canVanillaOptions", definition={'type': 'boolean'}, rule='type')
    return data

def validate_https___raw_githubusercontent_com_keylint_keylint_v0_1_0_schemas_state_schema_json___defs_key_prefix(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (str)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be string", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'string', 'pattern': '^[^…]{0,8}…$'}, rule='type')
    if isinstance(data, str):
        if not REGEX_PATTERNS['^[^…]{0,8}…$'].search(data):
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must match pattern ^[^\u2026]{0,8}\u2026$", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'string', 'pattern': '^[^…]{0,8}…$'}, rule='pattern')
    return data

def validate_https___raw_githubusercontent_com_keylint_keylint_v0_1_0_schemas_state_schema_json___defs_key(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'required': ['status'], 'properties': {'status': {'enum': ['ok', 'not_found', 'error']}, 'rotation': {'type': 'object', 'required': ['path', 'current', 'replaced', 'retire_after', 'pending'], 'additionalProperties': False, 'properties': {'path': {'type': 'string'}, 'current': {'oneOf': [{'type': 'null'}, {'$ref': '#/$defs/key_prefix'}]}, 'replaced': {'oneOf': [{'type': 'null'}, {'$ref': '#/$defs/key_prefix'}]}, 'retire_after': {'oneOf': [{'type': 'null'}, {'type': 'string', 'pattern': '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$'}]}, 'pending': {'oneOf': [{'type': 'null'}, {'type': 'string'}]}}}}, 'allOf': [{'if': {'properties': {'status': {'const': 'ok'}}}, 'then': {'required': ['restrictions', 'listing', 'ip_list'], 'properties': {'restrictions': {'oneOf': [{'type': 'null'}, {'type': 'object', 'properties': {'ipRestrict': {'type': 'boolean'}, 'createTime': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/timestamp_ms'}, 'tradingAuthorityExpirationTime': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/timestamp_ms'}}, 'patternProperties': {'^(enable|permits)': {'type': 'boolean'}}}]}, 'listing': {'oneOf': [{'type': 'null'}, {'type': 'object', 'properties': {'apiName': {'type': 'string'}, 'apikey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}, 'apiKey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}, 'canTrade': {'type': 'boolean'}, 'canMarginLoanRepay': {'type': 'boolean'}, 'canFuturesTrade': {'type': 'boolean'}, 'canUniversalTransfer': {'type': 'boolean'}, 'canVanillaOptions': {'type': 'boolean'}}}]}, 'ip_list': {'oneOf': [{'type': 'null'}, {'type': 'array', 'items': {'type': 'string'}}]}, 'ip_restriction': {'oneOf': [{'type': 'null'}, {'type': 'object', 'properties': {'ipRestrict': {'type': ['string', 'boolean']}, 'ipList': {'type': 'array', 'items': {'type': 'string'}}, 'apiKey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}}}]}, 'unverifiable': {'type': 'array', 'items': {'type': 'string'}, 'uniqueItems': True}, 'notes': {'type': 'array', 'items': {'type': 'string'}}}}}, {'if': {'properties': {'status': {'const': 'error'}}}, 'then': {'required': ['error'], 'properties': {'error': {'type': 'string', 'minLength': 1}, 'listing': {'oneOf': [{'type': 'null'}, {'type': 'object', 'properties': {'apiName': {'type': 'string'}, 'apikey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}, 'apiKey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}, 'canTrade': {'type': 'boolean'}, 'canMarginLoanRepay': {'type': 'boolean'}, 'canFuturesTrade': {'type': 'boolean'}, 'canUniversalTransfer': {'type': 'boolean'}, 'canVanillaOptions': {'type': 'boolean'}}}]}, 'notes': {'type': 'array', 'items': {'type': 'string'}}}}}, {'if': {'properties': {'status': {'const': 'not_found'}}}, 'then': {'properties': {'reason': {'type': 'string'}, 'notes': {'type': 'array', 'items': {'type': 'string'}}}}}]}, rule='type')
    try:
        data_is_dict = isinstance(data, dict)
        if data_is_dict:
            data_keys = set(data.keys())
            if "status" in data_keys:
                data_keys.remove("status")
                data__status = data["status"]
                if not (isinstance(data__status, str) and data__status == 'ok'):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".status must be same as const definition: ok", value=data__status, name="" + (name_prefix or "data") + ".status", definition={'const': 'ok'}, rule='const')
    except (JsonSchemaValueException, JsonSchemaValuesException):
        pass
    else:
        data_is_dict = isinstance(data, dict)
        if data_is_dict:
            data__missing_keys = set(['restrictions', 'listing', 'ip_list']) - data.keys()
            if data__missing_keys:
                raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain " + (str(sorted(data__missing_keys)) + " properties"), value=data, name="" + (name_prefix or "data") + "", definition={'required': ['restrictions', 'listing', 'ip_list'], 'properties': {'restrictions': {'oneOf': [{'type': 'null'}, {'type': 'object', 'properties': {'ipRestrict': {'type': 'boolean'}, 'createTime': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/timestamp_ms'}, 'tradingAuthorityExpirationTime': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/timestamp_ms'}}, 'patternProperties': {'^(enable|permits)': {'type': 'boolean'}}}]}, 'listing': {'oneOf': [{'type': 'null'}, {'type': 'object', 'properties': {'apiName': {'type': 'string'}, 'apikey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}, 'apiKey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}, 'canTrade': {'type': 'boolean'}, 'canMarginLoanRepay': {'type': 'boolean'}, 'canFuturesTrade': {'type': 'boolean'}, 'canUniversalTransfer': {'type': 'boolean'}, 'canVanillaOptions': {'type': 'boolean'}}}]}, 'ip_list': {'oneOf': [{'type': 'null'}, {'type': 'array', 'items': {'type': 'string'}}]}, 'ip_restriction': {'oneOf': [{'type': 'null'}, {'type': 'object', 'properties': {'ipRestrict': {'type': ['string', 'boolean']}, 'ipList': {'type': 'array', 'items': {'type': 'string'}}, 'apiKey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}}}]}, 'unverifiable': {'type': 'array', 'items': {'type': 'string'}, 'uniqueItems': True}, 'notes': {'type': 'array', 'items': {'type': 'string'}}}}, rule='required')
            data_keys = set(data.keys())
            if "restrictions" in data_keys:
                data_keys.remove("restrictions")
                data__restrictions = data["restrictions"]
                data__restrictions_one_of_count1 = 0
                if data__restrictions_one_of_count1 < 2:
                    try:
                        if not isinstance(data__restrictions, (NoneType)):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".restrictions must be null", value=data__restrictions, name="" + (name_prefix or "data") + ".restrictions", definition={'type': 'null'}, rule='type')
                        data__restrictions_one_of_count1 += 1
                    except (JsonSchemaValueException, JsonSchemaValuesException): pass
                if data__restrictions_one_of_count1 < 2:
                    try:
                        validate_https___raw_githubusercontent_com_keylint_keylint_v0_1_0_schemas_state_schema_json___defs_restrictions(data__restrictions, custom_formats, (name_prefix or "data") + ".restrictions")
                        data__restrictions_one_of_count1 += 1
                    except (JsonSchemaValueException, JsonSchemaValuesException): pass
                if data__restrictions_one_of_count1 != 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".restrictions must be valid exactly by one definition" + (" (" + str(data__restrictions_one_of_count1) + " matches found)"), value=data__restrictions, name="" + (name_prefix or "data") + ".restrictions", definition={'oneOf': [{'type': 'null'}, {'type': 'object', 'properties': {'ipRestrict': {'type': 'boolean'}, 'createTime': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/timestamp_ms'}, 'tradingAuthorityExpirationTime': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/timestamp_ms'}}, 'patternProperties': {'^(enable|permits)': {'type': 'boolean'}}}]}, rule='oneOf')
            if "listing" in data_keys:
                data_keys.remove("listing")
                data__listing = data["listing"]
                data__listing_one_of_count2 = 0
                if data__listing_one_of_count2 < 2:
                    try:
                        if not isinstance(data__listing, (NoneType)):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".listing must be null", value=data__listing, name="" + (name_prefix or "data") + ".listing", definition={'type': 'null'}, rule='type')
                        data__listing_one_of_count2 += 1
                    except (JsonSchemaValueException, JsonSchemaValuesException): pass
                if data__listing_one_of_count2 < 2:
                    try:
                        validate_https___raw_githubusercontent_com_keylint_keylint_v0_1_0_schemas_state_schema_json___defs_listing_row(data__listing, custom_formats, (name_prefix or "data") + ".listing")
                        data__listing_one_of_count2 += 1
                    except (JsonSchemaValueException, JsonSchemaValuesException): pass
                if data__listing_one_of_count2 != 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".listing must be valid exactly by one definition" + (" (" + str(data__listing_one_of_count2) + " matches found)"), value=data__listing, name="" + (name_prefix or "data") + ".listing", definition={'oneOf': [{'type': 'null'}, {'type': 'object', 'properties': {'apiName': {'type': 'string'}, 'apikey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}, 'apiKey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}, 'canTrade': {'type': 'boolean'}, 'canMarginLoanRepay': {'type': 'boolean'}, 'canFuturesTrade': {'type': 'boolean'}, 'canUniversalTransfer': {'type': 'boolean'}, 'canVanillaOptions': {'type': 'boolean'}}}]}, rule='oneOf')
            if "ip_list" in data_keys:
                data_keys.remove("ip_list")
                data__iplist = data["ip_list"]
                data__iplist_one_of_count3 = 0
                if data__iplist_one_of_count3 < 2:
                    try:
                        if not isinstance(data__iplist, (NoneType)):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".ip_list must be null", value=data__iplist, name="" + (name_prefix or "data") + ".ip_list", definition={'type': 'null'}, rule='type')
                        data__iplist_one_of_count3 += 1
                    except (JsonSchemaValueException, JsonSchemaValuesException): pass
                if data__iplist_one_of_count3 < 2:
                    try:
                        if not isinstance(data__iplist, (list, tuple)):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".ip_list must be array", value=data__iplist, name="" + (name_prefix or "data") + ".ip_list", definition={'type': 'array', 'items': {'type': 'string'}}, rule='type')
                        data__iplist_is_list = isinstance(data__iplist, (list, tuple))
                        if data__iplist_is_list:
                            data__iplist_len = len(data__iplist)
                            for data__iplist_x, data__iplist_item in enumerate(data__iplist):
                                if not isinstance(data__iplist_item, (str)):
                                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".ip_list[{data__iplist_x}]".format(**locals()) + " must be string", value=data__iplist_item, name="" + (name_prefix or "data") + ".ip_list[{data__iplist_x}]".format(**locals()) + "", definition={'type': 'string'}, rule='type')
                        data__iplist_one_of_count3 += 1
                    except (JsonSchemaValueException, JsonSchemaValuesException): pass
                if data__iplist_one_of_count3 != 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".ip_list must be valid exactly by one definition" + (" (" + str(data__iplist_one_of_count3) + " matches found)"), value=data__iplist, name="" + (name_prefix or "data") + ".ip_list", definition={'oneOf': [{'type': 'null'}, {'type': 'array', 'items': {'type': 'string'}}]}, rule='oneOf')
            if "ip_restriction" in data_keys:
                data_keys.remove("ip_restriction")
                data__iprestriction = data["ip_restriction"]
                data__iprestriction_one_of_count4 = 0
                if data__iprestriction_one_of_count4 < 2:
                    try:
                        if not isinstance(data__iprestriction, (NoneType)):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".ip_restriction must be null", value=data__iprestriction, name="" + (name_prefix or "data") + ".ip_restriction", definition={'type': 'null'}, rule='type')
                        data__iprestriction_one_of_count4 += 1
                    except (JsonSchemaValueException, JsonSchemaValuesException): pass
                if data__iprestriction_one_of_count4 < 2:
                    try:
                        validate_https___raw_githubusercontent_com_keylint_keylint_v0_1_0_schemas_state_schema_json___defs_ip_restriction(data__iprestriction, custom_formats, (name_prefix or "data") + ".ip_restriction")
                        data__iprestriction_one_of_count4 += 1
                    except (JsonSchemaValueException, JsonSchemaValuesException): pass
                if data__iprestriction_one_of_count4 != 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".ip_restriction must be valid exactly by one definition" + (" (" + str(data__iprestriction_one_of_count4) + " matches found)"), value=data__iprestriction, name="" + (name_prefix or "data") + ".ip_restriction", definition={'oneOf': [{'type': 'null'}, {'type': 'object', 'properties': {'ipRestrict': {'type': ['string', 'boolean']}, 'ipList': {'type': 'array', 'items': {'type': 'string'}}, 'apiKey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}}}]}, rule='oneOf')
            if "unverifiable" in data_keys:
                data_keys.remove("unverifiable")
                data__unverifiable = data["unverifiable"]
                if not isinstance(data__unverifiable, (list, tuple)):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".unverifiable must be array", value=data__unverifiable, name="" + (name_prefix or "data") + ".unverifiable", definition={'type': 'array', 'items': {'type': 'string'}, 'uniqueItems': True}, rule='type')
                data__unverifiable_is_list = isinstance(data__unverifiable, (list, tuple))
                if data__unverifiable_is_list:
                    def fn(var): return frozenset(dict((k, fn(v)) for k, v in var.items()).items()) if hasattr(var, "items") else tuple(fn(v) for v in var) if isinstance(var, (dict, list)) else (bool, var) if isinstance(var, bool) else var
                    data__unverifiable_len = len(data__unverifiable)
                    if data__unverifiable_len > len(set(fn(data__unverifiable_x) for data__unverifiable_x in data__unverifiable)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".unverifiable must contain unique items", value=data__unverifiable, name="" + (name_prefix or "data") + ".unverifiable", definition={'type': 'array', 'items': {'type': 'string'}, 'uniqueItems': True}, rule='uniqueItems')
                    for data__unverifiable_x, data__unverifiable_item in enumerate(data__unverifiable):
                        if not isinstance(data__unverifiable_item, (str)):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".unverifiable[{data__unverifiable_x}]".format(**locals()) + " must be string", value=data__unverifiable_item, name="" + (name_prefix or "data") + ".unverifiable[{data__unverifiable_x}]".format(**locals()) + "", definition={'type': 'string'}, rule='type')
            if "notes" in data_keys:
                data_keys.remove("notes")
                data__notes = data["notes"]
                validate_https___raw_githubusercontent_com_keylint_keylint_v0_1_0_schemas_state_schema_json___defs_notes(data__notes, custom_formats, (name_prefix or "data") + ".notes")
    try:
        data_is_dict = isinstance(data, dict)
        if data_is_dict:
            data_keys = set(data.keys())
            if "status" in data_keys:
                data_keys.remove("status")
                data__status = data["status"]
                if not (isinstance(data__status, str) and data__status == 'error'):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".status must be same as const definition: error", value=data__status, name="" + (name_prefix or "data") + ".status", definition={'const': 'error'}, rule='const')
    except (JsonSchemaValueException, JsonSchemaValuesException):
        pass
    else:
        data_is_dict = isinstance(data, dict)
        if data_is_dict:
            data__missing_keys = set(['error']) - data.keys()
            if data__missing_keys:
                raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain " + (str(sorted(data__missing_keys)) + " properties"), value=data, name="" + (name_prefix or "data") + "", definition={'required': ['error'], 'properties': {'error': {'type': 'string', 'minLength': 1}, 'listing': {'oneOf': [{'type': 'null'}, {'type': 'object', 'properties': {'apiName': {'type': 'string'}, 'apikey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}, 'apiKey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}, 'canTrade': {'type': 'boolean'}, 'canMarginLoanRepay': {'type': 'boolean'}, 'canFuturesTrade': {'type': 'boolean'}, 'canUniversalTransfer': {'type': 'boolean'}, 'canVanillaOptions': {'type': 'boolean'}}}]}, 'notes': {'type': 'array', 'items': {'type': 'string'}}}}, rule='required')
            data_keys = set(data.keys())
            if "error" in data_keys:
                data_keys.remove("error")
                data__error = data["error"]
                if not isinstance(data__error, (str)):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".error must be string", value=data__error, name="" + (name_prefix or "data") + ".error", definition={'type': 'string', 'minLength': 1}, rule='type')
                if isinstance(data__error, str):
                    data__error_len = len(data__error)
                    if data__error_len < 1:
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".error must be longer than or equal to 1 characters", value=data__error, name="" + (name_prefix or "data") + ".error", definition={'type': 'string', 'minLength': 1}, rule='minLength')
            if "listing" in data_keys:
                data_keys.remove("listing")
                data__listing = data["listing"]
                data__listing_one_of_count5 = 0
                if data__listing_one_of_count5 < 2:
                    try:
                        if not isinstance(data__listing, (NoneType)):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".listing must be null", value=data__listing, name="" + (name_prefix or "data") + ".listing", definition={'type': 'null'}, rule='type')
                        data__listing_one_of_count5 += 1
                    except (JsonSchemaValueException, JsonSchemaValuesException): pass
                if data__listing_one_of_count5 < 2:
                    try:
                        validate_https___raw_githubusercontent_com_keylint_keylint_v0_1_0_schemas_state_schema_json___defs_listing_row(data__listing, custom_formats, (name_prefix or "data") + ".listing")
                        data__listing_one_of_count5 += 1
                    except (JsonSchemaValueException, JsonSchemaValuesException): pass
                if data__listing_one_of_count5 != 1:
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".listing must be valid exactly by one definition" + (" (" + str(data__listing_one_of_count5) + " matches found)"), value=data__listing, name="" + (name_prefix or "data") + ".listing", definition={'oneOf': [{'type': 'null'}, {'type': 'object', 'properties': {'apiName': {'type': 'string'}, 'apikey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}, 'apiKey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}, 'canTrade': {'type': 'boolean'}, 'canMarginLoanRepay': {'type': 'boolean'}, 'canFuturesTrade': {'type': 'boolean'}, 'canUniversalTransfer': {'type': 'boolean'}, 'canVanillaOptions': {'type': 'boolean'}}}]}, rule='oneOf')
            if "notes" in data_keys:
                data_keys.remove("notes")
                data__notes = data["notes"]
                validate_https___raw_githubusercontent_com_keylint_keylint_v0_1_0_schemas_state_schema_json___defs_notes(data__notes, custom_formats, (name_prefix or "data") + ".notes")
    try:
        data_is_dict = isinstance(data, dict)
        if data_is_dict:
            data_keys = set(data.keys())
            if "status" in data_keys:
                data_keys.remove("status")
                data__status = data["status"]
                if not (isinstance(data__status, str) and data__status == 'not_found'):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".status must be same as const definition: not_found", value=data__status, name="" + (name_prefix or "data") + ".status", definition={'const': 'not_found'}, rule='const')
    except (JsonSchemaValueException, JsonSchemaValuesException):
        pass
    else:
        data_is_dict = isinstance(data, dict)
        if data_is_dict:
            data_keys = set(data.keys())
            if "reason" in data_keys:
                data_keys.remove("reason")
                data__reason = data["reason"]
                if not isinstance(data__reason, (str)):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".reason must be string", value=data__reason, name="" + (name_prefix or "data") + ".reason", definition={'type': 'string'}, rule='type')
            if "notes" in data_keys:
                data_keys.remove("notes")
                data__notes = data["notes"]
                validate_https___raw_githubusercontent_com_keylint_keylint_v0_1_0_schemas_state_schema_json___defs_notes(data__notes, custom_formats, (name_prefix or "data") + ".notes")
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['status']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain " + (str(sorted(data__missing_keys)) + " properties"), value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'required': ['status'], 'properties': {'status': {'enum': ['ok', 'not_found', 'error']}, 'rotation': {'type': 'object', 'required': ['path', 'current', 'replaced', 'retire_after', 'pending'], 'additionalProperties': False, 'properties': {'path': {'type': 'string'}, 'current': {'oneOf': [{'type': 'null'}, {'$ref': '#/$defs/key_prefix'}]}, 'replaced': {'oneOf': [{'type': 'null'}, {'$ref': '#/$defs/key_prefix'}]}, 'retire_after': {'oneOf': [{'type': 'null'}, {'type': 'string', 'pattern': '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$'}]}, 'pending': {'oneOf': [{'type': 'null'}, {'type': 'string'}]}}}}, 'allOf': [{'if': {'properties': {'status': {'const': 'ok'}}}, 'then': {'required': ['restrictions', 'listing', 'ip_list'], 'properties': {'restrictions': {'oneOf': [{'type': 'null'}, {'type': 'object', 'properties': {'ipRestrict': {'type': 'boolean'}, 'createTime': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/timestamp_ms'}, 'tradingAuthorityExpirationTime': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/timestamp_ms'}}, 'patternProperties': {'^(enable|permits)': {'type': 'boolean'}}}]}, 'listing': {'oneOf': [{'type': 'null'}, {'type': 'object', 'properties': {'apiName': {'type': 'string'}, 'apikey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}, 'apiKey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}, 'canTrade': {'type': 'boolean'}, 'canMarginLoanRepay': {'type': 'boolean'}, 'canFuturesTrade': {'type': 'boolean'}, 'canUniversalTransfer': {'type': 'boolean'}, 'canVanillaOptions': {'type': 'boolean'}}}]}, 'ip_list': {'oneOf': [{'type': 'null'}, {'type': 'array', 'items': {'type': 'string'}}]}, 'ip_restriction': {'oneOf': [{'type': 'null'}, {'type': 'object', 'properties': {'ipRestrict': {'type': ['string', 'boolean']}, 'ipList': {'type': 'array', 'items': {'type': 'string'}}, 'apiKey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}}}]}, 'unverifiable': {'type': 'array', 'items': {'type': 'string'}, 'uniqueItems': True}, 'notes': {'type': 'array', 'items': {'type': 'string'}}}}}, {'if': {'properties': {'status': {'const': 'error'}}}, 'then': {'required': ['error'], 'properties': {'error': {'type': 'string', 'minLength': 1}, 'listing': {'oneOf': [{'type': 'null'}, {'type': 'object', 'properties': {'apiName': {'type': 'string'}, 'apikey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}, 'apiKey': {'$ref': 'https://raw.githubusercontent.com/keylint/keylint/v0.1.0/schemas/state.schema.json#/$defs/key_prefix'}, 'canTrade': {'type': 'boolean'}, 'canMarginLoanRepay': {'type': 'boolean'}, 'canFuturesTrade': {'type': 'boolean'}, 'canUniversalTransfer': {'type': 'boolean'}, 'canVanillaOptions': {'type': 'boolean'}}}]}, 'notes': {'type': 'array', 'items': {'type': 'string'}}}}}, {'if': {'properties': {'status': {'const': 'not_found'}}}, 'then': {'properties': {'reason': {'type': 'string'}, 'notes': {'type': 'array', 'items': {'type': 'string'}}}}}]}, rule='required')
        data_keys = set(data.keys())
        if "status" in data_keys:
            data_keys.remove("status")
            data__status = data["status"]
            if not (isinstance(data__status, str) and data__status == 'ok' or isinstance(data__status, str) and data__status == 'not_found' or isinstance(data__status, str) and data__status == 'error'):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".status must be one of ['ok', 'not_found', 'error']", value=data__status, name="" + (name_prefix or "data") + ".status", definition={'enum': ['ok', 'not_found', 'error']}, rule='enum')
        if "rotation" in data_keys:
            data_keys.remove("rotation")
            data__rotation = data["rotation"]
            validate_https___raw_githubusercontent_com_keylint_keylint_v0_1_0_schemas_state_schema_json___defs_rotation(data__rotation, custom_formats, (name_prefix or "data") + ".rotation")
    return data

def validate_https___raw_githubusercontent_com_keylint_keylint_v0_1_0_schemas_state_schema_json___defs_rotation(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'required': ['path', 'current', 'replaced', 'retire_after', 'pending'], 'additionalProperties': False, 'properties': {'path': {'type': 'string'}, 'current': {'oneOf': [{'type': 'null'}, {'type': 'string', 'pattern': '^[^…]{0,8}…$'}]}, 'replaced': {'oneOf': [{'type': 'null'}, {'type': 'string', 'pattern': '^[^…]{0,8}…$'}]}, 'retire_after': {'oneOf': [{'type': 'null'}, {'type': 'string', 'pattern': '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$'}]}, 'pending': {'oneOf': [{'type': 'null'}, {'type': 'string'}]}}}, rule='type')
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data__missing_keys = set(['path', 'current', 'replaced', 'retire_after', 'pending']) - data.keys()
        if data__missing_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must contain " + (str(sorted(data__missing_keys)) + " properties"), value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'required': ['path', 'current', 'replaced', 'retire_after', 'pending'], 'additionalProperties': False, 'properties': {'path': {'type': 'string'}, 'current': {'oneOf': [{'type': 'null'}, {'type': 'string', 'pattern': '^[^…]{0,8}…$'}]}, 'replaced': {'oneOf': [{'type': 'null'}, {'type': 'string', 'pattern': '^[^…]{0,8}…$'}]}, 'retire_after': {'oneOf': [{'type': 'null'}, {'type': 'string', 'pattern': '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$'}]}, 'pending': {'oneOf': [{'type': 'null'}, {'type': 'string'}]}}}, rule='required')
        data_keys = set(data.keys())
        if "path" in data_keys:
            data_keys.remove("path")
            data__path = data["path"]
            if not isinstance(data__path, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".path must be string", value=data__path, name="" + (name_prefix or "data") + ".path", definition={'type': 'string'}, rule='type')
        if "current" in data_keys:
            data_keys.remove("current")
            data__current = data["current"]
            data__current_one_of_count6 = 0
            if data__current_one_of_count6 < 2:
                try:
                    if not isinstance(data__current, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".current must be null", value=data__current, name="" + (name_prefix or "data") + ".current", definition={'type': 'null'}, rule='type')
                    data__current_one_of_count6 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if data__current_one_of_count6 < 2:
                try:
                    validate_https___raw_githubusercontent_com_keylint_keylint_v0_1_0_schemas_state_schema_json___defs_key_prefix(data__current, custom_formats, (name_prefix or "data") + ".current")
                    data__current_one_of_count6 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if data__current_one_of_count6 != 1:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".current must be valid exactly by one definition" + (" (" + str(data__current_one_of_count6) + " matches found)"), value=data__current, name="" + (name_prefix or "data") + ".current", definition={'oneOf': [{'type': 'null'}, {'type': 'string', 'pattern': '^[^…]{0,8}…$'}]}, rule='oneOf')
        if "replaced" in data_keys:
            data_keys.remove("replaced")
            data__replaced = data["replaced"]
            data__replaced_one_of_count7 = 0
            if data__replaced_one_of_count7 < 2:
                try:
                    if not isinstance(data__replaced, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".replaced must be null", value=data__replaced, name="" + (name_prefix or "data") + ".replaced", definition={'type': 'null'}, rule='type')
                    data__replaced_one_of_count7 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if data__replaced_one_of_count7 < 2:
                try:
                    validate_https___raw_githubusercontent_com_keylint_keylint_v0_1_0_schemas_state_schema_json___defs_key_prefix(data__replaced, custom_formats, (name_prefix or "data") + ".replaced")
                    data__replaced_one_of_count7 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if data__replaced_one_of_count7 != 1:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".replaced must be valid exactly by one definition" + (" (" + str(data__replaced_one_of_count7) + " matches found)"), value=data__replaced, name="" + (name_prefix or "data") + ".replaced", definition={'oneOf': [{'type': 'null'}, {'type': 'string', 'pattern': '^[^…]{0,8}…$'}]}, rule='oneOf')
        if "retire_after" in data_keys:
            data_keys.remove("retire_after")
            data__retireafter = data["retire_after"]
            data__retireafter_one_of_count8 = 0
            if data__retireafter_one_of_count8 < 2:
                try:
                    if not isinstance(data__retireafter, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".retire_after must be null", value=data__retireafter, name="" + (name_prefix or "data") + ".retire_after", definition={'type': 'null'}, rule='type')
                    data__retireafter_one_of_count8 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if data__retireafter_one_of_count8 < 2:
                try:
                    if not isinstance(data__retireafter, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".retire_after must be string", value=data__retireafter, name="" + (name_prefix or "data") + ".retire_after", definition={'type': 'string', 'pattern': '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$'}, rule='type')
                    if isinstance(data__retireafter, str):
                        if not REGEX_PATTERNS['^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$'].search(data__retireafter):
                            raise JsonSchemaValueException("" + (name_prefix or "data") + ".retire_after must match pattern ^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$", value=data__retireafter, name="" + (name_prefix or "data") + ".retire_after", definition={'type': 'string', 'pattern': '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$'}, rule='pattern')
                    data__retireafter_one_of_count8 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if data__retireafter_one_of_count8 != 1:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".retire_after must be valid exactly by one definition" + (" (" + str(data__retireafter_one_of_count8) + " matches found)"), value=data__retireafter, name="" + (name_prefix or "data") + ".retire_after", definition={'oneOf': [{'type': 'null'}, {'type': 'string', 'pattern': '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$'}]}, rule='oneOf')
        if "pending" in data_keys:
            data_keys.remove("pending")
            data__pending = data["pending"]
            data__pending_one_of_count9 = 0
            if data__pending_one_of_count9 < 2:
                try:
                    if not isinstance(data__pending, (NoneType)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".pending must be null", value=data__pending, name="" + (name_prefix or "data") + ".pending", definition={'type': 'null'}, rule='type')
                    data__pending_one_of_count9 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if data__pending_one_of_count9 < 2:
                try:
                    if not isinstance(data__pending, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".pending must be string", value=data__pending, name="" + (name_prefix or "data") + ".pending", definition={'type': 'string'}, rule='type')
                    data__pending_one_of_count9 += 1
                except (JsonSchemaValueException, JsonSchemaValuesException): pass
            if data__pending_one_of_count9 != 1:
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".pending must be valid exactly by one definition" + (" (" + str(data__pending_one_of_count9) + " matches found)"), value=data__pending, name="" + (name_prefix or "data") + ".pending", definition={'oneOf': [{'type': 'null'}, {'type': 'string'}]}, rule='oneOf')
        if data_keys:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must not contain "+str(data_keys)+" properties", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'required': ['path', 'current', 'replaced', 'retire_after', 'pending'], 'additionalProperties': False, 'properties': {'path': {'type': 'string'}, 'current': {'oneOf': [{'type': 'null'}, {'type': 'string', 'pattern': '^[^…]{0,8}…$'}]}, 'replaced': {'oneOf': [{'type': 'null'}, {'type': 'string', 'pattern': '^[^…]{0,8}…$'}]}, 'retire_after': {'oneOf': [{'type': 'null'}, {'type': 'string', 'pattern': '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$'}]}, 'pending': {'oneOf': [{'type': 'null'}, {'type': 'string'}]}}}, rule='additionalProperties')
    return data

def validate_https___raw_githubusercontent_com_keylint_keylint_v0_1_0_schemas_state_schema_json___defs_notes(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (list, tuple)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be array", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'array', 'items': {'type': 'string'}}, rule='type')
    data_is_list = isinstance(data, (list, tuple))
    if data_is_list:
        data_len = len(data)
        for data_x, data_item in enumerate(data):
            if not isinstance(data_item, (str)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + " must be string", value=data_item, name="" + (name_prefix or "data") + "[{data_x}]".format(**locals()) + "", definition={'type': 'string'}, rule='type')
    return data

def validate_https___raw_githubusercontent_com_keylint_keylint_v0_1_0_schemas_state_schema_json___defs_ip_restriction(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'properties': {'ipRestrict': {'type': ['string', 'boolean']}, 'ipList': {'type': 'array', 'items': {'type': 'string'}}, 'apiKey': {'type': 'string', 'pattern': '^[^…]{0,8}…$'}}}, rule='type')
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "ipRestrict" in data_keys:
            data_keys.remove("ipRestrict")
            data__ipRestrict = data["ipRestrict"]
            if not isinstance(data__ipRestrict, (str, bool)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".ipRestrict must be string or boolean", value=data__ipRestrict, name="" + (name_prefix or "data") + ".ipRestrict", definition={'type': ['string', 'boolean']}, rule='type')
        if "ipList" in data_keys:
            data_keys.remove("ipList")
            data__ipList = data["ipList"]
            if not isinstance(data__ipList, (list, tuple)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".ipList must be array", value=data__ipList, name="" + (name_prefix or "data") + ".ipList", definition={'type': 'array', 'items': {'type': 'string'}}, rule='type')
            data__ipList_is_list = isinstance(data__ipList, (list, tuple))
            if data__ipList_is_list:
                data__ipList_len = len(data__ipList)
                for data__ipList_x, data__ipList_item in enumerate(data__ipList):
                    if not isinstance(data__ipList_item, (str)):
                        raise JsonSchemaValueException("" + (name_prefix or "data") + ".ipList[{data__ipList_x}]".format(**locals()) + " must be string", value=data__ipList_item, name="" + (name_prefix or "data") + ".ipList[{data__ipList_x}]".format(**locals()) + "", definition={'type': 'string'}, rule='type')
        if "apiKey" in data_keys:
            data_keys.remove("apiKey")
            data__apiKey = data["apiKey"]
            validate_https___raw_githubusercontent_com_keylint_keylint_v0_1_0_schemas_state_schema_json___defs_key_prefix(data__apiKey, custom_formats, (name_prefix or "data") + ".apiKey")
    return data

def validate_https___raw_githubusercontent_com_keylint_keylint_v0_1_0_schemas_state_schema_json___defs_restrictions(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (dict)):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be object", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'object', 'properties': {'ipRestrict': {'type': 'boolean'}, 'createTime': {'type': 'integer', 'minimum': 0}, 'tradingAuthorityExpirationTime': {'type': 'integer', 'minimum': 0}}, 'patternProperties': {'^(enable|permits)': {'type': 'boolean'}}}, rule='type')
    data_is_dict = isinstance(data, dict)
    if data_is_dict:
        data_keys = set(data.keys())
        if "ipRestrict" in data_keys:
            data_keys.remove("ipRestrict")
            data__ipRestrict = data["ipRestrict"]
            if not isinstance(data__ipRestrict, (bool)):
                raise JsonSchemaValueException("" + (name_prefix or "data") + ".ipRestrict must be boolean", value=data__ipRestrict, name="" + (name_prefix or "data") + ".ipRestrict", definition={'type': 'boolean'}, rule='type')
        if "createTime" in data_keys:
            data_keys.remove("createTime")
            data__createTime = data["createTime"]
            validate_https___raw_githubusercontent_com_keylint_keylint_v0_1_0_schemas_state_schema_json___defs_timestamp_ms(data__createTime, custom_formats, (name_prefix or "data") + ".createTime")
        if "tradingAuthorityExpirationTime" in data_keys:
            data_keys.remove("tradingAuthorityExpirationTime")
            data__tradingAuthorityExpirationTime = data["tradingAuthorityExpirationTime"]
            validate_https___raw_githubusercontent_com_keylint_keylint_v0_1_0_schemas_state_schema_json___defs_timestamp_ms(data__tradingAuthorityExpirationTime, custom_formats, (name_prefix or "data") + ".tradingAuthorityExpirationTime")
        for data_key, data_val in data.items():
            if REGEX_PATTERNS['^(enable|permits)'].search(data_key):
                if data_key in data_keys:
                    data_keys.remove(data_key)
                if not isinstance(data_val, (bool)):
                    raise JsonSchemaValueException("" + (name_prefix or "data") + ".{data_key}".format(**locals()) + " must be boolean", value=data_val, name="" + (name_prefix or "data") + ".{data_key}".format(**locals()) + "", definition={'type': 'boolean'}, rule='type')
    return data

def validate_https___raw_githubusercontent_com_keylint_keylint_v0_1_0_schemas_state_schema_json___defs_timestamp_ms(data, custom_formats={}, name_prefix=None):
    if not isinstance(data, (int)) and not (isinstance(data, float) and data.is_integer()) or isinstance(data, bool):
        raise JsonSchemaValueException("" + (name_prefix or "data") + " must be integer", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'integer', 'minimum': 0}, rule='type')
    if isinstance(data, (int, float, Decimal)) and not isinstance(data, bool):
        if data < 0:
            raise JsonSchemaValueException("" + (name_prefix or "data") + " must be bigger than or equal to 0", value=data, name="" + (name_prefix or "data") + "", definition={'type': 'integer', 'minimum': 0}, rule='minimum')
    return data


def validate(data):
    return validate_https___raw_githubusercontent_com_keylint_keylint_v0_1_0_schemas_state_schema_json(data)
