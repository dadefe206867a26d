"""The GitHub integration as files: action.yml and the example workflows in examples/github/.

GitHub itself is out of reach here, so the files are checked against the schemas GitHub's
own editors use (vendored in check-jsonschema), for the rules a reviewer would check by hand
(no `${{ }}` inside scripts, least privilege, secrets only where needed). test_action.py runs
the action's shell steps.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO

ACTION = REPO / "action.yml"
WORKFLOWS = sorted((REPO / "examples" / "github").glob("*.yml"))
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    return data


def _on(workflow: dict[Any, Any]) -> Any:  # keys: YAML 1.1 reads a bare `on:` as True
    return workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on:` as True


def _steps(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if "runs" in document:
        yield from document["runs"]["steps"]
    for job in document.get("jobs", {}).values():
        yield from job.get("steps", [])


def _check_jsonschema(schema: str, *paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- the files as GitHub reads them ----------------------------------------------------------


def test_the_examples_are_there() -> None:
    assert [p.name for p in WORKFLOWS] == [
        "apply.yml",
        "drift.yml",
        "pre-commit.yml",
        "pull-request.yml",
        "rotate.yml",
    ]


def test_apply_workflow_applies_the_reviewed_plan_behind_an_approval_gate() -> None:
    workflow = _load(REPO / "examples" / "github" / "apply.yml")
    jobs = workflow["jobs"]
    assert jobs["apply"]["needs"] == "plan"
    assert jobs["apply"]["environment"] == "binance-apply"
    plan_run = " ".join(s.get("run", "") for s in jobs["plan"]["steps"])
    apply_run = " ".join(s.get("run", "") for s in jobs["apply"]["steps"])
    assert "keylint plan policies --output plan.json" in plan_run
    assert "keylint apply policies --plan plan.json --yes" in apply_run
    assert "--allow-widen" not in plan_run  # widening only when the run asked for it


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.stem)
def test_example_workflow_passes_githubs_workflow_schema(workflow: Path) -> None:
    run = _check_jsonschema("vendor.github-workflows", workflow)
    assert run.returncode == 0, run.stdout + run.stderr


def test_action_passes_githubs_action_schema() -> None:
    run = _check_jsonschema("vendor.github-actions", ACTION)
    assert run.returncode == 0, run.stdout + run.stderr


def test_action_has_the_documented_inputs_and_outputs() -> None:
    action = _load(ACTION)
    inputs = action["inputs"]
    defaults = {name: spec.get("default") for name, spec in inputs.items()}
    assert defaults["paths"] == "policies"
    assert defaults["mode"] == "validate"
    assert defaults["state-file"] == ""
    assert defaults["fail-on"] == "error"
    assert defaults["sarif-file"] == "keylint.sarif"
    for switch in ("annotations", "job-summary", "comment"):
        assert defaults[switch] in ("true", "false"), switch
    assert {"version", "python-version", "github-token"} <= set(inputs)
    assert all(spec.get("description") for spec in inputs.values())
    outputs = action["outputs"]
    assert {"exit-code", "errors", "warnings", "unchecked", "sarif-file"} <= set(outputs)
    assert action["runs"]["using"] == "composite"
    uses = [step["uses"] for step in action["runs"]["steps"] if "uses" in step]
    assert uses == ["actions/setup-python@5fda3b95a4ea91299a34e894583c3862153e4b97"]
    install = next(s for s in action["runs"]["steps"] if s.get("id") == "install")["run"]
    assert 'spec="$GITHUB_ACTION_PATH"' in install  # the action installs its own checkout


@pytest.mark.parametrize("path", [ACTION, *WORKFLOWS], ids=lambda p: p.name)
def test_no_script_interpolates_an_expression(path: Path) -> None:
    """Script-injection hygiene: values reach `run:` through `env:`, never as `${{ }}`."""
    for step in _steps(_load(path)):
        if "run" in step:
            assert "${{" not in step["run"], f"{path.name}: {step.get('name', step['run'][:40])}"


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.stem)
def test_jobs_get_only_the_permissions_they_need(workflow: Path) -> None:
    document = _load(workflow)
    assert document["permissions"] == {}, "nothing by default; each job asks for its own"
    for name, job in document["jobs"].items():
        assert isinstance(job.get("permissions"), dict), name
        assert job["permissions"].get("contents") == "read", name
        assert "timeout-minutes" in job, name
        assert "secrets." not in json.dumps(job.get("env", {})), "secrets only in the step"
    granted = {k: v for job in document["jobs"].values() for k, v in job["permissions"].items()}
    expected = {
        "pre-commit": {"contents": "read"},
        "apply": {"contents": "read"},
        "rotate": {"contents": "read", "id-token": "write"},  # OIDC for the secret store
        "drift": {"contents": "read", "issues": "write"},
        "pull-request": {
            "contents": "read",
            "actions": "read",
            "pull-requests": "write",
            "security-events": "write",
        },
    }[workflow.stem]
    assert granted == expected


def test_secrets_reach_only_the_step_that_reads_binance() -> None:
    for workflow in WORKFLOWS:
        steps = [s for s in _steps(_load(workflow)) if "secrets." in json.dumps(s)]
        if workflow.stem == "apply":
            # Only the master's credentials, only where Binance is read or changed.
            assert [s["name"] for s in steps] == ["Plan", "Apply the reviewed plan"]
            for step in steps:
                names = {k for k, v in step["env"].items() if "secrets." in v}
                assert names == {"BINANCE_MASTER_API_KEY", "BINANCE_MASTER_PEM"}
            continue
        if workflow.stem == "rotate":
            # The master's credentials where keys are planned or changed; the store's token
            # comes from OIDC (vault-action), never from a secret unless the user opts in.
            steps_named = [s["name"] for s in steps]
            assert steps_named == ["Plan", "Apply the reviewed plan", "Rotate the leaked keys"]
            for step in steps:
                names = {k for k, v in step["env"].items() if "secrets." in v}
                assert names == {"BINANCE_MASTER_API_KEY", "BINANCE_MASTER_PEM"}
            continue
        if workflow.stem != "drift":
            assert steps == [], f"{workflow.name} must work without secrets (fork PRs)"
            continue
        assert [s["name"] for s in steps] == ["Fetch live state"]
        assert "secrets." not in json.dumps(steps[0].get("with", {}))
        assert "keylint fetch policies --output state.json" in steps[0]["run"]


def test_rotate_workflow_applies_the_reviewed_plan_behind_the_production_gate() -> None:
    workflow = _load(REPO / "examples" / "github" / "rotate.yml")
    assert set(_on(workflow)) == {"schedule", "workflow_dispatch"}
    # One run that changes keys at a time, shared with apply.yml, never cancelled midway.
    apply_yml = _load(REPO / "examples" / "github" / "apply.yml")
    assert workflow["concurrency"] == apply_yml["concurrency"]
    assert workflow["concurrency"]["cancel-in-progress"] is False
    jobs = workflow["jobs"]
    assert jobs["apply"]["needs"] == "plan"
    assert "needs.plan.outputs.changes" in jobs["apply"]["if"]
    for name in ("apply", "rotate-now"):
        assert jobs[name]["environment"] == "binance-production", name
    run = {name: " ".join(s.get("run", "") for s in job["steps"]) for name, job in jobs.items()}
    assert "keylint plan policies --output plan.json" in run["plan"]
    assert "keylint apply policies --plan plan.json --yes --log audit.jsonl" in run["apply"]
    assert "keylint rotate" in run["rotate-now"]
    assert "--yes --log audit.jsonl --" in run["rotate-now"]  # `--`: a name is never an option
    assert "--allow-widen" not in json.dumps(workflow)
    # The plan artifact the apply job reads is the one the plan job keeps.
    kept = next(s for s in jobs["plan"]["steps"] if "upload-artifact" in s.get("uses", ""))
    taken = next(s for s in jobs["apply"]["steps"] if "download-artifact" in s.get("uses", ""))
    assert kept["with"]["name"] == taken["with"]["name"] and kept["with"]["path"] == "plan.json"
    for name, job in jobs.items():
        steps = job["steps"]
        # The store token: OIDC, a short-lived token handed to the keylint step only.
        [login] = [s for s in steps if "hashicorp/vault-action@" in s.get("uses", "")]
        assert login["with"]["method"] == "jwt" and login["with"]["role"], name
        assert login["with"].get("exportToken") in (None, False, "false"), name
        role = "keylint-plan" if name == "plan" else "keylint-rotate"
        assert login["with"]["role"] == role, name
        [holder] = [s for s in steps if "steps.vault.outputs.vault_token" in json.dumps(s)]
        assert "keylint " in holder["run"] and "env" in holder, name
        assert job["permissions"]["id-token"] == "write", name
        if name != "plan":
            audit = next(s for s in steps if s.get("name") == "Keep the audit log")
            assert audit["with"]["path"] == "audit.jsonl" and "!cancelled()" in audit["if"]


def test_every_action_is_pinned_to_the_major_version_the_other_examples_use() -> None:
    pins: dict[str, set[str]] = {}
    for workflow in WORKFLOWS:
        for step in _steps(_load(workflow)):
            if "uses" in step:
                action, _, version = step["uses"].partition("@")
                assert re.fullmatch(r"v\d+(\.\d+){0,2}", version), step["uses"]
                pins.setdefault(action, set()).add(version)
    assert all(len(versions) == 1 for versions in pins.values()), pins


def test_drift_runs_nightly_and_on_demand_and_keeps_its_state() -> None:
    drift = _load(REPO / "examples" / "github" / "drift.yml")
    assert set(_on(drift)) == {"schedule", "workflow_dispatch"}
    text = json.dumps(list(_steps(drift)))
    assert "actions/upload-artifact@" in text and "keylint-state" in text
    assert "keylint comment --issue" in text


def test_pull_request_check_reads_a_state_file_comments_and_uploads_sarif() -> None:
    workflow = _load(REPO / "examples" / "github" / "pull-request.yml")
    assert set(_on(workflow)) == {"pull_request"}
    action = next(s for s in _steps(workflow) if s.get("id") == "keylint")
    assert action["with"]["mode"] == "check" and action["with"]["state-file"]
    sarif = next(s for s in _steps(workflow) if "upload-sarif" in s.get("uses", ""))
    assert sarif["with"]["sarif_file"] == "${{ steps.keylint.outputs.sarif-file }}"
    assert "always()" in sarif["if"]


def test_pre_commit_workflow_runs_every_hook_on_every_file() -> None:
    text = json.dumps(list(_steps(_load(REPO / "examples" / "github" / "pre-commit.yml"))))
    assert "pre-commit run --all-files" in text
