"""`validate` runs from its options object alone, without Typer (issue 14): the same report and
exit code as on the command line. Offline: the demo policies."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from keylint.commands import validate
from keylint.options import ValidateOptions

ROOT = Path(__file__).resolve().parents[3]
DEMO = [str(ROOT / "examples" / "policies")]
NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)


def test_validate_reports_and_exits_like_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    code = validate.run(ValidateOptions(DEMO, "json", now=NOW))
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and report["summary"]["error"] > 0
    assert {f["rule"] for f in report["findings"]} >= {"KL001", "KL002"}
