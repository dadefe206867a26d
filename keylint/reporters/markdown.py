"""`--format markdown`: a pull-request comment body a bot can post and later update."""

from __future__ import annotations

from typing import Any, TextIO

from keylint.findings import Finding
from keylint.reporters import diff_lines, verdict
from keylint.result import KeyReport, Result

# The hidden line a bot searches for to update its own comment instead of posting another.
MARKER = "<!-- keylint-report -->"
# GitHub refuses comments over 65,536 characters; keep room for the closing note.
MAX_CHARS = 60_000
_ICON = {"error": "❌", "warning": "⚠️", "info": "ℹ️"}  # noqa: RUF001 (emoji)


def write(result: Result, out: TextIO, **_: Any) -> None:
    out.write(render(result))


def render(result: Result, **_: Any) -> str:
    # A comment is cut at MAX_CHARS and lists the clean keys last: it is built whole.
    reports = list(result.reports())
    counts = result.counts()
    summary = result.summary
    # ✅ only for a run that read every key and found nothing failing: an interrupted run
    # (exit 130) or an unchecked key (exit 3) is a warning at best.
    if result.failing_count:
        icon = "❌"
    elif result.interrupted or summary["unchecked"]:
        icon = "⚠️"
    else:
        icon = "✅"
    out = [
        MARKER,
        f"### {icon} keylint {result.command}: {verdict(result)}",
        "",
        "| keys | checked | unchecked | errors | warnings | info | waived |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| {summary['keys']} | {summary['checked']} | {summary['unchecked']} | {counts['error']} "
        f"| {counts['warning']} | {counts['info']} | {counts['waived']} |",
        "",
    ]
    clean: list[str] = []
    for report in reports:
        file_findings = sorted(report.findings)
        keys_with_findings = [k for k in report.keys if k.findings or k.status == "unchecked"]
        clean.extend(
            f"`{k.name}` ({_cell(report.path)})" for k in report.keys if k not in keys_with_findings
        )
        if not file_findings and not keys_with_findings:
            continue
        out.append(f"#### `{_cell(report.path)}`")
        out.append("")
        if file_findings:
            out.extend(_table(file_findings))
        for key in keys_with_findings:
            out.extend(_key(key))
    if clean:
        out += [
            f"<details><summary>Keys without findings ({len(clean)})</summary>",
            "",
            ", ".join(clean),
            "",
            "</details>",
            "",
        ]
    if result.command == "validate":
        out.append(
            "<sub>Static rules only (`keylint validate`); live rules run in `keylint check`.</sub>"
        )
    text = "\n".join(out).rstrip() + "\n"
    if len(text) > MAX_CHARS:
        cut = text.rfind("\n", 0, MAX_CHARS)
        text = (
            text[:cut] + "\n\n**Report truncated** to fit a comment: run keylint with "
            "`--format json` or see the job log for every finding.\n"
        )
    return text


def _key(key: KeyReport) -> list[str]:
    owner = f" — {_cell(key.owner)}" if key.owner else ""
    lines = [f"**🔑 `{key.name}`**{owner}"]
    if key.status == "unchecked":
        lines.append(f"> unchecked: {_cell(key.error or '')}")
    if key.unverifiable:
        lines.append(f"> not verifiable with these credentials: {', '.join(key.unverifiable)}")
    lines.append("")
    if key.findings:
        lines.extend(_table(key.findings))
    return lines


def _table(findings: list[Finding]) -> list[str]:
    lines = ["| | rule | line | finding |", "|---|---|---:|---|"]
    for f in findings:
        icon = "💤" if f.waived else _ICON[f.severity.value]
        message = _cell(f.message)
        if f.waived:
            message = f"~~{message}~~ waived: {_cell(f.waiver_reason or '')}"
        lines.append(f"| {icon} | `{f.rule}` {f.name} | {f.line} | {message} |")
    lines += ["", f"<details><summary>How to fix ({len(findings)})</summary>", ""]
    for f in findings:
        lines.append(f"- **{f.rule}** line {f.line}: {_cell(f.remediation)}")
        diff = diff_lines(f)
        if diff:  # a live finding: what the policy declares beside what Binance reports
            lines += ["", "  ```diff", *(f"  {line}" for line in diff), "  ```"]
    lines += ["", "</details>", ""]
    return lines


def _cell(text: str) -> str:
    """Text safe inside a table cell: no HTML, no pipe, no line break."""
    # Only `<` can open HTML; escaping `>` or `&` too would print `&gt;` in copied API calls.
    text = text.replace("<", "&lt;")
    return text.replace("|", "\\|").replace("\n", " ")
