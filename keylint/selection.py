"""Which rules run and how severe each is: `.keylint.yaml`'s `rules:`, `--select` and
`--ignore` (SPEC §8), applied to each file's report as the engine finishes it.

The rules that decide whether keylint could read and trust a file at all (KL001 yaml-invalid,
KL002 schema-violation, KL003 duplicate-key, KL004 secret-in-policy) always run as errors:
a file keylint cannot read is never clean, and a secret in a policy is never a matter of
taste. Turning one of them off is refused, not ignored, so the user learns it. `--select`
of other rules leaves them on, as ruff keeps reporting syntax errors whatever is selected.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from keylint.catalog import CATALOG, Kind, did_you_mean
from keylint.errors import UsageError
from keylint.findings import Finding, Severity
from keylint.inert import inert
from keylint.result import FileReport, KeyReport

if TYPE_CHECKING:
    from keylint.baseline import Baseline

ALWAYS_ON = frozenset({"KL001", "KL002", "KL003", "KL004"})
OFF = "off"


@dataclass(frozen=True)
class Selection:
    """The rules turned off, and the severity each configured rule is reported at."""

    off: frozenset[str] = frozenset()
    severity: Mapping[str, Severity] = field(default_factory=dict)

    @property
    def is_default(self) -> bool:
        return not self.off and not self.severity

    def runs(self, rule_id: str) -> bool:
        return rule_id not in self.off

    def finding(self, finding: Finding) -> Finding | None:
        """The finding as this selection reports it, or None when its rule is off. A waiver
        problem (KL005, KL006) about a rule that is off goes with it: the waiver is moot."""
        if finding.rule in self.off:
            return None
        if finding.rule in ("KL005", "KL006") and finding.subject in self.off:
            return None
        severity = self.severity.get(finding.rule)
        if severity is None or severity is finding.severity:
            return finding
        return dataclasses.replace(finding, severity=severity)


DEFAULT = Selection()


def selection(
    rules: Mapping[str, str] | None = None,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    *,
    origin: str = ".keylint.yaml",
) -> Selection:
    """The selection a configuration's `rules:` (id -> severity or off) and the command
    line's `--select`/`--ignore` (ids, id prefixes such as KL2, or names; comma-separated)
    make. The command line wins: `--select` turns every other rule off."""
    off: set[str] = set()
    severity: dict[str, Severity] = {}
    for rule_id, setting in (rules or {}).items():
        if setting == OFF:
            _refuse_off(rule_id, f"{origin}: rules: {rule_id}: off")
            off.add(rule_id)
            continue
        level = Severity(setting)
        if rule_id in ALWAYS_ON and level is not Severity.ERROR:
            raise UsageError(
                f"{origin}: rules: {rule_id}: {setting}: {rule_id} ({CATALOG[rule_id].name}) is "
                "always an error: keylint cannot lint or trust a file it reports"
            )
        severity[rule_id] = level
    chosen = _expand(select, "--select")
    if chosen:
        off |= {rule_id for rule_id in CATALOG if rule_id not in chosen} - ALWAYS_ON
        off -= chosen
    for rule_id in _expand(ignore, "--ignore"):
        _refuse_off(rule_id, f"--ignore {rule_id}")
        off.add(rule_id)
    return Selection(off=frozenset(off), severity=severity)


def _refuse_off(rule_id: str, how: str) -> None:
    if rule_id in ALWAYS_ON:
        raise UsageError(
            f"{how}: {rule_id} ({CATALOG[rule_id].name}) cannot be turned off: keylint cannot "
            "lint or trust a file it reports"
        )


def _expand(values: Iterable[str], option: str) -> set[str]:
    """Rule ids from `KL101,KL2,hmac-key`: an id, every id with a prefix, or a name."""
    names = {entry.name: rule_id for rule_id, entry in CATALOG.items()}
    found: set[str] = set()
    for value in values:
        for part in value.split(","):
            wanted = part.strip()
            if not wanted:
                continue
            upper = wanted.upper()
            matched = {rule_id for rule_id in CATALOG if rule_id.startswith(upper)}
            if upper.startswith("KL") and matched:
                found |= matched
            elif wanted.lower() in names:
                found.add(names[wanted.lower()])
            else:
                raise UsageError(
                    f"{option}: no rule {inert(repr(wanted))};{did_you_mean(wanted)} "
                    "`keylint rules` lists them all"
                )
    return found


def finish_report(report: FileReport, chosen: Selection) -> FileReport:
    """A file's report under `chosen`: findings of rules that are off dropped, severities
    set, and each checked key's status judged again (drift is a live finding still shown
    and not waived)."""
    if chosen.is_default:
        return report
    report.findings = _kept(report.findings, chosen)
    for key in report.keys:
        key.findings = _kept(key.findings, chosen)
        rejudge(key)
    return report


def rejudge(key: KeyReport) -> None:
    """`ok` or `drift` again, for a checked key whose findings changed."""
    if key.status in ("ok", "drift"):
        drifted = any(CATALOG[f.rule].kind is Kind.LIVE and not f.waived for f in key.findings)
        key.status = "drift" if drifted else "ok"


def _kept(findings: list[Finding], chosen: Selection) -> list[Finding]:
    kept = (chosen.finding(finding) for finding in findings)
    return [finding for finding in kept if finding is not None]


@dataclass
class Review:
    """How one run reports the rules' findings: the selection, then the baseline. The engine
    passes each file's report through `finish`, and appends `closing()` after the last."""

    chosen: Selection = DEFAULT
    baseline: Baseline | None = None

    def fresh(self) -> Review:
        """This review with nothing matched yet: each check of a run (apply reads twice)
        judges the baseline on its own findings."""
        return Review(self.chosen, None if self.baseline is None else self.baseline.fresh())

    def finish(self, report: FileReport) -> FileReport:
        report = finish_report(report, self.chosen)
        if self.baseline is not None:
            report = self.baseline.apply(report, self.chosen)
        return report

    def closing(self) -> list[FileReport]:
        """What only the whole run can tell: the baseline entries nothing matched (KL007)."""
        if self.baseline is None:
            return []
        unused = self.baseline.unused(self.chosen)
        return [] if unused is None else [unused]


PLAIN = Review()
