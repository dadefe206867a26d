"""Each live rule fires where it should and stays silent where it should (line, rule id).

The clock is 2026-11-24T09:00Z (tests/unit/helpers.py NOW).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.unit.helpers import NOW, State, check, check_files, key

POLICY = key(
    "permissions: [reading, spot_and_margin_trading]\n"  # line 4
    "ips:\n"  # line 5
    "  - 203.0.113.10\n"  # line 6
    "  - 198.51.100.0/28\n"  # line 7
    "max_age: 90d\n"  # line 8
    "private_key_env: P\napi_key_env: K"
)


def ms(days_ago: float) -> int:
    return int((NOW - timedelta(days=days_ago)).timestamp() * 1000)


def entry(**restrictions: Any) -> dict[str, Any]:
    """A healthy key matching POLICY, with `restrictions` changed."""
    base = {
        "ipRestrict": True,
        "createTime": ms(10),
        "enableReading": True,
        "enableSpotAndMarginTrading": True,
        "enableWithdrawals": False,
    }
    base.update(restrictions)
    ip_list = base.pop("ip_list", ["203.0.113.10"])
    return {
        "status": "ok",
        "restrictions": base,
        "listing": None,
        "ip_list": ip_list,
        "unverifiable": [],
    }


CASES = [
    ("clean", POLICY, entry(), []),
    ("kl101-withdrawals", POLICY, entry(enableWithdrawals=True), [(4, "KL101")]),
    ("kl101-future-permission", POLICY, entry(enableQuantumTrading=True), [(4, "KL101")]),
    ("kl101-false-unknown-is-fine", POLICY, entry(enableQuantumTrading=False), []),
    ("kl102", POLICY, entry(enableSpotAndMarginTrading=False), [(4, "KL102")]),
    ("kl201", POLICY, entry(ipRestrict=False), [(5, "KL201")]),
    ("kl202-outside", POLICY, entry(ip_list=["203.0.113.10", "192.0.2.99"]), [(5, "KL202")]),
    ("kl202-inside-range", POLICY, entry(ip_list=["203.0.113.10", "198.51.100.9"]), []),
    ("kl202-named-entry", POLICY, entry(ip_list=["203.0.113.10", "partner-3"]), [(5, "KL202")]),
    ("kl203", POLICY, entry(ip_list=["198.51.100.1"]), [(6, "KL203")]),
    (
        "kl203-v6-normalised",
        key("permissions: [reading]\nips: ['2001:db8::1']\nmax_age: 90d"),
        entry(enableSpotAndMarginTrading=False, ip_list=["2001:0db8:0:0::1"]),
        [],
    ),
    ("ip-list-unknown", POLICY, entry(ip_list=None), []),
    ("kl301", POLICY, entry(createTime=ms(200)), [(8, "KL301")]),
    ("kl302", POLICY, entry(createTime=ms(80)), [(8, "KL302")]),
    ("kl302-not-yet", POLICY, entry(createTime=ms(70)), []),
    ("kl303", POLICY, entry(tradingAuthorityExpirationTime=ms(-5)), [(4, "KL303")]),
    ("kl303-far", POLICY, entry(tradingAuthorityExpirationTime=ms(-60)), []),
    ("kl304", POLICY, {"status": "not_found", "reason": "-2015"}, [(3, "KL304")]),
    ("kl305", key("permissions: []\nstatus: retired"), entry(), [(5, "KL305")]),
    (
        "kl305-gone-is-good",
        key("permissions: []\nstatus: retired"),
        {"status": "not_found", "reason": "gone"},
        [],
    ),
]


@pytest.mark.parametrize(
    ("text", "live", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_live_rule(
    tmp_path: Path, text: str, live: dict[str, Any], expected: list[tuple[int, str]]
) -> None:
    assert check(tmp_path, text, live) == expected


def test_one_finding_per_problem_too_old_is_not_also_due(tmp_path: Path) -> None:
    assert [r for _, r in check(tmp_path, POLICY, entry(createTime=ms(500)))] == ["KL301"]


def test_a_key_that_could_not_be_read_is_unchecked_and_exits_3(tmp_path: Path) -> None:
    result = check_files(
        tmp_path, {"p.yaml": POLICY}, State(keys={"bot": {"status": "error", "error": "timeout"}})
    )
    (report,) = result.keys
    assert (report.status, report.error) == ("unchecked", "timeout")
    assert result.exit_code == 3


def test_a_key_missing_from_the_state_file_is_unchecked(tmp_path: Path) -> None:
    result = check_files(tmp_path, {"p.yaml": POLICY}, State())
    assert result.keys[0].status == "unchecked"
    assert "keylint fetch" in (result.keys[0].error or "")


def every_permission(**enabled: bool) -> dict[str, bool]:
    """An apiRestrictions answer shows every permission field (binance-api.md)."""
    from keylint.policy.permissions import BINANCE_FIELD

    return {**dict.fromkeys(BINANCE_FIELD.values(), False), **enabled}


def test_status_and_unverifiable_fields(tmp_path: Path) -> None:
    live = entry(**every_permission(enableReading=True, enableWithdrawals=True), ip_list=None)
    result = check_files(tmp_path, {"p.yaml": POLICY}, State(keys={"bot": live}))
    assert (result.keys[0].status, result.keys[0].unverifiable) == ("drift", ["ips"])
    clean = check_files(tmp_path, {"p.yaml": POLICY}, State(keys={"bot": entry()}))
    assert clean.keys[0].status == "ok" and clean.exit_code == 0


def test_live_waiver_waives_and_unused_live_waiver_is_reported(tmp_path: Path) -> None:
    waived = POLICY + "    waivers:\n      - {rule: KL202, reason: partner, expires: 2027-01-01}\n"
    found = check_files(
        tmp_path,
        {"p.yaml": waived},
        State(keys={"bot": entry(ip_list=["203.0.113.10", "192.0.2.1"])}),
    )
    (finding,) = found.findings
    assert finding.rule == "KL202" and finding.waived and found.keys[0].status == "ok"
    unused = check_files(tmp_path, {"p.yaml": waived}, State(keys={"bot": entry()}))
    assert [f.rule for f in unused.findings] == ["KL006"]


def test_kl307_undeclared_key_in_a_named_sub_account(tmp_path: Path) -> None:
    text = key(
        "sub_account: mm@example.com\napi_name: mm-bot\npermissions: [reading]\n"
        "ip_restrict: false\nmax_age: 9d"
    )
    live: dict[str, Any] = {
        "status": "ok",
        "restrictions": None,
        "ip_list": None,
        "unverifiable": [],
        "listing": {"apiName": "mm-bot", "canTrade": False},
    }
    rows = [
        {"apiName": "mm-bot", "apikey": "AbCdEfGh…"},
        {"apiName": "test-2023", "apikey": "ZyXwVuTs…"},
    ]
    found = check(tmp_path, text, live, sub_accounts={"mm@example.com": rows})
    assert found == [(4, "KL307")]


def test_hints_name_the_exact_api_call_for_sub_account_keys(tmp_path: Path) -> None:
    text = key(
        "sub_account: mm@example.com\napi_name: mm\npermissions: [reading]\n"
        "ips: [203.0.113.10]\nmax_age: 90d"
    )
    live = entry(enableSpotAndMarginTrading=False, ip_list=["203.0.113.10", "192.0.2.7"])
    live["listing"] = {"apiName": "mm", "apikey": "AbCdEfGh…"}
    result = check_files(tmp_path, {"p.yaml": text}, State(keys={"bot": live}))
    (finding,) = result.findings
    assert (
        "DELETE /sapi/v1/sub-account/subAccountApi/ipRestriction/ipList?email=mm@example.com"
        "&subAccountApiKey=AbCdEfGh…&ipAddress=192.0.2.7"
    ) in finding.remediation
    assert finding.expected == ["203.0.113.10"] and finding.actual == ["203.0.113.10", "192.0.2.7"]


def test_created_time_far_in_the_future_does_not_crash(tmp_path: Path) -> None:
    far = int(datetime(9999, 1, 1, tzinfo=UTC).timestamp() * 1000) * 1000
    assert check(tmp_path, POLICY, entry(createTime=far)) == []


@pytest.mark.parametrize(
    "create_time",
    [0, None, "yesterday", ms(-3), 1_000],
    ids=["zero", "missing", "not-a-number", "in-the-future", "1970"],
)
def test_an_age_binance_cannot_have_given_is_unverifiable_not_young(
    tmp_path: Path, create_time: Any
) -> None:
    """A state file (or a hostile one) claiming nothing is unverifiable does not make an
    impossible createTime pass the age rules as a young key."""
    live = entry(**every_permission(enableReading=True, enableSpotAndMarginTrading=True))
    if create_time is None:
        del live["restrictions"]["createTime"]
    else:
        live["restrictions"]["createTime"] = create_time
    live["unverifiable"] = []  # what the file claims is not what keylint believes
    state = State(keys={"bot": live})
    result = check_files(tmp_path, {"p.yaml": POLICY}, state)
    assert result.keys[0].unverifiable == ["max_age"]
    assert [f.rule for f in result.findings] == []
