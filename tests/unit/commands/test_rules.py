"""`rules` runs from its options object alone, without Typer (issue 14)."""

from __future__ import annotations

import pytest

from keylint.commands import rules
from keylint.options import RulesOptions


def test_rules_lists_and_explains(capsys: pytest.CaptureFixture[str]) -> None:
    assert rules.run(RulesOptions()) == 0
    assert "KL310  previous-key-alive" in capsys.readouterr().out
    assert rules.run(RulesOptions("KL310")) == 0
    assert "What it checks" in capsys.readouterr().out
