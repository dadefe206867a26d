"""Reporters: each formats a Result as one string, and does nothing else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from keylint.findings import Finding
from keylint.result import Result

Render = Callable[..., str]

FORMATS = ("text", "json", "sarif", "markdown", "github")


def get_reporter(name: str) -> Render:
    """The render function of a format; imported on demand to keep start-up lean."""
    if name == "text":
        from keylint.reporters.text import render
    elif name == "json":
        from keylint.reporters.json import render
    elif name == "sarif":
        from keylint.reporters.sarif import render
    elif name == "markdown":
        from keylint.reporters.markdown import render
    elif name == "github":
        from keylint.reporters.github import render
    else:  # the CLI only passes known names
        raise ValueError(f"unknown format {name!r}")
    return render


def verdict(result: Result) -> str:
    """One line a person reads first: what failed, or that nothing did."""
    counts = result.counts()
    parts = [_plural(counts[s], s) for s in ("error", "warning", "info") if counts[s]]
    found = ", ".join(parts) if parts else "no findings"
    if counts["waived"]:
        found += f" ({counts['waived']} waived)"
    summary = result.summary
    scope = f"{_plural(summary['keys'], 'key')} in {_plural(summary['files'], 'file')}"
    if summary["unchecked"]:
        scope += f", {summary['unchecked']} unchecked"
    return f"{found} in {scope}"


def diff_lines(finding: Finding) -> list[str]:
    """`- declared` / `+ live` for a live finding (SPEC §4); nothing for other findings."""
    from keylint.rules import Kind, get

    if get(finding.rule).kind is not Kind.LIVE or finding.expected is None:
        return []
    return [f"- declared: {_show(finding.expected)}", f"+ live:     {_show(finding.actual)}"]


def _show(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "(none)"
    return str(value)


def _plural(count: int, noun: str) -> str:
    if noun == "info":
        return f"{count} info"
    return f"{count} {noun}{'' if count == 1 else 's'}"
