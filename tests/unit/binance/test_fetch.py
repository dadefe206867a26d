"""The read budget (issue 17): how long Binance's limits make a master audit take, and the
deadline a run gets when --timeout is left to keylint."""

from __future__ import annotations

from keylint.binance.fetch import BASE_TIMEOUT, read_budget
from tests.emuhelpers import KeySpec


def keys(count: int, sub_account: str | None = "pool@example.com") -> list[KeySpec]:
    return [KeySpec(f"k{n}", sub_account=sub_account) for n in range(count)]


def test_eighty_keys_through_the_master_need_one_more_minute_and_get_it() -> None:
    budget = read_budget(keys(80), master=True)
    # 60 whitelist reads a minute per endpoint: the 20 left wait one window (plus its guard).
    assert budget.calls == 81 and budget.per_window == 60
    assert 61.0 < budget.floor < 62.0
    # The fixed 60 s deadline of before left 20 keys unchecked; now the wait is covered.
    assert budget.timeout == budget.floor + BASE_TIMEOUT and not budget.short
    assert budget.line() == (
        "reading 80 sub-account keys through the master takes at least 1 min 2 s at Binance's "
        "limit of 60 calls a minute per endpoint; the run waits for it (timeout 2 min 2 s)"
    )


def test_a_fleet_within_one_window_waits_for_nothing_and_says_nothing() -> None:
    budget = read_budget(keys(60), master=True)
    assert budget.floor == 0 and budget.timeout == BASE_TIMEOUT and budget.line() is None


def test_keys_outside_sub_accounts_or_without_a_master_cost_no_master_calls() -> None:
    assert read_budget(keys(500, sub_account=None), master=True).calls == 0
    assert read_budget(keys(500), master=False).floor == 0


def test_a_given_timeout_wins_and_is_called_short_when_it_is() -> None:
    short = read_budget(keys(200), master=True, timeout=60.0)
    assert short.timeout == 60.0 and short.short
    assert "--timeout 60 ends the run first" in (short.line() or "")
    enough = read_budget(keys(200), master=True, timeout=600.0)
    assert not enough.short and (enough.line() or "").endswith("(--timeout 600)")
