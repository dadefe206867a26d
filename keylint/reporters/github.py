"""`--format github`: GitHub Actions workflow commands, one annotation per finding.

GitHub shows at most 10 error, 10 warning and 10 notice annotations per step, and 50 per job,
and drops the rest without a word (actions/toolkit, docs/problem-matchers.md, "Limitations":
https://github.com/actions/toolkit/blob/main/docs/problem-matchers.md#limitations). So the
annotations are capped here, where keylint can choose which ones to keep: errors first, then
warnings, then notices (info, waived findings, keys that could not be checked); within a
level the highest-rated findings (their rule's security severity) are kept and shown by file
and line; and when any were left out, one last notice says how many, by level, and where all
of them are. Three levels of 10 stay within a job's 50.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from keylint.catalog import RATINGS
from keylint.findings import Finding
from keylint.inert import inert
from keylint.repo import from_root
from keylint.reporters import as_text, verdict
from keylint.result import KeyReport, Result

_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}
LEVELS = ("error", "warning", "notice")
PER_STEP = 10  # annotations of each level GitHub shows for one step
# A key nobody could check outranks any notice: what it hides is unknown.
_UNCHECKED_RATING = 10.0
# Candidates kept per level before trimming to the best PER_STEP: memory stays flat however
# many findings a streamed run brings.
_TRIM_AT = 1000


@dataclass(order=True)
class _Annotation:
    """One annotation, ordered by what is kept first: the highest rating, then position."""

    priority: tuple[float, str, int, int, str, int]
    line: str = field(compare=False)

    @property
    def position(self) -> tuple[str, int, int, str, int]:
        return self.priority[1:]


def render(result: Result, **options: Any) -> str:
    return as_text(write, result, **options)


def write(result: Result, out: TextIO, *, root: Path | None = None, **_: Any) -> None:
    kept: dict[str, list[_Annotation]] = {level: [] for level in LEVELS}
    total = dict.fromkeys(LEVELS, 0)

    def add(level: str, annotation: _Annotation) -> None:
        total[level] += 1
        candidates = kept[level]
        candidates.append(annotation)
        if len(candidates) > _TRIM_AT:
            kept[level] = heapq.nsmallest(PER_STEP, candidates)

    placed: dict[str, str] = {}  # a file's path from the root, worked out once a report

    def place(file: str) -> str:
        if file not in placed:
            placed[file] = from_root(file, root)
        return placed[file]

    order = 0  # report order, the last tie-breaker, so that equal positions keep it
    for report in result.reports():
        placed.clear()
        for finding in report.all_findings():
            level = _level(finding)
            add(level, _finding(finding, level, place(finding.file), order))
            order += 1
        for key in report.keys:
            if key.status == "unchecked":
                add("notice", _unchecked(key, place(key.file), order))
                order += 1

    cut = dict.fromkeys(LEVELS, 0)
    shown: dict[str, list[_Annotation]] = {}
    over = any(total[level] > PER_STEP for level in LEVELS)
    for level in LEVELS:
        # The notice that says what was left out takes one of the notices' places.
        room = PER_STEP - 1 if over and level == "notice" else PER_STEP
        best = heapq.nsmallest(room, kept[level])
        cut[level] = total[level] - len(best)
        shown[level] = sorted(best, key=lambda a: a.position)
    for level in LEVELS:
        for annotation in shown[level]:
            out.write(annotation.line + "\n")
    if any(cut.values()):
        out.write(_cut_notice(cut) + "\n")
    out.write(f"keylint: {verdict(result)}\n")


def _level(finding: Finding) -> str:
    # A waived finding stays visible, but as a notice: it does not fail anything.
    return "notice" if finding.waived else _LEVEL[finding.severity.value]


def _finding(finding: Finding, level: str, file: str, order: int) -> _Annotation:
    rating = RATINGS[finding.rule].security_severity
    priority = (-rating, file, finding.line, finding.column, finding.rule, order)
    return _Annotation(priority, _annotation(finding, level, file))


def _unchecked(key: KeyReport, file: str, order: int) -> _Annotation:
    message = (
        f"key {inert(repr(key.name))} was not checked: {inert(key.error or 'no reason given')}"
    )
    line = _command("notice", file, key.line, 1, "keylint: key not checked", message)
    return _Annotation((-_UNCHECKED_RATING, file, key.line, 1, "", order), line)


def _annotation(finding: Finding, level: str, file: str) -> str:
    title = f"{finding.rule} {finding.name}"
    # Values are made inert first, so that a line break in one is shown as `\n` rather than
    # encoded into a line of the annotation; only keylint's own breaks become %0A.
    message = inert(finding.message)
    if finding.waived:
        title += " (waived)"
        message = f"waived: {inert(str(finding.waiver_reason))}\n{message}"
    if finding.key:
        message = f"[{inert(finding.key)}] {message}"
    message += f"\nfix: {inert(finding.remediation)}"
    return _command(level, file, finding.line, finding.column, title, message)


def _command(level: str, file: str, line: int, column: int, title: str, message: str) -> str:
    props = f"file={_prop(inert(file))},line={line},col={column},title={_prop(title)}"
    return f"::{level} {props}::{_data(message)}"


def _cut_notice(cut: dict[str, int]) -> str:
    # Only counts and keylint's own words: nothing here comes from a policy or from Binance.
    parts = [f"{count} {level}{'' if count == 1 else 's'}" for level, count in cut.items() if count]
    more = sum(cut.values())
    message = (
        f"{more} more {'annotation was' if more == 1 else 'annotations were'} left out "
        f"({', '.join(parts)}): GitHub shows at most {PER_STEP} errors, {PER_STEP} warnings "
        f"and {PER_STEP} notices of a step. Every finding is in the job summary and in the "
        "SARIF report (keylint --format markdown, --format sarif)."
    )
    return f"::notice title={_prop('keylint: more findings than annotations')}::{_data(message)}"


def _data(text: str) -> str:
    # The escaping GitHub's toolkit applies (actions/toolkit, command.ts escapeData).
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
