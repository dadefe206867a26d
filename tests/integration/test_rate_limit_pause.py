"""After a 429 (or 418) the client pauses the bucket for every request, not one by one.

Binance answers a client that keeps sending into a 429 with a ban (418), so the first
`Retry-After` must hold back every request of that bucket, including those already queued
for a connection when the 429 came back. Only requests already on the wire then can still
reach Binance during the pause: at most `concurrency - 1` of them.
"""

from __future__ import annotations

from keylint.testing.emulator import PATH_RESTRICTIONS, Emulator, Fault
from tests.emuhelpers import Fleet, fetch

CONCURRENCY = 8
KEYS = 24
PAUSE = 1  # the fault's Retry-After, seconds
# Every answer takes this long, so that when the 429 comes back CONCURRENCY - 1 requests are
# on the wire and the rest wait for a connection: the ones a per-request retry lets through.
LATENCY = 0.05


def test_retry_after_pauses_every_queued_request_of_the_bucket(fleet: Fleet) -> None:
    # A 418 takes the same path, and pauses every bucket (tests/unit/binance/test_client.py).
    status = 429
    for n in range(KEYS):
        fleet.add(f"bot-{n}")
    with Emulator(fleet.scenario) as emu:
        emu.add_fault(Fault(kind="latency", latency=LATENCY, path=PATH_RESTRICTIONS))
        emu.add_fault(
            Fault(kind="status", status=status, retry_after=PAUSE, path=PATH_RESTRICTIONS, times=1)
        )
        state = fetch(fleet, emu, concurrency=CONCURRENCY, timeout=8.0)
        records = [r for r in emu.requests if r.path == PATH_RESTRICTIONS]
    assert all(entry["status"] == "ok" for entry in state.keys.values()), state.keys
    limited = [r for r in records if r.status == status]
    assert len(limited) == 1
    # Requests the emulator answered while the client was told to wait. The client hears the
    # answer a little after the emulator records it, so the pause covers at least this span
    # (the margin absorbs time.time() steps; the pause is 1 s).
    start = limited[0].at
    during = [r for r in records if start < r.at < start + PAUSE - 0.1]
    # Without a shared pause, the 16 requests queued behind the semaphore all go out at once.
    assert len(during) <= CONCURRENCY - 1, [(round(r.at - start, 3), r.status) for r in during]
    assert len(records) == KEYS + 1  # each key once, plus the one retried after the pause


def test_the_end_of_a_pause_is_probed_by_one_request_while_binance_keeps_limiting(
    fleet: Fleet,
) -> None:
    """Binance may still be over the limit when its Retry-After ends (another client spends
    the same budget): the queue then waits for one request's answer instead of all going
    out into more 429s, the storm that earns an IP ban."""
    for n in range(KEYS):
        fleet.add(f"bot-{n}")
    with Emulator(fleet.scenario) as emu:
        emu.add_fault(Fault(kind="latency", latency=LATENCY, path=PATH_RESTRICTIONS))
        # Every call is answered 429 for 1.5 s from the first, though each says "retry in 1 s".
        emu.add_fault(
            Fault(kind="status", status=429, retry_after=PAUSE, path=PATH_RESTRICTIONS,
                  lasts=PAUSE + 0.5)
        )  # fmt: skip
        state = fetch(fleet, emu, concurrency=CONCURRENCY, timeout=15.0)
        records = [r for r in emu.requests if r.path == PATH_RESTRICTIONS]
    assert all(entry["status"] == "ok" for entry in state.keys.values()), state.keys
    limited = [r for r in records if r.status == 429]
    start = limited[0].at
    timeline = [(round(r.at - start, 3), r.status) for r in records]
    # Those on the wire when the first 429 came back were limited too (at most CONCURRENCY);
    # after the pause, one probe, itself limited if it came within the 1.5 s. Without the
    # probe every waiting call went at once: CONCURRENCY more 429s.
    first_wave = [r for r in limited if r.at < start + PAUSE - 0.1]
    after_pause = [r for r in limited if r.at >= start + PAUSE - 0.1]
    assert len(first_wave) <= CONCURRENCY, timeline
    assert len(after_pause) <= 1, timeline
    assert len(records) == KEYS + len(limited), timeline  # every key answered once
