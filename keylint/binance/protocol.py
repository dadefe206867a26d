"""Sans-I/O Binance protocol: the requests keylint makes and how their answers are read.

Nothing here touches the network: `Call` describes a request, `parse_response` turns
(status, headers, body) into decoded JSON or a typed `BinanceError`, and the `parse_*`
functions check the documented shapes defensively (Binance has changed shapes before).
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from keylint.binance.errors import (
    BinanceError,
    IpBanned,
    MalformedResponse,
    RateLimited,
    ServerError,
    WafBlocked,
    WrongUrl,
    error_for_code,
)
from keylint.endpoints import (
    PATH_API_RESTRICTIONS,
    PATH_SUB_API,
    PATH_SUB_API_IP,
    PATH_SUB_API_IP_LIST,
    PATH_SUB_API_IP_V2,
    PATH_SUB_API_PERMISSION,
    PATH_SUB_LIST,
    PATH_TIME,
)

LimitKind = Literal["ip", "uid"]
Method = Literal["GET", "POST", "DELETE"]

WRITE_WEIGHT = 3000

LISTING_PAGE_SIZE = 100  # documented maximum of subAccountApi's `size`
SUB_LIST_PAGE_SIZE = 200  # documented maximum of sub-account/list's `limit` (default 1!)

WEIGHT_HEADERS = {
    "sapi_ip": "x-sapi-used-ip-weight-1m",
    "sapi_uid": "x-sapi-used-uid-weight-1m",
    "api_ip": "x-mbx-used-weight-1m",
}


@dataclass(frozen=True)
class Call:
    """One REST call: what to send and which rate limit it draws on."""

    path: str
    params: tuple[tuple[str, str], ...] = ()
    signed: bool = True
    limit: LimitKind = "ip"
    weight: int = 1
    method: Method = "GET"

    @property
    def writes(self) -> bool:
        """A call that changes something at Binance: never resent blindly (see the client)."""
        return self.method != "GET"

    @property
    def bucket(self) -> str:
        # Binance gives each /sapi endpoint its own IP and UID budget, so pace per path.
        return f"{self.limit}:{self.path}"


def server_time() -> Call:
    return Call(PATH_TIME, signed=False)


def api_restrictions() -> Call:
    return Call(PATH_API_RESTRICTIONS)


def sub_account_api(email: str, *, page: int = 1, size: int = LISTING_PAGE_SIZE) -> Call:
    params = (("email", email), ("page", str(page)), ("size", str(size)))
    return Call(PATH_SUB_API, params, limit="uid", weight=3000)


def sub_account_ip_restriction(email: str, api_key: str) -> Call:
    params = (("email", email), ("subAccountApiKey", api_key))
    return Call(PATH_SUB_API_IP, params, limit="uid", weight=3000)


def sub_account_list(*, page: int = 1, limit: int = SUB_LIST_PAGE_SIZE) -> Call:
    return Call(PATH_SUB_LIST, (("page", str(page)), ("limit", str(limit))))


# The master's writes on sub-account keys (binance-api.md): each costs 3000 of the UID weight.
MASTER_WRITES: frozenset[tuple[str, str]] = frozenset(
    {
        ("POST", PATH_SUB_API_PERMISSION),
        ("POST", PATH_SUB_API_IP_V2),
        ("DELETE", PATH_SUB_API_IP_LIST),
        ("DELETE", PATH_SUB_API),
        ("POST", PATH_SUB_API),
    }
)


def master_write(method: str, path: str, params: Sequence[tuple[str, str]]) -> Call:
    """One of the master's writes (`apply`'s changes, a rotation's create and delete), paced
    by the UID weight; anything else is a bug, refused before a request is built."""
    if (method, path) not in MASTER_WRITES:
        raise ValueError(f"{method} {path} is not a write keylint makes")
    verb: Literal["POST", "DELETE"] = "POST" if method == "POST" else "DELETE"
    return Call(path, tuple(params), limit="uid", weight=WRITE_WEIGHT, method=verb)


def delete_api_key(email: str, api_key: str) -> Call:
    return master_write("DELETE", PATH_SUB_API, (("email", email), ("subAccountApiKey", api_key)))


@dataclass(frozen=True)
class Weights:
    """Used-weight counters Binance returned with an answer (None when absent)."""

    sapi_ip: int | None = None
    sapi_uid: int | None = None
    api_ip: int | None = None

    def for_call(self, call: Call) -> int | None:
        if call.path.startswith("/sapi/"):
            return self.sapi_uid if call.limit == "uid" else self.sapi_ip
        return self.api_ip


def read_weights(headers: Mapping[str, str]) -> Weights:
    """Read the X-SAPI-USED-*-WEIGHT-1M / X-MBX-USED-WEIGHT-1M headers."""
    lowered = {k.lower(): v for k, v in headers.items()}
    values: dict[str, int | None] = {}
    for name, header in WEIGHT_HEADERS.items():
        raw = lowered.get(header)
        try:
            values[name] = int(raw) if raw is not None else None
        except ValueError:
            values[name] = None
    return Weights(**values)


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from a Retry-After header (Binance sends seconds; HTTP dates are ignored)."""
    for key, value in headers.items():
        if key.lower() == "retry-after":
            try:
                seconds = float(value)
            except ValueError:
                return None
            return seconds if math.isfinite(seconds) and seconds >= 0 else None
    return None


def parse_response(
    status: int, headers: Mapping[str, str], body: bytes, *, path: str | None = None
) -> Any:
    """Decoded JSON of a successful answer, or raise the typed error the answer means.

    `path` is the URL path the request went to (base URL prefix included), for messages.
    """
    if status >= 400:
        raise error_for_response(status, headers, body, path=path)
    content_type = _content_type(headers)
    if content_type != "application/json":
        raise MalformedResponse(
            f"Binance answered with {content_type or 'no content type'} instead of JSON "
            f"(HTTP {status}); a proxy, captive portal or the wrong --base-url may be in the way",
            status=status,
        )
    return _decode_json(status, body)


def error_for_response(
    status: int, headers: Mapping[str, str], body: bytes, *, path: str | None = None
) -> BinanceError:
    """The typed error for an HTTP error answer (status >= 400)."""
    if status == 404:
        # Every endpoint keylint calls exists at Binance's root: a 404 (whatever code a body
        # carries) means the base URL is wrong, which no retry can fix.
        where = (path or "the request")[:200]
        return WrongUrl(
            f"wrong URL: Binance answered HTTP 404 (not found) for {where}; "
            "the base URL looks wrong (--base-url or KEYLINT_BASE_URL is the API's root, "
            "e.g. https://api.binance.com)",
            status=status,
        )
    wait = retry_after(headers)
    payload = _try_json(body)
    code = payload.get("code") if isinstance(payload, dict) else None
    msg = payload.get("msg", "") if isinstance(payload, dict) else ""
    if status == 418:
        return IpBanned(
            f"this IP is banned by Binance for {_seconds(wait)} (HTTP 418) after too many "
            "requests; wait it out, and run with lower --concurrency",
            retry_after=wait,
            code=code,
            status=status,
        )
    if status == 429:
        return RateLimited(
            f"rate-limited by Binance (HTTP 429); it asked to wait {_seconds(wait)}",
            retry_after=wait,
            code=code,
            status=status,
        )
    if status == 403:
        return WafBlocked(
            "Binance's firewall (WAF) blocked the request (HTTP 403); check this machine's "
            "egress IP and proxy, and retry later",
            status=status,
        )
    if isinstance(code, int) and not isinstance(code, bool):
        error = error_for_code(code, str(msg), status=status)
        if status >= 500 and not error.retryable:
            return ServerError(f"{error.reason} (HTTP {status})", code=code, status=status)
        return error
    if status >= 500:
        return ServerError(
            f"Binance is unavailable (HTTP {status}); the outcome is unknown, retry later",
            status=status,
        )
    return MalformedResponse(
        f"Binance answered HTTP {status} without a Binance error code", status=status
    )


def _content_type(headers: Mapping[str, str]) -> str:
    for key, value in headers.items():
        if key.lower() == "content-type":
            return value.split(";", 1)[0].strip().lower()
    return ""


def _try_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


def _decode_json(status: int, body: bytes) -> Any:
    if not body.strip():
        raise MalformedResponse(f"Binance answered HTTP {status} with an empty body", status=status)
    try:
        return json.loads(body)
    # A hostile endpoint nesting brackets past the recursion limit must not crash the run.
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise MalformedResponse(
            f"Binance's answer (HTTP {status}) is not valid JSON; it may have been truncated "
            "by the network or a proxy",
            status=status,
        ) from None


def _seconds(value: float | None) -> str:
    return "an unspecified time" if value is None else f"{value:g} s"


def _shape_error(what: str) -> MalformedResponse:
    return MalformedResponse(f"Binance's {what} answer does not have the documented shape")


def parse_server_time(data: Any) -> int:
    """`{"serverTime": ms}` → ms."""
    value = data.get("serverTime") if isinstance(data, dict) else None
    if not isinstance(value, int) or isinstance(value, bool):
        raise _shape_error("server time")
    return value


def parse_restrictions(data: Any) -> dict[str, Any]:
    """apiRestrictions as received (unknown fields kept), after a sanity check of its shape."""
    if not isinstance(data, dict):
        raise _shape_error("apiRestrictions")
    for name, value in data.items():
        # Permission flags must be real booleans: a string "false" would read as truthy.
        if name.startswith(("enable", "permits", "ipRestrict")) and not isinstance(value, bool):
            raise _shape_error("apiRestrictions")
    for name in ("createTime", "tradingAuthorityExpirationTime"):
        value = data.get(name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise _shape_error("apiRestrictions")
    # The field names are the same for every key: one string each for the whole run, rather
    # than the copy json makes per answer (70 KiB a thousand keys of `check`'s live state).
    return {sys.intern(name): value for name, value in data.items()}


@dataclass(frozen=True)
class ListingPage:
    total: int | None
    rows: list[dict[str, Any]] = field(default_factory=list)


def parse_sub_account_api(data: Any) -> ListingPage:
    """One page of subAccountApi; `rows` since SDK 7.0.0, `list` before."""
    if not isinstance(data, dict):
        raise _shape_error("sub-account API key listing")
    rows = data.get("rows", data.get("list"))
    if rows is None:
        rows = []
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise _shape_error("sub-account API key listing")
    for row in rows:
        if not isinstance(row.get("apikey", row.get("apiKey")), str):
            raise _shape_error("sub-account API key listing")
    total = data.get("total")
    if not isinstance(total, int) or isinstance(total, bool):
        total = None
    return ListingPage(total=total, rows=[dict(row) for row in rows])


def row_api_key(row: Mapping[str, Any]) -> str:
    value = row.get("apikey", row.get("apiKey", ""))
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class IpRestriction:
    ip_restrict: bool | None
    ip_list: list[str]
    update_time: int | None


def parse_ip_restriction(data: Any) -> IpRestriction:
    """ipRestriction; `ipRestrict` is the STRING "true"/"false" here (booleans tolerated)."""
    if not isinstance(data, dict):
        raise _shape_error("IP restriction")
    raw = data.get("ipRestrict")
    restrict: bool | None
    if isinstance(raw, bool):
        restrict = raw
    elif isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
        restrict = raw.strip().lower() == "true"
    elif raw is None:
        restrict = None
    else:
        raise _shape_error("IP restriction")
    ips = data.get("ipList") or []
    if not isinstance(ips, list):
        raise _shape_error("IP restriction")
    # Third-party whitelisting may put a name rather than an address here: keep it as text.
    ip_list = [str(item).strip() for item in ips if str(item).strip()]
    update = data.get("updateTime")
    return IpRestriction(
        restrict,
        ip_list,
        update if isinstance(update, int) and not isinstance(update, bool) else None,
    )


def parse_sub_account_list(data: Any) -> list[dict[str, Any]]:
    """`{"subAccounts": [...]}` → its rows."""
    rows = data.get("subAccounts") if isinstance(data, dict) else None
    if rows is None and isinstance(data, dict):
        rows = []
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise _shape_error("sub-account list")
    return [dict(row) for row in rows]
