"""`--format text`: for a person at a terminal or reading a pre-commit log."""

from __future__ import annotations

from typing import Any, TextIO

from keylint.findings import Finding, Layer
from keylint.inert import guard_lines, inert
from keylint.reporters import as_text, diff_lines, verdict, wrap
from keylint.result import KeyReport, Result

_STYLE = {
    "error": "31;1",
    "warning": "33;1",
    "info": "36",
    "dim": "2",
    "bold": "1",
    "ok": "32",
    "file": "1;4",
    "del": "31",
    "add": "32",
}
_WIDTH = 100
_INDENT = " " * 6


class _Painter:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, style: str, text: str) -> str:
        return f"\x1b[{_STYLE[style]}m{text}\x1b[0m" if self.color else text


def render(result: Result, *, color: bool = False, quiet: bool = False, **_: Any) -> str:
    return as_text(write, result, color=color, quiet=quiet)


def write(
    result: Result, out: TextIO, *, color: bool = False, quiet: bool = False, **_: Any
) -> None:
    """The report; `quiet` (-q) leaves out clean keys, clean files and the closing lines."""
    paint = _Painter(color)
    for report in result.reports():
        lines = [paint("file", inert(report.path))]
        for finding in sorted(report.findings):
            lines.extend(_finding(finding, paint, indent="  "))
        for key in report.keys:
            if not (quiet and _clean(key)):
                lines.extend(_key(key, paint))
        if quiet and len(lines) == 1:
            continue
        lines.append("")
        # Values are escaped where they are placed; the guard also covers a wrapped line
        # that a value starts.
        out.write(guard_lines("\n".join(lines) + "\n"))
    if quiet:
        return
    mark = paint("error", "✖") if result.exit_code else paint("ok", "✔")
    lines = [f"{mark} {verdict(result)}"]
    scope = _scope_note(result)
    if scope:
        lines.append(paint("dim", scope))
    out.write(guard_lines("\n".join(lines) + "\n"))


def _clean(key: KeyReport) -> bool:
    """Nothing to say: no finding, waived or not, and nothing that kept it from being read."""
    return key.status in ("ok", "static") and not key.findings and not key.unverifiable


def _key(key: KeyReport, paint: _Painter) -> list[str]:
    owner = f"  {paint('dim', inert(key.owner))}" if key.owner else ""
    status = ""
    if key.status == "unchecked":
        status = "  " + paint("warning", f"unchecked: {inert(str(key.error))}")
    elif not key.findings and key.status in ("ok", "static"):
        status = "  " + paint("ok", "✔")
    elif key.error:
        status = "  " + paint("dim", inert(key.error))
    lines = [f"  {paint('bold', inert(key.name))}{owner}{status}"]
    layer: Layer | None = None
    for finding in key.findings:
        if finding.layer is not layer:
            layer = finding.layer
            lines.append(f"    {paint('dim', layer.title)}")
        lines.extend(_finding(finding, paint, indent="    "))
    if key.unverifiable:
        lines.append(
            "    "
            + paint(
                "dim",
                "not verifiable with these credentials: "
                + ", ".join(inert(field) for field in key.unverifiable),
            )
        )
    return lines


def _finding(finding: Finding, paint: _Painter, *, indent: str) -> list[str]:
    severity = finding.severity.value
    label = paint("dim", f"{severity:<7}") if finding.waived else paint(severity, f"{severity:<7}")
    position = f"{finding.line}:{finding.column}"
    head = f"{indent}{position:>7}  {label}  {finding.rule} {finding.name}"
    if finding.waived:
        head += "  " + paint("dim", f"(waived: {inert(str(finding.waiver_reason))})")
    body_indent = indent + _INDENT + "   "
    lines = [head]
    lines.extend(_wrap(inert(finding.message), body_indent))
    for line in diff_lines(finding):
        lines.append(body_indent + paint("del" if line.startswith("-") else "add", line))
    lines.extend(_wrap("fix: " + inert(finding.remediation), body_indent, style=paint, dim=True))
    return lines


def _wrap(text: str, indent: str, *, style: _Painter | None = None, dim: bool = False) -> list[str]:
    lines = wrap(text, indent, _WIDTH)
    if style is not None and dim:
        return [style("dim", line) for line in lines]
    return lines


def _scope_note(result: Result) -> str:
    if result.command != "validate":
        return ""
    return "validate ran the static rules only; live rules need `keylint check`."
