"""Binance's endpoints as the emulator serves them: the paths, the route table (each
endpoint's limit and weight), Binance's error answers, and each endpoint's answer. The
server authenticates, charges weight and takes the state lock before an answer is made.

Endpoints, routed by (method, path); any other pair answers 404 -1000:

    GET    /api/v3/time                                          Weight 1
    GET    /sapi/v1/account/apiRestrictions                      the caller's own key
    GET    /sapi/v1/sub-account/list                             master key only
    GET    /sapi/v1/sub-account/subAccountApi                    master; the listing
    GET    /sapi/v1/sub-account/subAccountApi/ipRestriction      master
    POST   /sapi/v2/sub-account/subAccountApi/ipRestriction      master + Spot & Margin Trading
    DELETE /sapi/v1/sub-account/subAccountApi/ipRestriction/ipList  master + Spot & Margin Trading
    POST   /sapi/v1/sub-account/subAccountApiPermission          master
    DELETE /sapi/v1/sub-account/subAccountApi                    master + Spot & Margin Trading
    POST   /sapi/v1/sub-account/subAccountApi                    master + Spot & Margin Trading
    POST   /sapi/v2/sub-account/subAccountApi                    master + Spot & Margin Trading

The sub-account ones cost Weight(UID) 3000 each. The six writes change the scenario in place
(under a lock) so the reads show their effect; their parameters may come in the query string,
a form body or both, and the signature covers the query concatenated with the body. The two
creates add a key with exactly the requested permissions and addresses, `createTime` now,
which the master's listing shows and which signs requests at once; an HMAC key's
`secretKey` is in the create answer only.

Where Binance's documentation is silent, the emulator chooses (and keylint must not rely on
more than this):
- a 31st trusted address, a malformed address or flag value, a bad `status`: 400 -1130;
  a missing `status`, or DELETE ipList without `ipAddress`: 400 -1102 (the docs call
  `status` mandatory);
- status 2 without `ipAddress` restricts the key and leaves its list as it is (possibly
  empty); status 1 ignores `ipAddress` and clears the list; the add answer omits `ipList`
  when it is empty, as the docs' example suggests;
- addresses are stored in canonical form (`2001:DB8::1` -> `2001:db8::1`); DELETE ipList
  accepts plain addresses only; emptying the list leaves the key restricted;
- flags must be exactly "true"/"false"; omitted flags stay as they are;
- `updateTime` moves on every successful write, even one that changes nothing;
- checks run in this order: mandatory parameters, value formats, sub-account and key,
  the 30-address cap; the master and trading checks come before any UID weight is charged;
- each (method, path) has its own weight budget;
- the permission answer is the listing row without `email`, as in the docs and the SDK;
- create: `publicKey` is a SubjectPublicKeyInfo ("BEGIN PUBLIC KEY"), as PEM or as its bare
  base64 (Binance's key generator shows it with and without the armour); V1 takes Ed25519
  only, V2 Ed25519 or RSA (2048 or 4096 bits); anything else is 400 -1130, and so is a V2
  `publicKey` in the query string (the V2 docs ask for the body; V1 takes it anywhere, as
  the official SDK sends every V1 parameter in the query string);
- create: `status` 1 ignores `ipAddress`; status 2 needs it (-1102), holds 1 to 30 single
  addresses in at most 500 characters (-1130 otherwise; the 30 is the Link-key cap applied
  here too); status 3 needs `thirdPartyName` (-1102), which becomes the key's whole `ipList`;
- create: a FIX flag set "true" on V1, or on V2 for a key that is not Ed25519, is 400 -9000
  "Unsupported operation"; so is a sub-account flagged asset-management (docs: not supported);
- create: `apiName` is not checked for uniqueness (undocumented; keylint must not rely on
  it either way); the answer's `status` is a number (the SDK's model is a strict int,
  unlike the IP-restriction answers' string), and a V2 answer adds `canFixApiTrading` /
  `canFixApiReading`;
- create checks run in this order: mandatory parameters, value formats (status, flags,
  addresses, thirdPartyName, publicKey), FIX support, sub-account; the key's Reading
  permission is always on, as on every Binance key.
"""

from __future__ import annotations

import base64
import ipaddress
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from keylint.testing.emulator.scenario import (
    _ALNUM,
    EmuKey,
    EmuSubAccount,
    Scenario,
    Signing,
    random_api_key,
)

PATH_TIME = "/api/v3/time"
PATH_RESTRICTIONS = "/sapi/v1/account/apiRestrictions"
PATH_SUB_API = "/sapi/v1/sub-account/subAccountApi"
PATH_SUB_API_IP = "/sapi/v1/sub-account/subAccountApi/ipRestriction"
PATH_SUB_LIST = "/sapi/v1/sub-account/list"
PATH_SUB_API_IP_ADD = "/sapi/v2/sub-account/subAccountApi/ipRestriction"
PATH_SUB_API_IP_LIST = "/sapi/v1/sub-account/subAccountApi/ipRestriction/ipList"
PATH_SUB_API_PERMISSION = "/sapi/v1/sub-account/subAccountApiPermission"
# Create a sub-account key: POST on PATH_SUB_API (V1) or on this V2 path (adds FIX flags).
PATH_SUB_API_V2 = "/sapi/v2/sub-account/subAccountApi"

# Stated by Binance for Link-created keys only; applied to every key here.
MAX_TRUSTED_IPS = 30


class _BinanceAnswer(Exception):
    """An error answer, raised out of the request handling."""

    def __init__(self, status: int, code: int, msg: str, headers: dict[str, str] | None = None):
        super().__init__(msg)
        self.status = status
        self.code = code
        self.msg = msg
        self.headers = headers or {}


def _mandatory(name: str) -> _BinanceAnswer:
    return _BinanceAnswer(
        400, -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."
    )


def _not_valid(name: str) -> _BinanceAnswer:
    return _BinanceAnswer(400, -1130, f"Data sent for parameter '{name}' is not valid.")


def _require(params: Mapping[str, str], *names: str) -> None:
    for name in names:
        if not params.get(name):
            raise _mandatory(name)


@dataclass(frozen=True)
class _Call:
    """One request as the router sees it: `query` and `body` exactly as sent, for signing."""

    method: str
    path: str
    query: str
    body: str
    params: dict[str, str]
    api_key: str


# (method, path) → (which limit it counts against, its weight).
_ROUTES: dict[tuple[str, str], tuple[str, int]] = {
    ("GET", PATH_TIME): ("api", 1),
    ("GET", PATH_RESTRICTIONS): ("sapi-ip", 1),
    ("GET", PATH_SUB_LIST): ("sapi-ip", 1),
    ("GET", PATH_SUB_API): ("uid", 3000),
    ("GET", PATH_SUB_API_IP): ("uid", 3000),
    ("POST", PATH_SUB_API_IP_ADD): ("uid", 3000),
    ("DELETE", PATH_SUB_API_IP_LIST): ("uid", 3000),
    ("POST", PATH_SUB_API_PERMISSION): ("uid", 3000),
    ("DELETE", PATH_SUB_API): ("uid", 3000),
    ("POST", PATH_SUB_API): ("uid", 3000),
    ("POST", PATH_SUB_API_V2): ("uid", 3000),
}
# Writes the calling key may make only with "Enable Spot & Margin Trading" on.
_NEEDS_TRADING = {
    ("POST", PATH_SUB_API_IP_ADD),
    ("DELETE", PATH_SUB_API_IP_LIST),
    ("DELETE", PATH_SUB_API),
    ("POST", PATH_SUB_API),
    ("POST", PATH_SUB_API_V2),
}


@dataclass(frozen=True)
class _Context:
    """What an endpoint's answer depends on: the scenario (the server holds the emulator's
    state lock while the answer is made), the call, and the server's clock."""

    scenario: Scenario
    call: _Call
    clock: Callable[[], int]


def _sub_account(scenario: Scenario, params: Mapping[str, str]) -> EmuSubAccount:
    email = params.get("email", "")
    if not email:
        raise _mandatory("email")
    for sub in scenario.sub_accounts:
        if sub.email.lower() == email.lower():
            return sub
    # Binance's code for an unknown sub-account is undocumented; this one is our choice.
    raise _BinanceAnswer(400, -12022, "Sub-account does not exist.")


def _sub_list(ctx: _Context) -> Any:
    params = ctx.call.params
    page, limit = _int_param(params, "page", 1), _int_param(params, "limit", 1)
    if not 1 <= limit <= 200:
        raise _BinanceAnswer(400, -1130, "Data sent for parameter 'limit' is not valid.")
    subs = ctx.scenario.sub_accounts
    if params.get("email"):
        subs = [s for s in subs if s.email.lower() == params["email"].lower()]
    chunk = subs[(page - 1) * limit : page * limit]
    return {"subAccounts": [_sub_row(s) for s in chunk]}


def _sub_api(ctx: _Context) -> Any:
    params = ctx.call.params
    sub = _sub_account(ctx.scenario, params)
    page, size = _int_param(params, "page", 1), _int_param(params, "size", 30)
    if not 1 <= size <= 100:
        raise _BinanceAnswer(400, -1130, "Data sent for parameter 'size' is not valid.")
    keys = [k for k in ctx.scenario.keys if k.owner == sub.email]
    if params.get("subAccountApiKey"):
        keys = [k for k in keys if k.api_key == params["subAccountApiKey"]]
    chunk = keys[(page - 1) * size : page * size]
    rows = [_listing_row(sub.email, k) for k in chunk]
    return {"total": len(keys), ctx.scenario.listing_field: rows}


def _target_key(scenario: Scenario, params: Mapping[str, str]) -> EmuKey:
    """The sub-account key a master call is about; the caller holds `_state_lock`."""
    sub = _sub_account(scenario, params)
    target = params.get("subAccountApiKey", "")
    if not target:
        raise _mandatory("subAccountApiKey")
    key = scenario.key(target)
    if key is None or key.owner != sub.email:
        raise _BinanceAnswer(400, -12022, "Sub-account API key does not exist.")
    return key


def _sub_api_ip(ctx: _Context) -> Any:
    params = ctx.call.params
    key = _target_key(ctx.scenario, params)
    return {
        "ipRestrict": "true" if key.ip_restrict else "false",
        "ipList": list(key.ip_list),
        "updateTime": key.create_time if key.update_time is None else key.update_time,
        "apiKey": key.api_key,
    }


# writes: each holds `_state_lock` (taken in the server's `_Handler._route`) and replaces
# lists and dicts rather than mutating them, so the unlocked checks in `_authenticate` see
# the old or the new one.


def _add_ip_restriction(ctx: _Context) -> Any:
    params = ctx.call.params
    _require(params, "email", "subAccountApiKey", "status")
    status = params["status"]
    if status not in ("1", "2"):
        raise _not_valid("status")
    # With status 1 the addresses are ignored: the list is cleared anyway.
    adding = _ip_addresses(params.get("ipAddress", "")) if status == "2" else []
    key = _target_key(ctx.scenario, params)
    if status == "2":
        merged = _merge_ips(key.ip_list, adding)
        # Binance's answer to a 31st address is undocumented; a -1130 is our choice.
        if len(merged) > MAX_TRUSTED_IPS:
            raise _not_valid("ipAddress")
        key.ip_list = merged  # the list before the flag: never restricted to the old list
        key.ip_restrict = True
    else:
        key.ip_restrict = False
        key.ip_list = []
    key.update_time = ctx.clock()
    body: dict[str, Any] = {"status": status}
    # Docs: `ipList` comes back only when trusted IPs are on and some were added.
    if key.ip_list:
        body["ipList"] = list(key.ip_list)
    body.update(updateTime=key.update_time, apiKey=key.api_key)
    return body


def _delete_ip_list(ctx: _Context) -> Any:
    params = ctx.call.params
    _require(params, "email", "subAccountApiKey", "ipAddress")
    removing = set(_ip_addresses(params["ipAddress"]))
    key = _target_key(ctx.scenario, params)
    # Addresses not on the list are ignored; emptying the list keeps the key restricted.
    key.ip_list = [entry for entry in key.ip_list if _canonical_ip(entry) not in removing]
    key.update_time = ctx.clock()
    return {
        "ipRestrict": "true" if key.ip_restrict else "false",
        "ipList": list(key.ip_list),
        "updateTime": key.update_time,
        "apiKey": key.api_key,
    }


def _modify_permissions(ctx: _Context) -> Any:
    params = ctx.call.params
    _require(params, "email", "subAccountApiKey")
    changes: dict[str, bool] = {}
    for name, flag in _LISTING_FLAGS.items():
        if name in params:
            if params[name] not in ("true", "false"):
                raise _not_valid(name)
            changes[flag] = params[name] == "true"
    key = _target_key(ctx.scenario, params)
    key.permissions = {**key.permissions, **changes}
    key.update_time = ctx.clock()
    # The listing row without `email`: the SDK's response model has no such field.
    row = _listing_row(key.owner or "", key, timestamp=key.update_time)
    del row["email"]
    return row


def _delete_key(ctx: _Context) -> Any:
    params = ctx.call.params
    _require(params, "email", "subAccountApiKey")
    key = _target_key(ctx.scenario, params)
    ctx.scenario.keys.remove(key)
    return {}


def _create_key(ctx: _Context, *, v2: bool) -> Any:
    params = ctx.call.params
    _require(params, "email", "apiName", "status")
    status = params["status"]
    if status not in ("1", "2", "3"):
        raise _not_valid("status")
    flags = {name: _create_flag(params, name) for name in _CREATE_FLAGS}
    ip_list: list[str] = []
    if status == "2":
        _require(params, "ipAddress")
        if len(params["ipAddress"]) > MAX_CREATE_IP_CHARS:
            raise _not_valid("ipAddress")
        ip_list = _ip_addresses(params["ipAddress"])
        if not ip_list or len(ip_list) > MAX_TRUSTED_IPS:
            raise _not_valid("ipAddress")
    elif status == "3":
        _require(params, "thirdPartyName")
        ip_list = [params["thirdPartyName"]]
    signing: Signing = "hmac"
    public_pem: str | None = None
    if "publicKey" in params:
        # The V2 docs ask for the key in the body and refuse it in the query string.
        if v2 and "publicKey" in dict(parse_qsl(ctx.call.query, keep_blank_values=True)):
            raise _not_valid("publicKey")
        signing, public_pem = _public_key(params["publicKey"], rsa_allowed=v2)
    wants_fix = flags["canFixApiTrading"] or flags["canFixApiReading"]
    if wants_fix and (not v2 or signing != "ed25519"):
        raise _BinanceAnswer(400, -9000, "Unsupported operation")
    sub = _sub_account(ctx.scenario, params)
    if sub.is_asset_management_sub_account:
        raise _BinanceAnswer(400, -9000, "Unsupported operation")
    secret = None
    if signing == "hmac":
        secret = "".join(secrets.choice(_ALNUM) for _ in range(64))
    permissions = {"enableReading": True}
    permissions.update({_CREATE_FLAGS[name]: on for name, on in flags.items()})
    key = EmuKey(
        api_key=random_api_key(),
        signing=signing,
        secret=secret,
        public_key=public_pem,
        owner=sub.email,
        label=params["apiName"],
        permissions=permissions,
        ip_restrict=status != "1",
        ip_list=ip_list,
        create_time=ctx.clock(),
    )
    ctx.scenario.keys.append(key)  # under `_state_lock`, as every lookup is
    body: dict[str, Any] = {"apiName": key.label, "apiKey": key.api_key}
    if secret is not None:
        body["secretKey"] = secret  # the only time Binance shows it
    shown = _CREATE_FLAGS if v2 else {n: f for n, f in _CREATE_FLAGS.items() if "Fix" not in n}
    body.update({name: flags[name] for name in shown})
    body.update(status=int(status), ipList=list(ip_list))
    return body


# (method, path) → the answer of every endpoint that needs the master key (all but the
# time and the caller's own restrictions, which the server answers itself).
_ANSWERS: dict[tuple[str, str], Callable[[_Context], Any]] = {
    ("GET", PATH_SUB_LIST): _sub_list,
    ("GET", PATH_SUB_API): _sub_api,
    ("GET", PATH_SUB_API_IP): _sub_api_ip,
    ("POST", PATH_SUB_API_IP_ADD): _add_ip_restriction,
    ("DELETE", PATH_SUB_API_IP_LIST): _delete_ip_list,
    ("POST", PATH_SUB_API_PERMISSION): _modify_permissions,
    ("DELETE", PATH_SUB_API): _delete_key,
    ("POST", PATH_SUB_API): lambda ctx: _create_key(ctx, v2=False),
    ("POST", PATH_SUB_API_V2): lambda ctx: _create_key(ctx, v2=True),
}


def _int_param(params: Mapping[str, str], name: str, default: int) -> int:
    try:
        return int(params.get(name, default))
    except ValueError:
        raise _BinanceAnswer(
            400, -1100, f"Illegal characters found in parameter '{name}'."
        ) from None


# Binance answers every documented flag; a scenario lists only the ones it turns on.
_RESTRICTION_FLAGS = (
    "enableReading",
    "enableWithdrawals",
    "enableInternalTransfer",
    "enableMargin",
    "enableFutures",
    "permitsUniversalTransfer",
    "enableVanillaOptions",
    "enableFixApiTrade",
    "enableFixReadOnly",
    "enableSpotAndMarginTrading",
    "enablePortfolioMarginTrading",
)


def _restrictions(key: EmuKey) -> dict[str, Any]:
    body: dict[str, Any] = {"ipRestrict": key.ip_restrict, "createTime": key.create_time}
    body.update(dict.fromkeys(_RESTRICTION_FLAGS, False))
    body.update(key.permissions)
    if key.trading_authority_expiration_time is not None:
        body["tradingAuthorityExpirationTime"] = key.trading_authority_expiration_time
    return body


# Listing field → the key's permission it shows (and the permission endpoint sets).
_LISTING_FLAGS = {
    "canTrade": "enableSpotAndMarginTrading",
    "canMarginLoanRepay": "enableMargin",
    "canFuturesTrade": "enableFutures",
    "canUniversalTransfer": "permitsUniversalTransfer",
    "canVanillaOptions": "enableVanillaOptions",
}


# Create parameters → the permission each sets; all default to false (docs).
_CREATE_FLAGS = {
    **_LISTING_FLAGS,
    "canFixApiTrading": "enableFixApiTrade",
    "canFixApiReading": "enableFixReadOnly",
}
# Docs: "ipAddress ... an IP list of at most 500 characters" on create.
MAX_CREATE_IP_CHARS = 500


def _create_flag(params: Mapping[str, str], name: str) -> bool:
    value = params.get(name, "false")
    if value not in ("true", "false"):
        raise _not_valid(name)
    return value == "true"


def _public_key(text: str, *, rsa_allowed: bool) -> tuple[Signing, str]:
    """(signing, PEM) of a create's `publicKey`: PEM or the bare base64 of its DER."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    try:
        if "-----BEGIN" in text:
            public = serialization.load_pem_public_key(text.strip().encode("ascii"))
        else:
            der = base64.b64decode("".join(text.split()), validate=True)
            public = serialization.load_der_public_key(der)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise _not_valid("publicKey") from None
    signing: Signing
    if isinstance(public, ed25519.Ed25519PublicKey):
        signing = "ed25519"
    elif isinstance(public, rsa.RSAPublicKey) and rsa_allowed and public.key_size in (2048, 4096):
        signing = "rsa"
    else:
        raise _not_valid("publicKey")
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")
    return signing, pem


def _listing_row(email: str, key: EmuKey, *, timestamp: int | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {"email": email, "apiName": key.label, "apikey": key.api_key}
    row.update({name: bool(key.permissions.get(flag)) for name, flag in _LISTING_FLAGS.items()})
    row["timestamp"] = key.create_time if timestamp is None else timestamp
    return row


def _ip_addresses(text: str) -> list[str]:
    """Comma-separated single addresses, canonical and deduplicated; no ranges, no names."""
    found: list[str] = []
    for item in text.split(",") if text else []:
        try:
            address = str(ipaddress.ip_address(item.strip()))
        except ValueError:
            raise _not_valid("ipAddress") from None
        if address not in found:
            found.append(address)
    return found


def _canonical_ip(entry: str) -> str:
    # A whitelist may hold a third-party name (status 3): it stays as it is.
    try:
        return str(ipaddress.ip_address(entry))
    except ValueError:
        return entry


def _merge_ips(current: list[str], adding: list[str]) -> list[str]:
    merged = list(current)
    present = {_canonical_ip(entry) for entry in current}
    merged.extend(address for address in adding if address not in present)
    return merged


def _sub_row(sub: EmuSubAccount) -> dict[str, Any]:
    return {
        "subUserId": sub.sub_user_id,
        "email": sub.email,
        "remark": sub.remark,
        "isFreeze": sub.is_freeze,
        "createTime": sub.create_time,
        "isManagedSubAccount": sub.is_managed_sub_account,
        "isAssetManagementSubAccount": sub.is_asset_management_sub_account,
    }
