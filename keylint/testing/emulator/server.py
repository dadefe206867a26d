"""The emulator itself: `Emulator` runs a threaded HTTP server on loopback, and its request
handler parses a call, applies the faults that match it, authenticates it (timestamp,
`recvWindow`, signature, IP whitelist, master and trading checks), charges Binance's
used weight, and hands it to its endpoint's answer under the state lock.
"""

from __future__ import annotations

import json
import math
import socket
import threading
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from keylint.testing.emulator.endpoints import (
    _ANSWERS,
    _NEEDS_TRADING,
    _ROUTES,
    PATH_RESTRICTIONS,
    _BinanceAnswer,
    _Call,
    _Context,
    _mandatory,
    _restrictions,
)
from keylint.testing.emulator.faults import Fault, RecordedRequest, _status_body
from keylint.testing.emulator.scenario import EmuKey, Scenario
from keylint.testing.emulator.signatures import _signature_valid

MAX_RECV_WINDOW = 60000


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
                if fault.first_hit is None:
                    fault.first_hit = time.monotonic()
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
        # One lock for reads and writes alike: a read never sees half a write.
        with emu._state_lock:
            return 200, _ANSWERS[endpoint](_Context(emu.scenario, call, emu.server_time))

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
