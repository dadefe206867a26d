"""Where schemas/policy.schema.json comes from: keylint's own tables and parsers, written out
as JSON Schema so that an editor refuses what `keylint validate` refuses.

The file is generated (`python -m keylint.policy.schema_source` writes it and the compiled
`schema_fast.py`); a test keeps the committed file equal to what this module builds, and the
differential tests (tests/unit/policy/test_schema_source*.py, test_loader_schema.py) feed the
same values and documents to the schema and to keylint and assert the two agree.

Two kinds of constraint:

- one value at a time (the file's shape, and the text keylint parses: addresses, durations,
  dates, waived rule ids, the store path): keylint reports these from the schema (KL002),
  with the message of its own parser where one reads the value. Those that mirror a parser
  name it in `x-keylint-mirrors` (keyword -> the code that makes the same check), which the
  differential tests take away to compare the schema with that code;
- across a key's fields, `defaults` included (no permissions, `ips:` with `ip_restrict:
  false`, what `rotation:` needs): the loader checks and reports these itself; the schema
  mirrors them for editors and marks them `x-keylint-reports` (the keywords the loader
  reports), which keylint leaves out of its own schema pass so that nothing is said twice.

What JSON Schema cannot say is left to keylint alone (see NOT_EXPRESSED).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from keylint.catalog import CATALOG, Kind
from keylint.policy import permissions as perms
from keylint.policy.durations import MAX_DIGITS
from keylint.policy.model import PENDING_SUFFIX
from keylint.policy.schema import MIRRORS, REPORTS, schema_url

# Fields a key may take from `defaults` (the loader's merge: the key's own value wins).
MERGED = (
    "owner",
    "sub_account",
    "permissions",
    "ip_restrict",
    "ips",
    "max_age",
    "rotate_warning",
    "status",
    "waivers",
)

# What keylint refuses that this schema does not, and why (README, "Editor support").
NOT_EXPRESSED = {
    "rotate_warning >= max_age": "comparing two durations is arithmetic; a pattern only "
    "matches text",
    "an IPv6 range with host bits set (2001:db8::1/32)": "which bits a prefix leaves is "
    "arithmetic on the address; with `::` shortening, no pattern of sane size says it "
    "(IPv4 ranges are checked: they have one spelling per prefix)",
    "a key name or api_key_env declared twice (KL003)": "it spans files; JSON Schema sees one",
    "a mapping key written twice (KL001)": "a YAML parser keeps one of the two before any "
    "schema sees the data",
    "a secret pasted anywhere, comments included (KL004)": "it is a guess about text, and "
    "comments never reach a schema",
}


# --- the text keylint parses, as ECMA-262 patterns (valid in Python's re as well) ---------


def _char_class(chars: Iterable[str]) -> str:
    """A character class of exactly these characters, as \\uXXXX ranges (BMP only)."""
    codes = sorted({ord(c) for c in chars})
    assert codes and codes[-1] <= 0xFFFF
    runs: list[tuple[int, int]] = []
    for code in codes:
        if runs and code == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], code)
        else:
            runs.append((code, code))
    parts = [
        f"\\u{a:04x}"
        if a == b
        else f"\\u{a:04x}-\\u{b:04x}"
        if b > a + 1
        else f"\\u{a:04x}\\u{b:04x}"
        for a, b in runs
    ]
    return "[" + "".join(parts) + "]"


# What str.strip() removes: the loader strips addresses and durations before reading them.
# (All of them lie in the BMP; a test holds this class to str.strip over every code point.)
BLANK = _char_class(chr(c) for c in range(0x10000) if chr(c).isspace())

OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
IPV4 = rf"{OCTET}(?:\.{OCTET}){{3}}"
HEXTET = "[0-9A-Fa-f]{1,4}"


def _multiples(step: int) -> str:
    """The octet values that are multiples of `step` (a range's last network octet)."""
    return _numbers([str(v) for v in range(0, 256, step)])


def _numbers(texts: list[str]) -> str:
    """A pattern matching exactly these digit strings, their common parts shared: the
    even octets are `25[024]|2[0-4][02468]|...`, not 128 alternatives."""
    if texts == [""]:
        return ""
    rests: dict[str, set[str]] = {}
    for text in texts:
        if text:
            rests.setdefault(text[0], set()).add(text[1:])
    # First digits followed by the same endings share one class: [1-9][02468].
    by_rest: dict[frozenset[str], list[str]] = {}
    for digit, rest in sorted(rests.items()):
        by_rest.setdefault(frozenset(rest), []).append(digit)
    parts = []
    for endings, digits in sorted(by_rest.items(), key=lambda item: item[1]):
        ending = _numbers(sorted(endings - {""})) if endings - {""} else ""
        if ending and "" in endings:
            ending = f"(?:{ending})?"
        parts.append(_digits(digits) + ending)
    optional = "" in texts
    joined = parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"
    return f"(?:{joined})?" if optional else joined


def _digits(digits: list[str]) -> str:
    if len(digits) == 1:
        return digits[0]
    values = [int(d) for d in digits]
    if values == list(range(values[0], values[-1] + 1)):
        return f"[{digits[0]}-{digits[-1]}]"
    return "[" + "".join(digits) + "]"


def _ipv4_mask(prefix: int) -> str:
    return ".".join(str((((1 << 32) - 1) << (32 - prefix) >> (8 * i)) & 0xFF) for i in (3, 2, 1, 0))


def _ipv4_range(prefix: int) -> str:
    """`network/prefix` with no host bit set, the prefix in every spelling Python's
    ipaddress reads: a number (leading zeros too), a netmask, or a hostmask."""
    full, bits = divmod(prefix, 8)
    if full == 4:
        address = IPV4
    else:
        network = "" if full == 0 else rf"{OCTET}\." if full == 1 else rf"(?:{OCTET}\.){{{full}}}"
        address = network + _multiples(1 << (8 - bits)) + r"\.0" * (3 - full)
    masks = [f"0*{prefix}" if prefix else "0+", _ipv4_mask(prefix).replace(".", r"\.")]
    if 0 < prefix < 32:  # all-ones and all-zeroes read as netmasks (/32, /0) first
        inverse = ".".join(str(255 - int(o)) for o in _ipv4_mask(prefix).split("."))
        masks.append(inverse.replace(".", r"\."))
    return f"{address}/(?:{'|'.join(masks)})"


def ipv4_pattern() -> str:
    """An IPv4 address, or a range by its network address (exactly what the loader reads)."""
    return "(?:" + "|".join([IPV4, *(_ipv4_range(p) for p in range(33))]) + ")"


def ipv6_pattern() -> str:
    """An IPv6 address as Python's ipaddress spells it (`::` for one or more zero groups,
    a dotted IPv4 tail), with an optional prefix; no zone id (`%eth0`)."""
    tail4 = IPV4
    whole = [f"(?:{HEXTET}:){{7}}{HEXTET}", f"(?:{HEXTET}:){{6}}{tail4}"]
    for high in range(8):  # groups before `::`; together at most 7 are written
        before = "" if high == 0 else f"{HEXTET}(?::{HEXTET}){{{high - 1}}}"
        room = 7 - high
        after = []
        if room >= 1:
            after.append(f"{HEXTET}(?::{HEXTET}){{0,{room - 1}}}")
        if room >= 2:
            after.append(f"(?:{HEXTET}:){{0,{room - 2}}}{tail4}")
        rest = f"(?:{'|'.join(after)})?" if after else ""
        whole.append(f"{before}::{rest}")
    return "(?:" + "|".join(whole) + ")(?:/0*(?:12[0-8]|1[01][0-9]|[1-9]?[0-9]))?"


def ipv4_mapped() -> str:
    """Any spelling of an address in ::ffff:0:0/96, which Binance shows in IPv4: the loader
    refuses it at every prefix (below /96 its host bits are set). Applied to text the address
    pattern accepts, so it only has to tell where the ffff group stands."""
    zero = "0{1,4}"
    ffff = "[Ff]{4}"
    last32 = f"(?:{HEXTET}:{HEXTET}|{IPV4})"
    # `::` before the ffff: then exactly two groups follow it, written out.
    compressed_before = f"(?:(?:{zero}:)+|:):(?:{zero}:)*{ffff}:{last32}(?:/|{BLANK}*$)"
    # Five zeros and ffff written out: the ffff is the sixth group, whatever follows.
    written_out = f"(?:{zero}:){{5}}{ffff}:"
    return f"(?:{compressed_before}|{written_out})"


def ip_pattern() -> str:
    """What keylint.policy.ips.parse_network accepts (bar IPv6 host bits, NOT_EXPRESSED)."""
    return f"^(?!{BLANK}*{ipv4_mapped()}){BLANK}*(?:{ipv4_pattern()}|{ipv6_pattern()}){BLANK}*$"


def duration_pattern() -> str:
    """What keylint.policy.durations.parse_duration accepts: a positive number of hours,
    days or weeks, or ISO 8601 without months and years, each number at most MAX_DIGITS."""
    n = f"[0-9]{{1,{MAX_DIGITS}}}"
    iso = f"P(?:{n}W)?(?:{n}D)?(?:T(?=[0-9])(?:{n}H)?(?:{n}M)?(?:{n}S)?)?"
    # Longer than zero: some number has a digit other than 0 (blanks and letters have none).
    return f"^{BLANK}*(?=[^1-9]*[1-9])(?:{n}[hdw]|{iso}){BLANK}*$"


def date_pattern() -> str:
    """A calendar date YYYY-MM-DD from 0001-01-01, leap days included (date.fromisoformat)."""
    day31 = "(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    day30 = "(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    february = "02-(?:0[1-9]|1[0-9]|2[0-8])"
    leap = "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29"
    return f"^(?!0000)(?:[0-9]{{4}}-(?:{day31}|{day30}|{february})|{leap})$"


# --- the schema -----------------------------------------------------------------------------

ENV_NAME = {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"}


def _loader_reports(*keywords: str) -> dict[str, Any]:
    return {REPORTS: list(keywords)}


def _mirrors(**keywords: str) -> dict[str, Any]:
    return {MIRRORS: keywords}


def _defs() -> dict[str, Any]:
    names = perms.all_names()
    creatable = {"reading", *perms.LISTING_FIELD}
    waivable = [rule for rule, entry in CATALOG.items() if entry.kind is not Kind.FILE]
    repeated = [
        {"allOf": [{"contains": {"const": name}}, {"contains": {"const": field}}]}
        for name, field in perms.BINANCE_FIELD.items()
    ]
    return {
        "permission": {
            "enum": names,
            "description": "A permission by its keylint name, or by its Binance field name.",
        },
        "permissions": {
            "type": "array",
            "uniqueItems": True,
            "items": {"$ref": "#/$defs/permission"},
            "not": {"anyOf": repeated},
            "errorMessage": "a permission is listed twice, once by its Binance field name",
            **_mirrors(**{"not": "keylint.policy.loader (read_permissions)"}),
            "description": "The exact set of permissions expected to be enabled (canonical "
            "name or Binance field name).",
        },
        "ip": {
            "type": "string",
            "pattern": ip_pattern(),
            "patternErrorMessage": "not an IP address or CIDR range as Binance lists it (no "
            "zone id, IPv4-mapped addresses in IPv4, a range by its network address); "
            "`keylint validate` says what to write",
            **_mirrors(pattern="keylint.policy.ips.parse_network"),
        },
        "ips": {
            "type": "array",
            "uniqueItems": True,
            "items": {"$ref": "#/$defs/ip"},
            "description": "Trusted IPv4/IPv6 addresses or CIDR ranges (implies ip_restrict), "
            "written as Binance lists them: no IPv6 zone id (%eth0), IPv4-mapped addresses "
            "(::ffff:203.0.113.10) in IPv4.",
        },
        "duration": {
            "type": "string",
            "pattern": duration_pattern(),
            "patternErrorMessage": "a duration longer than zero: 36h, 90d, 12w or ISO 8601 "
            f"(P90D, PT36H), each number at most {MAX_DIGITS} digits; no months or years",
            **_mirrors(pattern="keylint.policy.durations.parse_duration"),
            "examples": ["90d", "36h", "12w", "P90D"],
        },
        "keyName": {
            "type": "string",
            "pattern": "^[a-z0-9][a-z0-9._-]*$",
            "maxLength": 128,
            "description": "Unique across all policy files.",
        },
        "envName": ENV_NAME,
        "subAccount": {
            "type": "string",
            "minLength": 3,
            "description": "E-mail of the sub-account the key belongs to.",
        },
        "owner": {
            "type": "string",
            "description": "Who answers for the key; shown in reports and PR comments.",
            "examples": ["@quant-team"],
        },
        "status": {
            "enum": ["active", "retired"],
            "default": "active",
            "description": "active, or retired: a retired key must no longer exist.",
        },
        "waiver": {
            "type": "object",
            "additionalProperties": False,
            "required": ["rule", "reason", "expires"],
            "properties": {
                "rule": {
                    "type": "string",
                    "pattern": "^KL[0-9]{3}$",
                    "enum": waivable,
                    "enumDescriptions": [CATALOG[rule].name for rule in waivable],
                    "errorMessage": "a rule keylint runs on keys (`keylint rules` lists them); "
                    "policy-file problems (KL001-KL006) are fixed, not waived",
                    **_mirrors(enum="keylint.catalog (rules of Kind.STATIC and Kind.LIVE)"),
                    "description": "The rule's id, e.g. KL205.",
                },
                "reason": {"type": "string", "minLength": 1},
                "expires": {
                    "type": "string",
                    "format": "date",
                    "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
                    "allOf": [{"pattern": date_pattern(), "patternErrorMessage": "no such day"}],
                    **_mirrors(
                        format="datetime.date.fromisoformat", allOf="datetime.date.fromisoformat"
                    ),
                    "description": "The last day the waiver applies (YYYY-MM-DD).",
                },
            },
        },
        "rotation": {
            "type": "object",
            "additionalProperties": False,
            "required": ["store", "path"],
            "description": "keylint rotates this sub-account key (SPEC §7): a new Ed25519 key "
            "with exactly the declared restrictions is created through the master, its "
            "credentials are written to the secret store, and the replaced key is deleted "
            "after `grace`. The key then declares no api_key_env, secret_env or "
            "private_key_env: its credentials live in the store.",
            "properties": {
                "store": {
                    "enum": ["vault"],
                    "description": "vault: HashiCorp Vault or OpenBao, KV version 2, configured "
                    "by VAULT_ADDR, VAULT_TOKEN, VAULT_NAMESPACE and VAULT_CACERT.",
                },
                "path": {
                    "type": "string",
                    "pattern": f"^[^/{BLANK[1:-1]}]+(/[^/{BLANK[1:-1]}]+)+$",
                    "maxLength": 512,
                    "allOf": [
                        {
                            "not": {
                                "pattern": rf"(^|/)\.\.?(/|$)|{PENDING_SUFFIX.replace('.', '[.]')}$"
                            },
                            "errorMessage": "no '.' or '..' segment, and no name ending in "
                            f"{PENDING_SUFFIX} (keylint keeps it for a rotation in progress)",
                        }
                    ],
                    **_mirrors(allOf="keylint.policy.loader (read_rotation)"),
                    "description": "<kv mount>/<secret path> the key's service reads its "
                    "credentials from.",
                    "examples": ["secret/binance/mm-bot-eu"],
                },
                "grace": {
                    "$ref": "#/$defs/duration",
                    "description": "How long the replaced key lives once its successor is "
                    "verified (default 24h).",
                },
            },
        },
        "key": _key(creatable),
        "defaults": {
            "type": "object",
            "additionalProperties": False,
            "properties": {name: _FIELDS[name] for name in MERGED},
            "description": "Merged under every key of this file; the key's own fields win.",
        },
    }


_FIELDS: dict[str, Any] = {
    "owner": {"$ref": "#/$defs/owner"},
    "sub_account": {"$ref": "#/$defs/subAccount"},
    "permissions": {"$ref": "#/$defs/permissions"},
    "ip_restrict": {
        "type": "boolean",
        "default": True,
        "description": "Whether the key is expected to be bound to trusted IPs (default true).",
    },
    "ips": {"$ref": "#/$defs/ips"},
    "max_age": {
        "$ref": "#/$defs/duration",
        "description": "Oldest the key may get before it must be rotated.",
    },
    "rotate_warning": {
        "$ref": "#/$defs/duration",
        "description": "Warn this long before max_age is reached (default 14d).",
    },
    "status": {"$ref": "#/$defs/status"},
    "waivers": {"type": "array", "items": {"$ref": "#/$defs/waiver"}},
}


def _key(creatable: set[str]) -> dict[str, Any]:
    properties = {
        "name": {"$ref": "#/$defs/keyName"},
        "owner": _FIELDS["owner"],
        "description": {"type": "string"},
        "sub_account": _FIELDS["sub_account"],
        "api_name": {
            "type": "string",
            "minLength": 1,
            "description": "The key's label on Binance (matches keys listed through the master).",
        },
        "api_key_env": {
            **ENV_NAME,
            "description": "Environment variable holding the API key; it names the live key. "
            "Alone (no secret_env/private_key_env) on a sub-account key: audited through the "
            "master's listing. Keys outside sub-accounts also need a signing secret.",
        },
        "secret_env": {
            **ENV_NAME,
            "description": "HMAC keys: environment variable holding the secret.",
        },
        "private_key_env": {
            **ENV_NAME,
            "description": "Ed25519/RSA keys: environment variable holding a PEM file path or "
            "PEM text.",
        },
        **{name: _FIELDS[name] for name in MERGED if name not in ("owner", "sub_account")},
        "rotation": {"$ref": "#/$defs/rotation"},
    }
    key: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["name"],
        "properties": properties,
        "not": {"required": ["secret_env", "private_key_env"]},
    }
    key["allOf"] = [clause for clause, on_defaults in _merged_checks(creatable) if not on_defaults]
    return key


def merged_checks() -> list[dict[str, Any]]:
    """The top-level clauses: checks on a key's fields that take one of them from `defaults`."""
    creatable = {"reading", *perms.LISTING_FIELD}
    return [clause for clause, on_defaults in _merged_checks(creatable) if on_defaults]


# A condition on one field of a key after the merge: the schema its value meets when set
# (None: the check needs it unset), and whether the field unset (here and in `defaults`)
# meets it too.
Condition = tuple[str, dict[str, Any] | None, bool]


def _checks(creatable: set[str]) -> list[tuple[str, list[Condition]]]:
    """Each check the loader makes on a key's fields together (keylint.policy.loader,
    read_key and read_rotation), as the fields' values that make it fail."""
    present: dict[str, Any] = {}
    nonempty = {"type": "array", "minItems": 1}
    beyond = [
        name for name in perms.all_names() if (perms.canonical(name) or name) not in creatable
    ]
    rotation: Condition = ("rotation", present, False)
    return [
        (
            "the key declares no `permissions:` (list every permission it should have, "
            "`[reading]` at the least)",
            [("permissions", None, True)],
        ),
        (
            "`ips:` lists trusted IPs but `ip_restrict` is false; drop one of them",
            [("ips", nonempty, False), ("ip_restrict", {"const": False}, False)],
        ),
        (
            "`api_key_env` needs `secret_env` or `private_key_env` to sign requests, unless "
            "the key is a sub-account's (`sub_account:`)",
            [
                ("api_key_env", present, False),
                ("secret_env", None, True),
                ("private_key_env", None, True),
                ("sub_account", None, True),
            ],
        ),
        (
            "`rotation:` is for sub-account keys: declare `sub_account:`",
            [rotation, ("sub_account", None, True)],
        ),
        ("`rotation:` needs `api_name:`", [rotation, ("api_name", None, True)]),
        *(
            (
                f"a key with `rotation:` reads its credentials from the store: delete `{name}`",
                [rotation, (name, present, False)],
            )
            for name in ("api_key_env", "secret_env", "private_key_env")
        ),
        (
            "`rotation:` makes keys through Binance's create, which grants only reading and "
            f"{', '.join(perms.LISTING_FIELD)}",
            [rotation, ("permissions", {"type": "array", "contains": {"enum": beyond}}, False)],
        ),
        (
            "`rotation:` needs a single address in `ips:` (a new key's whitelist takes "
            "addresses, not ranges), or `ip_restrict: false`",
            [
                rotation,
                ("ip_restrict", {"not": {"const": False}}, True),
                ("ips", {"type": "array", "items": {"type": "string", "pattern": "/"}}, True),
            ],
        ),
    ]


def _merged_checks(creatable: set[str]) -> list[tuple[dict[str, Any], bool]]:
    """Every check as clauses, one for each way its fields can come from the key, from
    `defaults` or from nowhere; True where the clause needs `defaults` (a top-level clause)."""
    out: list[tuple[dict[str, Any], bool]] = []
    for message, conditions in _checks(creatable):
        choices = []
        for name, schema, unset_fails in conditions:
            ways: list[tuple[str, dict[str, Any] | None]] = []
            if schema is not None:
                ways.append(("key", schema))
                if name in MERGED:
                    ways.append(("defaults", schema))
            if unset_fails:
                ways.append(("unset", None))
            choices.append([(name, where, schema) for where, schema in ways])
        for combination in itertools.product(*choices):
            out.append(_clause(combination, message))
    return out


def _clause(
    combination: tuple[tuple[str, str, dict[str, Any] | None], ...], message: str
) -> tuple[dict[str, Any], bool]:
    key_has = {name: schema for name, where, schema in combination if where == "key"}
    key_lacks = [name for name, where, _ in combination if where != "key"]
    defaults_has = {name: schema for name, where, schema in combination if where == "defaults"}
    defaults_lacks = [n for n, where, _ in combination if where == "unset" and n in MERGED]
    failing: dict[str, Any] = {"type": "object"}
    if key_has:
        failing["required"] = list(key_has)
        failing["properties"] = {n: s for n, s in key_has.items() if s}
        if not failing["properties"]:
            del failing["properties"]
    if key_lacks:
        failing["not"] = {"anyOf": [{"required": [name]} for name in key_lacks]}
    if not key_has and len(key_lacks) == 1:
        check: dict[str, Any] = {"required": key_lacks, **_loader_reports("required")}
    else:
        check = {"not": failing, **_loader_reports("not")}
    check = {**check, "errorMessage": message}
    if not defaults_has and not defaults_lacks:
        return check, False
    condition: dict[str, Any] = {"type": "object"}
    if defaults_has:
        condition["required"] = list(defaults_has)
        condition["properties"] = {n: s for n, s in defaults_has.items() if s}
        if not condition["properties"]:
            del condition["properties"]
    if defaults_lacks:
        condition["not"] = {"anyOf": [{"required": [name]} for name in defaults_lacks]}
    when: dict[str, Any] = {"properties": {"defaults": condition}}
    if defaults_has:
        when["required"] = ["defaults"]
    clause = {"if": when, "then": {"properties": {"keys": {"items": check}}}}
    return {**clause, **_loader_reports("if", "then")}, True


def build() -> dict[str, Any]:
    """The policy schema, as schemas/policy.schema.json holds it."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": schema_url(),
        "$comment": "GENERATED by keylint.policy.schema_source from keylint's own tables and "
        "parsers: edit that module and run `python -m keylint.policy.schema_source`. "
        f"`{MIRRORS}` names the keylint code a keyword mirrors; the keywords in `{REPORTS}` "
        "mirror checks keylint's loader reports itself.",
        "title": "keylint policy file (format version 1)",
        "description": "Declares what each Binance API key may do (permissions), where it may "
        "be used from (trusted IPs) and how old it may get (max_age). See SPEC §1.",
        "type": "object",
        "required": ["version", "keys"],
        "additionalProperties": False,
        "properties": {
            "version": {"const": 1, "description": "Policy format version; 1."},
            "defaults": {"$ref": "#/$defs/defaults"},
            "master": {
                "type": "object",
                "additionalProperties": False,
                "required": ["api_key_env"],
                "properties": {
                    "api_key_env": {
                        **ENV_NAME,
                        "description": "Environment variable holding the master's API key.",
                    },
                    "secret_env": {
                        **ENV_NAME,
                        "description": "HMAC keys: environment variable holding the secret.",
                    },
                    "private_key_env": {
                        **ENV_NAME,
                        "description": "Ed25519/RSA keys: environment variable holding a PEM "
                        "file path or PEM text.",
                    },
                },
                "description": "The master account's credentials, used to read sub-account keys.",
                "not": {"required": ["secret_env", "private_key_env"]},
            },
            "keys": {"type": "array", "items": {"$ref": "#/$defs/key"}},
        },
        "patternProperties": {
            "^x-": {
                "description": "Extension fields, ignored by keylint: a place for YAML anchors "
                "(`x-base: &base`)."
            }
        },
        "allOf": merged_checks(),
        "$defs": _defs(),
    }


def render() -> str:
    """The schema file's text."""
    return json.dumps(build(), indent=2) + "\n"


def write() -> None:
    """Write schemas/policy.schema.json, then the compiled checker generated from it."""
    from keylint.policy.schema import write_fast_module
    from keylint.schema_check import schema_dir

    (schema_dir() / "policy.schema.json").write_text(render(), encoding="utf-8")
    write_fast_module()


if __name__ == "__main__":
    write()
    print(f"wrote {Path('schemas/policy.schema.json')} and keylint/policy/schema_fast.py")
