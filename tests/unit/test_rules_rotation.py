"""Keys keylint rotates (SPEC §7): `rotation:` in the loader, KL310, the label family in KL307
and KL309, and the `rotate`/`retire` changes a plan makes, from state files (no network)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from keylint.findings import Severity
from keylint.plan import make_plan
from tests.unit.helpers import NOW, State, key, lint

EMAIL = "mm@example.com"
HEADER = "master: {api_key_env: M, private_key_env: MP}\n"
ROTATING = key(
    "sub_account: mm@example.com\n"  # 4
    "api_name: mm-bot\n"  # 5
    "permissions: [reading, spot_and_margin_trading]\n"  # 6
    "ips: [203.0.113.10]\n"  # 7
    "max_age: 90d\n"  # 8
    "rotation:\n"  # 9
    "  store: vault\n"
    "  path: secret/binance/mm-bot\n",
    header=HEADER,
)
CURRENT = "NEWKEY01" + "a" * 56
OLD = "OLDKEY01" + "b" * 56


def ms(days_ago: float) -> int:
    return int((NOW - timedelta(days=days_ago)).timestamp() * 1000)


def row(api_key: str, label: str, can_trade: bool = True) -> dict[str, Any]:
    return {
        "apiName": label,
        "apikey": api_key[:8] + "…",
        "canTrade": can_trade,
        "canMarginLoanRepay": False,
        "canFuturesTrade": False,
        "canUniversalTransfer": False,
        "canVanillaOptions": False,
    }


def entry(
    *,
    current: str | None = CURRENT,
    replaced: str | None = OLD,
    retire_after: str | None = "2026-11-24T12:00:00Z",
    pending: str | None = None,
    age_days: float = 1,
    label: str = "mm-bot-202611230900",
) -> dict[str, Any]:
    return {
        "status": "ok",
        "restrictions": {
            "ipRestrict": True,
            "createTime": ms(age_days),
            "enableReading": True,
            "enableSpotAndMarginTrading": True,
            "enableWithdrawals": False,
        },
        "listing": row(current or OLD, label),
        "ip_list": ["203.0.113.10"],
        "rotation": {
            "path": "secret/binance/mm-bot",
            "current": current[:8] + "…" if current else None,
            "replaced": replaced[:8] + "…" if replaced else None,
            "retire_after": retire_after,
            "pending": pending,
        },
    }


def run(
    tmp_path: Path, live: dict[str, Any], rows: list[dict[str, Any]], now_hours: float = 0
) -> Any:
    state = State(keys={"bot": live}, sub_accounts={EMAIL: rows})
    (tmp_path / "policy.yaml").write_text(ROTATING)
    from keylint import engine
    from keylint.policy.load import load as engine_load

    when = NOW + timedelta(hours=now_hours)
    result = engine.check(
        engine_load([str(tmp_path)]), live=state, now=when, fail_on=Severity.ERROR
    )
    keys = engine_load([str(tmp_path)])
    plan = make_plan(result, keys.keys, keys.master, state, source="state", base_url=None)
    return result, plan


# --- the policy -------------------------------------------------------------------------------


def test_a_rotating_key_is_valid(tmp_path: Path) -> None:
    assert lint(tmp_path, ROTATING) == []


@pytest.mark.parametrize(
    ("extra", "drop", "words"),
    [
        ("api_key_env: K\n", "", "reads its credentials from the store"),
        ("", "sub_account: mm@example.com\n", "is for sub-account keys"),
        ("", "api_name: mm-bot\n", "needs `api_name:`"),
        ("", "ips: [203.0.113.10]\n", "needs the single addresses"),
    ],
)
def test_what_a_rotation_needs_of_its_key(
    tmp_path: Path, extra: str, drop: str, words: str
) -> None:
    if drop:
        text = ROTATING.replace("    " + drop, "")
    else:
        text = ROTATING.replace("    rotation:\n", f"    {extra}    rotation:\n")
    from tests.unit.helpers import lint_files

    found = [f for f in lint_files(tmp_path, {"policy.yaml": text}).findings if f.rule == "KL002"]
    assert any(words in f.message for f in found), [f.message for f in found]


def test_a_permission_the_create_cannot_give_is_refused(tmp_path: Path) -> None:
    text = ROTATING.replace("spot_and_margin_trading]", "spot_and_margin_trading, withdrawals]")
    from tests.unit.helpers import lint_files

    found = lint_files(tmp_path, {"policy.yaml": text}).findings
    assert any("cannot give a key withdrawals" in f.message for f in found)


@pytest.mark.parametrize("path", ["secret/../x", "secret/x.pending", "/secret/x", "secret"])
def test_a_path_that_is_no_secret_path_is_refused(tmp_path: Path, path: str) -> None:
    text = ROTATING.replace("secret/binance/mm-bot", path)
    assert (12, "KL002") in lint(tmp_path, text)


# --- KL310 and the label family -----------------------------------------------------------


def test_the_replaced_key_within_its_grace_warns_and_plans_nothing(tmp_path: Path) -> None:
    rows = [row(CURRENT, "mm-bot-202611230900"), row(OLD, "mm-bot")]
    result, plan = run(tmp_path, entry(), rows)
    kl310 = [f for f in result.findings if f.rule == "KL310"]
    assert [(f.line, f.severity) for f in kl310] == [(10, Severity.WARNING)]
    assert not [f for f in result.findings if f.rule in ("KL307", "KL309")]
    assert plan.empty


def test_the_replaced_key_past_its_grace_is_an_error_and_retired(tmp_path: Path) -> None:
    rows = [row(CURRENT, "mm-bot-202611230900"), row(OLD, "mm-bot")]
    result, plan = run(tmp_path, entry(), rows, now_hours=4)
    kl310 = [f for f in result.findings if f.rule == "KL310"]
    assert [f.severity for f in kl310] == [Severity.ERROR] and result.exit_code == 1
    [key_plan] = plan.keys
    [change] = key_plan.changes
    assert change.action == "retire" and not change.widens
    assert dict(change.request(EMAIL, key_plan.api_key_prefix))["subAccountApiKey"] == "OLDKEY01…"


def test_a_deadline_the_store_does_not_give_means_the_grace_is_over(tmp_path: Path) -> None:
    rows = [row(CURRENT, "mm-bot-202611230900"), row(OLD, "mm-bot")]
    result, _ = run(tmp_path, entry(retire_after=None), rows)
    assert [f.severity for f in result.findings if f.rule == "KL310"] == [Severity.ERROR]


def test_a_family_key_the_store_does_not_account_for_is_kl309(tmp_path: Path) -> None:
    stray = "STRAY001" + "c" * 56
    rows = [row(CURRENT, "mm-bot-202611230900"), row(stray, "mm-bot-202611200900")]
    result, plan = run(tmp_path, entry(replaced=None), rows)
    assert [f.subject for f in result.findings if f.rule == "KL309"] == ["STRAY001"] * 2 or [
        f.subject for f in result.findings if f.rule == "KL309"
    ] == ["NEWKEY01", "STRAY001"]
    assert not [f for f in result.findings if f.rule == "KL307"]
    assert not plan.keys  # keylint changes none of them


def test_a_label_outside_the_family_is_still_undeclared(tmp_path: Path) -> None:
    rows = [row(CURRENT, "mm-bot-202611230900"), row(OLD, "mm-bot-old")]
    result, _ = run(tmp_path, entry(replaced=None), rows)
    assert [f.rule for f in result.findings if f.rule == "KL307"] == ["KL307"]


# --- rotate in a plan ---------------------------------------------------------------------


def test_a_due_key_is_rotated_with_exactly_the_declared_restrictions(tmp_path: Path) -> None:
    live = entry(replaced=None, age_days=95, label="mm-bot")
    result, plan = run(tmp_path, live, [row(CURRENT, "mm-bot")])
    assert "KL301" in {f.rule for f in result.findings}
    [change] = plan.keys[0].changes
    params = dict(change.params)
    assert change.action == "rotate" and not change.widens
    assert params["apiName"] == "mm-bot-<UTC yyyymmddHHMM>"
    assert params["canTrade"] == "true" and params["canFuturesTrade"] == "false"
    assert params["status"] == "2" and params["ipAddress"] == "203.0.113.10"
    assert params["publicKey"].startswith("<")  # made at apply time, never in a plan


def test_a_rotation_that_would_give_more_than_the_live_key_widens(tmp_path: Path) -> None:
    live = entry(replaced=None, age_days=95, label="mm-bot")
    live["restrictions"]["enableSpotAndMarginTrading"] = False  # the policy grants it
    _, plan = run(tmp_path, live, [row(CURRENT, "mm-bot", can_trade=False)])
    rotate = [c for c in plan.keys[0].changes if c.action == "rotate"]
    assert rotate and rotate[0].widens


def test_a_key_the_store_does_not_hold_yet_is_rotated_into_it(tmp_path: Path) -> None:
    live = entry(current=None, replaced=None, label="mm-bot")
    _, plan = run(tmp_path, live, [row(OLD, "mm-bot")])
    [change] = plan.keys[0].changes
    assert change.action == "rotate" and "store holds no key" in change.summary


def test_a_half_done_rotation_is_completed_under_its_own_label(tmp_path: Path) -> None:
    live = entry(replaced=None, pending="mm-bot-202611240800")
    rows = [row(CURRENT, "mm-bot-202611230900"), row("PEND0001" + "d" * 56, "mm-bot-202611240800")]
    result, plan = run(tmp_path, live, rows)
    assert not [f for f in result.findings if f.rule == "KL309"]  # the pending key is known
    [change] = plan.keys[0].changes
    assert change.action == "rotate" and dict(change.params)["apiName"] == "mm-bot-202611240800"
