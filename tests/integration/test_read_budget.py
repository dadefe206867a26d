"""A master audit larger than one minute's budget (issue 17): with Binance's documented limits
(60 calls a minute per sub-account endpoint) on a window shortened to 1 s, the default deadline
is what the work needs, every key is checked, no 429 is drawn, and the wait is announced."""

from __future__ import annotations

from keylint.binance.fetch import Budget
from keylint.testing.emulator import PATH_SUB_API_IP, Emulator
from tests.emuhelpers import Fleet, fetch

KEYS = 80  # 80 whitelist reads: 60 in the first window, 20 in the next


def audit_fleet(fleet: Fleet) -> None:
    fleet.sub("pool@example.com")
    fleet.add_master()
    for n in range(KEYS):
        fleet.add(f"bot-{n}", owner="pool@example.com", own_credentials=False)
    fleet.scenario.weight_window = 1.0  # Binance's limits (180,000 UID, 3000 a call), 1 s long


def test_an_audit_past_one_window_finishes_with_the_default_timeout(fleet: Fleet) -> None:
    audit_fleet(fleet)
    heard: list[Budget] = []
    with Emulator(fleet.scenario) as emu:
        state = fetch(fleet, emu, timeout=None, weight_window=1.0, announce=heard.append)
        assert emu.count(status=429) == 0
        assert emu.count(PATH_SUB_API_IP, status=200) == KEYS
    assert all(entry["status"] == "ok" for entry in state.keys.values())
    [budget] = heard
    assert budget.keys == KEYS and budget.per_window == 60 and budget.calls == KEYS + 1
    assert 1.0 < budget.floor < 1.2 and budget.timeout > budget.floor and not budget.short
    line = budget.line()
    assert line is not None and f"reading {KEYS} sub-account keys" in line
    assert "60 calls a minute per endpoint" in line


def test_a_timeout_shorter_than_the_limits_allow_is_said_and_its_keys_reported(
    fleet: Fleet,
) -> None:
    audit_fleet(fleet)
    # A 2 s window and a 1.5 s timeout: the first window's 60 reads have time to spare on a
    # loaded CI machine, and the other 20 cannot start before the deadline.
    fleet.scenario.weight_window = 2.0
    heard: list[Budget] = []
    with Emulator(fleet.scenario) as emu:
        state = fetch(fleet, emu, timeout=1.5, weight_window=2.0, announce=heard.append)
        assert emu.count(status=429) == 0
    [budget] = heard
    assert budget.short and "--timeout 1.5 ends the run first" in (budget.line() or "")
    statuses = [entry["status"] for entry in state.keys.values()]
    assert statuses.count("ok") >= 50 and statuses.count("error") >= 15
    assert all(
        "weight budget" in entry["error"] for entry in state.keys.values() if "error" in entry
    )
