"""Baselines (SPEC §8): the findings a fleet had when keylint was adopted, accepted so that
only new ones fail, and reported when fixed so that the baseline only shrinks.

The file is JSON, one finding per line (a reviewer sees one line per accepted finding in a
diff), with no timestamp (writing it again with nothing changed changes nothing). Findings
are matched by fingerprint (SPEC §5): rule, key and subject, never a line number.

Only findings about a key's permissions, IPs and age (static and live rules) can be
baselined: a policy file's own problems (KL001-KL007) are never waived, by a policy waiver
or a baseline.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from keylint.catalog import CATALOG, Kind, stamp
from keylint.errors import UsageError
from keylint.findings import Finding, Problem
from keylint.inert import inert, json_text
from keylint.repo import from_root, repository_root
from keylint.result import FileReport, Result
from keylint.selection import Selection, rejudge

VERSION = 1
REASON = "baseline"
# Tens of thousands of findings fit; a file this large is not a baseline keylint wrote.
MAX_BASELINE_BYTES = 64 * 1024 * 1024


def can_baseline(rule_id: str) -> bool:
    """Rules about a key's permissions, IPs and age; never a policy file's own problems."""
    entry = CATALOG.get(rule_id)
    return entry is not None and entry.kind is not Kind.FILE


@dataclass(frozen=True)
class Entry:
    fingerprint: str
    rule: str
    key: str | None
    file: str | None
    line: int  # where the entry stands in the baseline file, for KL007


@dataclass
class Baseline:
    """A read baseline, and what this run matched of it."""

    path: Path
    entries: dict[str, Entry]
    root: Path | None = None  # the repository root entries' files are named from
    matched: set[str] = field(default_factory=set)
    # Root-relative files linted in this run, with the keys each held and whether each was
    # checked: an entry is stale only if this run could have found its finding again.
    linted: dict[str, dict[str | None, bool]] = field(default_factory=dict)

    def apply(self, report: FileReport, chosen: Selection) -> FileReport:
        """Waive the report's findings the baseline lists (a policy waiver's reason stays)."""
        keys = self.linted.setdefault(from_root(report.path, self.root), {})
        keys[None] = False
        report.findings = [self._waived(f) for f in report.findings]
        for key in report.keys:
            keys[key.name] = key.status in ("ok", "drift")
            key.findings = [self._waived(f) for f in key.findings]
            rejudge(key)
        return report

    def _waived(self, finding: Finding) -> Finding:
        fingerprint = finding.fingerprint
        if fingerprint not in self.entries or not can_baseline(finding.rule):
            return finding
        self.matched.add(fingerprint)
        if finding.waived:
            return finding
        return dataclasses.replace(finding, waived=True, waiver_reason=REASON)

    def fresh(self) -> Baseline:
        """The same entries, nothing matched yet: for a second check in one run (apply)."""
        return Baseline(self.path, self.entries, self.root)

    def stale(self, chosen: Selection) -> list[Entry]:
        """The entries this run could have matched and did not: their findings are fixed."""
        return [e for e in self.entries.values() if self._reached(e, chosen) and not self._hit(e)]

    def kept(self, chosen: Selection) -> list[Entry]:
        """The entries this run could not have matched (a file not linted, a key not checked,
        a rule that did not run): a baseline written by this run keeps them."""
        return [e for e in self.entries.values() if not self._reached(e, chosen)]

    def _hit(self, entry: Entry) -> bool:
        return entry.fingerprint in self.matched

    def _reached(self, entry: Entry, chosen: Selection) -> bool:
        if not chosen.runs(entry.rule):
            return False
        keys = self.linted.get(entry.file or "")
        if keys is None:  # the file was not linted in this run
            return False
        live = CATALOG[entry.rule].kind is Kind.LIVE
        if entry.key in keys:
            return keys[entry.key] or not live  # a live rule runs only on a checked key
        # The key is gone from its file: found again only where its kind of rule ran.
        return not live or any(keys.values())

    def unused(self, chosen: Selection) -> FileReport | None:
        """KL007 for each stale entry; None if there is none."""
        findings: list[Finding] = []
        for entry in self.stale(chosen):
            found = stamp(
                "KL007",
                Problem(
                    entry.line,
                    1,
                    f"the baseline accepts {entry.fingerprint}, which no finding carries any "
                    "more: it is fixed",
                    "Write the baseline again (`--write-baseline`), or delete the entry, so "
                    "that the problem cannot come back unnoticed.",
                    subject=entry.fingerprint,
                ),
                file=str(self.path),
                key=None,
            )
            kept = chosen.finding(found)
            if kept is not None:
                findings.append(kept)
        if not findings:
            return None
        return FileReport(path=str(self.path), findings=findings)


def read_baseline(path: Path) -> Baseline:
    """A baseline file, checked against schemas/baseline.schema.json: a UsageError (exit 2,
    with line and column) for anything keylint did not write."""
    from keylint.schema_check import schema_problems

    shown = inert(str(path))
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BASELINE_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"--baseline {shown}: cannot read it: {exc.strerror}") from None
    if len(raw) > MAX_BASELINE_BYTES:
        raise UsageError(f"--baseline {shown}: over {MAX_BASELINE_BYTES >> 20} MiB")
    try:
        text = raw.decode("utf-8")
        data = json.loads(text)
    except UnicodeDecodeError as exc:
        raise UsageError(f"--baseline {shown}: not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"--baseline {shown}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}"
        ) from None
    except RecursionError:
        raise UsageError(f"--baseline {shown}: nested too deeply to be a baseline") from None
    for problem in schema_problems(data, "baseline.schema.json"):
        raise UsageError(f"--baseline {shown}: {problem}")
    for item in data["findings"]:
        if not can_baseline(item["rule"]):
            raise UsageError(
                f"--baseline {shown}: {inert(item['rule'])} cannot be baselined (only the "
                "rules about a key's permissions, IPs and age)"
            )
    entries = _entries(text, data)
    return Baseline(path, entries, repository_root())


def _fingerprint_lines(text: str) -> dict[str, int]:
    """The line each fingerprint stands on (keylint writes one entry a line)."""
    found: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        start = line.find('"fingerprint"')
        if start < 0:
            continue
        try:
            value = json.loads(line.strip().rstrip(","))
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict) and isinstance(value.get("fingerprint"), str):
            found.setdefault(value["fingerprint"], number)
    return found


def baseline_text(reports: Iterable[FileReport], kept: Iterable[Entry] = ()) -> tuple[str, int]:
    """A baseline of every finding in `reports` that a baseline can hold and that no policy
    waiver covers, plus the `kept` entries of the previous baseline, sorted by fingerprint;
    and how many entries it lists."""
    root = repository_root()
    entries: dict[str, dict[str, str | None]] = {
        entry.fingerprint: {
            "fingerprint": entry.fingerprint,
            "rule": entry.rule,
            "key": entry.key,
            "file": entry.file,
        }
        for entry in kept
    }
    for report in reports:
        for finding in report.all_findings():
            if not can_baseline(finding.rule):
                continue
            if finding.waived and finding.waiver_reason != REASON:
                continue  # a policy waiver already accepts it, with its own expiry
            entries[finding.fingerprint] = {
                "fingerprint": finding.fingerprint,
                "rule": finding.rule,
                "key": finding.key,
                "file": from_root(finding.file, root),
            }
    lines = [json_text(json.dumps(entries[fp], ensure_ascii=False)) for fp in sorted(entries)]
    if not lines:
        return f'{{\n  "version": {VERSION},\n  "findings": []\n}}\n', 0
    body = ",\n    ".join(lines)
    return f'{{\n  "version": {VERSION},\n  "findings": [\n    {body}\n  ]\n}}\n', len(lines)


def empty(path: Path) -> Baseline:
    """A baseline with no entry yet, to be written at `path`."""
    return Baseline(path, {}, repository_root())


def rewrite(result: Result, target: Baseline, chosen: Selection) -> int:
    """`--write-baseline`: write `target` again from `result` (which was judged under it),
    then report `result` as the new baseline would. Entries the run could not have matched
    are kept; stale ones go, and so does their KL007. Returns how many entries it wrote."""
    from keylint.output import write_atomic

    kept = target.kept(chosen)
    text, count = baseline_text(result.files, kept)
    write_atomic(target.path, text)
    written = str(target.path)
    result.files = [report for report in result.files if report.path != written]
    fresh = Baseline(target.path, _entries(text, json.loads(text)), target.root)
    for report in result.files:
        fresh.apply(report, chosen)
    return count


def _entries(text: str, data: dict[str, Any]) -> dict[str, Entry]:
    """The entries of a baseline (`data`, parsed from `text`), each with its line."""
    lines = _fingerprint_lines(text)
    return {
        item["fingerprint"]: Entry(
            item["fingerprint"],
            item["rule"],
            item.get("key"),
            item.get("file"),
            lines.get(item["fingerprint"], 1),
        )
        for item in data["findings"]
    }
