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


def test_keys_read_with_their_own_credentials_are_started_a_few_at_a_time() -> None:
    """A started key's task holds ~5 KiB of frames while it waits in the client: 200 keys at
    --concurrency 4 never have more than 2 x 4 of them started at once (issue 17's memory),
    and every key is still read, in its own order."""
    import asyncio
    import json

    import httpx

    from keylint.binance.fetch import STARTED_PER_CONNECTION, fetch_live_state

    most = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal most
        # The run's own tasks (main, feeder) plus two a started key (its check, its read).
        most = max(most, len(asyncio.all_tasks()))
        body = {"serverTime": 1} if request.url.path.endswith("/time") else {"ipRestrict": False}
        return httpx.Response(200, json=body)

    specs = [KeySpec(f"k{n}", api_key_env=f"K{n}", secret_env="S") for n in range(200)]
    env = {"S": "secret", **{f"K{n}": f"key{n:04d}" + "x" * 56 for n in range(200)}}
    state = asyncio.run(
        fetch_live_state(
            specs,
            None,
            base_url="https://api.binance.com",
            env=env,
            concurrency=4,
            transport=httpx.MockTransport(handler),
        )
    )
    assert list(state.keys) == [spec.name for spec in specs]
    assert all(entry["status"] == "ok" for entry in state.keys.values()), json.dumps(state.keys)
    assert most <= 2 * STARTED_PER_CONNECTION * 4 + 2 < 100
