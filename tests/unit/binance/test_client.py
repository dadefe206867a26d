from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from keylint.binance import errors, protocol
from keylint.binance.client import BinanceClient, Pacer, Ticket
from keylint.binance.signing import Credentials, HmacSigner
from keylint.endpoints import PATH_SUB_API_IP_V2, PATH_TIME

CREDS = Credentials("A" * 64, HmacSigner(b"secret"))
JSON = {"Content-Type": "application/json"}


class FakeTime:
    """Monotonic clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def answer(
    status: int = 200, obj: Any = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    return httpx.Response(
        status, headers={**JSON, **(headers or {})}, content=json.dumps(obj or {}).encode()
    )


def run(
    handler: Callable[[httpx.Request], httpx.Response],
    call: protocol.Call | None = None,
    *,
    fake: FakeTime | None = None,
    sync: bool = False,
    **options: Any,
) -> Any:
    fake = fake or FakeTime()

    async def go() -> Any:
        client = BinanceClient(
            base_url="https://api.binance.com",
            transport=httpx.MockTransport(handler),
            clock=fake.clock,
            sleep=fake.sleep,
            rng=lambda: 0.5,
            **options,
        )
        async with client:
            if sync:
                await client.sync_clock()
            return await client.call(call or protocol.api_restrictions(), CREDS)

    return asyncio.run(go())


def test_5xx_is_retried_with_growing_backoff_then_succeeds() -> None:
    seen: list[int] = []
    fake = FakeTime()

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(1)
        return answer(503, {"code": -1001, "msg": "x"}) if len(seen) < 3 else answer(200, {"ok": 1})

    assert run(handler, fake=fake) == {"ok": 1}
    assert len(seen) == 3
    assert len(fake.sleeps) == 2 and fake.sleeps[1] > fake.sleeps[0] > 0


def test_persistent_5xx_gives_up_after_three_attempts() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(502, content=b"<html>bad gateway</html>")

    with pytest.raises(errors.ServerError, match="after 3 attempts"):
        run(handler)
    assert len(calls) == 3


def test_dropped_connections_are_retried() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            raise httpx.RemoteProtocolError("server disconnected", request=request)
        return answer(200, {"enableReading": True})

    assert run(handler) == {"enableReading": True}
    assert len(calls) == 2


def test_dns_failure_is_a_transport_failure_a_person_can_read() -> None:
    # The failure httpx raises when the base URL's host does not resolve (no real lookup here).
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)

    with pytest.raises(errors.TransportFailure) as caught:
        run(handler)
    assert caught.value.retryable
    assert "Name or service not known" in caught.value.reason


def test_key_rejection_is_not_retried() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return answer(
            401, {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}
        )

    with pytest.raises(errors.KeyRejected):
        run(handler)
    assert len(calls) == 1


def test_retry_after_beyond_the_deadline_fails_at_once() -> None:
    fake = FakeTime()
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return answer(429, {"code": -1003, "msg": "x"}, {"Retry-After": "120"})

    with pytest.raises(errors.RateLimited, match="after the run's --timeout"):
        run(handler, fake=fake, timeout=10)
    assert len(calls) == 1 and fake.sleeps == []


def test_retry_after_within_the_deadline_is_honoured() -> None:
    fake = FakeTime()
    calls: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(fake.now)
        if len(calls) == 1:
            return answer(429, {"code": -1003, "msg": "x"}, {"Retry-After": "2"})
        return answer(200, {"ok": True})

    assert run(handler, fake=fake, timeout=10) == {"ok": True}
    assert calls[1] - calls[0] >= 2


def test_clock_is_resynced_once_on_1021_then_the_call_succeeds() -> None:
    times: list[int] = []
    sent: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == PATH_TIME:
            times.append(1)
            # The second sync reveals Binance's clock is 30 s ahead.
            return answer(200, {"serverTime": int(1e12) + (30000 if len(times) > 1 else 0)})
        stamp = int(request.url.params["timestamp"])
        sent.append(stamp)
        if stamp < int(1e12) + 25000:
            return answer(400, {"code": -1021, "msg": "Timestamp outside recvWindow"})
        return answer(200, {"ok": True})

    result = run(handler, sync=True, wall_clock=lambda: 1e9)
    assert result == {"ok": True}
    assert len(times) == 2 and len(sent) == 2 and sent[1] - sent[0] == 30000


def test_second_1021_after_resync_is_a_clock_error() -> None:
    times: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == PATH_TIME:
            times.append(1)
            return answer(200, {"serverTime": 1})
        return answer(400, {"code": -1021, "msg": "x"})

    with pytest.raises(errors.ClockSkew, match="again after re-syncing") as info:
        run(handler, sync=True)
    assert "clock" in info.value.reason
    assert len(times) == 2  # the initial sync and exactly one resync


def test_concurrency_is_bounded_by_the_semaphore() -> None:
    in_flight = 0
    peak = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.005)
        in_flight -= 1
        return answer(200, {})

    async def go() -> None:
        async with BinanceClient(
            base_url="https://x", transport=httpx.MockTransport(handler), concurrency=3
        ) as client:
            await asyncio.gather(
                *(client.call(protocol.api_restrictions(), CREDS) for _ in range(20))
            )

    asyncio.run(go())
    assert peak == 3


@pytest.mark.parametrize(("status", "other"), [(429, None), (418, protocol.server_time())])
def test_a_429_pauses_the_requests_queued_for_a_connection(
    status: int, other: protocol.Call | None
) -> None:
    """Requests waiting for a connection when a 429 comes back wait out its Retry-After too;
    a 418 (IP ban) holds every bucket. Only the request already on the wire is not held."""
    call = protocol.api_restrictions()
    arrived_paused: list[str] = []
    seen: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if client.pacer.delay(protocol.Call(request.url.path).bucket, "ip", 0) > 0:  # paused
            arrived_paused.append(request.url.path)
        if len(seen) == 1:
            await asyncio.sleep(0)  # the other calls start: one is sent, the rest queue
            return answer(status, {"code": -1003, "msg": "x"}, {"Retry-After": "0.05"})
        await asyncio.sleep(0.001)
        return answer(200, {"serverTime": 1})

    client = BinanceClient(
        base_url="https://x", transport=httpx.MockTransport(handler), concurrency=2
    )

    async def go() -> None:
        async with client:
            calls = [call] * 6 + ([other] * 2 if other is not None else [])
            await asyncio.gather(*(client.call(c, CREDS) for c in calls))

    asyncio.run(go())
    assert arrived_paused == []
    assert len(seen) == 7 + (2 if other is not None else 0)  # the 429'd call once more
    # Calls held back gave their reserved weight back: the ledger counts what was sent.
    assert client.pacer.used(call.bucket) == 7


def test_timeout_of_an_attempt_is_a_transport_failure() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return answer(200, {})

    async def go() -> None:
        async with BinanceClient(
            base_url="https://x",
            transport=httpx.MockTransport(handler),
            timeout=0.5,
            attempt_timeout=0.1,
        ) as client:
            await client.call(protocol.api_restrictions(), CREDS)

    with pytest.raises(errors.TransportFailure, match="timeout"):
        asyncio.run(go())


# --- pacer ----------------------------------------------------------------------------------


def test_pacer_spaces_uid_calls_to_the_limit() -> None:
    fake = FakeTime()
    pacer = Pacer(limits={"uid": 9000, "ip": 100}, window=1.0, clock=fake.clock, sleep=fake.sleep)
    call = protocol.sub_account_api("a@b.c")
    sent: list[float] = []

    async def go() -> None:
        for _ in range(7):
            await pacer.acquire(call, deadline=fake.now + 100)
            sent.append(fake.now)

    asyncio.run(go())
    # Never more than 3 calls (9000 weight) inside any window of `span` seconds.
    for index in range(3, len(sent)):
        assert sent[index] - sent[index - 3] >= pacer.span
    assert sent[-1] - sent[0] < 3 * pacer.span  # and not slower than needed


def test_pacer_counts_weight_others_spent() -> None:
    fake = FakeTime()
    pacer = Pacer(limits={"uid": 9000}, window=1.0, clock=fake.clock, sleep=fake.sleep)
    call = protocol.sub_account_api("a@b.c")
    asyncio.run(pacer.acquire(call, deadline=fake.now + 10))
    assert pacer.delay(call.bucket, "uid", 3000) == 0
    pacer.observe(call, used=9000)  # another runner spent the rest of the budget
    assert pacer.delay(call.bucket, "uid", 3000) > 0


def test_pacer_fails_fast_when_the_wait_passes_the_deadline() -> None:
    fake = FakeTime()
    pacer = Pacer(limits={"uid": 3000}, window=60.0, clock=fake.clock, sleep=fake.sleep)
    call = protocol.sub_account_ip_restriction("a@b.c", "k")

    async def go() -> None:
        await pacer.acquire(call, deadline=fake.now + 5)
        await pacer.acquire(call, deadline=fake.now + 5)

    with pytest.raises(errors.RateLimited, match="UID weight"):
        asyncio.run(go())
    assert fake.sleeps == []


def test_ip_ban_blocks_every_bucket() -> None:
    fake = FakeTime()
    pacer = Pacer(clock=fake.clock, sleep=fake.sleep)
    pacer.block(None, fake.now + 30, "ban")
    assert pacer.delay(protocol.api_restrictions().bucket, "ip", 1) == pytest.approx(30)
    assert pacer.delay(protocol.sub_account_api("x").bucket, "uid", 3000) == pytest.approx(30)


async def settle() -> None:
    """Let every runnable task run until it waits (fake time moves only when they sleep)."""
    for _ in range(50):
        await asyncio.sleep(0)


class PausedQueue:
    """`calls` calls of one bucket waiting on a 1 s pause, in fake time."""

    def __init__(self, calls: int) -> None:
        self.fake = FakeTime()
        self.pacer = Pacer(clock=self.fake.clock, sleep=self.fake.sleep)
        self.call = protocol.api_restrictions()
        self.calls = calls
        self.admitted: list[Ticket] = []
        self.tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self.pacer.block(self.call.bucket, self.fake.now + 1, "429")
        self.tasks = [asyncio.create_task(self._one()) for _ in range(self.calls)]
        await settle()

    async def _one(self) -> None:
        self.admitted.append(await self.pacer.acquire(self.call, deadline=self.fake.now + 100))


def test_after_a_pause_one_call_probes_and_the_rest_wait_for_its_answer() -> None:
    """When a Retry-After ends, a whole queue sent at once would meet a 429 each if Binance
    is still over its limit: one call goes first, the rest when it was answered."""
    queue = PausedQueue(4)

    async def go() -> None:
        await queue.start()
        assert [t.probe for t in queue.admitted] == [queue.call.bucket]  # one probe
        assert queue.pacer.waiting == 3
        queue.pacer.probed(queue.admitted[0], answered=True)
        await asyncio.gather(*queue.tasks)

    asyncio.run(go())
    assert [t.probe for t in queue.admitted[1:]] == [Ticket(0.0).probe] * 3  # no probes
    assert queue.fake.now >= 1001  # nobody went during the pause


def test_a_probe_met_by_another_429_pauses_the_queue_again_and_probes_again() -> None:
    queue = PausedQueue(3)

    async def go() -> None:
        await queue.start()
        assert len(queue.admitted) == 1
        # The probe was answered 429 again: the client blocks, then reports.
        second_pause = queue.fake.now + 2
        queue.pacer.block(queue.call.bucket, second_pause, "429")
        queue.pacer.probed(queue.admitted[0], answered=False)
        await settle()
        assert len(queue.admitted) == 2 and queue.admitted[1].probe == queue.call.bucket
        assert queue.fake.now >= second_pause  # the next probe, after the second pause
        queue.pacer.probed(queue.admitted[1], answered=True)
        await asyncio.gather(*queue.tasks)

    asyncio.run(go())
    assert len(queue.admitted) == 3


def test_a_probe_that_got_no_answer_hands_the_probing_to_the_next_call() -> None:
    """A dropped connection or a cancelled call says nothing about the limit: the next call
    probes, rather than every waiting call going at once."""
    queue = PausedQueue(3)

    async def go() -> None:
        await queue.start()
        queue.pacer.probed(queue.admitted[0], answered=False)
        await settle()
        assert len(queue.admitted) == 2 and queue.admitted[1].probe == queue.call.bucket
        queue.pacer.probed(queue.admitted[1], answered=True)
        await asyncio.gather(*queue.tasks)

    asyncio.run(go())


def test_an_ip_ban_is_probed_by_the_first_call_of_any_bucket() -> None:
    fake = FakeTime()
    pacer = Pacer(clock=fake.clock, sleep=fake.sleep)
    listing = protocol.sub_account_api("a@b.c")

    async def go() -> None:
        pacer.block(None, fake.now + 1, "418")
        first = await pacer.acquire(listing, deadline=fake.now + 100)
        assert first.probe is None  # it probes the ban, for every bucket
        waiting = asyncio.create_task(pacer.acquire(protocol.api_restrictions(), fake.now + 100))
        await settle()
        assert not waiting.done()
        pacer.probed(first, answered=True)
        assert (await waiting).probe is Ticket(0.0).probe

    asyncio.run(go())


def test_a_call_waiting_on_a_probe_past_the_deadline_is_rate_limited() -> None:
    """Real clock: the probe never reports, and the waiting call gives up at its deadline."""
    pacer = Pacer()
    call = protocol.api_restrictions()

    async def go() -> None:
        pacer.block(call.bucket, time.monotonic() + 0.01, "Binance's 429")
        probe = await pacer.acquire(call, deadline=time.monotonic() + 5)
        assert probe.probe == call.bucket
        await pacer.acquire(call, deadline=time.monotonic() + 0.2)

    with pytest.raises(errors.RateLimited, match="429 was still being tested by one request"):
        asyncio.run(go())


def test_the_client_probes_a_pause_with_one_request_over_mock_http() -> None:
    """Binance keeps answering 429 past its Retry-After (another client spends the same
    budget): after the pause one request goes, not the whole queue."""
    limited_for = 1.5  # seconds from the first request; Retry-After says 1
    sent: list[tuple[float, int]] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v3/time":  # the clock sync, before the first signed call
            return answer(200, {"serverTime": int(time.time() * 1000)})
        now = time.monotonic()
        start = sent[0][0] if sent else now
        status = 429 if now < start + limited_for else 200
        sent.append((now, status))
        await asyncio.sleep(0.05)  # the network: the first 8 are all on the wire together
        if status == 429:
            return answer(429, {"code": -1003, "msg": "Too many requests."}, {"Retry-After": "1"})
        return answer(200, {"enableReading": True})

    async def go() -> None:
        async with BinanceClient(
            base_url="https://x", transport=httpx.MockTransport(handler), concurrency=8
        ) as client:
            await asyncio.gather(
                *(client.call(protocol.api_restrictions(), CREDS) for _ in range(8))
            )

    asyncio.run(go())
    limited = [at for at, status in sent if status == 429]
    timeline = [(round(at - sent[0][0], 2), status) for at, status in sent]
    # Those sent before the first 429 came back were on the wire together (up to 8; fewer on
    # a loaded machine). Nothing is sent during the 1 s pause; at its end the probe alone,
    # answered 429 once more if it came within the 1.5 s. Without the probe every waiting
    # call went at the pause's end: up to 8 more 429s.
    after_pause = [at for at in limited if at >= sent[0][0] + 0.9]
    assert limited and len(after_pause) <= 1, timeline
    assert len(sent) == len(limited) + 8, timeline  # then every call answered once


# --- the request as it goes on the wire (built and signed once, issue 17) ---------------------


def _hmac(payload: str) -> str:
    import hashlib
    import hmac

    return hmac.new(b"secret", payload.encode(), hashlib.sha256).hexdigest()


def test_a_signed_get_carries_the_signature_of_its_query_exactly_as_sent() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer()

    email = "a+b c@example.com"
    run(handler, protocol.sub_account_ip_restriction(email, "K" * 64))
    query = seen[0].url.query.decode()
    unsigned, _, signature = query.rpartition("&signature=")
    # Encoded as httpx encoded params before (quote_plus), the signature last and over it all.
    assert unsigned.startswith("email=a%2Bb+c%40example.com&subAccountApiKey=KKKK")
    assert "&timestamp=" in unsigned and unsigned.endswith("&recvWindow=5000")
    assert signature == _hmac(unsigned)
    assert seen[0].headers["X-MBX-APIKEY"] == CREDS.api_key
    assert seen[0].headers["User-Agent"].startswith("keylint/")
    assert seen[0].url.path == "/sapi/v1/sub-account/subAccountApi/ipRestriction"


def test_a_signed_post_carries_its_parameters_and_signature_in_a_form_body() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer()

    call = protocol.master_write(
        "POST", PATH_SUB_API_IP_V2, (("email", "m@x.com"), ("status", "2"))
    )
    run(handler, call)
    request = seen[0]
    body = request.content.decode()
    unsigned, _, signature = body.rpartition("&signature=")
    assert request.url.query == b""
    assert unsigned.startswith("email=m%40x.com&status=2&timestamp=")
    assert signature == _hmac(unsigned)
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert int(request.headers["Content-Length"]) == len(request.content)


def test_a_base_url_with_a_path_keeps_it_in_front_of_every_call() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return answer(404)

    async def go() -> None:
        client = BinanceClient(
            base_url="https://proxy.example/binance/", transport=httpx.MockTransport(handler)
        )
        async with client:
            with pytest.raises(errors.WrongUrl) as caught:
                await client.call(protocol.api_restrictions(), CREDS)
        assert "/binance/sapi/v1/account/apiRestrictions" in caught.value.reason

    asyncio.run(go())
    assert seen == ["/binance/sapi/v1/account/apiRestrictions"]


def test_a_recv_window_above_binance_maximum_is_refused() -> None:
    with pytest.raises(ValueError, match="recvWindow"):
        BinanceClient(base_url="https://x", recv_window=60001)


def test_requests_go_to_httpx_connection_pool_for_the_base_url() -> None:
    """The real transport's httpcore pool is used directly; an injected transport is not."""
    import httpcore

    from keylint.binance.client import _core_pool

    async def go() -> None:
        async with httpx.AsyncClient(trust_env=False) as plain:
            assert isinstance(
                _core_pool(plain, "https://api.binance.com"), httpcore.AsyncConnectionPool
            )
        async with httpx.AsyncClient(transport=httpx.MockTransport(lambda r: answer())) as mock:
            assert _core_pool(mock, "https://api.binance.com") is None

    asyncio.run(go())


def test_a_proxy_from_the_environment_is_still_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx honours HTTPS_PROXY / NO_PROXY: so does the pool requests go to."""
    import httpcore

    from keylint.binance.client import _core_pool

    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example")

    async def go() -> None:
        async with httpx.AsyncClient() as client:
            routed = _core_pool(client, "https://api.binance.com")
            assert isinstance(routed, httpcore.AsyncHTTPProxy)
            assert not isinstance(
                _core_pool(client, "https://internal.example"), httpcore.AsyncHTTPProxy
            )

    asyncio.run(go())


def test_a_compressed_answer_is_decoded_and_an_unknown_coding_is_malformed() -> None:
    import gzip
    import zlib

    from keylint.binance.client import _decoded

    body = b'{"ipRestrict": false}'
    assert _decoded(body, {}) == body
    assert _decoded(gzip.compress(body), {"content-encoding": "gzip"}) == body
    assert _decoded(zlib.compress(body), {"content-encoding": "deflate"}) == body
    with pytest.raises(errors.MalformedResponse):
        _decoded(body, {"content-encoding": "br"})
    with pytest.raises(errors.MalformedResponse):
        _decoded(b"not gzip", {"content-encoding": "gzip"})
