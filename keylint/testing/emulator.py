"""A Binance REST emulator on 127.0.0.1 for tests, benchmarks and demos.

Binance's testnet does not serve /sapi, so this is the only place keylint's live checks can
run without production keys. It verifies signatures (HMAC, Ed25519, RSA) and timestamps
exactly as documented, answers with Binance's error bodies and HTTP statuses, sends the
used-weight headers, and lets tests inject faults at runtime. It records every request
without secrets: the API key as an 8-character prefix, the signature dropped.

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
import hashlib
import hmac
import ipaddress
import json
import math
import secrets
import socket
import string
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote, urlsplit

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

MAX_RECV_WINDOW = 60000
# Stated by Binance for Link-created keys only; applied to every key here.
MAX_TRUSTED_IPS = 30
_ALNUM = string.ascii_letters + string.digits

Signing = Literal["hmac", "ed25519", "rsa"]
FaultKind = Literal[
    "latency", "status", "malformed", "truncated", "content_type", "hang", "drop", "lost_answer"
]


# --- scenario -----------------------------------------------------------------------------


@dataclass
class EmuKey:
    """One API key Binance knows. `owner` is a sub-account email, or None for the master."""

    api_key: str = ""  # empty: generated by fill_missing_material
    signing: Signing = "hmac"
    secret: str | None = field(default=None, repr=False)  # HMAC secret
    public_key: str | None = field(default=None, repr=False)  # PEM, Ed25519 or RSA
    owner: str | None = None
    label: str = ""
    permissions: dict[str, bool] = field(default_factory=lambda: {"enableReading": True})
    ip_restrict: bool = False
    ip_list: list[str] = field(default_factory=list)
    create_time: int = 1698645219000
    update_time: int | None = None  # set by the write endpoints; None: never changed
    trading_authority_expiration_time: int | None = None
    env_prefix: str | None = None  # for `python -m keylint.testing`: BINANCE_X_API_KEY, ...

    def __repr__(self) -> str:
        return f"EmuKey({self.api_key[:8]}…, {self.signing}, owner={self.owner!r})"


@dataclass
class EmuSubAccount:
    email: str
    sub_user_id: int = 0
    remark: str = ""
    is_freeze: bool = False
    create_time: int = 1689744671462
    is_managed_sub_account: bool = False
    is_asset_management_sub_account: bool = False


@dataclass
class Scenario:
    """Everything the emulated Binance knows; `master_api_key` may call the master endpoints."""

    keys: list[EmuKey] = field(default_factory=list)
    sub_accounts: list[EmuSubAccount] = field(default_factory=list)
    master_api_key: str | None = field(default=None, repr=False)
    uid_weight_limit: int = 180000
    ip_weight_limit: int = 12000
    api_weight_limit: int = 6000
    weight_window: float = 60.0
    listing_field: Literal["rows", "list"] = "rows"  # the listing's shape before SDK 7.0.0
    # The address Binance sees callers at, as behind a NAT gateway: a policy can then trust a
    # documentation address (KL204 refuses loopback) and still be used from this host.
    client_ip: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scenario:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown scenario fields: {sorted(unknown)}")
        values = dict(data)
        values["keys"] = [_from_dict(EmuKey, item) for item in data.get("keys", [])]
        values["sub_accounts"] = [
            _from_dict(EmuSubAccount, item) for item in data.get("sub_accounts", [])
        ]
        return cls(**values)

    @classmethod
    def from_yaml(cls, source: str | Path) -> Scenario:
        """Load a scenario file; keys without material get fresh generated credentials."""
        import yaml

        data = yaml.safe_load(Path(source).read_text(encoding="utf-8")) or {}
        return cls.from_dict(data)

    def key(self, api_key: str) -> EmuKey | None:
        for item in self.keys:
            if item.api_key == api_key:
                return item
        return None


def _from_dict(kind: type, data: Mapping[str, Any]) -> Any:
    known = {f.name for f in fields(kind)}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"unknown {kind.__name__} fields: {sorted(unknown)}")
    return kind(**data)


@dataclass(frozen=True, repr=False)
class ClientSecret:
    """What a client needs to use a generated key; never printed by repr."""

    api_key: str
    signing: Signing
    secret: str | None = None
    private_pem: str | None = None

    def __repr__(self) -> str:
        return f"ClientSecret({self.api_key[:8]}…, {self.signing})"


def random_api_key() -> str:
    """A fake 64-character API key (Binance's format)."""
    return "".join(secrets.choice(_ALNUM) for _ in range(64))


def generate_key(signing: Signing = "hmac", **attrs: Any) -> tuple[EmuKey, ClientSecret]:
    """A new key with fresh material: the emulator's half and the client's half."""
    api_key = attrs.pop("api_key", None) or random_api_key()
    if signing == "hmac":
        secret = "".join(secrets.choice(_ALNUM) for _ in range(64))
        return (
            EmuKey(api_key=api_key, signing="hmac", secret=secret, **attrs),
            ClientSecret(api_key, "hmac", secret=secret),
        )
    private_pem, public_pem = _generate_pair(signing)
    return (
        EmuKey(api_key=api_key, signing=signing, public_key=public_pem, **attrs),
        ClientSecret(api_key, signing, private_pem=private_pem),
    )


def _generate_pair(signing: Signing) -> tuple[str, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    private: Any
    if signing == "ed25519":
        private = ed25519.Ed25519PrivateKey.generate()
    else:
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
    return private_pem, public_pem


def fill_missing_material(scenario: Scenario) -> dict[str, ClientSecret]:
    """Generate credentials for keys given without material; the first master-account key
    becomes the master key unless `master_api_key` names one."""
    generated: dict[str, ClientSecret] = {}
    for index, item in enumerate(scenario.keys):
        has_material = item.secret if item.signing == "hmac" else item.public_key
        if item.api_key and has_material:
            continue
        fresh, client = generate_key(item.signing, api_key=item.api_key or None)
        item.api_key, item.secret, item.public_key = fresh.api_key, fresh.secret, fresh.public_key
        generated[item.env_prefix or f"KEY{index}"] = client
    if not scenario.master_api_key:
        masters = [item for item in scenario.keys if item.owner is None]
        if masters:
            scenario.master_api_key = masters[0].api_key
    return generated


# --- faults and records -------------------------------------------------------------------


@dataclass
class Fault:
    """A misbehaviour for matching requests: `path`/`api_key`/`method` None match any.

    `api_key` matches the caller's X-MBX-APIKEY or the `subAccountApiKey` parameter, so a
    fault can target one sub-account key even when the master asks about it.
    `times`: only the first N matching requests (None: all).
    "lost_answer" lets the request take effect, then drops the connection without an answer.
    """

    kind: FaultKind
    path: str | None = None
    api_key: str | None = None
    times: int | None = None
    latency: float = 0.0  # "latency": seconds before the request is processed
    status: int = 503  # "status": the HTTP status to answer
    retry_after: int | None = None
    body: bytes | None = None
    # GET and DELETE share /sapi/v1/sub-account/subAccountApi: fail one, not the other.
    method: str | None = None
    hits: int = 0

    def matches(
        self, path: str, api_key: str, params: Mapping[str, str], method: str = "GET"
    ) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.path is not None and self.path != path:
            return False
        if self.method is not None and self.method.upper() != method:
            return False
        return self.api_key is None or self.api_key in (api_key, params.get("subAccountApiKey"))


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the emulator saw it: no secret, no signature, a key prefix only."""

    path: str
    params: dict[str, str]
    api_key: str  # 8-character prefix + "…", or "" when absent
    status: int
    at: float
    method: str = "GET"


class _WeightBook:
    """Binance-style used weight, counted per fixed window aligned to the clock."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, int], int] = {}

    def try_spend(
        self, bucket: str, weight: int, limit: int, window: float
    ) -> tuple[bool, int, float]:
        """(accepted, used after, seconds until the window ends)."""
        now = time.time()
        index = int(now // window)
        used = self._counts.get((bucket, index), 0)
        left = (index + 1) * window - now
        if used + weight > limit:
            return False, used, left
        self._counts[(bucket, index)] = used + weight
        # Forget old windows so a long demo does not grow without bound.
        for stale in [k for k in self._counts if k[1] < index - 1]:
            del self._counts[stale]
        return True, used + weight, left

    def used(self, bucket: str, window: float) -> int:
        return self._counts.get((bucket, int(time.time() // window)), 0)


# --- the server ---------------------------------------------------------------------------


class Emulator:
    """`Emulator(scenario).start()` → `.base_url`; `.stop()`; or `with Emulator(s) as emu:`."""

    def __init__(self, scenario: Scenario, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.scenario = scenario
        self._host = host
        self._port = port
        self._lock = threading.Lock()
        # Guards the scenario's keys while the write endpoints change them. Taken before
        # `_lock` when both are needed, never after it.
        self._state_lock = threading.Lock()
        self._faults: list[Fault] = []
        self._records: list[RecordedRequest] = []
        self._weights = _WeightBook()
        self._skew_ms = 0
        self._skew_after = 0
        self._served = 0
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle
    def start(self) -> Emulator:
        handler = type("Handler", (_Handler,), {"emulator": self})
        server = _Server((self._host, self._port), handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="binance-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # releases hung responses
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # runtime control for tests
    def add_fault(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def set_clock_skew(self, ms: int, *, after_requests: int = 0) -> None:
        """Offset the server clock by `ms` (either sign) once `after_requests` more were served."""
        with self._lock:
            self._skew_ms = ms
            self._skew_after = self._served + after_requests

    def set_weight_limits(
        self, *, uid: int | None = None, ip: int | None = None, window: float | None = None
    ) -> None:
        with self._lock:
            if uid is not None:
                self.scenario.uid_weight_limit = uid
            if ip is not None:
                self.scenario.ip_weight_limit = ip
            if window is not None:
                self.scenario.weight_window = window

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._records)

    def count(
        self, path: str | None = None, *, status: int | None = None, method: str | None = None
    ) -> int:
        return sum(
            1
            for r in self.requests
            if (path is None or r.path == path)
            and (status is None or r.status == status)
            and (method is None or r.method == method.upper())
        )

    def clear_requests(self) -> None:
        with self._lock:
            self._records.clear()

    # used by the handler
    def server_time(self) -> int:
        with self._lock:
            skew = self._skew_ms if self._served > self._skew_after else 0
        return int(time.time() * 1000) + skew

    def _take_faults(
        self, method: str, path: str, api_key: str, params: Mapping[str, str]
    ) -> list[Fault]:
        with self._lock:
            self._served += 1
            hit = [f for f in self._faults if f.matches(path, api_key, params, method)]
            for fault in hit:
                fault.hits += 1
            return hit

    def _record(
        self, method: str, path: str, params: Mapping[str, str], api_key: str, status: int
    ) -> None:
        record = RecordedRequest(
            path=path,
            params={
                k: (v[:8] + "…" if k == "subAccountApiKey" else v)
                for k, v in params.items()
                if k != "signature"
            },
            api_key=api_key[:8] + "…" if api_key else "",
            status=status,
            at=time.time(),
            method=method,
        )
        with self._lock:
            self._records.append(record)

    def _spend(self, bucket: str, weight: int, limit: int) -> tuple[bool, int, float]:
        with self._lock:
            return self._weights.try_spend(bucket, weight, limit, self.scenario.weight_window)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Fleets connect dozens at a time: the default backlog of 5 overflows and stalls a
    # connection for a 1 s SYN retransmit (benchmarks/live.py).
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Dropped and reset connections are what the faults are for; nothing to report.
        pass


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


class _Handler(BaseHTTPRequestHandler):
    emulator: Emulator
    protocol_version = "HTTP/1.1"  # keep-alive, as Binance's edge does
    # Headers and body go out in two writes; with Nagle on, the client's delayed ACK adds
    # ~40 ms to every answer, which no real Binance response has.
    disable_nagle_algorithm = True
    server_version = "emulated-binance"
    sys_version = ""
    timeout = 30  # an idle keep-alive connection's thread ends after this

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request log would contain API keys; records are kept instead

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        emu = self.emulator
        url = urlsplit(self.path)
        raw_query = url.query
        api_key = self.headers.get("X-MBX-APIKEY", "")
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length).decode("latin-1") if length else ""
        # Binance reads a form body on POST, PUT and DELETE only; a GET's body is not
        # parameters, and neither is a body of another content type.
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if method == "GET" or ctype not in ("", "application/x-www-form-urlencoded"):
            raw_body = ""
        # A parameter in both parts: the query string's value is used (docs).
        params = dict(parse_qsl(raw_body, keep_blank_values=True))
        params.update(parse_qsl(raw_query, keep_blank_values=True))
        faults = emu._take_faults(method, url.path, api_key, params)
        for fault in faults:
            if fault.kind == "latency":
                # Network delay before the request reaches Binance: the timestamp ages too.
                emu._stopping.wait(fault.latency)
        lost = any(fault.kind == "lost_answer" for fault in faults)
        for fault in faults:
            if fault.kind not in ("latency", "lost_answer"):
                emu._record(
                    method, url.path, params, api_key, fault.status if fault.kind == "status" else 0
                )
                self._misbehave(fault)
                return
        call = _Call(method, url.path, raw_query, raw_body, params, api_key)
        headers: dict[str, str] = {}
        try:
            status, body = self._route(call, headers)
        except _BinanceAnswer as answer:
            headers.update(answer.headers)
            status, body = answer.status, {"code": answer.code, "msg": answer.msg}
        emu._record(method, url.path, params, api_key, status)
        if lost:
            # "lost_answer": Binance did the work, then the connection died before its answer
            # left (the outcome a client sees as unknown, although the change happened).
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._send_json(status, body, headers)

    # routing ------------------------------------------------------------------------------
    def _route(self, call: _Call, headers: dict[str, str]) -> tuple[int, Any]:
        emu = self.emulator
        sc = emu.scenario
        ip = sc.client_ip or self.client_address[0]
        endpoint = (call.method, call.path)
        if endpoint not in _ROUTES:
            raise _BinanceAnswer(404, -1000, "Not found.")
        limit_kind, weight = _ROUTES[endpoint]
        if limit_kind == "api":
            self._charge(f"api:{ip}", 1, sc.api_weight_limit, "X-MBX-USED-WEIGHT-1M", headers)
            return 200, {"serverTime": emu.server_time()}
        # Every /sapi endpoint has its own IP budget; the UID ones also their own UID budget.
        # The listing and the deletion share a path, not a budget.
        bucket = call.path if call.method == "GET" else f"{call.method} {call.path}"
        ip_weight = 1 if limit_kind == "uid" else weight
        self._charge(
            f"ip:{ip}:{bucket}", ip_weight, sc.ip_weight_limit, "X-SAPI-USED-IP-WEIGHT-1M", headers
        )
        key = self._authenticate(call, ip)
        if limit_kind == "uid":
            self._require_master(key)
            if endpoint in _NEEDS_TRADING:
                self._require_trading(key)
            self._charge(
                f"uid:{key.owner or 'master'}:{bucket}",
                weight,
                sc.uid_weight_limit,
                "X-SAPI-USED-UID-WEIGHT-1M",
                headers,
            )
        if call.path == PATH_RESTRICTIONS:
            return 200, _restrictions(key)
        self._require_master(key)
        answers: dict[tuple[str, str], Callable[[dict[str, str]], Any]] = {
            ("GET", PATH_SUB_LIST): self._sub_list,
            ("GET", PATH_SUB_API): self._sub_api,
            ("GET", PATH_SUB_API_IP): self._sub_api_ip,
            ("POST", PATH_SUB_API_IP_ADD): self._add_ip_restriction,
            ("DELETE", PATH_SUB_API_IP_LIST): self._delete_ip_list,
            ("POST", PATH_SUB_API_PERMISSION): self._modify_permissions,
            ("DELETE", PATH_SUB_API): self._delete_key,
            ("POST", PATH_SUB_API): lambda params: self._create_key(call, v2=False),
            ("POST", PATH_SUB_API_V2): lambda params: self._create_key(call, v2=True),
        }
        # One lock for reads and writes alike: a read never sees half a write.
        with emu._state_lock:
            return 200, answers[endpoint](call.params)

    def _charge(
        self, bucket: str, weight: int, limit: int, header: str, headers: dict[str, str]
    ) -> None:
        ok, used, left = self.emulator._spend(bucket, weight, limit)
        headers[header] = str(used)
        if not ok:
            raise _BinanceAnswer(
                429,
                -1003,
                f"Too much request weight used; current limit is {limit} request weight per "
                "1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.",
                {"Retry-After": str(max(1, math.ceil(left))), header: str(used)},
            )

    def _authenticate(self, call: _Call, ip: str) -> EmuKey:
        emu = self.emulator
        api_key, params = call.api_key, call.params
        if not api_key or len(api_key) != 64 or not api_key.isalnum():
            raise _BinanceAnswer(401, -2014, "API-key format invalid.")
        with emu._state_lock:
            key = emu.scenario.key(api_key)
        if key is None:
            raise _BinanceAnswer(401, -2015, "Invalid API-key, IP, or permissions for action.")
        if "timestamp" not in params:
            raise _mandatory("timestamp")
        if "signature" not in params:
            raise _mandatory("signature")
        try:
            timestamp = int(params["timestamp"])
            recv_window = int(params.get("recvWindow", "5000"))
        except ValueError:
            raise _BinanceAnswer(400, -1100, "Illegal characters found in a parameter.") from None
        if recv_window > MAX_RECV_WINDOW or recv_window <= 0:
            raise _BinanceAnswer(400, -1131, "recvWindow must be less than 60000")
        server = emu.server_time()
        if not (timestamp < server + 1000 and server - timestamp <= recv_window):
            raise _BinanceAnswer(
                400, -1021, "Timestamp for this request is outside of the recvWindow."
            )
        if not _signature_valid(key, call.query, call.body):
            raise _BinanceAnswer(400, -1022, "Signature for this request is not valid.")
        if key.ip_restrict and ip not in key.ip_list:
            raise _BinanceAnswer(401, -2015, "Invalid API-key, IP, or permissions for action.")
        return key

    def _require_master(self, key: EmuKey) -> None:
        if key.owner is not None or key.api_key != self.emulator.scenario.master_api_key:
            raise _BinanceAnswer(401, -2015, "Invalid API-key, IP, or permissions for action.")

    def _require_trading(self, key: EmuKey) -> None:
        # Documented for the IP-list writes ("enable Spot & Margin Trading on the key that
        # calls this endpoint"); the deletion is a TRADE endpoint.
        if not key.permissions.get("enableSpotAndMarginTrading"):
            raise _BinanceAnswer(401, -2015, "Invalid API-key, IP, or permissions for action.")

    def _sub_account(self, params: dict[str, str]) -> EmuSubAccount:
        email = params.get("email", "")
        if not email:
            raise _mandatory("email")
        for sub in self.emulator.scenario.sub_accounts:
            if sub.email.lower() == email.lower():
                return sub
        # Binance's code for an unknown sub-account is undocumented; this one is our choice.
        raise _BinanceAnswer(400, -12022, "Sub-account does not exist.")

    def _sub_list(self, params: dict[str, str]) -> Any:
        page, limit = _int_param(params, "page", 1), _int_param(params, "limit", 1)
        if not 1 <= limit <= 200:
            raise _BinanceAnswer(400, -1130, "Data sent for parameter 'limit' is not valid.")
        subs = self.emulator.scenario.sub_accounts
        if params.get("email"):
            subs = [s for s in subs if s.email.lower() == params["email"].lower()]
        chunk = subs[(page - 1) * limit : page * limit]
        return {"subAccounts": [_sub_row(s) for s in chunk]}

    def _sub_api(self, params: dict[str, str]) -> Any:
        sub = self._sub_account(params)
        page, size = _int_param(params, "page", 1), _int_param(params, "size", 30)
        if not 1 <= size <= 100:
            raise _BinanceAnswer(400, -1130, "Data sent for parameter 'size' is not valid.")
        keys = [k for k in self.emulator.scenario.keys if k.owner == sub.email]
        if params.get("subAccountApiKey"):
            keys = [k for k in keys if k.api_key == params["subAccountApiKey"]]
        chunk = keys[(page - 1) * size : page * size]
        rows = [_listing_row(sub.email, k) for k in chunk]
        return {"total": len(keys), self.emulator.scenario.listing_field: rows}

    def _target_key(self, params: dict[str, str]) -> EmuKey:
        """The sub-account key a master call is about; the caller holds `_state_lock`."""
        sub = self._sub_account(params)
        target = params.get("subAccountApiKey", "")
        if not target:
            raise _mandatory("subAccountApiKey")
        key = self.emulator.scenario.key(target)
        if key is None or key.owner != sub.email:
            raise _BinanceAnswer(400, -12022, "Sub-account API key does not exist.")
        return key

    def _sub_api_ip(self, params: dict[str, str]) -> Any:
        key = self._target_key(params)
        return {
            "ipRestrict": "true" if key.ip_restrict else "false",
            "ipList": list(key.ip_list),
            "updateTime": key.create_time if key.update_time is None else key.update_time,
            "apiKey": key.api_key,
        }

    # writes: each holds `_state_lock` (taken in _route) and replaces lists and dicts rather
    # than mutating them, so the unlocked checks in _authenticate see the old or the new one.
    def _add_ip_restriction(self, params: dict[str, str]) -> Any:
        _require(params, "email", "subAccountApiKey", "status")
        status = params["status"]
        if status not in ("1", "2"):
            raise _not_valid("status")
        # With status 1 the addresses are ignored: the list is cleared anyway.
        adding = _ip_addresses(params.get("ipAddress", "")) if status == "2" else []
        key = self._target_key(params)
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
        key.update_time = self.emulator.server_time()
        body: dict[str, Any] = {"status": status}
        # Docs: `ipList` comes back only when trusted IPs are on and some were added.
        if key.ip_list:
            body["ipList"] = list(key.ip_list)
        body.update(updateTime=key.update_time, apiKey=key.api_key)
        return body

    def _delete_ip_list(self, params: dict[str, str]) -> Any:
        _require(params, "email", "subAccountApiKey", "ipAddress")
        removing = set(_ip_addresses(params["ipAddress"]))
        key = self._target_key(params)
        # Addresses not on the list are ignored; emptying the list keeps the key restricted.
        key.ip_list = [entry for entry in key.ip_list if _canonical_ip(entry) not in removing]
        key.update_time = self.emulator.server_time()
        return {
            "ipRestrict": "true" if key.ip_restrict else "false",
            "ipList": list(key.ip_list),
            "updateTime": key.update_time,
            "apiKey": key.api_key,
        }

    def _modify_permissions(self, params: dict[str, str]) -> Any:
        _require(params, "email", "subAccountApiKey")
        changes: dict[str, bool] = {}
        for name, flag in _LISTING_FLAGS.items():
            if name in params:
                if params[name] not in ("true", "false"):
                    raise _not_valid(name)
                changes[flag] = params[name] == "true"
        key = self._target_key(params)
        key.permissions = {**key.permissions, **changes}
        key.update_time = self.emulator.server_time()
        # The listing row without `email`: the SDK's response model has no such field.
        row = _listing_row(key.owner or "", key, timestamp=key.update_time)
        del row["email"]
        return row

    def _delete_key(self, params: dict[str, str]) -> Any:
        _require(params, "email", "subAccountApiKey")
        key = self._target_key(params)
        self.emulator.scenario.keys.remove(key)
        return {}

    def _create_key(self, call: _Call, *, v2: bool) -> Any:
        params = call.params
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
            if v2 and "publicKey" in dict(parse_qsl(call.query, keep_blank_values=True)):
                raise _not_valid("publicKey")
            signing, public_pem = _public_key(params["publicKey"], rsa_allowed=v2)
        wants_fix = flags["canFixApiTrading"] or flags["canFixApiReading"]
        if wants_fix and (not v2 or signing != "ed25519"):
            raise _BinanceAnswer(400, -9000, "Unsupported operation")
        sub = self._sub_account(params)
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
            create_time=self.emulator.server_time(),
        )
        self.emulator.scenario.keys.append(key)  # under `_state_lock`, as every lookup is
        body: dict[str, Any] = {"apiName": key.label, "apiKey": key.api_key}
        if secret is not None:
            body["secretKey"] = secret  # the only time Binance shows it
        shown = _CREATE_FLAGS if v2 else {n: f for n, f in _CREATE_FLAGS.items() if "Fix" not in n}
        body.update({name: flags[name] for name in shown})
        body.update(status=int(status), ipList=list(ip_list))
        return body

    # faults -------------------------------------------------------------------------------
    def _misbehave(self, fault: Fault) -> None:
        emu = self.emulator
        if fault.kind == "hang":
            emu._stopping.wait(3600)
            self.close_connection = True
            return
        if fault.kind == "drop":
            # Close without a byte of answer: the client sees a dropped connection.
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault.kind == "status":
            headers = (
                {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            )
            body = fault.body if fault.body is not None else _status_body(fault.status)
            ctype = (
                "text/html"
                if fault.status == 403 and fault.body is None
                else "application/json;charset=UTF-8"
            )
            self._send_raw(fault.status, body, ctype, headers)
            return
        if fault.kind == "malformed":
            self._send_raw(
                200, fault.body or b'{"ipRestrict": fals', "application/json;charset=UTF-8"
            )
            return
        if fault.kind == "content_type":
            page = fault.body or b"<html><body><h1>Please log in to the network</h1></body></html>"
            self._send_raw(200, page, "text/html; charset=utf-8")
            return
        if fault.kind == "truncated":
            body = (
                fault.body
                or b'{"ipRestrict": false, "createTime": 1698645219000, "enableReading": true}'
            )
            self.send_response(200)
            self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        raise ValueError(f"unknown fault kind {fault.kind!r}")

    def _send_json(self, status: int, body: Any, headers: Mapping[str, str]) -> None:
        self._send_raw(status, json.dumps(body).encode(), "application/json;charset=UTF-8", headers)

    def _send_raw(
        self, status: int, body: bytes, content_type: str, headers: Mapping[str, str] | None = None
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def _status_body(status: int) -> bytes:
    if status == 429:
        return json.dumps(
            {
                "code": -1003,
                "msg": "Too much request weight used; current limit "
                "is 180000 request weight per 1 MINUTE.",
            }
        ).encode()
    if status == 418:
        until = int(time.time() * 1000) + 120000
        return json.dumps(
            {
                "code": -1003,
                "msg": "Way too much request weight used; IP banned "
                f"until {until}. Please use WebSocket Streams for live updates to "
                "avoid bans.",
            }
        ).encode()
    if status == 403:
        return b"<html><body><h1>403 Forbidden</h1>Request blocked.</body></html>"
    if status >= 500:
        return json.dumps(
            {
                "code": -1001,
                "msg": "Internal error; unable to process your request. Please try again.",
            }
        ).encode()
    return json.dumps({"code": -1000, "msg": "An unknown error occurred."}).encode()


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


def _signature_valid(key: EmuKey, raw_query: str, raw_body: str = "") -> bool:
    # Binance signs the query exactly as sent concatenated with the body, no separator;
    # `signature` must be the last parameter of whichever part carries it.
    body_split = _split_signature(raw_body)
    if body_split is not None:
        unsigned, signature = raw_query + body_split[0], body_split[1]
    else:
        query_split = _split_signature(raw_query)
        if query_split is None:
            return False
        unsigned, signature = query_split[0] + raw_body, query_split[1]
    payload = unsigned.encode("ascii", errors="replace")
    signature = unquote(signature)
    if "&" in signature:
        return False
    if key.signing == "hmac":
        if key.secret is None:
            return False
        expected = hmac.new(key.secret.encode(), payload, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature.lower())
    return _verify_asymmetric(key, payload, signature)


def _split_signature(part: str) -> tuple[str, str] | None:
    """(the part without its signature, the raw signature), or None if it has none."""
    if part.startswith("signature="):
        return "", part[len("signature=") :]
    cut = part.rfind("&signature=")
    if cut < 0:
        return None
    return part[:cut], part[cut + len("&signature=") :]


def _verify_asymmetric(key: EmuKey, payload: bytes, signature: str) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    if key.public_key is None:
        return False
    try:
        raw = base64.b64decode(signature, validate=True)
        public = load_pem_public_key(key.public_key.encode("ascii"))
        if key.signing == "ed25519" and isinstance(public, ed25519.Ed25519PublicKey):
            public.verify(raw, payload)
            return True
        if key.signing == "rsa" and isinstance(public, rsa.RSAPublicKey):
            public.verify(raw, payload, padding.PKCS1v15(), hashes.SHA256())
            return True
    except (InvalidSignature, ValueError):
        return False
    return False


def iter_env_exports(
    scenario: Scenario, generated: Mapping[str, ClientSecret], secrets_dir: Path
) -> Iterator[str]:
    """Shell exports for generated keys; keys and secrets go to files in `secrets_dir`, and
    stdout shows only the commands that read them (no full API key in any output)."""
    for prefix, client in generated.items():
        key_path = secrets_dir / f"{prefix.lower()}.api_key"
        _write_private(key_path, client.api_key)
        yield f'export {prefix}_API_KEY="$(cat {key_path})"'
        if client.signing == "hmac":
            path = secrets_dir / f"{prefix.lower()}.secret"
            _write_private(path, client.secret or "")
            yield f'export {prefix}_SECRET="$(cat {path})"'
        else:
            path = secrets_dir / f"{prefix.lower()}.pem"
            _write_private(path, client.private_pem or "")
            yield f"export {prefix}_PEM={path}"


def _write_private(path: Path, text: str) -> None:
    import os

    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text)
