"""The GitHub integration as files: action.yml and the example workflows in examples/github/.

GitHub itself is out of reach here, so the files are checked against the schemas GitHub's
own editors use (vendored in check-jsonschema), and for the rules a reviewer would check by
hand: no `${{ }}` inside scripts, every action pinned to a commit, least privilege, master
credentials only in environment-gated jobs, no untrusted code run with secrets, artifacts
kept out of the checkout. test_action.py runs the action's scripts; test_workflow_linters.py
runs actionlint and zizmor over the same files.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.runner_fake import ACTION, WORKFLOWS, load, steps_of

EXAMPLES = REPO / "examples" / "github"
# The commit each tag names, read from the action's own repository (`git rev-parse
# TAG^{commit}` in a clone): a pin whose hex drifted by one digit, or whose comment names
# another tag, fails here. Update a pin and this table together.
PINNED = {
    "actions/checkout": ("3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "actions/setup-python": ("5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    "actions/cache": ("27d5ce7f107fe9357f9df03efb73ab90386fccae", "v5.0.5"),
    "actions/upload-artifact": ("bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0"),
    "actions/download-artifact": ("3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", "v8.0.1"),
    "github/codeql-action": ("8aad20d150bbac5944a9f9d289da16a4b0d87c1e", "v4.36.2"),
    "hashicorp/vault-action": ("4c06c5ccf5c0761b6029f56cfb1dcf5565918a3b", "v3.4.0"),
}
# keylint's own action, as a user's workflow names it. No release commit exists to pin yet, so
# the example names the tag and says to pin the commit; zizmor's finding is ignored there, on
# that line, with that reason, and nowhere else.
SELF = "keylint/keylint"
USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?:\s+#\s*(?P<comment>.*))?$")
MASTER = re.compile(r"secrets\.BINANCE_MASTER_\w+")
# Environments whose jobs may change keys: required reviewers guard them (apply.yml, rotate.yml).
APPROVED = {"binance-apply", "binance-production"}
READ_ONLY = {"binance-read"}


def _check_jsonschema(schema: str, *paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _on(workflow: dict[Any, Any]) -> Any:
    return workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on:` as True


def _references(path: Path) -> list[tuple[int, str, str]]:
    """(line, reference, comment) of every `uses:` in the file, read as text: comments count."""
    found = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue
        match = USES.match(line)
        if match:
            found.append((number, match["ref"], match["comment"] or ""))
    return found


def _run_text(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in job.get("steps", []))


# --- the files as GitHub reads them ----------------------------------------------------------


def test_the_examples_are_there() -> None:
    assert [p.name for p in WORKFLOWS] == [
        "apply.yml",
        "drift.yml",
        "pre-commit.yml",
        "pull-request.yml",
        "rotate.yml",
    ]


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.stem)
def test_example_workflow_passes_githubs_workflow_schema(workflow: Path) -> None:
    run = _check_jsonschema("vendor.github-workflows", workflow)
    assert run.returncode == 0, run.stdout + run.stderr


def test_action_passes_githubs_action_schema() -> None:
    run = _check_jsonschema("vendor.github-actions", ACTION)
    assert run.returncode == 0, run.stdout + run.stderr


def test_action_has_the_documented_inputs_and_outputs() -> None:
    action = load(ACTION)
    inputs = action["inputs"]
    defaults = {name: spec.get("default") for name, spec in inputs.items()}
    assert defaults["paths"] == "policies"
    assert defaults["mode"] == "validate"
    assert defaults["state-file"] == ""
    assert defaults["fail-on"] == "error"
    assert defaults["sarif-file"] == "keylint.sarif"
    assert defaults["reports"] == ""
    for switch in ("annotations", "job-summary", "comment"):
        assert defaults[switch] in ("true", "false"), switch
    assert {"version", "python-version", "github-token"} <= set(inputs)
    assert all(spec.get("description") for spec in inputs.values())
    outputs = action["outputs"]
    assert {"exit-code", "errors", "warnings", "unchecked", "sarif-file"} <= set(outputs)
    assert action["runs"]["using"] == "composite"
    uses = [step["uses"] for step in action["runs"]["steps"] if "uses" in step]
    assert uses == [f"actions/setup-python@{PINNED['actions/setup-python'][0]}"]
    install = next(s for s in action["runs"]["steps"] if s.get("id") == "install")["run"]
    assert 'spec="$GITHUB_ACTION_PATH"' in install  # the action installs its own checkout


@pytest.mark.parametrize("path", [ACTION, *WORKFLOWS], ids=lambda p: p.name)
def test_no_script_interpolates_an_expression(path: Path) -> None:
    """Script-injection hygiene: values reach `run:` through `env:`, never as `${{ }}`."""
    for step in steps_of(load(path)):
        if "run" in step:
            assert "${{" not in step["run"], f"{path.name}: {step.get('name', step['run'][:40])}"


# --- every action pinned to a commit ---------------------------------------------------------


def test_the_text_scan_finds_every_uses_the_yaml_has() -> None:
    """The pin checks read `uses:` lines as text (YAML drops comments): none may escape them."""
    for path in [ACTION, *WORKFLOWS]:
        parsed = [step["uses"] for step in steps_of(load(path)) if "uses" in step]
        assert [ref for _, ref, _ in _references(path)] == parsed, path.name


@pytest.mark.parametrize("path", [ACTION, *WORKFLOWS], ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_with_its_tag_in_a_comment(path: Path) -> None:
    for line, ref, comment in _references(path):
        where = f"{path.name}:{line}: {ref}"
        if ref.startswith("./"):
            continue  # a local action is the checked-out commit itself
        name, _, version = ref.partition("@")
        repository = "/".join(name.split("/")[:2])  # github/codeql-action/upload-sarif
        if repository == SELF and not re.fullmatch(r"[0-9a-f]{40}", version):
            # The placeholder: a release tag, with zizmor's ignore and the reason on its line.
            assert re.fullmatch(r"v\d+\.\d+\.\d+", version), where
            assert comment.startswith("zizmor: ignore[unpinned-uses] placeholder:"), where
            assert "pin the commit" in comment, where
            continue
        assert re.fullmatch(r"[0-9a-f]{40}", version), f"{where}: not a full commit SHA"
        tag = comment.split()[0] if comment else ""
        assert re.fullmatch(r"v\d+(\.\d+){0,2}", tag), f"{where}: no `# vX.Y.Z` tag comment"
        assert PINNED.get(repository) == (version, tag), f"{where}: not the commit of {tag}"


def test_the_self_reference_placeholder_is_only_in_the_pull_request_example() -> None:
    placeholders = [
        (path.name, ref)
        for path in [ACTION, *WORKFLOWS]
        for _, ref, _ in _references(path)
        if ref.startswith(SELF + "@")
    ]
    assert placeholders == [("pull-request.yml", "keylint/keylint@v0.1.0")]


# --- permissions, secrets and environments ---------------------------------------------------


EXPECTED_PERMISSIONS: dict[str, dict[str, dict[str, str]]] = {
    "apply": {"plan": {"contents": "read"}, "apply": {"contents": "read"}},
    "drift": {
        "fetch": {"contents": "read"},
        "report": {"contents": "read", "issues": "write"},  # the one drift issue
    },
    "pre-commit": {"pre-commit": {"contents": "read"}},
    "pull-request": {
        "keylint": {
            "contents": "read",
            "actions": "read",  # the drift run's state artifact
            "pull-requests": "write",  # the one comment
            "security-events": "write",  # SARIF to code scanning
        }
    },
    "rotate": {  # OIDC for the secret store
        name: {"contents": "read", "id-token": "write"} for name in ("plan", "apply", "rotate-now")
    },
}


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.stem)
def test_jobs_get_only_the_permissions_they_need(workflow: Path) -> None:
    document = load(workflow)
    # Nothing at the top: a job added later without a `permissions:` of its own gets nothing,
    # rather than whatever the workflow level grants.
    assert document["permissions"] == {}
    granted = {name: job.get("permissions") for name, job in document["jobs"].items()}
    assert granted == EXPECTED_PERMISSIONS[workflow.stem]
    for name, job in document["jobs"].items():
        assert "timeout-minutes" in job, name
        assert job.get("name"), f"{name}: a job is named in the run's page"
        assert "secrets." not in json.dumps(job.get("env", {})), "secrets only in the step"
    assert "secrets." not in json.dumps(document.get("env", {}))


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.stem)
def test_master_credentials_only_in_environment_gated_jobs(workflow: Path) -> None:
    """Environment secrets reach only jobs that name the environment, on the branches and
    after the approvals it demands; a job without one would read them from the repository."""
    for name, job in load(workflow)["jobs"].items():
        text = json.dumps(job)
        secrets = set(re.findall(r"secrets\.(\w+)", text))
        if MASTER.search(text):
            assert job.get("environment") in APPROVED | READ_ONLY, name
        if secrets - {"GITHUB_TOKEN"}:
            assert job.get("environment"), f"{name} reads {sorted(secrets)} outside an environment"
        # Keys change only behind an approval: never from the read-only environment.
        if re.search(r"keylint (apply|rotate)\b", _run_text(job)):
            assert job.get("environment") in APPROVED, name


def test_every_job_that_reads_binance_is_in_an_environment() -> None:
    readers = {
        (workflow.stem, name): job.get("environment")
        for workflow in WORKFLOWS
        for name, job in load(workflow)["jobs"].items()
        if MASTER.search(json.dumps(job))
    }
    assert readers == {
        ("apply", "plan"): "binance-read",
        ("apply", "apply"): "binance-apply",
        ("drift", "fetch"): "binance-read",
        ("rotate", "plan"): "binance-read",
        ("rotate", "apply"): "binance-production",
        ("rotate", "rotate-now"): "binance-production",
    }


def test_secrets_reach_only_the_step_that_reads_binance() -> None:
    for workflow in WORKFLOWS:
        steps = [s for s in steps_of(load(workflow)) if "secrets." in json.dumps(s)]
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


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.stem)
def test_no_job_holds_binance_credentials_and_a_write_token(workflow: Path) -> None:
    """A job that can write to the repository (issues, comments, code scanning) gets no
    Binance secret, and one that holds them gets no write scope beyond the OIDC token."""
    for name, job in load(workflow)["jobs"].items():
        writes = {k for k, v in job["permissions"].items() if v == "write"} - {"id-token"}
        if "secrets.BINANCE_" in json.dumps(job):
            assert writes == set(), name


# --- untrusted code, checkouts and artifacts -------------------------------------------------


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.stem)
def test_no_trigger_runs_a_forks_code_with_this_repositorys_secrets(workflow: Path) -> None:
    assert not {"pull_request_target", "workflow_run"} & set(_on(load(workflow)))


@pytest.mark.parametrize("path", [ACTION, *WORKFLOWS], ids=lambda p: p.name)
def test_checkouts_keep_no_credentials(path: Path) -> None:
    """No job pushes, so none leaves its token in .git/config for later steps to read."""
    for step in steps_of(load(path)):
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step.get("with", {}).get("persist-credentials") is False, path.name


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.stem)
def test_artifacts_are_taken_outside_the_checkout(workflow: Path) -> None:
    """A downloaded artifact never lands in the workspace, where it could replace a policy,
    .keylint.yaml or a script a later step runs."""
    for step in steps_of(load(workflow)):
        if step.get("uses", "").startswith("actions/download-artifact@"):
            assert step["with"]["name"], "one named artifact, not every one of the run"
            assert step["with"]["path"].startswith("${{ runner.temp }}/"), step
        if "gh run download" in step.get("run", ""):
            assert '--dir "$RUNNER_TEMP/' in step["run"]


# --- what each workflow does -----------------------------------------------------------------


def test_apply_workflow_applies_the_reviewed_plan_behind_an_approval_gate() -> None:
    workflow = load(EXAMPLES / "apply.yml")
    jobs = workflow["jobs"]
    assert jobs["apply"]["needs"] == "plan"
    assert jobs["apply"]["environment"] == "binance-apply"
    assert jobs["plan"]["environment"] == "binance-read"
    plan_run, apply_run = _run_text(jobs["plan"]), _run_text(jobs["apply"])
    assert "keylint plan policies --output plan.json" in plan_run
    assert 'keylint apply policies --plan "$RUNNER_TEMP/keylint-plan/plan.json" --yes' in apply_run
    assert "--allow-widen" not in plan_run  # widening only when the run asked for it
    kept = next(s for s in jobs["plan"]["steps"] if "upload-artifact" in s.get("uses", ""))
    taken = next(s for s in jobs["apply"]["steps"] if "download-artifact" in s.get("uses", ""))
    assert kept["with"]["name"] == taken["with"]["name"] and kept["with"]["path"] == "plan.json"
    assert taken["with"]["path"] == "${{ runner.temp }}/keylint-plan"


def test_rotate_workflow_applies_the_reviewed_plan_behind_the_production_gate() -> None:
    workflow = load(EXAMPLES / "rotate.yml")
    assert set(_on(workflow)) == {"schedule", "workflow_dispatch"}
    # One run that changes keys at a time, shared with apply.yml, never cancelled midway.
    apply_yml = load(EXAMPLES / "apply.yml")
    assert workflow["concurrency"] == apply_yml["concurrency"]
    assert workflow["concurrency"]["cancel-in-progress"] is False
    jobs = workflow["jobs"]
    assert jobs["apply"]["needs"] == "plan"
    assert "needs.plan.outputs.changes" in jobs["apply"]["if"]
    assert jobs["plan"]["environment"] == "binance-read"
    for name in ("apply", "rotate-now"):
        assert jobs[name]["environment"] == "binance-production", name
    run = {name: _run_text(job) for name, job in jobs.items()}
    assert "keylint plan policies --output plan.json" in run["plan"]
    assert (
        'keylint apply policies --plan "$RUNNER_TEMP/keylint-plan/plan.json" --yes '
        "--log audit.jsonl"
    ) in run["apply"]
    assert "keylint rotate" in run["rotate-now"]
    assert "--yes --log audit.jsonl --" in run["rotate-now"]  # `--`: a name is never an option
    assert "--allow-widen" not in json.dumps(workflow)
    # The plan artifact the apply job reads is the one the plan job keeps.
    kept = next(s for s in jobs["plan"]["steps"] if "upload-artifact" in s.get("uses", ""))
    taken = next(s for s in jobs["apply"]["steps"] if "download-artifact" in s.get("uses", ""))
    assert kept["with"]["name"] == taken["with"]["name"] and kept["with"]["path"] == "plan.json"
    # The plan job's store role trusts the environment's OIDC subject (see the file's header).
    assert "bound_subject=repo:OWNER/REPO:environment:binance-read" in (
        (EXAMPLES / "rotate.yml").read_text()
    )
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


def test_drift_runs_nightly_and_on_demand_and_keeps_its_state() -> None:
    drift = load(EXAMPLES / "drift.yml")
    assert set(_on(drift)) == {"schedule", "workflow_dispatch"}
    fetch, report = drift["jobs"]["fetch"], drift["jobs"]["report"]
    assert report["needs"] == "fetch" and fetch["environment"] == "binance-read"
    assert "environment" not in report  # it holds no Binance secret
    kept = next(s for s in fetch["steps"] if "upload-artifact" in s.get("uses", ""))
    taken = next(s for s in report["steps"] if "download-artifact" in s.get("uses", ""))
    assert kept["with"]["name"] == taken["with"]["name"] == "keylint-state"
    run = _run_text(report)
    assert "keylint comment --issue" in run
    # One check run for the annotations and the job summary.
    assert run.count("keylint check ") == 1
    assert "--report github=" in run and "--report markdown=" in run


def test_pull_request_check_reads_a_state_file_comments_and_uploads_sarif() -> None:
    workflow = load(EXAMPLES / "pull-request.yml")
    assert set(_on(workflow)) == {"pull_request"}
    action = next(s for s in steps_of(workflow) if s.get("id") == "keylint")
    assert action["with"]["mode"] == "check" and action["with"]["state-file"]
    sarif = next(s for s in steps_of(workflow) if "upload-sarif" in s.get("uses", ""))
    assert sarif["with"]["sarif_file"] == "${{ steps.keylint.outputs.sarif-file }}"
    assert "always()" in sarif["if"]


def test_pre_commit_workflow_runs_every_hook_on_every_file() -> None:
    text = json.dumps(list(steps_of(load(EXAMPLES / "pre-commit.yml"))))
    assert "pre-commit run --all-files" in text
