"""The rule catalog (keylint.catalog) and the rule registry (keylint.rules) agree."""

from __future__ import annotations

import pytest

from keylint import rules
from keylint.catalog import CATALOG, did_you_mean, suggestions
from keylint.rules import all_rules


def test_every_catalogued_rule_is_registered_with_its_docs() -> None:
    registered = {rule.id: rule for rule in all_rules()}
    assert sorted(registered) == sorted(CATALOG)
    for rule_id, entry in CATALOG.items():
        rule = registered[rule_id]
        assert (rule.name, rule.layer, rule.severity, rule.kind) == (
            entry.name,
            entry.layer,
            entry.severity,
            entry.kind,
        )
        for heading in ("What it checks", "Why it matters", "Example", "Fix"):
            assert rule.section(heading), f"{rule_id} has no '{heading}' section"


@pytest.mark.parametrize(("rule_id", "name"), [("KL999", "made-up"), ("KL205", "too-many-ips")])
def test_a_rule_the_catalog_does_not_list_is_refused(
    monkeypatch: pytest.MonkeyPatch, rule_id: str, name: str
) -> None:
    monkeypatch.setattr(rules, "RULES", {})  # as before the layer modules register
    with pytest.raises(RuntimeError, match=r"is not in keylint\.catalog"):
        rules.rule(rule_id, name)(lambda: None)
    assert rules.RULES == {}


def test_suggestions_come_from_the_catalog() -> None:
    assert [entry.id for entry in suggestions("kl2O5")] == ["KL205"]
    assert [entry.id for entry in suggestions("KL20")] == [
        "KL201", "KL202", "KL203", "KL204", "KL205", "KL206", "KL207"
    ]  # fmt: skip
    assert did_you_mean("max-age-mising") == " did you mean KL306 (max-age-missing)?"
