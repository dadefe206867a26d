"""`keylint init --state`: a policy that matches the state exactly, as a person reviews it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from keylint.rules import Kind, all_rules
from tests.conftest import FIXED_NOW, Keylint

# KL303 is a date Binance announced, not a mismatch init could declare away.
LIVE_RULES = {r.id for r in all_rules() if r.kind is Kind.LIVE} - {"KL303"}


def test_init_from_state_snapshot(keylint: Keylint, snapshot: SnapshotAssertion) -> None:
    run = keylint("init", "--state", "examples/state.json", "--now", FIXED_NOW)
    assert run.exit_code == 0
    assert run.stdout == snapshot


def test_init_output_checks_with_zero_drift(keylint: Keylint, tmp_path: Path) -> None:
    adopted = tmp_path / "adopted.yaml"
    run = keylint("init", "--state", "examples/state.json", "--now", FIXED_NOW, "-o", str(adopted))
    assert run.exit_code == 0 and run.stdout == ""
    check = keylint(
        "check",
        str(adopted),
        "--state",
        "examples/state.json",
        "--now",
        FIXED_NOW,
        "--format",
        "json",
    )
    report = json.loads(check.stdout)
    drift = [(f["key"], f["rule"]) for f in report["findings"] if f["rule"] in LIVE_RULES]
    assert drift == []
    # KL303 is not a mismatch but a date Binance announced; the policy says so in a comment.
    assert {f["rule"] for f in report["findings"]} - LIVE_RULES <= {"KL103", "KL205", "KL303"}
    assert "lapses trading on this key on 2026-11-29" in adopted.read_text()


def test_init_for_one_sub_account(keylint: Keylint) -> None:
    run = keylint(
        "init",
        "--state",
        "examples/state.json",
        "--sub-account",
        "mm@example.com",
        "--now",
        FIXED_NOW,
    )
    names = [line.split(": ")[1] for line in run.stdout.splitlines() if "- name: " in line]
    assert names == ["market-maker", "test-2023"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ([], "say which keys to declare"),
        (["--api-key-env", "K"], "needs --secret-env or --private-key-env"),
        (["--sub-account", "mm@example.com"], "needs the master's credentials"),
    ],
)
def test_init_usage_errors(keylint: Keylint, args: list[str], words: str) -> None:
    run = keylint("init", *args)
    assert run.exit_code == 2 and words in run.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ["--state", "examples/state.json", "--sub-account", "nobody@x.test"],
            "nothing to declare",
        ),
        (["--api-key-env", "K", "--secret-env", "S", "--name", "Bad Name"], "is not a key name"),
        (["--api-key-env", "K\nwaivers:", "--secret-env", "S"], "not an environment variable"),
    ],
    ids=["unknown-sub-account", "bad-name", "bad-variable"],
)
def test_init_refuses_what_would_not_validate(
    keylint: Keylint, args: list[str], words: str
) -> None:
    run = keylint("init", *args)
    assert run.exit_code == 2 and words in run.stderr
    assert run.stdout == ""  # no empty or broken policy printed


def test_a_hostile_state_cannot_smuggle_policy_through_init(
    keylint: Keylint, tmp_path: Path
) -> None:
    """Strings from Binance or a state file end up in comments and values of the policy init
    prints: a line break in them must never start a line of YAML (a `waivers:` of its own)."""
    state = json.loads(Path("examples/state.json").read_text())
    smuggled = "\n    waivers: [{rule: KL101, reason: x, expires: 2099-01-01}]\n# ##[error]x"
    name, entry = next((n, e) for n, e in state["keys"].items() if e.get("ip_list"))
    entry["ip_list"].append("office" + smuggled)
    entry["ip_list"].append("vpn\u2028    waivers: []")
    state["keys"]["evil" + smuggled] = {"status": "not_found", "reason": "gone" + smuggled}
    for rows in state["sub_accounts"].values():
        for row in rows:
            row["apiName"] = str(row["apiName"]) + smuggled
    hostile = tmp_path / "state.json"
    hostile.write_text(json.dumps(state))
    adopted = tmp_path / "adopted.yaml"
    run = keylint("init", "--state", str(hostile), "--now", FIXED_NOW, "-o", str(adopted))
    assert run.exit_code == 0, run.stderr
    text = adopted.read_text()
    assert not [line for line in text.splitlines() if line.lstrip().startswith("waivers")]
    assert "\u2028" not in text and "##[" not in text
    validated = keylint("validate", str(adopted), "--format", "json")
    report = json.loads(validated.stdout)
    assert [f["rule"] for f in report["findings"] if f["rule"] in ("KL001", "KL002")] == []
    assert name in text
