"""A streamed Result counts the reports it hands out and keeps none of them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from keylint.findings import Finding, Layer, Severity
from keylint.result import EXIT_FINDINGS, EXIT_OK, EXIT_UNCHECKED, FileReport, KeyReport, Result
from tests.unit.helpers import NOW


def _finding(severity: Severity, *, waived: bool = False, key: str | None = "k") -> Finding:
    return Finding(
        3, 1, "KL204", "ip-unusable", Layer.IP_BINDING, severity, "a.yaml", key, "m", "fix",
        waived=waived,
    )  # fmt: skip


def _reports() -> list[FileReport]:
    return [
        FileReport(
            path="a.yaml",
            findings=[_finding(Severity.INFO, key=None)],
            keys=[
                KeyReport("k", "a.yaml", 3, "static", findings=[_finding(Severity.WARNING)]),
                KeyReport("j", "a.yaml", 9, "unchecked", error="no state"),
            ],
        ),
        FileReport(
            path="b.yaml",
            keys=[
                KeyReport("i", "b.yaml", 4, "ok", findings=[_finding(Severity.ERROR, waived=True)]),
                KeyReport("h", "b.yaml", 8, "drift", findings=[_finding(Severity.ERROR)]),
            ],
        ),
    ]


def _streamed(fail_on: Severity | None = Severity.ERROR) -> Result:
    return Result(command="validate", generated_at=NOW, fail_on=fail_on, pending=iter(_reports()))


@pytest.mark.parametrize("fail_on", [Severity.ERROR, Severity.WARNING, Severity.INFO, None])
def test_streamed_counts_equal_held_counts(fail_on: Severity | None) -> None:
    held = Result(command="validate", generated_at=NOW, fail_on=fail_on, files=_reports())
    streamed = _streamed(fail_on)
    assert [r.path for r in streamed.reports()] == ["a.yaml", "b.yaml"]
    assert streamed.summary == held.summary
    assert streamed.counts() == held.counts()
    assert streamed.exit_code == held.exit_code


def test_held_summary_and_exit_codes() -> None:
    held = Result(command="check", generated_at=NOW, files=_reports())
    assert held.summary == {
        "files": 2, "keys": 4, "checked": 2, "unchecked": 1,
        "error": 1, "warning": 1, "info": 1, "waived": 1,
    }  # fmt: skip
    assert held.exit_code == EXIT_FINDINGS
    assert [f.severity for f in held.failing] == [Severity.ERROR]
    assert Result(command="check", generated_at=NOW, fail_on=None, files=_reports()).exit_code == (
        EXIT_UNCHECKED
    )
    assert Result(command="check", generated_at=NOW).exit_code == EXIT_OK


def test_reports_are_handed_out_once_and_not_kept() -> None:
    handed: list[str] = []

    def source() -> Iterator[FileReport]:
        for report in _reports():
            handed.append(report.path)
            yield report

    result = Result(command="validate", generated_at=NOW, pending=source())
    assert handed == []  # nothing is linted before a reporter reads
    assert len(list(result.reports())) == 2
    assert list(result.reports()) == [] and result.files == []


def test_a_streamed_result_refuses_what_it_no_longer_holds() -> None:
    result = _streamed()
    with pytest.raises(RuntimeError, match="pending"):
        _ = result.summary
    for _ in result.reports():
        pass
    with pytest.raises(RuntimeError, match="keeps no reports"):
        _ = result.findings
    with pytest.raises(RuntimeError, match="keeps no reports"):
        _ = result.keys
    assert result.summary["keys"] == 4
