"""Every injected fault: the faulted key gets an actionable error, the others are still
fetched, and the run ends within its time bound."""

from __future__ import annotations

import time
from typing import Any

import pytest

from keylint.testing.emulator import PATH_RESTRICTIONS, PATH_SUB_API_IP, PATH_TIME, Emulator, Fault
from tests.emuhelpers import Fleet, fetch

TIMEOUT = 2.0
OPTIONS = {"timeout": TIMEOUT, "attempt_timeout": 0.15}


def three_keys(fleet: Fleet) -> str:
    fleet.add("alpha")
    victim = fleet.add("bravo", "ed25519")
    fleet.add("charlie", "rsa")
    return victim.api_key


FAULTS: list[tuple[str, dict[str, Any], str]] = [
    ("latency", {"kind": "latency", "latency": 5.0}, "timeout"),
    ("hang", {"kind": "hang"}, "timeout"),
    ("drop", {"kind": "drop"}, "network"),
    ("5xx", {"kind": "status", "status": 503}, "retry later"),
    (
        "5xx-html",
        {"kind": "status", "status": 502, "body": b"<html>Bad Gateway</html>"},
        "unavailable (HTTP 502)",
    ),
    ("429", {"kind": "status", "status": 429, "retry_after": 60}, "--timeout"),
    ("418", {"kind": "status", "status": 418, "retry_after": 120}, "banned"),
    ("waf", {"kind": "status", "status": 403}, "firewall"),
    ("malformed", {"kind": "malformed"}, "not valid JSON"),
    ("truncated", {"kind": "truncated"}, "dropped mid-answer"),
    ("content-type", {"kind": "content_type"}, "text/html instead of JSON"),
]


@pytest.mark.parametrize(("name", "fault", "words"), FAULTS, ids=[f[0] for f in FAULTS])
def test_fault_on_one_key(fleet: Fleet, name: str, fault: dict[str, Any], words: str) -> None:
    victim = three_keys(fleet)
    with Emulator(fleet.scenario) as emu:
        emu.add_fault(Fault(path=PATH_RESTRICTIONS, api_key=victim, **fault))
        started = time.monotonic()
        state = fetch(fleet, emu, **OPTIONS)
        elapsed = time.monotonic() - started
    entry = state.keys["bravo"]
    assert entry["status"] == "error", entry
    assert words in entry["error"]
    for other in ("alpha", "charlie"):
        assert state.keys[other]["status"] == "ok", state.keys[other]
    assert elapsed < TIMEOUT + 0.5


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "status", "status": 503, "times": 2},
        {"kind": "drop", "times": 2},
        {"kind": "malformed", "times": 1},
        {"kind": "status", "status": 429, "retry_after": 1, "times": 1},
        {"kind": "latency", "latency": 0.5, "times": 1},
    ],
    ids=["5xx-burst", "drop-burst", "malformed-once", "429-short", "slow-once"],
)
def test_transient_faults_are_retried_to_success(fleet: Fleet, fault: dict[str, Any]) -> None:
    victim = three_keys(fleet)
    with Emulator(fleet.scenario) as emu:
        emu.add_fault(Fault(path=PATH_RESTRICTIONS, api_key=victim, **fault))
        state = fetch(fleet, emu, timeout=4.0, attempt_timeout=0.3)
    assert {name: e["status"] for name, e in state.keys.items()} == dict.fromkeys(
        ("alpha", "bravo", "charlie"), "ok"
    )


def test_a_fault_on_the_masters_ip_read_leaves_only_that_key_unchecked(fleet: Fleet) -> None:
    fleet.sub("mm@example.com")
    fleet.add_master()
    fleet.add("ok-one", owner="mm@example.com")
    victim = fleet.add("faulted", owner="mm@example.com")
    with Emulator(fleet.scenario) as emu:
        emu.add_fault(
            Fault(kind="status", status=500, path=PATH_SUB_API_IP, api_key=victim.api_key)
        )
        state = fetch(fleet, emu, **OPTIONS)
    assert state.keys["ok-one"]["status"] == "ok"
    assert state.keys["faulted"]["status"] == "error"
    assert "IP whitelist" in state.keys["faulted"]["error"]


def test_unreachable_binance_leaves_every_key_unchecked_in_time(fleet: Fleet) -> None:
    three_keys(fleet)
    with Emulator(fleet.scenario) as emu:
        emu.add_fault(Fault(kind="hang"))
        started = time.monotonic()
        state = fetch(fleet, emu, **OPTIONS)
        elapsed = time.monotonic() - started
    assert all(e["status"] == "error" and "timeout" in e["error"] for e in state.keys.values())
    assert elapsed < TIMEOUT + 0.5


def test_time_endpoint_failure_is_survived(fleet: Fleet) -> None:
    three_keys(fleet)
    with Emulator(fleet.scenario) as emu:
        emu.add_fault(Fault(kind="status", status=503, path=PATH_TIME))
        state = fetch(fleet, emu, **OPTIONS)
    assert all(e["status"] == "ok" for e in state.keys.values())


# --- clock ---------------------------------------------------------------------------------


@pytest.mark.parametrize("skew", [+8000, -3000], ids=["server-ahead", "server-behind"])
def test_clock_jump_is_fixed_by_one_resync(fleet: Fleet, skew: int) -> None:
    three_keys(fleet)
    with Emulator(fleet.scenario) as emu:
        emu.set_clock_skew(skew, after_requests=1)  # the first sync still sees the old clock
        state = fetch(fleet, emu, **OPTIONS)
        assert emu.count(PATH_TIME) == 2
        assert emu.count(PATH_RESTRICTIONS, status=400) >= 1  # the -1021 that triggered it
    assert all(e["status"] == "ok" for e in state.keys.values()), state.keys


@pytest.mark.parametrize("skew", [+120000, -120000])
def test_skew_known_from_the_start_needs_no_resync(fleet: Fleet, skew: int) -> None:
    three_keys(fleet)
    with Emulator(fleet.scenario) as emu:
        emu.set_clock_skew(skew)
        # No fault here, so no short attempt timeout: on a loaded machine a /time answer
        # slower than 0.15 s would be asked again, and counted as a second sync.
        state = fetch(fleet, emu, timeout=TIMEOUT, attempt_timeout=1.0)
        assert emu.count(PATH_TIME) == 1
    assert all(e["status"] == "ok" for e in state.keys.values())


def test_round_trip_beyond_recv_window_is_a_clock_error(fleet: Fleet) -> None:
    victim = three_keys(fleet)
    with Emulator(fleet.scenario) as emu:
        emu.add_fault(Fault(kind="latency", latency=0.35, path=PATH_RESTRICTIONS, api_key=victim))
        state = fetch(fleet, emu, recv_window=200, timeout=3.0, attempt_timeout=1.0)
    assert state.keys["bravo"]["status"] == "error"
    assert state.keys["bravo"]["error"].startswith("clock:")
    assert "recvWindow" in state.keys["bravo"]["error"]
    assert state.keys["alpha"]["status"] == "ok"
