"""`check` (and `plan` after it) runs from its options object alone, without Typer (issue 14):
the same report, exit code and errors as on the command line. Offline: the demo policies and
state file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from keylint.commands import check, plan
from keylint.options import CheckOptions, PlanOptions

ROOT = Path(__file__).resolve().parents[3]
DEMO = [str(ROOT / "examples" / "policies")]
STATE = ROOT / "examples" / "state.json"
NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)


def test_check_and_plan_from_a_state_file(capsys: pytest.CaptureFixture[str]) -> None:
    code = check.run(CheckOptions(DEMO, state=STATE, output_format="json", now=NOW))
    checked = json.loads(capsys.readouterr().out)
    assert code == 1 and checked["summary"]["checked"] > 0
    code = plan.run(PlanOptions(DEMO, state=STATE, output_format="json", now=NOW))
    planned = json.loads(capsys.readouterr().out)
    assert code == 1 and planned["source"] == "state"
