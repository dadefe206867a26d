"""`--format github`: GitHub Actions workflow commands, one annotation per finding."""

from __future__ import annotations

from typing import Any, TextIO

from keylint.findings import Finding
from keylint.inert import inert
from keylint.reporters import as_text, verdict
from keylint.result import Result

_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def render(result: Result, **_: Any) -> str:
    return as_text(write, result)


def write(result: Result, out: TextIO, **_: Any) -> None:
    for report in result.reports():
        for finding in report.all_findings():
            out.write(_annotation(finding) + "\n")
    out.write(f"keylint: {verdict(result)}\n")


def _annotation(finding: Finding) -> str:
    # A waived finding stays visible, but as a notice: it does not fail anything.
    level = "notice" if finding.waived else _LEVEL[finding.severity.value]
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
    file = _prop(inert(finding.file))
    props = f"file={file},line={finding.line},col={finding.column},title={_prop(title)}"
    return f"::{level} {props}::{_data(message)}"


def _data(text: str) -> str:
    # The escaping GitHub's toolkit applies (actions/toolkit, command.ts escapeData).
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
