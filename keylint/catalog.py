"""The rule catalog: each rule's id, name, layer, default severity and kind (SPEC §4), as data.

The policy loader reports KL001-KL006 and checks the rule a waiver names; the rules read the
policy model. So the catalog sits below both, and the loader never imports the rules. It lives
beside them, not in `keylint.rules`: importing `keylint.rules.catalog` would run the rule
package's `__init__`, the upward import again. The rules (keylint.rules) register each id's
check and its documentation, the rule's docstring.
"""

from __future__ import annotations

import difflib
import enum
from dataclasses import dataclass

from keylint.findings import Finding, Layer, Problem, Severity
from keylint.secrets import redact, redact_value


class Kind(enum.Enum):
    """When a rule can run: on the file alone, on a key's policy alone, or against live state."""

    # A policy file's own problems, never waived: the loader reports KL001, KL002 and KL004,
    # the engine KL003 (across files), KL005 and KL006 (a key's waivers), KL007 (a baseline).
    FILE = "file"
    STATIC = "static"  # a key's declaration alone; runs in `validate`
    LIVE = "live"  # a key's declaration against its live state; runs in `check`


@dataclass(frozen=True)
class Entry:
    """What everything but the rule's own check and documentation needs to know of a rule."""

    id: str
    name: str
    layer: Layer
    severity: Severity
    kind: Kind


_POLICY, _SCOPE, _IP, _CLEANUP = (
    Layer.POLICY,
    Layer.PERMISSION_SCOPE,
    Layer.IP_BINDING,
    Layer.CLEANUP,
)
_ERROR, _WARNING, _INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
_FILE, _STATIC, _LIVE = Kind.FILE, Kind.STATIC, Kind.LIVE

# Ids are stable and never reused; a name names the bad state. One row a rule, as in SPEC §4.
CATALOG: dict[str, Entry] = {
    entry.id: entry
    for entry in [
        Entry("KL001", "yaml-invalid", _POLICY, _ERROR, _FILE),
        Entry("KL002", "schema-violation", _POLICY, _ERROR, _FILE),
        Entry("KL003", "duplicate-key", _POLICY, _ERROR, _FILE),
        Entry("KL004", "secret-in-policy", _POLICY, _ERROR, _FILE),
        Entry("KL005", "waiver-expired", _POLICY, _WARNING, _FILE),
        Entry("KL006", "waiver-unused", _POLICY, _INFO, _FILE),
        Entry("KL007", "baseline-entry-unused", _POLICY, _INFO, _FILE),
        Entry("KL101", "permission-not-declared", _SCOPE, _ERROR, _LIVE),
        Entry("KL102", "permission-missing", _SCOPE, _WARNING, _LIVE),
        Entry("KL103", "withdrawals-without-ip-binding", _SCOPE, _ERROR, _STATIC),
        Entry("KL201", "ip-restriction-off", _IP, _ERROR, _LIVE),
        Entry("KL202", "ip-not-declared", _IP, _ERROR, _LIVE),
        Entry("KL203", "ip-missing", _IP, _WARNING, _LIVE),
        Entry("KL204", "ip-unusable", _IP, _ERROR, _STATIC),
        Entry("KL205", "trading-without-ip-binding", _IP, _WARNING, _STATIC),
        Entry("KL206", "too-many-ips", _IP, _WARNING, _STATIC),
        Entry("KL207", "ip-range-too-broad", _IP, _WARNING, _STATIC),
        Entry("KL301", "key-too-old", _CLEANUP, _ERROR, _LIVE),
        Entry("KL302", "key-rotation-due", _CLEANUP, _WARNING, _LIVE),
        Entry("KL303", "trading-authority-expiring", _CLEANUP, _WARNING, _LIVE),
        Entry("KL304", "key-not-found", _CLEANUP, _ERROR, _LIVE),
        Entry("KL305", "retired-key-alive", _CLEANUP, _ERROR, _LIVE),
        Entry("KL306", "max-age-missing", _CLEANUP, _WARNING, _STATIC),
        Entry("KL307", "undeclared-key", _CLEANUP, _ERROR, _LIVE),
        Entry("KL308", "hmac-key", _CLEANUP, _INFO, _STATIC),
        Entry("KL309", "duplicate-live-key", _CLEANUP, _ERROR, _LIVE),
        Entry("KL310", "previous-key-alive", _CLEANUP, _WARNING, _LIVE),
    ]
}


class Precision(enum.Enum):
    """How often a rule's findings are true: SARIF `properties.precision`."""

    VERY_HIGH = "very-high"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True)
class Rating:
    """How code scanning rates a rule's findings: `security_severity` is GitHub's 0.0-10.0 score
    (CVSS-like); each rule's docstring says, under "Security severity", why it has its number."""

    security_severity: float
    precision: Precision
    cwe: tuple[int, ...] = ()

    @property
    def level(self) -> str:
        """The word code scanning shows for the score: critical, high, medium or low."""
        return security_level(self.security_severity)


def security_level(score: float) -> str:
    """GitHub's reading of a security-severity score: over 9.0 critical, 7.0-8.9 high, 4.0-6.9
    medium, 0.1-3.9 low (docs.github.com, "SARIF support for code scanning",
    reportingDescriptor object)."""
    if score > 9.0:
        return "critical"
    if score >= 7.0:
        return "high"
    if score >= 4.0:
        return "medium"
    if score > 0.0:
        return "low"
    return "none"


_VH, _H, _M = Precision.VERY_HIGH, Precision.HIGH, Precision.MEDIUM

# The one place the numbers live: SARIF, `keylint rules ID` and the README's table read them
# here. The scale, a leaked key's worst case: critical, money can leave the account from any
# machine; high, a credential is exposed or the key acts beyond its reviewed boundary; medium,
# the boundary is weaker than declared but still bounds the key; low, hygiene and assurance
# (drift that narrows access, policy files that leave keys unchecked). Scores sit clear of
# GitHub's band edges (never 9.0 or 6.95), so a reading of "over 9.0" cannot shift a band.
# CWE ids only where one truly describes the finding; most of these have none.
RATINGS: dict[str, Rating] = {
    "KL001": Rating(3.1, _VH),
    "KL002": Rating(3.1, _VH),
    "KL003": Rating(3.1, _VH),
    "KL004": Rating(8.8, _M, (540,)),
    "KL005": Rating(2.0, _VH),
    "KL006": Rating(1.0, _VH),
    "KL007": Rating(1.0, _VH),
    "KL101": Rating(7.5, _VH, (269,)),
    "KL102": Rating(2.0, _VH),
    "KL103": Rating(9.3, _VH, (923,)),
    "KL201": Rating(8.1, _VH, (923,)),
    "KL202": Rating(6.5, _VH, (183,)),
    "KL203": Rating(2.0, _VH),
    "KL204": Rating(5.3, _VH),
    "KL205": Rating(7.3, _VH, (923,)),
    "KL206": Rating(3.5, _VH),
    "KL207": Rating(5.9, _VH, (183,)),
    "KL301": Rating(5.3, _VH, (324,)),
    "KL302": Rating(2.0, _VH),
    "KL303": Rating(1.0, _VH),
    "KL304": Rating(3.1, _M),
    "KL305": Rating(8.1, _VH, (324,)),
    "KL306": Rating(4.3, _VH, (262,)),
    "KL307": Rating(7.5, _H, (269,)),
    "KL308": Rating(2.0, _VH),
    "KL309": Rating(7.1, _VH),
    "KL310": Rating(5.3, _H),
}


def stamp(rule_id: str, problem: Problem, *, file: str, key: str | None) -> Finding:
    """Turn what a rule (or the loader) yields into a finding carrying the rule's identity."""
    found = CATALOG[rule_id]
    # Every finding's text passes through the one redaction path: a secret pasted where a
    # field name, a tag or a key name belongs is never repeated, in any format.
    return Finding(
        line=problem.line,
        column=problem.column,
        rule=found.id,
        name=found.name,
        layer=found.layer,
        severity=problem.severity or found.severity,
        file=redact(file),
        key=redact(key) if key is not None else None,
        message=redact(problem.message),
        remediation=redact(problem.remediation),
        subject=redact(problem.subject),
        expected=redact_value(problem.expected),
        actual=redact_value(problem.actual),
    )


# Letters typed for the digits they look like: KL2O5, KL2l5.
_DIGIT_LOOKALIKES = str.maketrans("OoIiLl", "001111")
_SUGGESTED = 8  # a prefix as short as `KL` would list every rule


def suggestions(text: str) -> list[Entry]:
    """The rules a mistyped id or name may mean: KL205 for `kl205`, `KL2O5` or
    `trading-without-ip-binding`; the KL20x rules for the prefix `KL20`; near misses."""
    wanted = text.strip()
    by_id = {rule_id: CATALOG[rule_id] for rule_id in sorted(CATALOG)}
    by_name = {entry.name: entry for entry in by_id.values()}
    digits = wanted[2:].translate(_DIGIT_LOOKALIKES) if wanted[:2].upper() == "KL" else None
    if digits is not None and digits.isdigit():
        normal = "KL" + digits
        if normal in by_id:
            return [by_id[normal]]
        prefixed = [entry for rule_id, entry in by_id.items() if rule_id.startswith(normal)]
        if prefixed:
            return prefixed
        return [by_id[i] for i in difflib.get_close_matches(normal, by_id, n=3, cutoff=0.8)]
    if wanted.lower() in by_name:
        return [by_name[wanted.lower()]]
    close = difflib.get_close_matches(wanted.lower(), by_name, n=3, cutoff=0.6)
    return [by_name[name] for name in close]


def did_you_mean(text: str) -> str:
    """` did you mean KL205 (trading-without-ip-binding)?` for a mistyped rule, else ""."""
    found = suggestions(text)
    if not found:
        return ""
    listed = ", ".join(f"{entry.id} ({entry.name})" for entry in found[:_SUGGESTED])
    if len(found) > _SUGGESTED:
        listed += f" and {len(found) - _SUGGESTED} more"
    return f" did you mean {'one of ' if len(found) > 1 else ''}{listed}?"
