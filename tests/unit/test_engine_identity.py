"""Which live key an entry means (SPEC §1): KL003 for two entries that can name one live key,
neither judged by `check` nor changed by `plan`; KL309 for two live keys under one label."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from keylint.binance.state import LiveState
from keylint.plan import Plan, make_plan
from keylint.policy.load import load
from keylint.policy.model import MasterPolicy
from keylint.policy.yamlload import Pos
from keylint.result import Result
from tests.unit.helpers import State, check_files, lint_files

BODY = "permissions: [reading]\nips: [203.0.113.1]\nmax_age: 9d"


def entry(name: str, **fields: str) -> str:
    """One key entry of a policy file's `keys:` list."""
    lines = [f"  - name: {name}", *(f"    {k}: {v}" for k, v in fields.items())]
    lines += [f"    {line}" for line in BODY.splitlines()]
    return "\n".join(lines) + "\n"


def policy(*entries: str) -> str:
    return "version: 1\nkeys:\n" + "".join(entries)


SUB = {"sub_account": "mm@example.com", "api_name": "mm-bot"}
MASTER_ONLY = {**SUB, "api_key_env": "MM_KEY"}

# (id, {file: text}, sorted (file, line) of KL003): one line a case.
CASES = [
    ("label-within-a-file", {"a.yaml": policy(entry("a", **SUB), entry("b", **SUB))}, [("a", 11)]),
    (
        "label-retired-twin",
        {"a.yaml": policy(entry("a", **SUB), entry("b", **SUB, status="retired"))},
        [("a", 11)],
    ),
    (
        "label-email-case",
        {
            "a.yaml": policy(
                entry("a", **SUB), entry("b", **{**SUB, "sub_account": "MM@Example.com"})
            )
        },
        [("a", 11)],
    ),
    (
        "label-across-files",
        {"a.yaml": policy(entry("a", **SUB)), "b.yaml": policy(entry("b", **SUB))},
        [("b", 5)],
    ),
    (
        "env-across-files",
        {
            "a.yaml": policy(entry("a", **MASTER_ONLY)),
            "b.yaml": policy(entry("b", sub_account="x@example.com", api_key_env="MM_KEY")),
        },
        [("b", 5)],
    ),
    (
        "other-label",
        {"a.yaml": policy(entry("a", **SUB), entry("b", **{**SUB, "api_name": "mm-2"}))},
        [],
    ),
    (
        "label-case-matters",
        {"a.yaml": policy(entry("a", **SUB), entry("b", **{**SUB, "api_name": "MM-bot"}))},
        [],
    ),
    (
        "other-sub-account",
        {
            "a.yaml": policy(
                entry("a", **SUB), entry("b", **{**SUB, "sub_account": "hedge@example.com"})
            )
        },
        [],
    ),
    (
        "label-without-sub-account",
        {"a.yaml": policy(entry("a", api_name="x"), entry("b", api_name="x"))},
        [],
    ),
]


@pytest.mark.parametrize(("files", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_kl003_two_entries_one_live_key(
    tmp_path: Path, files: dict[str, str], expected: list[tuple[str, int]]
) -> None:
    result = lint_files(tmp_path, files)
    found = sorted((Path(f.file).stem, f.line) for f in result.findings if f.rule == "KL003")
    assert found == expected


def live_entry(prefix: str, label: str = "mm-bot") -> dict[str, Any]:
    return {
        "status": "ok",
        "restrictions": None,
        "listing": {"apiName": label, "apikey": f"{prefix}…", "canTrade": False},
        "ip_list": [
            "203.0.113.1",
            "192.0.2.7",
        ],  # KL202: a change plan would make, were the key judged
        "unverifiable": ["max_age"],
    }


def planned(tmp_path: Path, result: Result, state: LiveState) -> Plan:
    """The plan `keylint plan --state` would make, with a master declared."""
    declared = load([str(tmp_path)])
    master = MasterPolicy(file="a.yaml", pos=Pos(1, 1), api_key_env="M", private_key_env="P")
    return make_plan(result, declared.keys, master, state, source="state", base_url=None)


def test_a_key_two_entries_claim_is_neither_judged_nor_planned(tmp_path: Path) -> None:
    files = {
        "a.yaml": policy(entry("active", **SUB)),
        "b.yaml": policy(
            entry("old", **{**SUB, "sub_account": "MM@example.com"}, status="retired")
        ),
    }
    rows = [{"apiName": "mm-bot", "apikey": "AbCdEfGh…"}]
    state = State(
        keys={"active": live_entry("AbCdEfGh"), "old": live_entry("AbCdEfGh")},
        sub_accounts={"mm@example.com": rows, "MM@example.com": rows},
    )
    result = check_files(tmp_path, files, state)
    keys = {k.name: k for k in result.keys}
    assert {k.status for k in keys.values()} == {"unchecked"}
    assert "'old'" in (keys["active"].error or "") and "'active'" in (keys["old"].error or "")
    assert [f.rule for f in result.findings] == ["KL003"]  # no KL202, no KL305
    assert result.exit_code == 1
    plan = planned(tmp_path, result, state)
    assert plan.keys == [] and plan.unchecked == []
    assert sorted((m.key, m.rule) for m in plan.manual) == [("active", "KL003"), ("old", "KL003")]


def test_kl309_every_key_under_a_declared_label(tmp_path: Path) -> None:
    rows = [
        {"apiName": "mm-bot", "apikey": "AbCdEfGh…"},
        {"apiName": "mm-bot", "apikey": "ZyXwVuTs…"},
        {"apiName": "other", "apikey": "Other123…"},
    ]
    files = {"a.yaml": policy(entry("mm", **SUB))}
    state = State(keys={"mm": live_entry("AbCdEfGh")}, sub_accounts={"MM@example.com": rows})
    result = check_files(tmp_path, files, state)
    kl309 = [f for f in result.findings if f.rule == "KL309"]
    assert [f.line for f in kl309] == [5, 5]  # at api_name
    assert sorted(f.fingerprint for f in kl309) == ["kl:KL309:mm:AbCdEfGh", "kl:KL309:mm:ZyXwVuTs"]
    assert result.keys[0].status == "drift" and result.exit_code == 1
    plan = planned(tmp_path, result, state)
    assert plan.keys == []  # the KL202 a lone key would get a call for is manual here
    assert sorted(m.rule for m in plan.manual if m.key == "mm") == ["KL202", "KL309", "KL309"]


def test_kl309_when_fetch_could_not_tell_the_keys_apart(tmp_path: Path) -> None:
    rows = [{"apiName": "mm-bot", "apikey": "AbCdEfGh…"}, {"apiName": "mm-bot", "apikey": "Zy…"}]
    files = {"a.yaml": policy(entry("mm", **SUB))}
    state = State(
        keys={"mm": {"status": "error", "error": "2 keys labelled 'mm-bot'"}},
        sub_accounts={"mm@example.com": rows},
    )
    result = check_files(tmp_path, files, state)
    assert result.keys[0].status == "unchecked"
    assert [f.rule for f in result.findings] == ["KL309", "KL309"]
    assert result.exit_code == 1
    plan = planned(tmp_path, result, state)
    assert [m.rule for m in plan.manual] == ["KL309", "KL309"] and plan.keys == []


def test_a_kl309_waiver_waives_and_an_unused_one_is_reported(tmp_path: Path) -> None:
    waiver = "    waivers:\n      - {rule: KL309, reason: migration, expires: 2027-01-01}\n"
    files = {"a.yaml": policy(entry("mm", **SUB)) + waiver}
    one = [{"apiName": "mm-bot", "apikey": "AbCdEfGh…"}]
    state = State(keys={"mm": live_entry("AbCdEfGh")}, sub_accounts={"mm@example.com": one * 2})
    assert {
        f.waived for f in check_files(tmp_path, files, state).findings if f.rule == "KL309"
    } == {True}
    state.sub_accounts = {"mm@example.com": one}
    assert "KL006" in [f.rule for f in check_files(tmp_path, files, state).findings]
