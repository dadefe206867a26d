"""What GitHub's code scanning and annotations read from keylint, through the real CLI.

Code scanning rates an alert by its rule's `security-severity` and `precision`, filters by
`tags`, places it by a path from the repository root and tracks it by `partialFingerprints`
(docs.github.com, "SARIF support for code scanning"); annotations are placed the same way.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema

from keylint.catalog import CATALOG, RATINGS
from tests.conftest import EXAMPLES, FIXED_NOW, REPO, Keylint

DEMO = "examples/policies"
SARIF_SCHEMA = REPO / "tests" / "data" / "sarif-schema-2.1.0.json"


def _sarif(keylint: Keylint, *args: str) -> dict[str, Any]:
    run = keylint("validate", *args, "--format", "sarif", "--now", FIXED_NOW)
    log: dict[str, Any] = json.loads(run.stdout)
    jsonschema.Draft7Validator(json.loads(SARIF_SCHEMA.read_text())).validate(log)
    return log


def test_every_rule_carries_what_code_scanning_rates_it_by(keylint: Keylint) -> None:
    [run] = _sarif(keylint, DEMO)["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert sorted(rule["id"] for rule in rules) == sorted(CATALOG)
    for rule in rules:
        properties = rule["properties"]
        rating = RATINGS[rule["id"]]
        # A string, as GitHub reads it: "9.3", within 0.1-10.0.
        assert properties["security-severity"] == f"{rating.security_severity:.1f}"
        assert 0.1 <= float(properties["security-severity"]) <= 10.0
        assert properties["precision"] in ("very-high", "high", "medium", "low")
        tags = properties["tags"]
        assert tags[:2] == ["security", CATALOG[rule["id"]].layer.value]
        assert [t for t in tags if t.startswith("external/cwe/")] == [
            f"external/cwe/cwe-{n:03d}" for n in rating.cwe
        ]
        # The rule's reasoning travels with it: the alert page shows the help.
        assert "### Security severity" in rule["help"]["markdown"]
        assert f"Score {rating.security_severity:.1f} of 10." in rule["help"]["markdown"]
    by_id = {rule["id"]: rule["properties"] for rule in rules}
    assert by_id["KL103"]["security-severity"] == "9.3"  # critical: money out from anywhere
    assert "external/cwe/cwe-923" in by_id["KL103"]["tags"]


def test_results_are_placed_from_the_root_and_tracked_by_keylints_fingerprint(
    keylint: Keylint,
) -> None:
    log = _sarif(keylint, DEMO)
    [run] = log["runs"]
    # The keylint fixture runs in this checkout, whose root is REPO.
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": REPO.as_uri() + "/"}}
    report = json.loads(keylint("validate", DEMO, "--format", "json", "--now", FIXED_NOW).stdout)
    fingerprints = [f["fingerprint"] for f in report["findings"]]
    assert [r["partialFingerprints"] for r in run["results"]] == [
        {"keylintFingerprint/v1": fingerprint} for fingerprint in fingerprints
    ]
    for result in run["results"]:
        [location] = result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert artifact["uri"].startswith("examples/policies/")
    for notification in run["invocations"][0].get("toolExecutionNotifications", []):
        for location in notification["locations"]:
            assert location["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"


def test_a_waived_finding_is_an_accepted_suppression_with_its_reason(keylint: Keylint) -> None:
    [run] = _sarif(keylint, DEMO)["runs"]
    waived = [r for r in run["results"] if "suppressions" in r]
    assert [(r["ruleId"], r["suppressions"]) for r in waived] == [
        (
            "KL205",
            [
                {
                    "kind": "inSource",  # the waiver is written in the policy file itself
                    "status": "accepted",
                    "justification": "venue rotates egress IPs; INFRA-123",
                }
            ],
        )
    ]
    # Code scanning reads no `suppressions`: the reason is in the text its alert shows.
    assert "\nWaived: venue rotates egress IPs; INFRA-123\n" in waived[0]["message"]["text"]
    assert all("Waived:" not in r["message"]["text"] for r in run["results"] if r not in waived)


def _scratch_repository(tmp_path: Path) -> Path:
    """A git repository with policies at its root and a `deploy/` folder to run keylint in,
    as a workflow step with `working-directory: deploy` would."""
    repo = tmp_path / "repo"
    (repo / "deploy").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True, capture_output=True)
    shutil.copytree(EXAMPLES, repo / "policies")
    return repo


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "keylint", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def test_a_working_directory_run_places_alerts_from_the_repository_root(tmp_path: Path) -> None:
    repo = _scratch_repository(tmp_path)
    run = _cli(
        "validate", "../policies", "--format", "sarif", "--now", FIXED_NOW, cwd=repo / "deploy"
    )
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    log = json.loads(run.stdout)
    jsonschema.Draft7Validator(json.loads(SARIF_SCHEMA.read_text())).validate(log)
    [sarif_run] = log["runs"]
    assert sarif_run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": repo.resolve().as_uri() + "/"}}
    artifacts = {
        json.dumps(location["physicalLocation"]["artifactLocation"], sort_keys=True)
        for result in sarif_run["results"]
        for location in result["locations"]
    }
    # From the root, not from deploy/ (`../policies/...`), and nothing else of this machine.
    assert artifacts == {
        json.dumps({"uri": f"policies/{name}", "uriBaseId": "%SRCROOT%"}, sort_keys=True)
        for name in ("broken.yaml", "data-team.yaml", "fleet.yaml", "typos.yaml")
    }
    assert str(tmp_path) not in json.dumps(sarif_run["results"])


def test_a_working_directory_run_annotates_files_from_the_repository_root(
    tmp_path: Path,
) -> None:
    repo = _scratch_repository(tmp_path)
    run = _cli(
        "validate", "../policies", "--format", "github", "--now", FIXED_NOW, cwd=repo / "deploy"
    )
    assert run.returncode == 1, run.stderr
    files = {
        line.split("file=", 1)[1].split(",", 1)[0]
        for line in run.stdout.splitlines()
        if "file=" in line
    }
    assert files == {
        f"policies/{name}" for name in ("broken.yaml", "data-team.yaml", "fleet.yaml", "typos.yaml")
    }


def test_outside_a_repository_paths_stay_as_given(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "policies")
    run = _cli("validate", "policies", "--format", "sarif", "--now", FIXED_NOW, cwd=tmp_path)
    [sarif_run] = json.loads(run.stdout)["runs"]
    assert "originalUriBaseIds" not in sarif_run
    artifact = sarif_run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": "policies/broken.yaml"}
