"""Example files are tests: each `# expect: RULE` mark is a finding on that line, and no more."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, FIXED_NOW, REPO, Keylint

_EXPECT = re.compile(r"#\s*expect:\s*(KL\d{3}(?:\s*,\s*KL\d{3})*)")


def expected_marks(path: Path) -> list[tuple[int, str]]:
    marks: list[tuple[int, str]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _EXPECT.search(line)
        if match:
            marks.extend((number, rule.strip()) for rule in match.group(1).split(","))
    return sorted(marks)


POLICY_FILES = sorted([*EXAMPLES.glob("*.yaml"), *(REPO / "policies").glob("*.yaml")])


@pytest.mark.parametrize("path", POLICY_FILES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_example_findings_match_their_marks(keylint: Keylint, path: Path) -> None:
    import json

    run = keylint("validate", str(path), "--format", "json", "--now", FIXED_NOW)
    report = json.loads(run.stdout)
    found = sorted((f["line"], f["rule"]) for f in report["findings"])
    assert found == expected_marks(path)


def test_every_static_rule_is_shown_by_the_examples() -> None:
    from keylint.rules import Kind, all_rules

    shown = {rule for path in POLICY_FILES for _, rule in expected_marks(path)}
    static = {r.id for r in all_rules() if r.implemented and r.kind is not Kind.LIVE}
    # KL003 and KL004 need two files or a pasted secret: tests/unit/policy covers them.
    # KL007 needs a baseline: tests/acceptance/test_config_cli.py covers it.
    assert static - shown == {"KL003", "KL004", "KL007"}


def test_project_policies_are_clean(keylint: Keylint) -> None:
    run = keylint("validate")
    assert run.exit_code == 0, run.stdout
    assert "no findings" in run.stdout
