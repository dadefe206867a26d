"""The thin async httpx adapter: small connection pools, clock sync, retries, pacing.

All protocol decisions live in `protocol`/`errors`; this module only decides *when* to send
(pacer, semaphore, backoff, deadline) and turns transport failures into typed errors.

Each request is built once, as the bytes that go on the wire: the query (or form body) is
encoded and signed as a string and handed to httpx's connection pool (httpcore) as the
request target. httpx's client layer parsed and rebuilt every URL four times a request
(merging the base URL, then signing, which re-parsed the query to append to it) and ran its
auth, redirect and cookie machinery: half of the HTTP stack's CPU (issue 17).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import random
import re
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpcore
import httpx

from keylint import __version__
from keylint.binance import protocol
from keylint.binance.errors import (
    BinanceError,
    ClockSkew,
    DeadlineExceeded,
    IpBanned,
    MalformedResponse,
    RateLimited,
    TransportFailure,
)
from keylint.binance.signing import (
    DEFAULT_RECV_WINDOW,
    MAX_RECV_WINDOW,
    Credentials,
    signed_params,
)
from keylint.endpoints import PATH_TIME
from keylint.tls import context_for

log = logging.getLogger("keylint.binance")


class _RedactApiKeys(logging.Filter):
    """httpx logs each request URL at INFO; the master's sub-account calls carry a full
    sub-account API key in it (`subAccountApiKey`), which must never reach a log."""

    _pattern = re.compile(r"(subAccountApiKey=)([^&\s\"]{0,8})[^&\s\"]*")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "subAccountApiKey=" in message:
            record.msg = self._pattern.sub("\\1\\2…", message)
            record.args = ()
        return True


logging.getLogger("httpx").addFilter(_RedactApiKeys())

# Documented limits (binance-api.md): per /sapi endpoint 12000 IP / 180000 UID weight a minute.
DEFAULT_LIMITS = {"ip": 12000, "uid": 180000}
DEFAULT_WINDOW = 60.0
# Measured with one httpx pool (tests/integration/test_benchmark.py, 300 keys, 50 ms latency,
# 2 cores): 4 → 41 keys/s, 8 → 82, 16 → 160, 32 → 240, 64 → 118 with twice the CPU. That
# pool collapsed past ~32 waiters, so the default was 16 while there was one pool.
# The collapse was httpcore's pool rescanning all its connections per request event; with
# pools of POOL_SHARD_SIZE (benchmarks/live.py, 1,000 keys at 50 ms, emulator in its own
# process): 16 → 275 keys/s, 32 → 475, 64 → 444 (one pool: 274, 196, 119). Hence 32, until
# requests were signed once and sent on httpcore directly (issue 17): a whole `check` of
# 5,000 keys at 50 ms then ran at 458 keys/s and 1.76 ms CPU a key at 32, and at 666 keys/s
# and 1.44 ms at 64 (32 in flight cap any client at 640 keys/s). Hence 64, also --concurrency's
# maximum: far from Binance, where a request takes 200 ms, it is what keeps a fleet audit
# short. Whatever the concurrency, the Pacer keeps each weight bucket under Binance's limits
# (DEFAULT_LIMITS): concurrency changes how fast the budget is spent, never how much.
DEFAULT_CONCURRENCY = 64
DEFAULT_ATTEMPTS = 3
# The ledger outlives Binance's window by this much, for the time between our send and
# Binance's count: 1.2 s of a real 60 s window, plus 50 ms. (It was 5%: that alone cost
# 7.5% of wall time in benchmarks/live.py's master audit, against a 10% budget.)
WINDOW_GUARD = 0.02
LATENCY_GUARD = 0.05
# Connections per httpx pool; larger --concurrency uses several pools (see __aenter__).
POOL_SHARD_SIZE = 8


_NO_PROBE = object()  # no pause to probe: go
_PROBE_BUSY = object()  # another call is the probe: wait for its answer


@dataclass(frozen=True, slots=True)
class Ticket:
    """A call's admission by the pacer: when its weight was reserved (for `refund`), and the
    paused key it probes (`_NO_PROBE` for most calls)."""

    reserved: float
    probe: object = _NO_PROBE


class Pacer:
    """Keeps each weight bucket under its limit with a sliding ledger of sent weight.

    A sliding ledger never exceeds a limit counted over any window of the same length, so it
    is safe whether Binance counts per clock minute or per rolling minute. The ledger is
    widened by `guard` to absorb latency between our send and Binance's count, and the
    used-weight headers add weight spent by others (other runners on the same account).
    """

    def __init__(
        self,
        *,
        limits: dict[str, int] | None = None,
        window: float = DEFAULT_WINDOW,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Any] = asyncio.sleep,
        on_wait: Callable[[int], None] | None = None,
    ) -> None:
        self.limits = dict(DEFAULT_LIMITS if limits is None else limits)
        self.window = window
        self.span = window * (1 + WINDOW_GUARD) + LATENCY_GUARD
        self._clock = clock
        self._sleep = sleep
        self._on_wait = on_wait
        self._ledger: dict[str, collections.deque[tuple[float, int]]] = {}
        self._total: dict[str, int] = {}
        self._blocked: dict[str, float] = {}
        self._blocked_all = 0.0
        self._block_reason: dict[str | None, str] = {}
        # When a pause ends, one request goes first (the probe) and the rest wait for its
        # answer: Binance may still be over the limit (another client spending the same
        # budget, a Retry-After rounded down), and a queue released at once would be answered
        # 429 request by request, the storm Binance answers with an IP ban. Keyed by bucket;
        # None is every bucket (after a 418).
        self._unprobed: set[str | None] = set()
        self._probing: dict[str | None, asyncio.Event] = {}
        self.waiting = 0

    def used(self, bucket: str) -> int:
        # A running total: summing the ledger on every call made a run O(keys²) in CPU
        # (benchmarks/live.py: ~10,000 entries in a 60 s window at 10,000 keys).
        ledger = self._ledger.setdefault(bucket, collections.deque())
        horizon = self._clock() - self.span
        while ledger and ledger[0][0] <= horizon:
            self._total[bucket] -= ledger.popleft()[1]
        return self._total.get(bucket, 0)

    def _spend(self, bucket: str, weight: int) -> float:
        now = self._clock()
        self._ledger.setdefault(bucket, collections.deque()).append((now, weight))
        self._total[bucket] = self._total.get(bucket, 0) + weight
        return now

    def delay(self, bucket: str, limit_kind: str, weight: int) -> float:
        """Seconds until `weight` fits in the bucket (0: send now)."""
        now = self._clock()
        blocked = max(self._blocked.get(bucket, 0.0), self._blocked_all)
        if now < blocked:
            return blocked - now
        limit = self.limits.get(limit_kind)
        if limit is None:
            return 0.0
        excess = self.used(bucket) + weight - limit
        if excess <= 0:
            return 0.0
        freed = 0
        for sent, spent in self._ledger[bucket]:
            freed += spent
            if freed >= excess:
                return max(sent + self.span - now, 0.001)
        # A single call heavier than the whole limit: let it through once the window is empty.
        return self.span

    async def acquire(self, call: protocol.Call, deadline: float) -> Ticket:
        """Wait until `call` fits, then reserve its weight; fail fast past the deadline. After
        a pause the first call through is the probe, and the rest wait for its answer: the
        caller reports it with `probed`, whatever happens to the call."""
        while True:
            wait = self.delay(call.bucket, call.limit, call.weight)
            if wait <= 0:
                probing = self._probe_for(call.bucket)
                if probing is _PROBE_BUSY:
                    await self._await_probe(call, deadline)
                    continue
                return Ticket(self._spend(call.bucket, call.weight), probing)
            if self._clock() + wait > deadline:
                raise RateLimited(
                    f"not checked: {self._why_blocked(call.bucket, call)} frees up only in "
                    f"{wait:.1f} s, after the run's --timeout",
                    retry_after=wait,
                )
            self._set_waiting(+1)
            try:
                await self._sleep(wait)
            finally:
                self._set_waiting(-1)

    def paused(self, bucket: str) -> float:
        """Seconds left of a Retry-After pause on `bucket` (or an IP ban); 0: none."""
        return max(max(self._blocked.get(bucket, 0.0), self._blocked_all) - self._clock(), 0.0)

    def _probe_for(self, bucket: str) -> object:
        """What a call of `bucket` that may go now is: _NO_PROBE (no pause to probe), the
        paused key it probes (it goes first), or _PROBE_BUSY (another call probes)."""
        for key in (None, bucket):
            if key in self._unprobed:
                if key in self._probing:
                    return _PROBE_BUSY
                self._probing[key] = asyncio.Event()
                return key
        return _NO_PROBE

    async def _await_probe(self, call: protocol.Call, deadline: float) -> None:
        remaining = deadline - self._clock()
        if remaining <= 0:
            key = call.bucket if call.bucket in self._probing else None
            raise RateLimited(
                f"not checked: {self._block_reason.get(key, 'a rate limit')} was still being "
                "tested by one request when the run's --timeout ran out"
            )
        probe = self._probing.get(None) or self._probing[call.bucket]
        self._set_waiting(+1)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(probe.wait(), remaining)
        finally:
            self._set_waiting(-1)

    def probed(self, ticket: Ticket, answered: bool) -> None:
        """The probe `ticket` holds is over: `answered` when Binance answered it without a
        rate limit (the pause is over for everyone), False otherwise (a new 429 paused the
        bucket again, or no answer came: the next call probes)."""
        if ticket.probe is _NO_PROBE:
            return
        key: str | None = ticket.probe  # type: ignore[assignment]
        if answered:
            self._unprobed.discard(key)
        event = self._probing.pop(key, None)
        if event is not None:
            event.set()

    def refund(self, call: protocol.Call, reserved: float) -> None:
        """Give back the weight `acquire` reserved at `reserved` for a call not sent after all."""
        ledger = self._ledger.get(call.bucket)
        if not ledger or reserved <= self._clock() - self.span:
            return  # already out of the window: nothing left to give back
        for index in range(len(ledger) - 1, -1, -1):
            if ledger[index] == (reserved, call.weight):
                del ledger[index]
                self._total[call.bucket] -= call.weight
                return

    def observe(self, call: protocol.Call, used: int | None) -> None:
        """Fold Binance's used-weight header in: weight others spent counts against us too."""
        if used is None or call.limit not in self.limits:
            return
        extra = used - self.used(call.bucket)
        if extra > 0:
            self._spend(call.bucket, extra)

    def block(self, bucket: str | None, until: float, reason: str) -> None:
        """Hold a bucket (None: every bucket, for an IP ban) until monotonic time `until`."""
        if bucket is None:
            self._blocked_all = max(self._blocked_all, until)
        else:
            self._blocked[bucket] = max(self._blocked.get(bucket, 0.0), until)
        self._block_reason[bucket] = reason
        self._unprobed.add(bucket)

    def _why_blocked(self, bucket: str, call: protocol.Call) -> str:
        now = self._clock()
        if now < self._blocked_all:
            return self._block_reason.get(None, "an IP ban")
        if now < self._blocked.get(bucket, 0.0):
            return self._block_reason.get(bucket, "a rate limit")
        return f"Binance's {call.limit.upper()} weight budget for {call.path}"

    def _set_waiting(self, delta: int) -> None:
        self.waiting += delta
        if self._on_wait is not None:
            self._on_wait(self.waiting)


class BinanceClient:
    """Async Binance REST client over a few small httpx connection pools; use as a context
    manager."""

    def __init__(
        self,
        *,
        base_url: str,
        timeout: float = 30.0,
        concurrency: int = DEFAULT_CONCURRENCY,
        attempts: int = DEFAULT_ATTEMPTS,
        attempt_timeout: float | None = None,
        recv_window: int = DEFAULT_RECV_WINDOW,
        limits: dict[str, int] | None = None,
        weight_window: float = DEFAULT_WINDOW,
        transport: httpx.AsyncBaseTransport | None = None,
        on_wait: Callable[[int], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Any] = asyncio.sleep,
        rng: Callable[[], float] = random.random,
        sync_before_signing: bool = False,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if not 0 < recv_window <= MAX_RECV_WINDOW:
            raise ValueError(f"recvWindow must be within 1..{MAX_RECV_WINDOW} ms")
        self.base_url = base_url.rstrip("/")
        # The base URL, parsed once: every request is its origin plus a target built here.
        base = httpx.URL(self.base_url)
        self._scheme = base.raw_scheme
        self._host = base.raw_host
        self._port = base.port
        self._origin = f"{base.scheme}://{base.netloc.decode('ascii')}"
        self._prefix = base.raw_path.decode("ascii").rstrip("/")  # a base URL's own path
        self._fixed_headers = [
            (b"Host", base.netloc),
            (b"Accept", b"*/*"),
            # Binance's answers are a few hundred bytes: not worth decompressing.
            (b"Accept-Encoding", b"identity"),
            (b"User-Agent", f"keylint/{__version__}".encode("ascii")),
        ]
        self.timeout = timeout
        self.attempts = max(1, attempts)
        # Leave room for retries inside the overall budget, but never wait absurdly long.
        self.attempt_timeout = attempt_timeout or max(min(10.0, timeout / 3), 0.1)
        self.recv_window = recv_window
        self._clock = clock
        self._wall = wall_clock
        self._sleep = sleep
        self._rng = rng
        self._transport = transport
        self._concurrency = concurrency
        self._semaphore = asyncio.Semaphore(concurrency)
        self._on_wait = on_wait
        self.pacer = Pacer(
            limits=limits,
            window=weight_window,
            clock=clock,
            sleep=sleep,
            on_wait=lambda _n: self._notify_wait(),
        )
        self.deadline = clock() + timeout
        self.offset_ms = 0
        self._clock_generation = 0
        # With `sync_before_signing`, the clock is synced before the first signed call rather
        # than by the caller up front: a run that signs nothing sends no request at all.
        self._clock_tried = not sync_before_signing
        self._clock_lock = asyncio.Lock()
        self._http: httpx.AsyncClient | None = None
        self._pools: list[httpx.AsyncClient] = []
        # Per pool: httpx's connection pool (httpcore) for the base URL, or None to go
        # through the pool's transport as an httpx.Request (an injected transport: tests).
        self._cores: list[httpcore.AsyncConnectionPool | None] = []
        self._in_use: list[int] = []
        timeout_s = self.attempt_timeout
        self._extensions = {
            "timeout": {
                "connect": timeout_s,
                "read": timeout_s,
                "write": timeout_s,
                "pool": timeout_s,
            }
        }

    async def __aenter__(self) -> BinanceClient:
        self.deadline = self._clock() + self.timeout
        # httpcore's async pool rescans every connection on each request event, so its CPU
        # cost per request grows with the pool size (benchmarks/live.py, 1,000 calls: one
        # pool of 64 used 8.0 s of CPU, eight pools of 8 1.7 s). Several small pools keep each
        # scan short; an injected transport (tests) gets one pool.
        shards = 1 if self._transport is not None else -(-self._concurrency // POOL_SHARD_SIZE)
        per_shard = -(-self._concurrency // shards)
        self._pools = [
            httpx.AsyncClient(
                base_url=self.base_url,
                transport=self._transport,
                limits=httpx.Limits(max_connections=per_shard, max_keepalive_connections=per_shard),
                timeout=httpx.Timeout(self.attempt_timeout),
                headers={"User-Agent": f"keylint/{__version__}"},
                verify=context_for(self.base_url),
            )
            for _ in range(shards)
        ]
        self._in_use = [0] * shards
        self._cores = [_core_pool(pool, self.base_url) for pool in self._pools]
        self._http = self._pools[0]
        return self

    async def __aexit__(self, *exc: object) -> None:
        for pool in self._pools:
            await pool.aclose()
        self._pools = []
        self._cores = []
        self._http = None

    @property
    def waiting(self) -> int:
        """Requests currently held back by the pacer (weight budget or a Retry-After)."""
        return self.pacer.waiting

    def binance_time(self) -> int:
        """Binance's clock in ms, as estimated by the last sync."""
        return int(self._wall() * 1000) + self.offset_ms

    async def sync_clock(self) -> None:
        """Estimate the offset to Binance's clock from /api/v3/time (midpoint of the trip)."""
        before = self._wall()
        data = await self._send(protocol.server_time(), None)
        after = self._wall()
        server = protocol.parse_server_time(data)
        self.offset_ms = server - int((before + after) / 2 * 1000)
        self._clock_generation += 1
        log.debug("clock offset to Binance: %d ms", self.offset_ms)

    async def _resync(self, seen_generation: int) -> None:
        async with self._clock_lock:
            # Many requests hit -1021 together after a clock jump: resync only once for all.
            if self._clock_generation == seen_generation:
                await self.sync_clock()

    async def _first_sync(self) -> None:
        """Sync with Binance's clock once, before the first signed call."""
        async with self._clock_lock:
            if self._clock_tried:
                return
            try:
                await self.sync_clock()
            except BinanceError as exc:
                # Not fatal: signed calls resync on -1021 and report a clock error per key.
                log.warning("could not sync with Binance's clock: %s", exc.reason)
            finally:
                # Set only now: calls arriving meanwhile wait on the lock for the offset
                # rather than signing with the unsynced clock.
                self._clock_tried = True

    async def call(
        self,
        call: protocol.Call,
        credentials: Credentials | None,
        *,
        on_send: Callable[[], None] | None = None,
    ) -> Any:
        """Send `call` (signed with `credentials` when it is signed) and return its JSON.

        `on_send` runs each time the request is about to leave (after pacing): from then on
        an interrupted write may have reached Binance."""
        if call.signed and not self._clock_tried:
            await self._first_sync()
        generation = self._clock_generation
        try:
            return await self._send(call, credentials, on_send)
        except ClockSkew:
            pass
        try:
            await self._resync(generation)
        except BinanceError as exc:
            raise ClockSkew(
                f"clock: Binance rejected the timestamp (-1021) and re-syncing with "
                f"{PATH_TIME} failed: {exc.reason}",
                code=-1021,
            ) from None
        try:
            return await self._send(call, credentials, on_send)
        except ClockSkew as exc:
            raise ClockSkew(
                f"clock: Binance rejected the timestamp (-1021) again after re-syncing; the "
                f"network round trip likely exceeds recvWindow ({self.recv_window} ms) or this "
                "machine's clock is unstable",
                code=exc.code,
                status=exc.status,
            ) from None

    async def _send(
        self,
        call: protocol.Call,
        credentials: Credentials | None,
        on_send: Callable[[], None] | None = None,
    ) -> Any:
        """Send with retries; raises the last typed error when attempts or time run out."""
        attempt = 0
        while True:
            attempt += 1
            ticket = await self._admit(call)
            try:
                try:
                    result = await self._attempt(call, credentials, on_send)
                finally:
                    self._semaphore.release()
            except RateLimited as exc:
                wait = exc.retry_after if exc.retry_after is not None else self._backoff(attempt)
                until = self._clock() + wait
                if isinstance(exc, IpBanned):
                    self.pacer.block(None, until, "Binance's ban of this IP (HTTP 418)")
                else:
                    self.pacer.block(
                        call.bucket, until, f"Binance's rate limit on {call.path} (429)"
                    )
                # After the block: the calls waiting on this probe see the new pause.
                self.pacer.probed(ticket, answered=False)
                if until > self.deadline:
                    raise _amend(
                        exc, "; that is after the run's --timeout, so it was not checked"
                    ) from None
                if attempt >= self.attempts:
                    raise _amend(exc, f" (gave up after {attempt} attempts)") from None
                # The pacer holds this bucket until `until` for every request of it: the next
                # _admit() waits it out, as do the requests queued for a connection meanwhile.
                continue
            except BinanceError as exc:
                # An answer other than a rate limit ends a pause for everyone; no answer (a
                # dropped connection, a timeout) leaves the probing to the next call.
                self.pacer.probed(ticket, answered=exc.status is not None)
                if isinstance(exc, ClockSkew):
                    raise  # the caller resyncs the clock and sends again
                # A write that met a 5xx or a dropped connection may have taken effect: its
                # outcome is unknown, so it is reported rather than sent again.
                if not exc.retryable or attempt >= self.attempts or call.writes:
                    raise (
                        _amend(exc, f" (after {attempt} attempts)") if attempt > 1 else exc
                    ) from None
                delay = self._backoff(attempt)
                if self._clock() + delay >= self.deadline:
                    raise _amend(exc, " (no time left in --timeout to retry)") from None
                await self._pause(delay)
                continue
            except BaseException:
                self.pacer.probed(ticket, answered=False)  # cancelled: the next call probes
                raise
            self.pacer.probed(ticket, answered=True)
            return result

    async def _admit(self, call: protocol.Call) -> Ticket:
        """Wait for the pacer, then for a connection; return holding the semaphore.

        A 429 or 418 can come back while a call waits for a connection, after the pacer let
        it through: the pause is checked again once a connection is free, so that only the
        calls already on the wire when Binance said stop (at most concurrency - 1) reach it
        during the pause, not every call queued behind them (a 429 storm, which Binance
        answers with an IP ban). The ticket says whether the call probes the end of a pause;
        `_send` reports how that went.
        """
        while True:
            ticket = await self.pacer.acquire(call, self.deadline)
            admitted = False
            try:
                await self._semaphore.acquire()
                if self.pacer.paused(call.bucket) <= 0:
                    admitted = True
                    return ticket
                self._semaphore.release()
            finally:
                if not admitted:  # paused meanwhile, or cancelled while waiting: not sent
                    self.pacer.refund(call, ticket.reserved)
                    self.pacer.probed(ticket, answered=False)

    async def _attempt(
        self,
        call: protocol.Call,
        credentials: Credentials | None,
        on_send: Callable[[], None] | None = None,
    ) -> Any:
        remaining = self.deadline - self._clock()
        if remaining <= 0:
            raise DeadlineExceeded(
                f"not checked: the run's --timeout of {self.timeout:g} s ran out before "
                f"{call.path} could be called"
            )
        budget = min(self.attempt_timeout, remaining)
        if self._http is None:
            raise RuntimeError("BinanceClient used outside 'async with'")
        # The least busy pool: the semaphore bounds the total, so it always has a free slot.
        shard = self._in_use.index(min(self._in_use))
        method, target, headers, body = self._build(call, credentials)
        try:
            # asyncio.timeout bounds the whole exchange; httpx's own timeouts are per phase.
            if on_send is not None:
                on_send()
            self._in_use[shard] += 1
            try:
                async with asyncio.timeout(budget):
                    status, answer_headers, content = await self._exchange(
                        shard, method, target, headers, body
                    )
            finally:
                self._in_use[shard] -= 1
        except (TimeoutError, httpx.TimeoutException, httpcore.TimeoutException):
            raise TransportFailure(
                f"timeout: no answer from Binance within {budget:.1f} s"
            ) from None
        except (httpx.RemoteProtocolError, httpcore.RemoteProtocolError):
            raise TransportFailure(
                "network: the connection dropped mid-answer (incomplete HTTP response); a proxy "
                "or an unstable network may be cutting it"
            ) from None
        except _TRANSPORT_ERRORS as exc:
            # The socket layer's words ("Name or service not known", "Connection refused")
            # tell DNS from a closed port; they name no credential, and are cut short anyway.
            detail = str(exc).strip()[:100] or type(exc).__name__
            raise TransportFailure(
                f"network: the connection to Binance failed or dropped ({detail})"
            ) from None
        self.pacer.observe(call, protocol.read_weights(answer_headers).for_call(call))
        log.debug("%s %s -> %d", call.path, _who(credentials), status)
        return protocol.parse_response(
            status, answer_headers, content, path=f"{self._prefix}{call.path}"
        )

    def _build(
        self, call: protocol.Call, credentials: Credentials | None
    ) -> tuple[bytes, str, list[tuple[bytes, bytes]], bytes | None]:
        """The request as it goes on the wire: method, target (path and query), headers and
        body, signed with `credentials` when the call is signed (binance-api.md: the query
        string exactly as sent, then the body)."""
        headers = list(self._fixed_headers)
        params = urlencode(call.params)
        # Binance's documented form for a POST: parameters in a form body, signed together
        # with the (empty) query. Everything else carries them in the query.
        in_body = call.method == "POST" and bool(params)
        if call.signed:
            if credentials is None:
                raise ValueError(f"{call.path} needs credentials")
            params = signed_params(
                params,
                credentials.signer,
                timestamp=self.binance_time(),
                recv_window=self.recv_window,
            )
            headers.append((b"X-MBX-APIKEY", credentials.api_key.encode("utf-8")))
        target = f"{self._prefix}{call.path}"
        if in_body:
            body = params.encode("ascii")
            headers.append((b"Content-Type", b"application/x-www-form-urlencoded"))
            headers.append((b"Content-Length", str(len(body)).encode("ascii")))
            return call.method.encode("ascii"), target, headers, body
        if params:
            target = f"{target}?{params}"
        return call.method.encode("ascii"), target, headers, None

    async def _exchange(
        self,
        shard: int,
        method: bytes,
        target: str,
        headers: list[tuple[bytes, bytes]],
        body: bytes | None,
    ) -> tuple[int, dict[str, str], bytes]:
        """Send one request on pool `shard`; (status, headers with lower-case names, body)."""
        core = self._cores[shard]
        if core is not None:
            url = httpcore.URL(
                scheme=self._scheme, host=self._host, port=self._port, target=target.encode()
            )
            answer = await core.request(
                method, url, headers=headers, content=body, extensions=self._extensions
            )
            named = {
                name.decode("latin-1").lower(): value.decode("latin-1")
                for name, value in answer.headers
            }
            return answer.status, named, _decoded(answer.content, named)
        request = httpx.Request(
            method.decode("ascii"),
            self._origin + target,
            headers=headers,
            content=body,
            extensions=self._extensions,
        )
        response = await self._pools[shard]._transport.handle_async_request(request)
        try:
            content = await response.aread()
        finally:
            await response.aclose()
        named = {name.lower(): value for name, value in response.headers.items()}
        return response.status_code, named, content

    def _backoff(self, attempt: int) -> float:
        # Exponential with jitter, so keys failing together do not retry in lockstep.
        base = 0.25 * (2 ** (attempt - 1))
        return float(base * (0.5 + self._rng() / 2))

    async def _pause(self, seconds: float) -> None:
        await self._sleep(seconds)

    def _notify_wait(self) -> None:
        if self._on_wait is not None:
            self._on_wait(self.waiting)


# A failed connection, read or write: httpx's TransportError from an injected transport, and
# what httpcore raises, which httpx would map to it (here it arrives unmapped). Timeouts and
# dropped answers are caught before these.
_TRANSPORT_ERRORS: tuple[type[Exception], ...] = (
    httpx.TransportError,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.ProxyError,
    httpcore.UnsupportedProtocol,
)


def _core_pool(client: httpx.AsyncClient, base_url: str) -> httpcore.AsyncConnectionPool | None:
    """The httpcore pool behind the transport `client` would use for `base_url` (its proxy
    from the environment included), or None when that transport is no plain httpx one (an
    injected MockTransport): then requests go through the transport itself, as before.

    httpx builds the transport, TLS context and any HTTP(S)_PROXY route exactly as it always
    did; only its per-request client layer is skipped. Both attributes are private to httpx
    (pinned below 1.0): if either is missing, the transport path is used, slower but equal.
    """
    pick = getattr(client, "_transport_for_url", None)
    transport = pick(httpx.URL(base_url)) if pick is not None else None
    if not isinstance(transport, httpx.AsyncHTTPTransport):
        return None
    pool = getattr(transport, "_pool", None)
    return pool if isinstance(pool, httpcore.AsyncConnectionPool) else None


def _decoded(content: bytes, headers: dict[str, str]) -> bytes:
    """The body without its content coding: identity is asked for, but a proxy may still
    compress (gzip or deflate, as httpx would have decoded)."""
    coding = headers.get("content-encoding", "identity").strip().lower()
    if coding in ("", "identity"):
        return content
    try:
        if coding in ("gzip", "x-gzip"):
            return zlib.decompress(content, 16 + zlib.MAX_WBITS)
        if coding == "deflate":
            try:
                return zlib.decompress(content)
            except zlib.error:
                return zlib.decompress(content, -zlib.MAX_WBITS)
    except zlib.error:
        raise MalformedResponse(
            f"Binance's answer could not be decoded ({coding}); a proxy may have mangled it"
        ) from None
    raise MalformedResponse(f"Binance answered in an encoding keylint does not read ({coding})")


def _who(credentials: Credentials | None) -> str:
    return "unsigned" if credentials is None else repr(credentials)


def _amend(exc: BinanceError, suffix: str) -> BinanceError:
    exc.reason += suffix
    exc.args = (exc.reason,)
    return exc
