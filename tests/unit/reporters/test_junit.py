"""`--format junit` on Results built by hand: outcomes, counts, what each element carries, the
vendored Jenkins schema, hostile text and streaming through a temporary file."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import pytest
import xmlschema

from keylint import reporters
from keylint.findings import Severity
from keylint.reporters import junit
from keylint.result import Result
from tests.conftest import REPO
from tests.hardening.inertcheck import assert_inert, hidden_characters
from tests.unit.reporters.results import HOSTILE, file, finding, growth_per_key, key, result

XSD = REPO / "tests" / "data" / "junit-10.xsd"


@cache
def schema() -> xmlschema.XMLSchema10:
    return xmlschema.XMLSchema10(str(XSD))


def report(built: Result, root: Path | None = None) -> ET.Element:
    """The report of `built`, checked against Jenkins' schema, parsed."""
    text = junit.render(built, root=root)
    schema().validate(text)
    return ET.fromstring(text)


def cases(root: ET.Element) -> dict[str, ET.Element]:
    return {case.get("name", ""): case for case in root.iter("testcase")}


def outcome(case: ET.Element) -> str:
    tags = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
    assert len(tags) <= 1, "one outcome a case"
    return tags[0] if tags else "passed"


def fleet(fail_on: Severity | None = Severity.ERROR) -> Result:
    """One file with every kind of key, and a file whose YAML did not parse."""
    return result(
        file(
            "policies/p.yaml",
            key("clean"),
            key("drifting", finding("KL101", key="drifting", subject="futures")),
            key(
                "warned",
                finding("KL302", key="warned", line=9),
                finding("KL308", key="warned", line=10),
            ),
            key(
                "waived",
                finding("KL201", key="waived", waived=True, waiver_reason="INFRA-1"),
            ),
            key("down", status="unchecked", error="timeout after 3 attempts", owner="@ops"),
            key(
                "broken-entry",
                finding("KL002", key="broken-entry", line=12),
                status="unchecked",
                error="the policy entry is invalid (KL002)",
            ),
            findings=[finding("KL307", key=None, line=2, subject="mm@example.com/x")],
        ),
        file(
            "policies/broken.yaml",
            findings=[finding("KL001", key=None, file="policies/broken.yaml", line=1, column=1)],
        ),
        fail_on=fail_on,
    )


def test_one_case_per_key_and_one_per_file_each_with_one_outcome() -> None:
    root = report(fleet())
    outcomes = {
        (case.get("classname"), case.get("name")): outcome(case) for case in root.iter("testcase")
    }
    assert outcomes == {
        ("policies/p", "(policy file)"): "failure",  # KL307 belongs to no key
        ("policies/p", "clean"): "passed",
        ("policies/p", "drifting"): "failure",
        ("policies/p", "warned"): "passed",  # warnings do not fail --fail-on error
        ("policies/p", "waived"): "passed",
        ("policies/p", "down"): "error",
        # It could not be checked, but its own error fails it: a failure, as exit 1 beats 3.
        ("policies/p", "broken-entry"): "failure",
        # A file with no key left to report still has its case: nothing is lost.
        ("policies/broken", "(policy file)"): "failure",
    }


@pytest.mark.parametrize("fail_on", [Severity.ERROR, Severity.WARNING, Severity.INFO, None])
def test_counts_are_the_cases_outcomes(fail_on: Severity | None) -> None:
    root = report(fleet(fail_on))
    suites = root.findall("testsuite")
    for element in [root, *suites]:
        found = [outcome(case) for case in element.iter("testcase")]
        assert element.get("tests") == str(len(found))
        assert element.get("failures") == str(found.count("failure"))
        assert element.get("errors") == str(found.count("error"))
        if element is not root:  # junit-10.xsd has no `skipped` on <testsuites>
            assert element.get("skipped") == "0"


def test_the_threshold_decides_what_fails() -> None:
    by_threshold = {
        fail_on: {name: outcome(case) for name, case in cases(report(fleet(fail_on))).items()}
        for fail_on in (Severity.ERROR, Severity.INFO, None)
    }
    assert by_threshold[Severity.ERROR]["warned"] == "passed"
    assert by_threshold[Severity.INFO]["warned"] == "failure"
    # --fail-on never: nothing fails, but an unchecked key is still an error (exit code 3).
    assert set(by_threshold[None].values()) == {"passed", "error"}
    # A waived finding never fails, whatever the threshold.
    assert {by_threshold[t]["waived"] for t in by_threshold} == {"passed"}


def test_a_failure_says_rule_name_place_message_and_fix() -> None:
    built = result(
        file(
            "policies/p.yaml",
            key(
                "bot",
                finding(
                    "KL101", line=20, column=5, message="futures is on", remediation="turn off"
                ),
                finding("KL202", line=8, column=3, message="192.0.2.1 is listed"),
                owner="@quant",
            ),
        )
    )
    [failure] = cases(report(built))["bot"].iter("failure")
    assert failure.get("type") == "KL101"
    assert failure.get("message") == (
        "KL101 permission-not-declared at policies/p.yaml:20:5: futures is on (and 1 more)"
    )
    text = failure.text or ""
    assert text.startswith("KL101 permission-not-declared (error) at policies/p.yaml:20:5\n")
    assert "futures is on\n" in text and "fix: turn off" in text
    assert "KL202 ip-not-declared (error) at policies/p.yaml:8:3" in text
    assert text.endswith("owner: @quant")


def test_what_does_not_fail_is_in_the_cases_output() -> None:
    found = cases(report(fleet()))
    warned = found["warned"].findtext("system-out") or ""
    assert "KL302 key-rotation-due (warning) at policies/p.yaml:9:5" in warned
    assert "KL308 hmac-key (info)" in warned
    waived = found["waived"].findtext("system-out") or ""
    assert "KL201 ip-restriction-off (error, waived: INFRA-1)" in waived
    assert found["clean"].find("system-out") is None


def test_an_unchecked_key_is_an_error_with_its_reason() -> None:
    found = cases(report(fleet()))
    [error] = found["down"].iter("error")
    assert error.get("type") == "unchecked"
    assert error.get("message") == "not checked: timeout after 3 attempts"
    assert error.text == "not checked: timeout after 3 attempts\n\nowner: @ops"
    # Failing as well: one failure that says both.
    [failure] = found["broken-entry"].iter("failure")
    assert (failure.text or "").endswith("not checked: the policy entry is invalid (KL002)")


def test_notes_a_checked_key_carries() -> None:
    built = result(
        file(
            "policies/p.yaml",
            key("feed", unverifiable=["ips"]),
            key("typo", status="static", error="the policy entry is invalid (KL002)"),
        ),
        command="validate",
    )
    found = cases(report(built))
    assert found["feed"].findtext("system-out") == "not verifiable with these credentials: ips"
    assert found["typo"].findtext("system-out") == "the policy entry is invalid (KL002)"
    assert outcome(found["feed"]) == outcome(found["typo"]) == "passed"


def test_suite_attributes() -> None:
    root = report(fleet())
    assert root.tag == "testsuites" and root.get("name") == "keylint check"
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.get("name") == suite.get("file") == "policies/p.yaml"
    assert suite.get("timestamp") == "2026-11-24T09:00:00"  # the run's clock (--now), UTC


def test_paths_are_from_the_repository_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job with `working-directory: infra` names `policies/p.yaml`; the report names the
    file from the repository's root, as a CI server shows and links it."""
    (tmp_path / "infra" / "policies").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "infra")
    built = result(file("policies/p.yaml", key("bot", finding("KL101"))))
    root = report(built, root=tmp_path)
    suite = root.find("testsuite")
    assert suite is not None and suite.get("file") == "infra/policies/p.yaml"
    [case] = (c for c in root.iter("testcase") if c.get("name") == "bot")
    assert case.get("classname") == "infra/policies/p"
    assert "at infra/policies/p.yaml:4:5" in (case.findtext("failure") or "")


def test_an_empty_run_is_a_valid_empty_report() -> None:
    root = report(result())
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("0", "0", "0")


def test_hostile_text_everywhere_stays_text() -> None:
    """Every value a policy, a state file or Binance gives: parsed back as the same visible
    text, valid against the schema, with no raw control character and no workflow command."""
    hostile_file = f"policies/{HOSTILE}.yaml"
    built = result(
        file(
            hostile_file,
            key(
                HOSTILE,
                finding(
                    "KL101",
                    key=HOSTILE,
                    file=hostile_file,
                    message=HOSTILE,
                    remediation=HOSTILE,
                    subject=HOSTILE,
                    expected=[HOSTILE],
                    actual=[HOSTILE, "futures"],
                ),
                # A value at the start of a line of the case's output (the message's line).
                finding(
                    "KL205",
                    key=HOSTILE,
                    file=hostile_file,
                    message="::warning::forged",
                    waived=True,
                    waiver_reason=HOSTILE,
                ),
                file=hostile_file,
                owner=HOSTILE,
                unverifiable=[HOSTILE],
            ),
            key(HOSTILE + "2", status="unchecked", error=HOSTILE, file=hostile_file),
            findings=[finding("KL001", key=None, file=hostile_file, message=HOSTILE)],
        ),
        fail_on=Severity.ERROR,
    )
    text = junit.render(built)
    schema().validate(text)
    assert_inert(text)
    for line in text.splitlines():  # the markup never carries a value raw
        assert "<x>" not in line and "]]>" not in line
    root = ET.fromstring(text)
    values = [
        value
        for element in root.iter()
        for value in [element.text or "", element.tail or "", *element.attrib.values()]
    ]
    for value in values:  # what a CI server shows, decoded: nothing hidden, nothing to act on
        assert not hidden_characters(value)
        assert "\ufffe" not in value and "\uffff" not in value
        assert not re.search(r"\[\[ATTACHMENT\|", value)
    decoded = "\n".join(values)
    assert "\n\\x3a:warning::forged\n" in decoded
    assert "]]><x>&amp;\\x00\\x1b[31m\\ud800\\udfff\\r\\n" in decoded  # shown, escaped
    assert "\\ufffe\\uffff\\u202e\\x7f[\\x5bATTACHMENT|../../etc/passwd]]" in decoded


def test_xml_text_escapes_what_xml_cannot_carry() -> None:
    assert junit.xml_text("a\ufffeb\uffffc") == "a\\ufffeb\\uffffc"
    assert junit.xml_text("see [[ATTACHMENT|x.png]]") == "see [\\x5bATTACHMENT|x.png]]"
    assert junit.xml_text("plain <text> & more") == "plain <text> & more"  # ElementTree's part


def test_suites_larger_than_the_spool_go_through_a_file(monkeypatch: pytest.MonkeyPatch) -> None:
    built = fleet()
    whole = junit.render(built)
    monkeypatch.setattr(reporters, "SPOOL_BYTES", 64)  # every suite rolls over to disk
    out = io.StringIO()
    junit.write(built, out)
    assert out.getvalue() == whole


@pytest.mark.slow
def test_memory_does_not_grow_with_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What grows is KL003's registry, about 300 bytes a key, as in every streamed format.
    assert growth_per_key(tmp_path, monkeypatch, "junit") < 450
