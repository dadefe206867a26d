"""keylint.plan: which drift becomes which API call, what stays manual, and when a saved plan
no longer matches Binance. Pure functions over policy files and state entries (no HTTP)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from keylint.binance.state import LiveState
from keylint.engine import check
from keylint.livekey import live_key
from keylint.plan import Plan, approval_differences, live_digest, make_plan
from keylint.policy.load import load

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


def live_of(entries: dict[str, Any]) -> LiveState:
    return LiveState(NOW, entries, {})


def plan_for(tmp_path: Path, key_yaml: str, state: dict[str, Any], *, master: str = MASTER) -> Plan:
    policy = tmp_path / "keys.yaml"
    policy.write_text(f"version: 1\n{master}keys:\n{key_yaml}")
    live = LiveState(NOW, {"bot": state}, {})
    result = check(load([str(policy)]), live=live, now=NOW, fail_on=None)
    declared = load([str(policy)])
    return make_plan(result, declared.keys, declared.master, live, source="state", base_url=None)


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


def test_a_whitelist_entry_that_is_not_an_ip_is_a_manual_step(tmp_path: Path) -> None:
    # Binance refuses to delete such an entry: a DELETE for it would fail on every run.
    plan = plan_for(
        tmp_path,
        bot(),
        entry(ips=["203.0.113.10", "office-vpn", "192.0.2.7", "198.51.100.0/24"]),
    )
    assert [(c.action, dict(c.params)) for _, c in plan.changes] == [
        ("remove_ips", {"ipAddress": "192.0.2.7"})
    ]
    assert sorted((step.rule, step.message.split(",")[0]) for step in plan.manual) == [
        ("KL202", "Binance trusts 198.51.100.0/24"),
        ("KL202", "Binance trusts office-vpn"),
    ]
    assert all("not an IP address" in step.why for step in plan.manual)
    leftover = plan_for(tmp_path, bot(), entry(ip_restrict=False, ips=["office-vpn", "192.0.2.7"]))
    assert [dict(c.params) for _, c in leftover.changes] == [
        {"status": "2", "ipAddress": "203.0.113.10"},
        {"ipAddress": "192.0.2.7"},
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


def test_a_saved_plan_names_keys_by_prefix_only(tmp_path: Path) -> None:
    plan = plan_for(
        tmp_path,
        bot(ips="203.0.113.10, 203.0.113.11"),
        entry(flags={"canFuturesTrade": True}, ips=["203.0.113.10", "192.0.2.7"]),
    )
    document = json.loads(json.dumps(plan.to_json()))
    assert [k["api_key"] for k in document["keys"]] == ["AbCdEfGh…"]
    for key in document["keys"]:
        for change in key["changes"]:
            assert change["params"]["subAccountApiKey"] == "AbCdEfGh…"


# A saved plan is an approval: compared with a fresh plan, never executed.

DRIFTED = {"flags": {"canFuturesTrade": True}, "ips": ["203.0.113.10", "192.0.2.7"]}


def saved_and_fresh(tmp_path: Path) -> tuple[dict[str, Any], Plan, dict[str, Any]]:
    state = entry(**DRIFTED)  # type: ignore[arg-type]
    plan = plan_for(tmp_path, bot(), state)
    return json.loads(json.dumps(plan.to_json())), plan, {"bot": state}


def differences_after(tmp_path: Path, edit: Any) -> list[str]:
    saved, fresh, entries = saved_and_fresh(tmp_path)
    edit(saved)
    return approval_differences(saved, fresh, live_of(entries))


def change(document: dict[str, Any], action: str) -> dict[str, Any]:
    found = [c for c in document["keys"][0]["changes"] if c["action"] == action]
    return found[0]  # type: ignore[no-any-return]


def test_an_unedited_plan_equals_the_fresh_one(tmp_path: Path) -> None:
    assert differences_after(tmp_path, lambda saved: None) == []


def test_where_the_policy_line_moved_is_no_difference(tmp_path: Path) -> None:
    def move(saved: dict[str, Any]) -> None:
        saved["keys"][0]["line"] = 99
        saved["generated_at"] = "2020-01-01T00:00:00Z"

    assert differences_after(tmp_path, move) == []


def grant_through_revoke(saved: dict[str, Any]) -> None:
    params = change(saved, "revoke_permissions")["params"]
    for flag in ("canTrade", "canMarginLoanRepay", "canFuturesTrade", "canVanillaOptions"):
        params[flag] = "true"


def remove_declared_ip(saved: dict[str, Any]) -> None:
    change(saved, "remove_ips")["params"]["ipAddress"] = "203.0.113.10"


def add_delete(saved: dict[str, Any]) -> None:
    saved["keys"][0]["changes"].insert(
        0,
        {
            "action": "delete",
            "summary": "delete the retired key",
            "widens": False,
            "method": "DELETE",
            "path": "/sapi/v1/sub-account/subAccountApi",
            "params": {"email": "sub@example.com", "subAccountApiKey": "AbCdEfGh…"},
            "rules": ["KL305"],
            "fingerprints": [],
        },
    )


def reorder(saved: dict[str, Any]) -> None:
    saved["keys"][0]["changes"].reverse()


def change_key(saved: dict[str, Any]) -> None:
    saved["keys"][0]["api_key"] = "ZzZzZzZz…"
    for item in saved["keys"][0]["changes"]:
        item["params"]["subAccountApiKey"] = "ZzZzZzZz…"


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            grant_through_revoke,
            [
                "bot: revoke_permissions: canTrade is true in the saved plan, false in a "
                "fresh plan",
                "bot: revoke_permissions: canMarginLoanRepay is true in the saved plan, "
                "false in a fresh plan",
                "bot: revoke_permissions: canFuturesTrade is true in the saved plan, "
                "false in a fresh plan",
                "bot: revoke_permissions: canVanillaOptions is true in the saved plan, "
                "false in a fresh plan",
            ],
        ),
        (
            remove_declared_ip,
            [
                "bot: remove_ips: ipAddress is 203.0.113.10 in the saved plan, 192.0.2.7 in a "
                "fresh plan"
            ],
        ),
        (
            add_delete,
            [
                "bot: the saved plan has delete; a fresh plan does not",
            ],
        ),
        (reorder, ["bot: the saved plan orders the changes differently"]),
        (
            change_key,
            [
                "bot: the saved plan names API key ZzZzZzZz…; Binance now shows AbCdEfGh…",
                "bot: revoke_permissions: subAccountApiKey is ZzZzZzZz… in the saved plan, "
                "AbCdEfGh… in a fresh plan",
                "bot: remove_ips: subAccountApiKey is ZzZzZzZz… in the saved plan, AbCdEfGh… in "
                "a fresh plan",
            ],
        ),
    ],
    ids=["grant-through-revoke", "remove-declared-ip", "add-delete", "reorder", "change-key"],
)
def test_every_edit_is_a_named_difference(tmp_path: Path, edit: Any, expected: list[str]) -> None:
    assert differences_after(tmp_path, edit) == expected


def test_a_key_only_one_side_changes_is_a_difference(tmp_path: Path) -> None:
    saved, fresh, entries = saved_and_fresh(tmp_path)
    empty = {**saved, "keys": []}
    assert approval_differences(empty, fresh, live_of(entries)) == [
        "bot: a fresh plan changes this key (revoke futures; remove trusted IP 192.0.2.7); "
        "the saved plan does not"
    ]
    converged = plan_for(tmp_path, bot(), entry())
    assert approval_differences(saved, converged, live_of({"bot": entry()})) == [
        "bot: the saved plan changes this key; a fresh plan does not (it needs no such change now)"
    ]
    unread = {"bot": {"status": "error", "error": "network: refused"}}
    assert approval_differences(saved, converged, live_of(unread)) == [
        "bot: the saved plan changes this key; a fresh plan does not (it could not be read "
        "now: network: refused)"
    ]


def test_a_difference_says_when_binance_moved(tmp_path: Path) -> None:
    saved, _, _ = saved_and_fresh(tmp_path)
    moved = entry(flags={"canFuturesTrade": True}, ips=["203.0.113.10", "192.0.2.7", "192.0.2.8"])
    fresh = plan_for(tmp_path, bot(), moved)
    assert approval_differences(saved, fresh, live_of({"bot": moved}))[-1] == (
        "bot: Binance shows the key differently than when the plan was made"
    )


def test_hostile_text_in_a_saved_plan_is_shown_inert_and_short(tmp_path: Path) -> None:
    secret = "Ab1" * 22

    def hostile(saved: dict[str, Any]) -> None:
        saved["keys"][0]["name"] = "bot\n::error::forged\x1b[31m"
        change(saved, "remove_ips")["params"]["ipAddress"] = secret

    lines = differences_after(tmp_path, hostile)
    assert lines[0].startswith("bot\\n::error::forged\\x1b[31m: the saved plan changes")
    assert all("\n" not in line and "\x1b" not in line for line in lines)
    assert secret not in "".join(lines)
    drifted = entry(**DRIFTED)  # type: ignore[arg-type]
    assert live_digest(live_key(entry())) != live_digest(live_key(drifted))
