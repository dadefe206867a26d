"""`--format gitlab`: a GitLab Code Quality report (`artifacts:reports:codequality`).

An array of issues in the subset of the Code Climate spec that GitLab reads: `description`,
`check_name`, `fingerprint`, `severity` and `location` (`path` from the repository root,
`lines.begin`). Each issue also carries the spec's own `type` and `categories`, so other Code
Climate readers take the file as it is.

GitLab checks each issue against its schema and stops at the first it rejects, keys issues by
fingerprint (a second issue with the same one replaces the first), and tells a merge request
which issues are new and which are resolved by comparing fingerprints with the target branch.
So the fingerprint is the sha256 of keylint's own (rule, key, subject: never a line number,
SPEC §5), made unique within the report by counting repeats (two entries that declare the same
key name, KL003, have the same findings).
"""

from __future__ import annotations

import hashlib
from json import dumps
from pathlib import Path
from typing import Any, TextIO

from keylint.findings import Finding, Layer, Severity
from keylint.inert import inert, json_text
from keylint.repo import from_root
from keylint.reporters import as_text
from keylint.result import KeyReport, Result

# keylint's errors are credentials that can do, or be used from, more than their policy allows:
# GitLab's `critical`, a security flaw, above the style and complexity findings other linters
# put in the same merge request widget. A key that could not be checked at all is `major`, as
# a warning is: nothing is known to be wrong, but nothing is known to be right either. Info
# findings (an unused waiver, HMAC signing) are `minor`; `info` is left for waived findings,
# which stay in the report (SPEC §1) under the fingerprint they had, so that adding or expiring
# a waiver changes no issue into a new or a resolved one. Nothing is `blocker`: keylint's exit
# code is what blocks a pipeline, and --fail-on sets it.
SEVERITY = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.INFO: "minor"}
UNCHECKED = "major"
WAIVED = "info"
UNCHECKED_CHECK = "unchecked"


def render(result: Result, *, root: Path | None = None, **_: Any) -> str:
    return as_text(write, result, root=root)


def write(result: Result, out: TextIO, *, root: Path | None = None, **_: Any) -> None:
    # The report is the array itself: each file's issues are written as soon as it is read,
    # laid out as json.dumps(indent=2) lays out the whole array.
    fingerprints = Fingerprints()
    empty = True
    out.write("[")
    for report in result.reports():
        issues = [_finding(f, root, fingerprints) for f in sorted(report.findings)]
        for key in report.keys:
            issues.extend(_finding(f, root, fingerprints) for f in key.findings)
            if key.status == "unchecked":
                issues.append(_unchecked(key, root, fingerprints))
        if issues:
            text = json_text(dumps(issues, indent=2, ensure_ascii=False))[1:-2]
            out.write(("" if empty else ",") + text)
            empty = False
    out.write("]\n" if empty else "\n]\n")


class Fingerprints:
    """Issue fingerprints, each unique within the report and stable across runs."""

    def __init__(self) -> None:
        # Digests, not texts: 32 bytes an issue is what a fleet-wide report keeps in memory.
        self._seen: set[bytes] = set()

    def __call__(self, stable: str) -> str:
        repeat = 0
        while True:
            # surrogatepass: a file name's undecodable byte stays part of the fingerprint.
            text = stable if not repeat else f"{stable}\x00{repeat}"
            digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
            if digest not in self._seen:
                self._seen.add(digest)
                return digest.hex()
            repeat += 1


def _finding(finding: Finding, root: Path | None, fingerprints: Fingerprints) -> dict[str, Any]:
    # A merge request widget shows the decoded text: values are inert as in every format.
    description = f"{finding.rule} {finding.name}"
    if finding.key is not None:
        description += f" [{inert(finding.key)}]"
    description += f": {inert(finding.message)} — fix: {inert(finding.remediation)}"
    severity = SEVERITY[finding.severity]
    if finding.waived:
        description = f"(waived: {inert(str(finding.waiver_reason))}) {description}"
        severity = WAIVED
    # A policy file that does not parse or fit its schema is a bug risk; the rest, what a
    # key may do and where from, is security.
    category = "Bug Risk" if finding.layer is Layer.POLICY else "Security"
    return _issue(
        check_name=finding.rule,
        description=description,
        category=category,
        fingerprint=fingerprints(finding.fingerprint),
        severity=severity,
        path=from_root(finding.file, root),
        line=finding.line,
    )


def _unchecked(key: KeyReport, root: Path | None, fingerprints: Fingerprints) -> dict[str, Any]:
    # Not a finding, so no rule id: placed at the key's entry, fingerprinted as keylint would
    # fingerprint a finding about the key.
    return _issue(
        check_name=UNCHECKED_CHECK,
        description=f"[{inert(key.name)}] was not checked: {inert(str(key.error))}",
        category="Security",
        fingerprint=fingerprints(f"kl:{UNCHECKED_CHECK}:{key.name}"),
        severity=UNCHECKED,
        path=from_root(key.file, root),
        line=key.line,
    )


def _issue(
    *,
    check_name: str,
    description: str,
    category: str,
    fingerprint: str,
    severity: str,
    path: str,
    line: int,
) -> dict[str, Any]:
    return {
        "type": "issue",
        "check_name": check_name,
        "description": description,
        "categories": [category],
        "fingerprint": fingerprint,
        "severity": severity,
        # An ordinary path is unchanged by `inert`; one with a control character or an
        # undecodable byte (a lone surrogate, which some JSON parsers reject outright) names
        # no file GitLab could show anyway, and must not break the report for every other.
        "location": {"path": inert(path), "lines": {"begin": line}},
    }
