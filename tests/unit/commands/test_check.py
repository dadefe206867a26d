"""Each command runs from its options object alone, without Typer (issue 14): the same report,
exit code and errors as on the command line. Offline: the demo policies and state file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from keylint.commands import check, init, plan, rules, validate
from keylint.errors import UsageError
from keylint.findings import Severity
from keylint.options import (
    CheckOptions,
    InitOptions,
    PlanOptions,
    RulesOptions,
    ValidateOptions,
    check_base_url,
    parse_now,
    severity_threshold,
)

ROOT = Path(__file__).resolve().parents[3]
DEMO = [str(ROOT / "examples" / "policies")]
STATE = ROOT / "examples" / "state.json"
NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)


def test_validate_reports_and_exits_like_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    code = validate.run(ValidateOptions(DEMO, "json", now=NOW))
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and report["summary"]["error"] > 0
    assert {f["rule"] for f in report["findings"]} >= {"KL001", "KL002"}


def test_check_and_plan_from_a_state_file(capsys: pytest.CaptureFixture[str]) -> None:
    code = check.run(CheckOptions(DEMO, state=STATE, output_format="json", now=NOW))
    checked = json.loads(capsys.readouterr().out)
    assert code == 1 and checked["summary"]["checked"] > 0
    code = plan.run(PlanOptions(DEMO, state=STATE, output_format="json", now=NOW))
    planned = json.loads(capsys.readouterr().out)
    assert code == 1 and planned["source"] == "state"


def test_rules_lists_and_explains(capsys: pytest.CaptureFixture[str]) -> None:
    assert rules.run(RulesOptions()) == 0
    assert "KL310  previous-key-alive" in capsys.readouterr().out
    assert rules.run(RulesOptions("KL310")) == 0
    assert "What it checks" in capsys.readouterr().out


def test_init_from_a_state_file_prints_a_policy(capsys: pytest.CaptureFixture[str]) -> None:
    assert init.run(InitOptions(state=STATE, now=NOW)) == 0
    assert capsys.readouterr().out.startswith("# yaml-language-server")


def test_usage_errors_are_raised_for_the_cli_to_word() -> None:
    with pytest.raises(UsageError, match="say which keys to declare"):
        init.run(InitOptions(now=NOW))
    with pytest.raises(UsageError, match="ISO 8601"):
        parse_now("yesterday")
    with pytest.raises(UsageError, match="user name or password"):
        check_base_url("https://user:pw@api.binance.com")
    assert severity_threshold("never") is None
    assert severity_threshold("warning") is Severity.WARNING
