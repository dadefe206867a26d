"""`--format junit`: JUnit XML for the test reports of GitLab, Jenkins and Azure DevOps.

One test suite per policy file and one test case per key (SPEC §8), plus one case per file,
"(policy file)", for what belongs to no key: a file whose YAML is broken has no keys to hold
its KL001, and an undeclared live key (KL307) has no entry. A case fails when it has a finding
that is not waived at or above --fail-on, as the exit code counts; an unchecked key is an
error, as the exit code's 3 is.

The dialect is the one all three read and Jenkins' xunit plugin validates against (its
junit-10.xsd, also what pytest checks its own output with): `<testsuites>` with the counts
before the suites, `<testsuite>` with `file`, `<testcase>` with `<failure>`/`<error>` whose
`message` attribute is the one line Azure and Jenkins show and whose text GitLab shows, and
`<system-out>` for the rest. Attributes that schema does not know (GitLab's `file` on a test
case, Azure's `owner`) are left out, so the report stays valid where it is validated.
"""

from __future__ import annotations

import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any, TextIO
from xml.sax.saxutils import quoteattr

from keylint import reporters
from keylint.findings import Finding, Severity
from keylint.inert import escape_char, guard_lines, inert
from keylint.repo import from_root
from keylint.reporters import as_text, diff_lines
from keylint.result import FileReport, KeyReport, Result

FILE_CASE = "(policy file)"
_INDENT = "  "


def render(result: Result, *, root: Path | None = None, **_: Any) -> str:
    return as_text(write, result, root=root)


def write(result: Result, out: TextIO, *, root: Path | None = None, **_: Any) -> None:
    # The counts stand on the root element, before the suites, but are known only after the
    # last file: the suites wait in a temporary file meanwhile, as the JSON reports' arrays do.
    totals = Counts()
    size = reporters.SPOOL_BYTES  # read at each run: one setting for every report's spool
    with tempfile.SpooledTemporaryFile(
        max_size=size, mode="w+", encoding="utf-8", newline="\n"
    ) as spool:
        for report in result.reports():
            suite, counts = _suite(report, result, root)
            totals.add(counts)
            spool.write(_serialise(suite))
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        attributes = {"name": f"keylint {result.command}", **totals.attributes(), "time": "0"}
        out.write("<testsuites" + "".join(f" {k}={quoteattr(v)}" for k, v in attributes.items()))
        out.write(">\n")
        spool.seek(0)
        while chunk := spool.read(size):
            out.write(chunk)
        out.write("</testsuites>\n")


@dataclass
class Counts:
    """A suite's tally: every case is exactly one of passed, failed or errored."""

    tests: int = 0
    failures: int = 0
    errors: int = 0

    def add(self, other: Counts) -> None:
        self.tests += other.tests
        self.failures += other.failures
        self.errors += other.errors

    def attributes(self) -> dict[str, str]:
        return {
            "tests": str(self.tests),
            "failures": str(self.failures),
            "errors": str(self.errors),
        }


def _suite(report: FileReport, result: Result, root: Path | None) -> tuple[ET.Element, Counts]:
    path = inert(from_root(report.path, root))
    classname = _classname(path)
    counts = Counts()
    cases = [_file_case(report, result, classname, root)]
    cases.extend(_key_case(key, result, classname, root) for key in report.keys)
    for case in cases:
        counts.tests += 1
        if case.find("failure") is not None:
            counts.failures += 1
        elif case.find("error") is not None:
            counts.errors += 1
    suite = ET.Element(
        "testsuite",
        {
            "name": xml_text(path),
            **counts.attributes(),
            # Nothing is skipped: a key keylint could not check is an error, not a skip.
            "skipped": "0",
            "time": "0",
            # Ant's form, without a zone (Jenkins and Azure read it as UTC, which it is).
            "timestamp": result.generated_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
            "file": xml_text(path),
        },
    )
    suite.extend(cases)
    return suite, counts


def _classname(path: str) -> str:
    # Jenkins splits a classname at its last dot into package and class: without the suffix,
    # as ESLint's JUnit output does, `policies/fleet.yaml` stays one name (class
    # `policies/fleet`) rather than class `yaml` in package `policies/fleet`.
    for suffix in (".yaml", ".yml"):
        if path.endswith(suffix) and len(path) > len(suffix):
            return path[: -len(suffix)]
    return path


def _file_case(report: FileReport, result: Result, classname: str, root: Path | None) -> ET.Element:
    # Every file has this case, passing when the file itself is fine: a test that appears only
    # when it fails has no history, and CI servers track flaky and fixed tests by name.
    return _case(FILE_CASE, classname, sorted(report.findings), result, root)


def _key_case(key: KeyReport, result: Result, classname: str, root: Path | None) -> ET.Element:
    notes = []
    unchecked = None
    if key.status == "unchecked":
        unchecked = inert(str(key.error))
    elif key.error:  # `validate` says why an invalid entry's other rules did not run
        notes.append(inert(key.error))
    if key.unverifiable:
        fields = ", ".join(inert(field) for field in key.unverifiable)
        notes.append(f"not verifiable with these credentials: {fields}")
    owner = f"owner: {inert(key.owner)}" if key.owner else None
    return _case(
        inert(key.name),
        classname,
        key.findings,
        result,
        root,
        unchecked=unchecked,
        notes=notes,
        owner=owner,
    )


def _case(
    name: str,
    classname: str,
    findings: Iterable[Finding],
    result: Result,
    root: Path | None,
    *,
    unchecked: str | None = None,
    notes: Iterable[str] = (),
    owner: str | None = None,
) -> ET.Element:
    attributes = {"name": xml_text(name), "classname": xml_text(classname), "time": "0"}
    case = ET.Element("testcase", attributes)
    failing: list[Finding] = []
    other: list[Finding] = []
    for finding in findings:
        (failing if _fails(finding, result.fail_on) else other).append(finding)
    signed = [owner] if owner else []
    if failing:
        # A key that fails and could not be checked either is a failure, as its exit code is
        # 1 and not 3: one outcome a case, so that every count adds up.
        first = failing[0]
        headline = _headline(first, root)
        if len(failing) > 1:
            headline += f" (and {len(failing) - 1} more)"
        body = [_details(f, root) for f in failing]
        if unchecked is not None:
            body.append(f"not checked: {unchecked}")
        _child(case, "failure", "\n\n".join(body + signed), message=headline, type=first.rule)
    elif unchecked is not None:
        text = "\n\n".join([f"not checked: {unchecked}", *signed])
        _child(case, "error", text, message=f"not checked: {unchecked}", type="unchecked")
    # What does not fail the run is still reported (a waived finding with its reason).
    output = [_details(f, root) for f in other] + list(notes)
    if output:
        _child(case, "system-out", "\n\n".join(output))
    return case


def _fails(finding: Finding, fail_on: Severity | None) -> bool:
    return fail_on is not None and not finding.waived and finding.severity.rank >= fail_on.rank


def _headline(finding: Finding, root: Path | None) -> str:
    """The one line a CI server lists: rule, place and message."""
    return f"{finding.rule} {finding.name} at {_place(finding, root)}: {inert(finding.message)}"


def _details(finding: Finding, root: Path | None) -> str:
    label = finding.severity.value
    if finding.waived:
        label += f", waived: {inert(str(finding.waiver_reason))}"
    lines = [
        f"{finding.rule} {finding.name} ({label}) at {_place(finding, root)}",
        inert(finding.message),
        *diff_lines(finding),
        f"fix: {inert(finding.remediation)}",
    ]
    return "\n".join(lines)


def _place(finding: Finding, root: Path | None) -> str:
    return inert(f"{from_root(finding.file, root)}:{finding.line}:{finding.column}")


def _child(parent: ET.Element, tag: str, text: str, **attributes: str) -> None:
    element = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attributes.items()})
    element.text = xml_text(text)


# XML 1.0 cannot carry U+FFFE and U+FFFF, even as character references; `inert` leaves them
# (they are not hidden characters) and every other character XML forbids is one it escapes.
_NOT_XML = {0xFFFE: escape_char("\ufffe"), 0xFFFF: escape_char("\uffff")}
# A line `[[ATTACHMENT|path]]` in a test's output makes GitLab and Jenkins' junit-attachments
# plugin attach that file from the job's artefacts: a value must not name one.
_ATTACHMENT = "[[ATTACHMENT|"


def xml_text(text: str) -> str:
    """`text` (already inert, or keylint's own) as XML 1.0 can carry it and no CI server acts on."""
    text = text.translate(_NOT_XML)
    if _ATTACHMENT in text:
        text = text.replace(_ATTACHMENT, "[\\x5bATTACHMENT|")
    return text


def _serialise(suite: ET.Element) -> str:
    ET.indent(suite, space=_INDENT, level=1)
    # ElementTree escapes `&`, `<`, `>` and (in attributes) quotes and line breaks; values
    # are inert, so no control character is left to break the document. A line of a
    # failure's text can still begin with a value: guarded like every plain-text line, for
    # the job logs a report is printed into.
    return guard_lines(_INDENT + ET.tostring(suite, encoding="unicode") + "\n")
