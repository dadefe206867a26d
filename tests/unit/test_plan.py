"""keylint.plan: which drift becomes which API call, what stays manual, and when a saved plan
no longer matches Binance. Pure functions over policy files and state entries (no HTTP)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from keylint.binance.state import LiveState
from keylint.engine import check, declared_keys
from keylint.plan import Plan, live_digest, make_plan, plan_from_json, stale_keys

NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)
CREATED = int(datetime(2026, 11, 1, tzinfo=UTC).timestamp() * 1000)

MASTER = "master: {api_key_env: MASTER_API_KEY, secret_env: MASTER_SECRET}\n"


def entry(
    *,
    flags: dict[str, bool] | None = None,
    ip_restrict: bool = True,
    ips: list[str] | None = None,
    prefix: str = "AbCdEfGh…",
) -> dict[str, Any]:
    """A state entry as the master sees a sub-account key: listing row and IP whitelist."""
    row = {
        "email": "sub@example.com",
        "apiName": "bot",
        "apikey": prefix,
        "canTrade": False,
        "canMarginLoanRepay": False,
        "canFuturesTrade": False,
        "canUniversalTransfer": False,
        "canVanillaOptions": False,
        "timestamp": CREATED,
        **(flags or {}),
    }
    ip_list = ips if ips is not None else ["203.0.113.10"]
    return {
        "status": "ok",
        "restrictions": {"ipRestrict": ip_restrict, "createTime": CREATED, "enableReading": True},
        "listing": row,
        "ip_list": ip_list,
        "ip_restriction": {
            "ipRestrict": "true" if ip_restrict else "false",
            "ipList": ip_list,
            "apiKey": prefix,
        },
        "unverifiable": [],
    }


def plan_for(tmp_path: Path, key_yaml: str, state: dict[str, Any], *, master: str = MASTER) -> Plan:
    policy = tmp_path / "keys.yaml"
    policy.write_text(f"version: 1\n{master}keys:\n{key_yaml}")
    live = LiveState(NOW, {"bot": state}, {})
    result = check([str(policy)], live=live, now=NOW, fail_on=None)
    declared = declared_keys([str(policy)])
    return make_plan(
        result, declared.keys, declared.master, live.keys, source="state", base_url=None
    )


BOT = """\
  - name: bot
    sub_account: sub@example.com
    api_name: bot
    max_age: 90d
    permissions: [{permissions}]
    ips: [{ips}]
"""


def bot(permissions: str = "reading", ips: str = "203.0.113.10") -> str:
    return BOT.format(permissions=permissions, ips=ips)


def actions(plan: Plan) -> list[tuple[str, str]]:
    return [(change.action, change.summary) for _, change in plan.changes]


def test_a_matching_key_needs_nothing(tmp_path: Path) -> None:
    plan = plan_for(tmp_path, bot(), entry())
    assert plan.empty and plan.changes == []


def test_undeclared_trading_flags_are_revoked_in_one_call_with_every_flag_explicit(
    tmp_path: Path,
) -> None:
    plan = plan_for(
        tmp_path,
        bot("reading, spot_and_margin_trading"),
        entry(flags={"canTrade": True, "canFuturesTrade": True, "canUniversalTransfer": True}),
    )
    [(key, change)] = plan.changes
    assert change.action == "revoke_permissions" and not change.widens
    assert change.summary == "revoke futures, universal_transfer"
    assert dict(change.params) == {
        "canTrade": "true",
        "canMarginLoanRepay": "false",
        "canFuturesTrade": "false",
        "canUniversalTransfer": "false",
        "canVanillaOptions": "false",
    }
    assert key.api_key_prefix == "AbCdEfGh…"


def test_granting_widens_and_keeps_the_revocations(tmp_path: Path) -> None:
    plan = plan_for(
        tmp_path,
        bot("reading, european_options"),
        entry(flags={"canFuturesTrade": True}),
    )
    assert [(c.action, c.widens) for _, c in plan.changes] == [
        ("revoke_permissions", False),
        ("grant_permissions", True),
    ]
    grant = plan.changes[1][1]
    assert dict(grant.params)["canFuturesTrade"] == "false"
    assert dict(grant.params)["canVanillaOptions"] == "true"


def test_ip_changes_narrow_first_and_trusting_an_ip_widens(tmp_path: Path) -> None:
    plan = plan_for(
        tmp_path,
        bot(ips="203.0.113.10, 203.0.113.11, 198.51.100.0/24"),
        entry(ips=["203.0.113.10", "192.0.2.7", "198.51.100.9"]),
    )
    assert actions(plan) == [
        ("remove_ips", "remove trusted IP 192.0.2.7"),
        ("add_ips", "trust IP 203.0.113.11"),
    ]
    assert [c.widens for _, c in plan.changes] == [False, True]


def test_restricting_an_unrestricted_key_also_drops_leftover_entries(tmp_path: Path) -> None:
    plan = plan_for(
        tmp_path,
        bot(ips="203.0.113.10, 198.51.100.0/24"),
        entry(ip_restrict=False, ips=["192.0.2.7", "198.51.100.9"]),
    )
    assert [(c.action, dict(c.params)) for _, c in plan.changes] == [
        ("restrict_ips", {"status": "2", "ipAddress": "203.0.113.10"}),
        ("remove_ips", {"ipAddress": "192.0.2.7"}),
    ]


def test_a_policy_with_only_ranges_cannot_restrict_by_api(tmp_path: Path) -> None:
    plan = plan_for(tmp_path, bot(ips="198.51.100.0/24"), entry(ip_restrict=False, ips=[]))
    assert plan.changes == []
    [step] = plan.manual
    assert step.rule == "KL201" and "single addresses" in step.why


def test_permissions_the_api_cannot_change_are_manual(tmp_path: Path) -> None:
    state = entry()
    state["restrictions"]["enableWithdrawals"] = True
    plan = plan_for(tmp_path, bot(), state)
    assert plan.changes == []
    [step] = plan.manual
    assert step.rule == "KL101" and "cannot change `withdrawals`" in step.why
    assert "untick 'Enable Withdrawals'" in step.remediation


def test_without_a_master_every_drift_is_manual(tmp_path: Path) -> None:
    plan = plan_for(tmp_path, bot(), entry(flags={"canFuturesTrade": True}), master="")
    assert plan.changes == []
    assert [s.rule for s in plan.manual] == ["KL101"]
    assert "no `master:`" in plan.manual[0].why


def test_a_retired_key_is_deleted_and_nothing_else(tmp_path: Path) -> None:
    retired = bot().replace("max_age: 90d", "status: retired")
    plan = plan_for(tmp_path, retired, entry(flags={"canFuturesTrade": True}))
    assert actions(plan) == [("delete", "delete the retired key")]


def test_saved_plan_round_trips_and_stays_free_of_full_keys(tmp_path: Path) -> None:
    plan = plan_for(
        tmp_path,
        bot(ips="203.0.113.10, 203.0.113.11"),
        entry(flags={"canFuturesTrade": True}, ips=["203.0.113.10", "192.0.2.7"]),
    )
    document = json.loads(json.dumps(plan.to_json()))
    again = plan_from_json(document)
    assert again.to_json() == plan.to_json()
    for key in document["keys"]:
        for change in key["changes"]:
            assert change["params"]["subAccountApiKey"] == "AbCdEfGh…"


def test_a_hand_edited_call_is_rejected(tmp_path: Path) -> None:
    plan = plan_for(tmp_path, bot(), entry(flags={"canFuturesTrade": True}))
    document = plan.to_json()
    document["keys"][0]["changes"][0]["path"] = "/sapi/v1/sub-account/subAccountApi"
    with pytest.raises(ValueError, match="is made with POST"):
        plan_from_json(document)


def test_stale_keys_name_what_moved(tmp_path: Path) -> None:
    state = entry(flags={"canFuturesTrade": True})
    plan = plan_for(tmp_path, bot(), state)
    assert list(stale_keys(plan, {"bot": state})) == []
    moved = copy.deepcopy(state)
    moved["ip_list"].append("198.51.100.1")
    assert live_digest(moved) != live_digest(state)
    assert list(stale_keys(plan, {"bot": moved})) == [
        "bot: its permissions or trusted IPs changed since the plan was made"
    ]
    other = entry(flags={"canFuturesTrade": True}, prefix="ZzZzZzZz…")
    assert "another key" in next(stale_keys(plan, {"bot": other}))
    assert "no longer shows" in next(stale_keys(plan, {"bot": {"status": "not_found"}}))
    unread = {"status": "error", "error": "network: refused"}
    assert "could not be read now (network: refused)" in next(stale_keys(plan, {"bot": unread}))
    assert "no longer declare" in next(stale_keys(plan, {}))
