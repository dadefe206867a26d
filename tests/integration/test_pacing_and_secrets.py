"""Weight pacing against the emulator's shortened window, and the secret sweep."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest

from keylint.binance.fetch import credentials_from_env, fetch_live_state
from keylint.binance.signing import CredentialError
from keylint.binance.state import read_state, write_state
from keylint.testing.emulator import PATH_SUB_API_IP, Emulator, Fault
from tests.emuhelpers import Fleet, fetch


def sub_fleet(fleet: Fleet, keys: int) -> None:
    fleet.sub("pool@example.com")
    fleet.add_master()
    for n in range(keys):
        fleet.add(f"bot-{n}", owner="pool@example.com", own_credentials=False)


def test_uid_weight_is_paced_to_the_limit_without_a_429(fleet: Fleet) -> None:
    sub_fleet(fleet, 5)
    fleet.scenario.uid_weight_limit = 6000  # two sub-account calls per endpoint per window
    fleet.scenario.weight_window = 1.0
    with Emulator(fleet.scenario) as emu:
        started = time.monotonic()
        state = fetch(fleet, emu, timeout=10.0, uid_weight_limit=6000, weight_window=1.0)
        elapsed = time.monotonic() - started
        assert emu.count(status=429) == 0
        assert emu.count(PATH_SUB_API_IP, status=200) == 5
    assert all(e["status"] == "ok" for e in state.keys.values())
    # 5 calls at 2 a window need 3 windows: paced, but not slower than that.
    assert 2.0 <= elapsed < 4.5


def test_unpaced_client_trips_the_limit_and_recovers_by_retry_after(fleet: Fleet) -> None:
    """The control for the test above: the emulator does enforce the limit."""
    sub_fleet(fleet, 4)
    fleet.scenario.uid_weight_limit = 6000
    fleet.scenario.weight_window = 1.0
    with Emulator(fleet.scenario) as emu:
        state = fetch(fleet, emu, timeout=10.0)  # believes the documented 180000
        assert emu.count(status=429) > 0
    assert all(e["status"] == "ok" for e in state.keys.values())


def test_pacing_wait_beyond_the_deadline_leaves_keys_unchecked(fleet: Fleet) -> None:
    sub_fleet(fleet, 4)
    fleet.scenario.uid_weight_limit = 3000
    fleet.scenario.weight_window = 60.0
    with Emulator(fleet.scenario) as emu:
        started = time.monotonic()
        state = fetch(fleet, emu, timeout=2.0, uid_weight_limit=3000, weight_window=60.0)
        assert time.monotonic() - started < 2.5
        assert emu.count(status=429) == 0
    statuses = sorted(e["status"] for e in state.keys.values())
    # Each endpoint's budget fits one call: the listing, and one key's IP read; the other
    # keys would wait a minute, past --timeout: unchecked at once, and told why.
    assert statuses == ["error", "error", "error", "ok"]
    assert all("weight budget" in e["error"] for e in state.keys.values() if "error" in e)


# --- secret sweep ----------------------------------------------------------------------------


def texts_index(texts: list[str], needle: str) -> list[int]:
    return [i for i, t in enumerate(texts) if needle in t]


def test_no_secret_or_full_api_key_leaks_anywhere(
    fleet: Fleet,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    fleet.sub("mm@example.com")
    fleet.add_master("rsa")
    fleet.add("hmac-bot", owner="mm@example.com", ip_restrict=True, ip_list=["127.0.0.1"])
    fleet.add("ed-bot", "ed25519", owner="mm@example.com", inline_pem=True)
    fleet.add("rsa-bot", "rsa")
    fleet.add("fenced", owner="mm@example.com", ip_restrict=True, ip_list=["203.0.113.1"])
    fleet.add("wrong-secret")
    fleet.add("faulty", "ed25519")
    fleet.add("bad-pem", "ed25519", inline_pem=True)
    real_wrong = fleet.env["WRONG_SECRET_SECRET"]
    fleet.env["WRONG_SECRET_SECRET"] = fleet.secrets["hmac-bot"].secret or ""
    # A PEM that fails to load, made of a real key's body lines cut short.
    pem_lines = (fleet.secrets["bad-pem"].private_pem or "").splitlines()
    fleet.env["BAD_PEM_PEM"] = "\n".join([pem_lines[0], pem_lines[1][:-4], *pem_lines[2:]])
    texts: list[str] = []
    with Emulator(fleet.scenario) as emu:
        emu.add_fault(
            Fault(
                kind="malformed",
                path="/sapi/v1/account/apiRestrictions",
                api_key=fleet.secrets["faulty"].api_key,
            )
        )
        state = fetch(fleet, emu, timeout=3.0, attempt_timeout=0.3)
        texts += [repr(r) for r in emu.requests]
        texts.append(repr(emu.scenario))
    statuses = {name: entry["status"] for name, entry in state.keys.items()}
    assert statuses["hmac-bot"] == statuses["ed-bot"] == statuses["rsa-bot"] == "ok"
    assert statuses["fenced"] == statuses["wrong-secret"] == statuses["faulty"] == "error"
    assert statuses["bad-pem"] == "error"

    out = tmp_path / "state.json"
    write_state(out, state)
    texts.append(out.read_text())
    texts.append(repr(read_state(out)))
    texts.append(repr(state))
    texts.append(repr(fleet.secrets))
    for spec in [*fleet.specs, fleet.master]:
        try:
            credentials = credentials_from_env(spec, fleet.env)
            texts += [repr(credentials), str(credentials), repr(credentials.signer)]
        except CredentialError as exc:
            texts += [str(exc), repr(exc)]
    texts += [record.getMessage() for record in caplog.records]
    texts += [caplog.text, *capsys.readouterr()]
    haystack = "\n".join(texts)
    needles = [*fleet.needles(), real_wrong]
    leaked = [(n[:6], texts_index(texts, n)) for n in needles if n in haystack]
    assert leaked == [], [(n, [texts[i][:300] for i in idx]) for n, idx in leaked]
    assert "ed-bot" in haystack and "hmac-bot" in haystack  # the sweep did look at real text


def test_master_key_problem_is_reported_per_key(fleet: Fleet) -> None:
    fleet.sub("mm@example.com")
    fleet.add_master()
    fleet.add("own", owner="mm@example.com")
    del fleet.env["MASTER_PEM"]
    with Emulator(fleet.scenario) as emu:
        state = asyncio.run(
            fetch_live_state(
                fleet.specs, fleet.master, base_url=emu.base_url, env=fleet.env, timeout=3.0
            )
        )
    entry = state.keys["own"]
    assert entry["status"] == "ok" and entry["ip_list"] is None
    assert "ips" in entry["unverifiable"] or entry["restrictions"]["ipRestrict"] is False
    assert any("MASTER_PEM is not set" in note for note in entry["notes"])
