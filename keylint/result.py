"""The one accumulator reporters receive: findings per file and key, key status, exit code."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from keylint import __version__
from keylint.findings import Finding, Severity

# Exit codes (SPEC §3).
EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_UNCHECKED = 3
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT


@dataclass
class KeyReport:
    """One declared key: where it is declared, its status and its findings in review order."""

    name: str
    file: str
    line: int
    status: str  # ok | drift | unchecked | static (SPEC §5)
    owner: str | None = None
    error: str | None = None
    unverifiable: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


@dataclass
class FileReport:
    """One policy file: the findings that belong to no single key, and its keys in file order."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    keys: list[KeyReport] = field(default_factory=list)


@dataclass
class Result:
    command: str
    generated_at: datetime
    fail_on: Severity | None = Severity.ERROR
    files: list[FileReport] = field(default_factory=list)
    tool_version: str = __version__
    interrupted: bool = False  # Ctrl-C stopped the live reads: unreached keys are unchecked

    @property
    def keys(self) -> list[KeyReport]:
        return [key for report in self.files for key in report.keys]

    @property
    def findings(self) -> list[Finding]:
        """Every finding: per file, the file's own first, then each key's in review order."""
        out: list[Finding] = []
        for report in self.files:
            out.extend(sorted(report.findings))
            for key in report.keys:
                out.extend(key.findings)
        return out

    def counts(self) -> dict[str, int]:
        """Findings that count (not waived) per severity, and the waived ones apart."""
        counts = {
            severity.value: 0 for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO)
        }
        counts["waived"] = 0
        for finding in self.findings:
            if finding.waived:
                counts["waived"] += 1
            else:
                counts[finding.severity.value] += 1
        return counts

    @property
    def summary(self) -> dict[str, int]:
        keys = self.keys
        unchecked = sum(1 for key in keys if key.status == "unchecked")
        checked = sum(1 for key in keys if key.status in ("ok", "drift"))
        return {
            "files": len(self.files),
            "keys": len(keys),
            "checked": checked,
            "unchecked": unchecked,
            **self.counts(),
        }

    @property
    def failing(self) -> list[Finding]:
        """Findings at or above --fail-on that are not waived: the ones that fail the run."""
        if self.fail_on is None:
            return []
        threshold = self.fail_on.rank
        return [f for f in self.findings if not f.waived and f.severity.rank >= threshold]

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return EXIT_INTERRUPTED
        if self.failing:
            return EXIT_FINDINGS
        if any(key.status == "unchecked" for key in self.keys):
            return EXIT_UNCHECKED
        return EXIT_OK
