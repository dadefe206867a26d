"""`--format markdown`: a pull-request comment body a bot can post and later update."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TextIO

from keylint.findings import Finding
from keylint.inert import inert
from keylint.reporters import diff_lines, verdict
from keylint.result import KeyReport, Result

# The hidden line a bot searches for to update its own comment instead of posting another.
MARKER = "<!-- keylint-report -->"
# GitHub refuses comments over 65,536 characters; a truncated report stays under this, its
# closing note and table of what was cut included.
MAX_CHARS = 60_000
# The table of what was cut lists files up to this size, then sums up the rest in one row:
# ten thousand cut files must not push the report past MAX_CHARS.
CUT_TABLE_CHARS = 10_000
# The columns of the table of what was cut, as in the summary table.
_COLUMNS = ("error", "warning", "info", "waived")
_ICON = {"error": "❌", "warning": "⚠️", "info": "ℹ️"}  # noqa: RUF001 (emoji)


@dataclass
class _Unit:
    """A piece of the report that opens and closes its own blocks: a key's findings (or a
    file's own), with the file's heading when it is the file's first piece. A report is cut
    between units, or inside the one that does not fit, after a whole finding."""

    file: str
    key: str | None
    findings: list[Finding]
    render: Callable[[int | None], list[str]]  # all findings (None), or the first n
    lines: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.lines = self.render(None)

    @cached_property
    def size(self) -> int:
        return _size(self.lines)


@dataclass
class _Cut:
    """What a truncated report leaves out of one file."""

    keys: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_COLUMNS, 0))

    def add(self, unit: _Unit, findings: list[Finding]) -> None:
        if unit.key is not None:
            self.keys.add(unit.key)
        for finding in findings:
            self.counts["waived" if finding.waived else finding.severity.value] += 1


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
    head = [
        MARKER,
        f"### {icon} keylint {result.command}: {verdict(result)}",
        "",
        "| keys | checked | unchecked | errors | warnings | info | waived |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| {summary['keys']} | {summary['checked']} | {summary['unchecked']} | {counts['error']} "
        f"| {counts['warning']} | {counts['info']} | {counts['waived']} |",
        "",
    ]
    units: list[_Unit] = []
    clean: list[str] = []
    for report in reports:
        file_findings = sorted(report.findings)
        keys_with_findings = [k for k in report.keys if k.findings or k.status == "unchecked"]
        clean.extend(
            f"{code(k.name)} ({text_of(report.path)})"
            for k in report.keys
            if k not in keys_with_findings
        )
        parts: list[_Unit] = []
        if file_findings:
            parts.append(_Unit(report.path, None, file_findings, _file_part(file_findings)))
        parts += [_Unit(report.path, k.name, k.findings, _key_part(k)) for k in keys_with_findings]
        if parts:  # the file's heading goes with its first piece, never alone
            parts[0].render = _headed([f"#### {code(report.path)}", ""], parts[0].render)
            parts[0].lines = parts[0].render(None)
        units += parts
    tail: list[str] = []
    if result.command == "validate":
        tail.append(
            "<sub>Static rules only (`keylint validate`); live rules run in `keylint check`.</sub>"
        )
    body = [line for unit in units for line in unit.lines]
    if clean:
        body += [
            f"<details><summary>Keys without findings ({len(clean)})</summary>",
            "",
            ", ".join(clean),
            "",
            "</details>",
            "",
        ]
    text = _finish(head + body + tail)
    if len(text) <= MAX_CHARS:
        return text
    return _truncated(head, units, len(clean), tail)


def _finish(lines: list[str]) -> str:
    return guard_lines("\n".join(lines).rstrip() + "\n")


def _size(lines: list[str]) -> int:
    # What the lines add to the report: each with its line break, guarded as it will be.
    return sum(len(guard_lines(line)) + 1 for line in lines)


def _headed(
    heading: list[str], part: Callable[[int | None], list[str]]
) -> Callable[[int | None], list[str]]:
    return lambda shown: heading + part(shown)


def _file_part(findings: list[Finding]) -> Callable[[int | None], list[str]]:
    return lambda shown: _table(findings, shown)


def _key_part(key: KeyReport) -> Callable[[int | None], list[str]]:
    return lambda shown: _key(key, shown)


def _truncated(head: list[str], units: list[_Unit], clean: int, tail: list[str]) -> str:
    """The report cut to MAX_CHARS: whole units, then as many whole findings of the next one
    as fit, then a note and a table of what was left out, per file. Every unit closes what
    it opens, so the note stands outside any `<details>` and the table renders."""
    pointer = [
        "> **Truncated** to fit a comment: the end of the report says what is not shown.",
        "",
    ]
    fixed = _size(head) + _size(pointer)
    # The note and table for cutting everything are the largest they can be: with that room
    # kept, whatever fits fits with its own (smaller) note. A second pass spends what the
    # smaller note leaves over, which can only shrink the note again.
    closing = _closing(_cut_from(units, 0, 0), clean, tail)
    best = head + pointer + closing  # nothing but the summary: fits, whatever was cut
    for _ in range(2):
        shown, cut = _fill(units, MAX_CHARS - fixed - _size(closing))
        closing = _closing(cut, clean, tail)
        lines = head + pointer + shown + closing
        if len(_finish(lines)) <= MAX_CHARS:
            best = lines
    return _finish(best)


def _fill(units: list[_Unit], budget: int) -> tuple[list[str], dict[str, _Cut]]:
    """The lines of the units that fit in `budget`, and what is left out, per file."""
    shown: list[str] = []
    used = 0
    for index, unit in enumerate(units):
        if used + unit.size <= budget:
            shown += unit.lines
            used += unit.size
            continue
        # The most findings of this unit that still fit, at least one (sizes grow with it).
        low, high, fits = 1, len(unit.findings) - 1, 0
        while low <= high:
            middle = (low + high) // 2
            if used + _size(unit.render(middle)) <= budget:
                fits, low = middle, middle + 1
            else:
                high = middle - 1
        if fits:
            shown += unit.render(fits)
        return shown, _cut_from(units, index, fits)
    return shown, {}


def _cut_from(units: list[_Unit], index: int, shown: int) -> dict[str, _Cut]:
    """What is left out from unit `index` on, when its first `shown` findings are shown."""
    cut: dict[str, _Cut] = {}
    for position, unit in enumerate(units[index:]):
        findings = unit.findings[shown:] if position == 0 else unit.findings
        cut.setdefault(unit.file, _Cut()).add(unit, findings)
    return cut


def _closing(cut: dict[str, _Cut], clean: int, tail: list[str]) -> list[str]:
    """The note that the report was cut, and what was cut per file, outside every block."""
    findings = sum(sum(part.counts.values()) for part in cut.values())
    keys = sum(len(part.keys) for part in cut.values())
    left_out = []
    if cut:
        left_out.append(
            f"{_count(findings, 'finding')} in {_count(len(cut), 'file')} "
            f"({_count(keys, 'key')}; the table below lists them)"
        )
    if clean:
        left_out.append(f"the list of the {_count(clean, 'key')} without findings")
    note = (
        f"**Report truncated** to fit a comment. Not shown here: {', and '.join(left_out)}. "
        "Every finding is in keylint's other reports: `--format text` (the keylint action's "
        "job log), `--format json` and `--format sarif` (code scanning)."
    )
    lines = [*tail, "", note, ""]
    if not cut:
        return lines
    lines += [
        "| file | keys | errors | warnings | info | waived |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    used = 0
    rest, left = _Cut(), 0  # the files past CUT_TABLE_CHARS, summed up in one row
    for file, part in cut.items():
        row = _row(_code_in_cell(code(file)), len(part.keys), part.counts)
        if not left and used + len(row) + 1 <= CUT_TABLE_CHARS:
            lines.append(row)
            used += len(row) + 1
            continue
        left += 1
        rest.keys |= {f"{file}/{key}" for key in part.keys}
        for column in _COLUMNS:
            rest.counts[column] += part.counts[column]
    if left:
        lines.append(_row(f"… and {_count(left, 'more file')}", len(rest.keys), rest.counts))
    lines.append("")
    return lines


def _row(file: str, keys: int, counts: dict[str, int]) -> str:
    cells = " | ".join(str(counts[column]) for column in _COLUMNS)
    return f"| {file} | {keys} | {cells} |"


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _key(key: KeyReport, shown: int | None = None) -> list[str]:
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
        lines.extend(_table(key.findings, shown))
    return lines


def _table(findings: list[Finding], shown: int | None = None) -> list[str]:
    listed = findings if shown is None else findings[:shown]
    lines = ["| | rule | line | finding |", "|---|---|---:|---|"]
    for f in listed:
        icon = "💤" if f.waived else _ICON[f.severity.value]
        message = text_of(f.message, cell=True)
        if f.waived:
            message = f"~~{message}~~ waived: {text_of(f.waiver_reason or '', cell=True)}"
        lines.append(f"| {icon} | `{f.rule}` {f.name} | {f.line} | {message} |")
    lines += ["", f"<details><summary>How to fix ({len(listed)})</summary>", ""]
    for f in listed:
        lines.append(f"- **{f.rule}** line {f.line}: {text_of(f.remediation)}")
        diff = diff_lines(f)
        if diff:  # a live finding: what the policy declares beside what Binance reports
            lines += ["", "  ```diff", *(f"  {line}" for line in diff), "  ```"]
    lines += ["", "</details>", ""]
    if len(listed) < len(findings):
        more = len(findings) - len(listed)
        lines += [f"*… {_count(more, 'more finding')} here: see the table at the end.*", ""]
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
