"""The one accumulator reporters receive: findings per file and key, key status, exit code."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from keylint import __version__
from keylint.findings import Finding, Severity

# Exit codes (SPEC §3).
EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_UNCHECKED = 3


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
    # Another entry names the same live key (KL003): never judged, never changed (SPEC §6).
    claimed_twice: bool = False


@dataclass
class FileReport:
    """One policy file: the findings that belong to no single key, and its keys in file order."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    keys: list[KeyReport] = field(default_factory=list)

    def all_findings(self) -> Iterator[Finding]:
        """The file's own findings by position, then each key's in review order."""
        yield from sorted(self.findings)
        for key in self.keys:
            yield from key.findings


@dataclass(slots=True)
class Tally:
    """The counts a summary and an exit code are made of."""

    files: int = 0
    keys: int = 0
    checked: int = 0
    unchecked: int = 0
    error: int = 0
    warning: int = 0
    info: int = 0
    waived: int = 0

    def add(self, report: FileReport) -> None:
        self.files += 1
        self.keys += len(report.keys)
        for key in report.keys:
            if key.status == "unchecked":
                self.unchecked += 1
            elif key.status in ("ok", "drift"):
                self.checked += 1
        for finding in report.all_findings():
            if finding.waived:
                self.waived += 1
            elif finding.severity is Severity.ERROR:
                self.error += 1
            elif finding.severity is Severity.WARNING:
                self.warning += 1
            else:
                self.info += 1

    def failing(self, fail_on: Severity | None) -> int:
        """How many findings that are not waived stand at or above `fail_on`."""
        if fail_on is None:
            return 0
        counts = {
            Severity.ERROR: self.error,
            Severity.WARNING: self.warning,
            Severity.INFO: self.info,
        }
        return sum(count for severity, count in counts.items() if severity.rank >= fail_on.rank)


@dataclass
class Result:
    command: str
    generated_at: datetime
    fail_on: Severity | None = Severity.ERROR
    files: list[FileReport] = field(default_factory=list)
    tool_version: str = __version__
    # The signal (SIGINT 2, SIGTERM 15) that stopped the live reads; 0: none. Unreached keys
    # are unchecked, and the exit code is 128 + the signal's number, as shells report it.
    interrupted: int = 0
    # A streamed run (`engine.validate(..., stream=True)`): the reports still to come.
    # `reports()` hands each to the reporter once and keeps only its counts, in `streamed`, so
    # a run over 10,000 files holds one file's report at a time instead of all of them.
    pending: Iterator[FileReport] | None = field(default=None, repr=False, compare=False)
    streamed: Tally = field(default_factory=Tally, repr=False, compare=False)

    def reports(self) -> Iterator[FileReport]:
        """Every file's report once, in order: those held in `files`, then the pending ones."""
        yield from self.files
        while self.pending is not None:
            report = next(self.pending, None)
            if report is None:
                self.pending = None
            else:
                self.streamed.add(report)
                yield report

    @property
    def keys(self) -> list[KeyReport]:
        return [key for report in self._held() for key in report.keys]

    @property
    def findings(self) -> list[Finding]:
        """Every finding: per file, the file's own first, then each key's in review order."""
        return [finding for report in self._held() for finding in report.all_findings()]

    def counts(self) -> dict[str, int]:
        """Findings that count (not waived) per severity, and the waived ones apart."""
        summary = self.summary
        return {name: summary[name] for name in ("error", "warning", "info", "waived")}

    @property
    def summary(self) -> dict[str, int]:
        tally = self._tally()
        return {
            "files": tally.files,
            "keys": tally.keys,
            "checked": tally.checked,
            "unchecked": tally.unchecked,
            "error": tally.error,
            "warning": tally.warning,
            "info": tally.info,
            "waived": tally.waived,
        }

    @property
    def failing(self) -> list[Finding]:
        """Findings at or above --fail-on that are not waived: the ones that fail the run."""
        if self.fail_on is None:
            return []
        threshold = self.fail_on.rank
        return [f for f in self.findings if not f.waived and f.severity.rank >= threshold]

    @property
    def failing_count(self) -> int:
        """How many findings fail the run; also known for a streamed run, once it is read."""
        return self._tally().failing(self.fail_on)

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 128 + self.interrupted
        tally = self._tally()
        if tally.failing(self.fail_on):
            return EXIT_FINDINGS
        if tally.unchecked:
            return EXIT_UNCHECKED
        return EXIT_OK

    def _held(self) -> list[FileReport]:
        # A streamed report is counted, not kept: a list without it would be silently short.
        if self.pending is not None or self.streamed.files:
            raise RuntimeError("a streamed Result keeps no reports: read them from reports()")
        return self.files

    def _tally(self) -> Tally:
        if self.pending is not None:
            raise RuntimeError("reports are still pending: read reports() to the end first")
        tally = dataclasses.replace(self.streamed)
        for report in self.files:
            tally.add(report)
        return tally
