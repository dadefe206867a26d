"""`--format markdown`: a pull-request comment body a bot can post and later update."""

from __future__ import annotations

import re
from collections import deque
from typing import Any, TextIO

from keylint.findings import Finding
from keylint.inert import inert
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
            f"{code(k.name)} ({text_of(report.path)})"
            for k in report.keys
            if k not in keys_with_findings
        )
        if not file_findings and not keys_with_findings:
            continue
        out.append(f"#### {code(report.path)}")
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
    text = guard_lines("\n".join(out).rstrip() + "\n")
    if len(text) > MAX_CHARS:
        cut = text.rfind("\n", 0, MAX_CHARS)
        text = (
            text[:cut] + "\n\n**Report truncated** to fit a comment: run keylint with "
            "`--format json` or see the job log for every finding.\n"
        )
    return text


def _key(key: KeyReport) -> list[str]:
    # An owner is usually a handle (`@data`): a code span shows it and notifies nobody.
    owner = f" — {code(key.owner)}" if key.owner else ""
    lines = [f"**🔑 {code(key.name)}**{owner}"]
    if key.status == "unchecked":
        lines.append(f"> unchecked: {text_of(key.error or '')}")
    if key.unverifiable:
        fields = ", ".join(text_of(field) for field in key.unverifiable)
        lines.append(f"> not verifiable with these credentials: {fields}")
    lines.append("")
    if key.findings:
        lines.extend(_table(key.findings))
    return lines


def _table(findings: list[Finding]) -> list[str]:
    lines = ["| | rule | line | finding |", "|---|---|---:|---|"]
    for f in findings:
        icon = "💤" if f.waived else _ICON[f.severity.value]
        message = text_of(f.message, cell=True)
        if f.waived:
            message = f"~~{message}~~ waived: {text_of(f.waiver_reason or '', cell=True)}"
        lines.append(f"| {icon} | `{f.rule}` {f.name} | {f.line} | {message} |")
    lines += ["", f"<details><summary>How to fix ({len(findings)})</summary>", ""]
    for f in findings:
        lines.append(f"- **{f.rule}** line {f.line}: {text_of(f.remediation)}")
        diff = diff_lines(f)
        if diff:  # a live finding: what the policy declares beside what Binance reports
            lines += ["", "  ```diff", *(f"  {line}" for line in diff), "  ```"]
    lines += ["", "</details>", ""]
    return lines


# A value is inert in Markdown when it can open no HTML (so it cannot close the report's
# <details>, end or forge its marker comment, or load an image), mentions nobody, breaks no
# table cell and, like every value, shows its control characters as escapes. GitHub renders
# HTML entities and backslash escapes as the characters they stand for, so the comment reads
# exactly as the value does; inside a code span nothing is interpreted, so it is left alone.
_BACKTICKS = re.compile(r"`+")
# GitHub links `@name` and `@org/team` unless a letter, digit or `_` comes before the `@`
# (its mention filter works on rendered text, so an entity such as `&#64;` would still
# notify); it never links inside code. A handle goes into a code span of its own.
_HANDLE = re.compile(r"@[A-Za-z0-9][A-Za-z0-9_./-]*")
_WORD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
_PLAIN = {"\\": "\\\\", "`": "&#96;", "&": "&amp;", "<": "&lt;", ">": "&gt;"}
_PLAIN_CELL = {**_PLAIN, "|": "\\|"}
_COMMAND = re.compile(r"^([^\S\n]*):(?=:)", re.MULTILINE)


def text_of(value: str, *, cell: bool = False) -> str:
    """A value (or a message that holds values) as inert Markdown text, on one line.

    Code spans in it (keylint's messages use them: `ips:`) stay code spans, paired as
    CommonMark pairs backtick strings; everything else is escaped.
    """
    value = inert(value)
    out: list[str] = []
    for is_code, piece in _split_code_spans(value):
        if is_code:
            out.append(_code_in_cell(piece) if cell else piece)
        else:
            out.append(_plain(piece, _PLAIN_CELL if cell else _PLAIN))
    return "".join(out)


def code(value: str) -> str:
    """A value as one inert code span, whatever backticks it holds."""
    value = inert(value)
    if not value:
        return ""
    longest = max((len(run) for run in _BACKTICKS.findall(value)), default=0)
    fence = "`" * (longest + 1)
    # CommonMark strips one space from each end of a span's content when both have one: a
    # value that starts or ends with a backtick or a space is padded so it shows exactly.
    if value[0] in "` " or value[-1] in "` ":
        value = f" {value} "
    return fence + value + fence


def _split_code_spans(text: str) -> list[tuple[bool, str]]:
    """`text` cut into (is a code span, piece): a backtick string opens a span when a later
    backtick string of the same length closes it; an unpaired one is literal."""
    runs = list(_BACKTICKS.finditer(text))
    if not runs:
        return [(False, text)]
    later: dict[int, deque[int]] = {}
    for index, run in enumerate(runs):
        later.setdefault(len(run.group()), deque()).append(index)
    pieces: list[tuple[bool, str]] = []
    start = 0  # where the pending plain text begins
    index = 0
    while index < len(runs):
        run = runs[index]
        closers = later[len(run.group())]
        while closers and closers[0] <= index:
            closers.popleft()
        if not closers:
            index += 1
            continue
        closing = closers.popleft()
        closer = runs[closing]
        if run.start() > start:
            pieces.append((False, text[start : run.start()]))
        pieces.append((True, text[run.start() : closer.end()]))
        start = closer.end()
        index = closing + 1
    if start < len(text):
        pieces.append((False, text[start:]))
    return pieces


def _plain(text: str, table: dict[str, str]) -> str:
    """Text outside code spans: no HTML, no live backtick, no mention; backslashes doubled,
    so that no backslash of the value escapes the character after it."""
    out: list[str] = []
    position = 0  # where the text GitHub sees after the last code span starts
    for match in _HANDLE.finditer(text):
        # `mm@example.com` is no mention; `@a@b` is two once `@a` is code.
        if match.start() > position and text[match.start() - 1] in _WORD:
            continue
        out.append(_escape(text[position : match.start()], table))
        out.append(f"`{match.group()}`")
        position = match.end()
    out.append(_escape(text[position:], table))
    return "".join(out)


def _escape(text: str, table: dict[str, str]) -> str:
    return "".join(table.get(char, char) for char in text)


def _code_in_cell(span: str) -> str:
    # GitHub cuts table cells at `|` before it reads code spans, and a backslash pairs with
    # the character after it: `\|` inside the span, and every backslash doubled so that the
    # one before `|` stays its own.
    return span.replace("\\", "\\\\").replace("|", "\\|")


def guard_lines(text: str) -> str:
    """No line of the report is a workflow command when it is printed to a job log (the
    `comment` command prints the body): a backslash before `:` or `#` is not rendered."""
    return _COMMAND.sub(r"\1\\", text).replace("##[", "#\\#[")
