"""keylint.reporters.sarif: artifact URIs from the repository root, and suppressions."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from keylint.catalog import stamp
from keylint.findings import Problem
from keylint.reporters.sarif import artifact, render
from keylint.result import FileReport, KeyReport, Result

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        ("policies/a.yaml", {"uri": "policies/a.yaml", "uriBaseId": "%SRCROOT%"}),
        # A URI, not a path: upload-sarif decodes it to find the file.
        ("policies/a b%#.yaml", {"uri": "policies/a%20b%25%23.yaml", "uriBaseId": "%SRCROOT%"}),
        ("policies/é\n.yaml", {"uri": "policies/%C3%A9%0A.yaml", "uriBaseId": "%SRCROOT%"}),
        # An undecodable byte of a file name is the byte again.
        ("policies/\udcff.yaml", {"uri": "policies/%FF.yaml", "uriBaseId": "%SRCROOT%"}),
        ("../elsewhere/a.yaml", {"uri": "../elsewhere/a.yaml"}),
        ("/etc/a.yaml", {"uri": "file:///etc/a.yaml"}),
    ],
)
def test_artifacts_are_uris_from_the_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, file: str, expected: dict[str, str]
) -> None:
    root = tmp_path / "repo"
    (root / "policies").mkdir(parents=True)
    monkeypatch.chdir(root)
    assert artifact(file, root.resolve()) == expected


def test_without_a_root_the_path_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert artifact("policies/a.yaml", None) == {"uri": "policies/a.yaml"}


def _result(*reasons: str) -> Result:
    finding = stamp(
        "KL205",
        Problem(5, 9, "`futures` is listed while `ip_restrict` is false", "bind it", "futures"),
        file="p.yaml",
        key="bot",
    )
    findings = [dataclasses.replace(finding, waived=True, waiver_reason=r) for r in reasons]
    key = KeyReport("bot", "p.yaml", 3, "static", findings=findings)
    return Result("validate", NOW, files=[FileReport("p.yaml", keys=[key])])


def test_a_baseline_is_an_external_suppression_and_a_waiver_one_in_source() -> None:
    log = json.loads(render(_result("INFRA-123", "baseline")))
    suppressions = [r["suppressions"] for r in log["runs"][0]["results"]]
    assert suppressions == [
        [{"kind": "inSource", "status": "accepted", "justification": "INFRA-123"}],
        [{"kind": "external", "status": "accepted", "justification": "baseline"}],
    ]


def test_a_hostile_reason_is_inert_in_the_suppression_and_the_message() -> None:
    reason = "ok\n::error::forged\x1b[2J\u202e"
    [result] = json.loads(render(_result(reason)))["runs"][0]["results"]
    shown = "ok\\n::error::forged\\x1b[2J\\u202e"
    assert result["suppressions"][0]["justification"] == shown
    assert f"\nWaived: {shown}\n" in result["message"]["text"]


def test_the_root_is_the_only_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "my repo"
    root.mkdir()
    monkeypatch.chdir(root)
    [run] = json.loads(render(_result("x"), root=root))["runs"]
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": root.as_uri() + "/"}}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/my%20repo/")
    assert str(tmp_path) not in json.dumps(run["results"])
