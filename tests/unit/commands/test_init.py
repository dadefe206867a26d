"""`init` runs from its options object alone, without Typer (issue 14). Offline: the demo state
file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from keylint.commands import init
from keylint.options import InitOptions

ROOT = Path(__file__).resolve().parents[3]
STATE = ROOT / "examples" / "state.json"
NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)


def test_init_from_a_state_file_prints_a_policy(capsys: pytest.CaptureFixture[str]) -> None:
    assert init.run(InitOptions(state=STATE, now=NOW)) == 0
    assert capsys.readouterr().out.startswith("# yaml-language-server")
