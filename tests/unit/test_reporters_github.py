"""keylint.reporters.github: annotations ordered by level, capped to what GitHub shows."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime

from keylint.catalog import stamp
from keylint.findings import Finding, Problem, Severity
from keylint.reporters.github import PER_STEP, render
from keylint.result import FileReport, KeyReport, Result
from tests.hardening.inertcheck import ANNOTATION, assert_inert

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
SUMMARY = "::notice title=keylint%3A more findings than annotations::"


def finding(
    rule: str,
    file: str,
    line: int,
    *,
    key: str = "bot",
    waived: str | None = None,
    severity: Severity | None = None,
) -> Finding:
    problem = Problem(line, 1, f"{rule} at {line}", "fix it", f"s{line}", severity=severity)
    found = stamp(rule, problem, file=file, key=key)
    if waived is not None:
        found = dataclasses.replace(found, waived=True, waiver_reason=waived)
    return found


def result(findings: list[Finding], unchecked: tuple[KeyReport, ...] = ()) -> Result:
    files: dict[str, FileReport] = {}
    for f in findings:
        report = files.setdefault(f.file, FileReport(f.file))
        report.keys.append(KeyReport(f.key or "bot", f.file, f.line, "static", findings=[f]))
    for key in unchecked:
        files.setdefault(key.file, FileReport(key.file)).keys.append(key)
    return Result("validate", NOW, files=list(files.values()))


def placed(text: str) -> list[tuple[str, str, int, str]]:
    """(level, file, line, title) of each placed annotation, in order."""
    found = re.findall(r"^::(\w+) file=([^,]*),line=(\d+),col=\d+,title=([^:]*)::", text, re.M)
    return [(level, file, int(line), title) for level, file, line, title in found]


def test_errors_then_warnings_then_notices_each_by_file_and_line() -> None:
    text = render(
        result(
            [
                finding("KL308", "a.yaml", 9),  # info: a notice
                finding("KL306", "b.yaml", 3),  # warning
                finding("KL204", "b.yaml", 7),  # error
                finding("KL205", "a.yaml", 4, waived="INFRA-1"),  # waived: a notice
                finding("KL103", "a.yaml", 12),  # error
                finding("KL206", "a.yaml", 2),  # warning
            ]
        )
    )
    assert [(level, file, line) for level, file, line, _ in placed(text)] == [
        ("error", "a.yaml", 12),
        ("error", "b.yaml", 7),
        ("warning", "a.yaml", 2),
        ("warning", "b.yaml", 3),
        ("notice", "a.yaml", 4),
        ("notice", "a.yaml", 9),
    ]
    assert SUMMARY not in text  # nothing was left out
    assert text.endswith("keylint: 2 errors, 2 warnings, 1 info (1 waived) in 6 keys in 2 files\n")


def test_each_level_is_capped_the_highest_rated_kept_and_the_rest_counted() -> None:
    schema_errors = [finding("KL002", "a.yaml", n) for n in range(1, 21)]  # low, listed first
    critical = [finding("KL103", "z.yaml", n) for n in range(1, 6)]  # critical, listed last
    warnings = [finding("KL306", "w.yaml", n) for n in range(1, 13)]
    notices = [finding("KL308", "n.yaml", n) for n in range(1, 16)]
    text = render(result(schema_errors + critical + warnings + notices))
    shown = placed(text)
    levels = [level for level, *_ in shown]
    assert levels == ["error"] * PER_STEP + ["warning"] * PER_STEP + ["notice"] * (PER_STEP - 1)
    # Every critical error is kept, though 20 lower-rated ones come first in the report.
    errors = [(file, line) for level, file, line, _ in shown if level == "error"]
    assert errors == [("a.yaml", n) for n in range(1, 6)] + [("z.yaml", n) for n in range(1, 6)]
    [summary] = [line for line in text.splitlines() if line.startswith(SUMMARY)]
    assert summary == SUMMARY + (
        "23 more annotations were left out (15 errors, 2 warnings, 6 notices): GitHub shows at "
        "most 10 errors, 10 warnings and 10 notices of a step. Every finding is in the job "
        "summary and in the SARIF report (keylint --format markdown, --format sarif)."
    )
    # The summary is the last annotation and the tenth notice: GitHub shows it.
    assert text.splitlines()[-2] == summary
    assert sum(line.startswith("::notice") for line in text.splitlines()) == PER_STEP


def test_ten_of_each_are_all_shown_without_a_summary() -> None:
    text = render(
        result(
            [finding("KL204", "e.yaml", n) for n in range(1, 11)]
            + [finding("KL306", "w.yaml", n) for n in range(1, 11)]
            + [finding("KL308", "n.yaml", n) for n in range(1, 11)]
        )
    )
    assert len(placed(text)) == 3 * PER_STEP
    assert SUMMARY not in text


def test_the_summary_takes_a_notice_place_only_when_something_was_cut() -> None:
    text = render(
        result(
            [finding("KL204", "e.yaml", n) for n in range(1, 12)]  # one error too many
            + [finding("KL308", "n.yaml", n) for n in range(1, 11)]
        )
    )
    notices = [line for level, _, line, _ in placed(text) if level == "notice"]
    assert notices == list(range(1, 10))
    assert "2 more annotations were left out (1 error, 1 notice)" in text


def test_a_key_that_could_not_be_checked_is_a_notice_ahead_of_info() -> None:
    unchecked = KeyReport("bot", "k.yaml", 3, "unchecked", error="rate limited (HTTP 429)")
    infos = [finding("KL308", "a.yaml", n) for n in range(1, 11)]
    text = render(result(infos, (unchecked,)))
    shown = placed(text)
    assert ("notice", "k.yaml", 3, "keylint%3A key not checked") in shown
    assert "key 'bot' was not checked: rate limited (HTTP 429)" in text
    assert "1 more annotation was left out (2 notices)" not in text
    assert "2 more annotations were left out (2 notices)" in text


def test_a_severity_the_finding_carries_decides_its_level() -> None:
    union = finding("KL207", "a.yaml", 4, severity=Severity.ERROR)  # KL207 defaults to warning
    assert placed(render(result([union])))[0][0] == "error"


HOSTILE_FILES = [
    "a\n::error file=x,line=1::forged.yaml",
    "<details><summary>@user</summary>.yaml",
    "b%0A::warning::c,d:e.yaml",
    "\x1b]0;title\x07\u202e.yaml",
]


def test_capping_keeps_every_value_inert() -> None:
    findings = [
        finding("KL204", file, n, key=f"k{n}::stop-commands::{n}")
        for file in HOSTILE_FILES
        for n in range(1, 3)
    ] + [
        finding("KL308", file, n, waived="ok\n::add-mask::secret%0A")
        for file in HOSTILE_FILES
        for n in range(1, 5)
    ]
    text = render(result(findings))
    assert_inert(text, fmt="github")
    lines = text.splitlines()
    assert all(ANNOTATION.fullmatch(line) for line in lines[:-1]), lines
    assert lines[-1].startswith("keylint: ")
    # The summary holds counts and keylint's words only: no value can reach it.
    [summary] = [line for line in lines if line.startswith(SUMMARY)]
    assert summary == SUMMARY + (
        "7 more annotations were left out (7 notices): GitHub shows at most 10 errors, 10 "
        "warnings and 10 notices of a step. Every finding is in the job summary and in the "
        "SARIF report (keylint --format markdown, --format sarif)."
    )
    # Each placed file is the value escaped, then encoded as GitHub's toolkit encodes it.
    files = {file for _, file, _, _ in placed(text)}
    assert len(files) == len(HOSTILE_FILES)
    assert "a\\n%3A%3Aerror file=x%2Cline=1%3A%3Aforged.yaml" in files
    assert "b%250A%3A%3Awarning%3A%3Ac%2Cd%3Ae.yaml" in files


def test_many_findings_keep_memory_flat_and_the_best_ones() -> None:
    many = [finding("KL002", f"f{n:05d}.yaml", 1) for n in range(5000)]
    many.insert(2500, finding("KL103", "zzz.yaml", 1))
    text = render(result(many))
    errors = [(file, title) for level, file, _, title in placed(text) if level == "error"]
    assert ("zzz.yaml", "KL103 withdrawals-without-ip-binding") in errors
    assert errors[:9] == [(f"f{n:05d}.yaml", "KL002 schema-violation") for n in range(9)]
    assert "4991 more annotations were left out (4991 errors)" in text
