"""Rule selection and severities (keylint.selection), on findings built by hand."""

from __future__ import annotations

import pytest

from keylint.catalog import CATALOG, stamp
from keylint.errors import UsageError
from keylint.findings import Finding, Problem, Severity
from keylint.result import FileReport, KeyReport
from keylint.selection import ALWAYS_ON, finish_report, selection


def finding(rule: str, subject: str = "") -> Finding:
    return stamp(rule, Problem(3, 5, "m", "r", subject=subject), file="p.yaml", key="bot")


def test_select_turns_every_other_rule_off_but_never_the_file_rules() -> None:
    chosen = selection(select=["KL2"])
    assert {r for r in CATALOG if chosen.runs(r)} == {
        r for r in CATALOG if r.startswith("KL2")
    } | ALWAYS_ON


def test_names_ids_and_prefixes_mix_in_one_value() -> None:
    chosen = selection(ignore=["hmac-key, KL20", "kl101"])
    assert {r for r in CATALOG if not chosen.runs(r)} == {"KL308", "KL101"} | {
        r for r in CATALOG if r.startswith("KL20")
    }


def test_the_command_line_goes_over_the_configuration() -> None:
    chosen = selection({"KL308": "off", "KL306": "error"}, select=["KL308"])
    assert chosen.runs("KL308")  # selected on the command line
    assert not chosen.runs("KL306")
    assert chosen.severity["KL306"] is Severity.ERROR


@pytest.mark.parametrize(
    ("rules", "select", "ignore", "message"),
    [
        ({"KL002": "off"}, [], [], "KL002 (schema-violation) cannot be turned off"),
        ({"KL003": "warning"}, [], [], "KL003 (duplicate-key) is always an error"),
        ({}, [], ["KL004"], "--ignore KL004: KL004 (secret-in-policy) cannot be turned off"),
        ({}, ["KL999"], [], "--select: no rule 'KL999'"),
        ({}, [], ["hmac"], "did you mean KL308 (hmac-key)?"),
        ({}, ["\x1b[31mKL1"], [], "\\x1b[31mKL1"),  # inert: the escape is shown, not sent
    ],
)
def test_what_cannot_be_selected_is_a_usage_error(
    rules: dict[str, str], select: list[str], ignore: list[str], message: str
) -> None:
    with pytest.raises(UsageError) as raised:
        selection(rules, select, ignore)
    assert message in str(raised.value)
    assert "\x1b" not in str(raised.value)


def test_a_report_under_a_selection_drops_rerates_and_rejudges() -> None:
    key = KeyReport(
        "bot",
        "p.yaml",
        3,
        "drift",
        findings=[finding("KL101", "futures"), finding("KL306"), finding("KL006", "KL101")],
    )
    report = FileReport("p.yaml", keys=[key])
    chosen = selection({"KL306": "error"}, ignore=["KL101"])
    finish_report(report, chosen)
    # KL101 is off: its finding goes, the waiver problem about it too, and the key is ok.
    assert [(f.rule, f.severity) for f in key.findings] == [("KL306", Severity.ERROR)]
    assert key.status == "ok"


def test_the_default_selection_changes_nothing() -> None:
    key = KeyReport("bot", "p.yaml", 3, "drift", findings=[finding("KL101", "futures")])
    report = FileReport("p.yaml", keys=[key])
    assert finish_report(report, selection()) is report
    assert key.status == "drift"
