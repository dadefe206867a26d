"""The rule catalog (keylint.catalog) and the rule registry (keylint.rules) agree."""

from __future__ import annotations

import re

import pytest

from keylint import rules
from keylint.catalog import CATALOG, RATINGS, Precision, did_you_mean, security_level, suggestions
from keylint.rules import all_rules
from tests.conftest import REPO


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
        for heading in ("What it checks", "Why it matters", "Example", "Fix", "Security severity"):
            assert rule.section(heading), f"{rule_id} has no '{heading}' section"


def test_every_rule_is_rated_and_its_docs_say_why() -> None:
    assert sorted(RATINGS) == sorted(CATALOG)
    for rule in all_rules():
        rating = rule.rating
        # GitHub reads 0.1-10.0; a score on a band's edge ("over 9.0") could shift a band.
        assert 0.1 <= rating.security_severity <= 10.0, rule.id
        assert rating.security_severity not in (9.0, 7.0, 4.0), rule.id
        assert isinstance(rating.precision, Precision)
        why = rule.section("Security severity")
        # The number lives in the catalog; the words must name its level, and every CWE the
        # catalog tags the rule with, and no other.
        assert why.startswith(rating.level.capitalize() + ":"), (rule.id, rating.level, why)
        assert sorted(int(n) for n in re.findall(r"CWE-(\d+)", why)) == sorted(rating.cwe), rule.id
        precision = rating.precision.value.replace("-", " ")
        assert f"Precision {precision}:" in " ".join(why.split()), rule.id


@pytest.mark.parametrize(
    ("score", "level"),
    [(10.0, "critical"), (9.1, "critical"), (8.9, "high"), (7.0, "high"), (6.9, "medium"),
     (4.0, "medium"), (3.9, "low"), (0.1, "low"), (0.0, "none")],
)  # fmt: skip
def test_levels_are_githubs(score: float, level: str) -> None:
    assert security_level(score) == level


def test_the_rules_that_matter_most_rate_highest() -> None:
    # The order a security engineer would accept: money out from anywhere above a key usable
    # from anywhere, above a weaker binding, above hygiene.
    score = {rule_id: rating.security_severity for rule_id, rating in RATINGS.items()}
    assert score["KL103"] == max(score.values())
    assert security_level(score["KL103"]) == "critical"
    assert score["KL103"] > score["KL201"] > score["KL202"] > score["KL203"]
    assert security_level(score["KL308"]) == "low"
    assert all(security_level(score[f"KL00{n}"]) == "low" for n in (1, 2, 3, 5, 6))


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


def test_the_readme_rates_every_rule_as_the_catalog_does() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for rule_id, entry in CATALOG.items():
        rating = RATINGS[rule_id]
        cwe = ", ".join(f"CWE-{n}" for n in rating.cwe)
        row = (
            f"| {rule_id} {entry.name} | {rating.security_severity:.1f} {rating.level} "
            f"| {rating.precision.value} | {cwe} |"
        ).replace("|  |", "| |")
        assert row in readme, f"README's code-scanning table has no row {row!r}"
