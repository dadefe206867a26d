"""Results built by hand for reporter tests: every status, threshold and hostile value a loader
or Binance could hand a reporter, without going through either."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from keylint import engine, reporters
from keylint.catalog import CATALOG
from keylint.findings import Finding, Severity
from keylint.result import FileReport, KeyReport, Result
from tests.unit.helpers import NOW

# What a policy file, a state file or Binance could put in any text: the end of a CDATA
# section, markup, an entity, NUL, a terminal escape, a lone surrogate (a file name's
# undecodable byte), line breaks, a workflow command, the legacy one, characters XML 1.0
# cannot carry, a bidi override, and an attachment line GitLab and Jenkins would follow.
HOSTILE = (
    "]]><x>&amp;\x00\x1b[31m\ud800\udfff\r\n::error::forged\n  ::add-mask::x\t##[warning]"
    "\ufffe\uffff\u202e\x7f[[ATTACHMENT|../../etc/passwd]]"
)


def finding(
    rule: str,
    *,
    key: str | None = "bot",
    file: str = "policies/p.yaml",
    line: int = 4,
    column: int = 5,
    severity: Severity | None = None,
    message: str = "it is wrong",
    remediation: str = "make it right",
    subject: str = "",
    waived: bool = False,
    waiver_reason: str | None = None,
    **extra: Any,
) -> Finding:
    """A finding of `rule`, stamped as the engine stamps one (name, layer, severity)."""
    entry = CATALOG[rule]
    return Finding(
        line,
        column,
        rule,
        name=entry.name,
        layer=entry.layer,
        severity=severity or entry.severity,
        file=file,
        key=key,
        message=message,
        remediation=remediation,
        subject=subject,
        waived=waived,
        waiver_reason=waiver_reason,
        **extra,
    )


def key(
    name: str = "bot",
    *findings: Finding,
    status: str = "ok",
    file: str = "policies/p.yaml",
    line: int = 3,
    **extra: Any,
) -> KeyReport:
    return KeyReport(name, file, line, status, findings=list(findings), **extra)


def result(
    *files: FileReport, fail_on: Severity | None = Severity.ERROR, command: str = "check"
) -> Result:
    return Result(command=command, generated_at=NOW, fail_on=fail_on, files=list(files))


def file(
    path: str = "policies/p.yaml", *keys: KeyReport, findings: list[Finding] | None = None
) -> FileReport:
    return FileReport(path, findings=findings or [], keys=list(keys))


def growth_per_key(folder: Path, monkeypatch: pytest.MonkeyPatch, fmt: str) -> float:
    """Peak memory a streamed `validate` in `fmt` adds for each key past the first 1,000: as
    tests/unit/test_engine_streaming.py measures the JSON, SARIF and text reports."""
    from tests.unit import test_engine_streaming as streaming

    monkeypatch.setattr(engine, "PARALLEL_MIN_FILES", 10**9)
    monkeypatch.setattr(reporters, "SPOOL_BYTES", 4096)
    streaming._write_corpus(folder / "small", 100)
    streaming._write_corpus(folder / "large", 400)
    streaming._peak_bytes(folder / "small", fmt)  # imports, the compiled schema, caches
    small = streaming._peak_bytes(folder / "small", fmt)
    return (streaming._peak_bytes(folder / "large", fmt) - small) / (300 * 10)
