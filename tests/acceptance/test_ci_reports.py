"""`--format junit` and `--format gitlab` through the real CLI: the demo fleet's reports pinned,
valid against Jenkins' JUnit schema and GitLab's documented Code Quality format, consistent
with the JSON report, placed from the repository root, with the exit codes of every format."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import xmlschema
from syrupy.assertion import SnapshotAssertion

from tests.acceptance.test_inert_reports import hostile_fleet
from tests.conftest import FIXED_NOW, REPO, Keylint
from tests.hardening.inertcheck import assert_inert, hidden_characters

DATA = REPO / "tests" / "data"
JUNIT = xmlschema.XMLSchema10(str(DATA / "junit-10.xsd"))
CODE_QUALITY = jsonschema.Draft202012Validator(
    json.loads((DATA / "gitlab-code-quality.schema.json").read_text())
)
DEMO = {
    "validate": ("validate", "examples/policies", "--now", FIXED_NOW),
    "check": ("check", "examples/policies", "--state", "examples/state.json", "--now", FIXED_NOW),
}
FORMATS = ("junit", "gitlab")


def parsed(fmt: str, text: str) -> Any:
    """The report, checked against its format's schema."""
    if fmt == "junit":
        JUNIT.validate(text)
        return ET.fromstring(text)
    document = json.loads(text)
    CODE_QUALITY.validate(document)
    return document


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("command", ["validate", "check"])
def test_demo_report_snapshot(
    keylint: Keylint, snapshot: SnapshotAssertion, command: str, fmt: str
) -> None:
    run = keylint(*DEMO[command], "--format", fmt)
    assert run.exit_code == 1
    assert run.stderr == ""
    parsed(fmt, run.stdout)
    assert run.stdout == snapshot


def outcome(case: ET.Element) -> str:
    tags = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
    return tags[0] if tags else "passed"


@pytest.mark.parametrize("fail_on", ["error", "warning", "never"])
@pytest.mark.parametrize("command", ["validate", "check"])
def test_junit_says_what_the_json_report_says(keylint: Keylint, command: str, fail_on: str) -> None:
    args = (*DEMO[command], "--fail-on", fail_on)
    report = json.loads(keylint(*args, "--format", "json").stdout)
    root = parsed("junit", keylint(*args, "--format", "junit").stdout)
    threshold = {"error": 3, "warning": 2, "never": 4}[fail_on]
    rank = {"error": 3, "warning": 2, "info": 1}
    failing = {
        (f["file"], f["key"])
        for f in report["findings"]
        if not f["waived"] and rank[f["severity"]] >= threshold
    }
    expected = {}
    for file in report["files"]:
        expected[(file, "(policy file)")] = "failure" if (file, None) in failing else "passed"
    for key in report["keys"]:
        if (key["file"], key["name"]) in failing:
            expected[(key["file"], key["name"])] = "failure"
        else:
            expected[(key["file"], key["name"])] = (
                "error" if key["status"] == "unchecked" else "passed"
            )
    found = {
        (suite.get("file"), case.get("name")): outcome(case)
        for suite in root.iter("testsuite")
        for case in suite.iter("testcase")
    }
    assert found == expected
    outcomes = list(found.values())
    assert root.get("tests") == str(len(report["keys"]) + len(report["files"]))
    assert root.get("failures") == str(outcomes.count("failure"))
    assert root.get("errors") == str(outcomes.count("error"))


@pytest.mark.parametrize("command", ["validate", "check"])
def test_gitlab_says_what_the_json_report_says(keylint: Keylint, command: str) -> None:
    report = json.loads(keylint(*DEMO[command], "--format", "json").stdout)
    issues = parsed("gitlab", keylint(*DEMO[command], "--format", "gitlab").stdout)
    unchecked = [k for k in report["keys"] if k["status"] == "unchecked"]
    assert len(issues) == len(report["findings"]) + len(unchecked)
    by_fingerprint = {i["fingerprint"]: i for i in issues}
    for finding in report["findings"]:  # the demo's fingerprints are unique: no repeat count
        issue = by_fingerprint[hashlib.sha256(finding["fingerprint"].encode()).hexdigest()]
        assert issue["check_name"] == finding["rule"]
        assert issue["location"] == {"path": finding["file"], "lines": {"begin": finding["line"]}}
        assert (issue["severity"] == "info") is finding["waived"]


def test_exit_codes_do_not_depend_on_the_format(keylint: Keylint, tmp_path: Path) -> None:
    clean = tmp_path / "clean.yaml"
    clean.write_text(
        "version: 1\nkeys:\n  - name: quiet\n    permissions: [reading]\n"
        "    ips: [203.0.113.10]\n    max_age: 90d\n    private_key_env: PEM\n"
    )
    unreachable = tmp_path / "unreachable.yaml"
    unreachable.write_text(clean.read_text().replace("quiet", "risk-dashboard"))
    cases = [
        ((*DEMO["validate"],), 1),
        ((*DEMO["check"],), 1),
        ((*DEMO["check"], "--fail-on", "never"), 3),  # the demo's unchecked keys
        (("validate", str(clean)), 0),
        (("check", str(unreachable), "--state", "examples/state.json", "--now", FIXED_NOW), 3),
        (("validate", str(tmp_path / "missing.yaml")), 2),
    ]
    for args, code in cases:
        for fmt in ("json", *FORMATS):
            assert keylint(*args, "--format", fmt).exit_code == code, (args, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_file_holds_what_stdout_would(keylint: Keylint, tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"report.{fmt}"
    run = keylint(*DEMO["check"], "--format", fmt, "--output", str(target))
    assert run.exit_code == 1 and run.stdout == ""
    assert target.read_text(encoding="utf-8") == keylint(*DEMO["check"], "--format", fmt).stdout


def test_a_job_in_a_subfolder_places_findings_from_the_repository_root(
    keylint: Keylint, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`working-directory: infra`, `keylint validate policies`: GitLab and a JUnit reader get
    `infra/policies/...`, the path a merge request shows the file under."""
    (tmp_path / ".git").mkdir()
    policies = tmp_path / "infra" / "policies"
    policies.mkdir(parents=True)
    (policies / "team.yaml").write_text(
        textwrap.dedent(
            """\
            version: 1
            keys:
              - name: bot
                permissions: [reading, withdrawals]
                ip_restrict: false
            """
        )
    )
    monkeypatch.chdir(tmp_path / "infra")
    issues = parsed("gitlab", keylint("validate", "policies", "--format", "gitlab").stdout)
    assert {i["location"]["path"] for i in issues} == {"infra/policies/team.yaml"}
    assert "KL103" in {i["check_name"] for i in issues}
    root = parsed("junit", keylint("validate", "policies", "--format", "junit").stdout)
    [suite] = root.iter("testsuite")
    assert suite.get("file") == "infra/policies/team.yaml"
    assert {c.get("classname") for c in suite.iter("testcase")} == {"infra/policies/team"}
    # The other formats keep naming the file as the user did.
    report = json.loads(keylint("validate", "policies", "--format", "json").stdout)
    assert report["files"] == ["policies/team.yaml"]


@pytest.mark.parametrize("command", ["check", "validate"])
def test_hostile_fleet_reports_parse_validate_and_show_nothing_raw(
    keylint: Keylint, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    policies, state = hostile_fleet(tmp_path)
    monkeypatch.chdir(tmp_path)  # paths relative, as in a repository
    # And a file name that is not text (an undecodable byte, a lone surrogate in Python)
    # declaring a key whose name ends a CDATA section, opens markup and holds NUL and ESC.
    (policies / "odd\udcff.yaml").write_text(
        '{"version": 1, "keys": [{"name": "odd\\u0000]]><b>&amp;\\u001b[31m"}]}'
    )
    odd_name = "odd\\x00]]><b>&amp;\\x1b[31m"
    extra = ("--state", state.name) if command == "check" else ()
    for fmt in FORMATS:
        run = keylint(command, policies.name, *extra, "--now", FIXED_NOW, "--format", fmt)
        assert run.exit_code == 1, run.stderr
        assert_inert(run.stdout, fmt="json" if fmt == "gitlab" else "text")
        document = parsed(fmt, run.stdout)
        if fmt == "junit":
            values = [
                value
                for element in document.iter()
                for value in [element.text or "", *element.attrib.values()]
            ]
            assert "policies/odd\\udcff.yaml" in values
            assert odd_name in values  # the test case's name
        else:
            values = [i["description"] for i in document] + [
                i["location"]["path"] for i in document
            ]
            assert "policies/odd\\udcff.yaml" in values
            assert any(f"[{odd_name}]" in value for value in values)
        assert any("\\x1b[31mred" in value for value in values)
        for value in values:  # decoded, as the CI server shows it
            assert not hidden_characters(value), value


def test_no_secret_reaches_either_report(keylint: Keylint, tmp_path: Path) -> None:
    secret = "Ab3" + "x9Qz" * 15 + "K"  # 64 characters: an API secret pasted in a policy
    pem = "-----BEGIN PRIVATE KEY-----"
    (tmp_path / "p.yaml").write_text(
        "version: 1\nkeys:\n  - name: bot\n    permissions: [reading]\n"
        f"    ips: [203.0.113.10]\n    max_age: 90d\n    description: {secret}\n"
        f"# {pem}\n"
    )
    for fmt in FORMATS:
        run = keylint("validate", str(tmp_path), "--format", fmt)
        assert run.exit_code == 1
        assert "KL004" in run.stdout
        assert secret not in run.stdout and secret[8:40] not in run.stdout


def test_the_readmes_gitlab_job_is_valid_and_uploads_what_it_writes(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text()
    [job] = re.findall(r"```yaml\n(# \.gitlab-ci\.yml\n.*?)```", readme, re.S)
    (tmp_path / ".gitlab-ci.yml").write_text(job)
    checked = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.gitlab-ci",
            "--data-transform",
            "gitlab-ci",
            str(tmp_path / ".gitlab-ci.yml"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    written = dict(re.findall(r"--format (\w+) --output (\S+)", job))
    written |= dict(re.findall(r"--report (\w+)=(\S+)", job))
    reports = dict(re.findall(r"^ +(codequality|junit): (\S+)$", job, re.M))
    assert written == {"gitlab": reports["codequality"], "junit": reports["junit"]}
