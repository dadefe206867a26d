"""`--format gitlab` on Results built by hand: the documented fields, severities, fingerprints
that are stable and unique, paths from the repository root, and hostile text."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from keylint.findings import Severity
from keylint.inert import json_text
from keylint.reporters import gitlab
from keylint.result import Result
from tests.conftest import REPO
from tests.hardening.inertcheck import assert_inert, hidden_characters
from tests.unit.reporters.results import HOSTILE, file, finding, growth_per_key, key, result

SCHEMA = json.loads((REPO / "tests" / "data" / "gitlab-code-quality.schema.json").read_text())


def issues(built: Result, root: Path | None = None) -> list[dict[str, Any]]:
    """The report of `built`, laid out as json.dumps lays it out and valid against the schema."""
    text = gitlab.render(built, root=root)
    document: list[dict[str, Any]] = json.loads(text)
    assert text == json_text(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"
    jsonschema.Draft202012Validator(SCHEMA).validate(document)
    return document


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def fleet() -> Result:
    return result(
        file(
            "policies/p.yaml",
            key("drifting", finding("KL101", key="drifting", line=20, subject="futures")),
            key("warned", finding("KL302", key="warned", line=9, subject="max_age")),
            key("noted", finding("KL308", key="noted", line=10, subject="secret_env")),
            key(
                "waived",
                finding(
                    "KL201", key="waived", subject="ip_restrict", waived=True, waiver_reason="I-1"
                ),
            ),
            key("down", status="unchecked", error="timeout after 3 attempts", line=30),
            findings=[finding("KL307", key=None, line=2, subject="mm@example.com/x")],
        ),
        file(
            "policies/broken.yaml",
            findings=[finding("KL001", key=None, file="policies/broken.yaml", line=1, column=1)],
        ),
    )


def test_every_finding_and_unchecked_key_is_an_issue_in_report_order() -> None:
    found = [
        (i["check_name"], i["location"]["path"], i["location"]["lines"]["begin"])
        for i in issues(fleet())
    ]
    assert found == [
        ("KL307", "policies/p.yaml", 2),
        ("KL101", "policies/p.yaml", 20),
        ("KL302", "policies/p.yaml", 9),
        ("KL308", "policies/p.yaml", 10),
        ("KL201", "policies/p.yaml", 4),
        ("unchecked", "policies/p.yaml", 30),  # at the key's entry
        ("KL001", "policies/broken.yaml", 1),
    ]


def test_severities() -> None:
    severity = {i["check_name"]: i["severity"] for i in issues(fleet())}
    assert severity == {
        "KL307": "critical",  # keylint's errors
        "KL001": "critical",
        "KL101": "critical",
        "KL302": "major",  # warnings
        "unchecked": "major",
        "KL308": "minor",  # info
        "KL201": "info",  # an error, but waived
    }


def test_the_severity_does_not_follow_the_threshold() -> None:
    """--fail-on decides the exit code, not how GitLab rates a finding."""
    built = fleet()
    built.fail_on = None
    assert issues(built) == issues(fleet())


def test_descriptions_name_rule_key_message_and_fix() -> None:
    by_check = {i["check_name"]: i for i in issues(fleet())}
    assert by_check["KL101"]["description"] == (
        "KL101 permission-not-declared [drifting]: it is wrong — fix: make it right"
    )
    assert by_check["KL307"]["description"].startswith("KL307 undeclared-key: ")
    assert by_check["KL201"]["description"].startswith("(waived: I-1) KL201 ip-restriction-off")
    assert (
        by_check["unchecked"]["description"] == "[down] was not checked: timeout after 3 attempts"
    )
    assert by_check["KL001"]["categories"] == ["Bug Risk"]
    assert by_check["KL101"]["categories"] == ["Security"]


def test_fingerprints_are_keylints_own_hashed() -> None:
    by_check = {i["check_name"]: i["fingerprint"] for i in issues(fleet())}
    assert by_check["KL101"] == sha256("kl:KL101:drifting:futures")
    assert by_check["KL307"] == sha256("kl:KL307:file:policies/p.yaml:mm@example.com/x")
    assert by_check["unchecked"] == sha256("kl:unchecked:down")


def test_fingerprints_do_not_move_with_lines_or_waivers() -> None:
    before = result(file("p.yaml", key("bot", finding("KL101", line=20, subject="futures"))))
    after = result(
        file(
            "p.yaml",
            key(
                "bot",
                finding("KL101", line=31, subject="futures", waived=True, waiver_reason="ok"),
            ),
        )
    )
    [old], [new] = issues(before), issues(after)
    assert old["fingerprint"] == new["fingerprint"]


def test_fingerprints_are_unique_in_a_report_and_the_same_in_the_next() -> None:
    """Two entries named alike (KL003) have the same findings: GitLab would keep one issue of
    each pair, as it keys issues by fingerprint."""
    twice = [
        file(name, key("bot", finding("KL306", file=name, subject="max_age"), file=name))
        for name in ("a.yaml", "b.yaml", "c.yaml")
    ]
    first = [i["fingerprint"] for i in issues(result(*twice))]
    assert len(set(first)) == 3
    assert first[0] == sha256("kl:KL306:bot:max_age")
    assert first == [i["fingerprint"] for i in issues(result(*twice))]


def test_paths_are_from_the_repository_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "infra" / "policies").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "infra")
    built = result(file("policies/p.yaml", key("bot", finding("KL101"), status="unchecked")))
    paths = {i["location"]["path"] for i in issues(built, root=tmp_path)}
    assert paths == {"infra/policies/p.yaml"}


def test_an_empty_run_is_an_empty_array() -> None:
    assert gitlab.render(result()) == "[]\n"
    assert gitlab.render(result(file("p.yaml", key("bot")))) == "[]\n"


def test_hostile_text_is_data_and_inert() -> None:
    hostile_file = f"policies/{HOSTILE}.yaml"
    built = result(
        file(
            hostile_file,
            key(
                HOSTILE,
                finding("KL101", key=HOSTILE, file=hostile_file, message=HOSTILE, subject=HOSTILE),
                finding(
                    "KL205", key=HOSTILE, file=hostile_file, waived=True, waiver_reason=HOSTILE
                ),
                file=hostile_file,
            ),
            key(HOSTILE + "2", status="unchecked", error=HOSTILE, file=hostile_file),
        ),
        fail_on=Severity.ERROR,
    )
    text = gitlab.render(built)
    assert_inert(text, fmt="json")
    document = issues(built)
    for issue in document:  # decoded, as the merge request widget shows it
        for value in (issue["description"], issue["location"]["path"]):
            assert not hidden_characters(value, allowed="")
    assert "\\x1b[31m\\ud800\\udfff\\r\\n::error::forged" in document[0]["description"]
    assert len({i["fingerprint"] for i in document}) == 3


@pytest.mark.slow
def test_memory_does_not_grow_with_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What grows is KL003's registry, about 300 bytes a key, as in every streamed format.
    assert growth_per_key(tmp_path, monkeypatch, "gitlab") < 450
