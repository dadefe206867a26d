"""The GitHub integration: action.yml and the example workflows in examples/github/.

GitHub itself is out of reach here, so the files are checked against the schemas GitHub's
own editors use (vendored in check-jsonschema), for the rules a reviewer would check by hand
(no `${{ }}` inside scripts, least privilege, secrets only where needed), and the action's
shell steps are run for real, in order, by a small stand-in for the runner.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from keylint.testing.emulator import Emulator, Scenario, generate_key
from tests.conftest import REPO
from tests.github_fake import TOKEN, FakeGitHub

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
    assert uses == ["actions/setup-python@v6"]
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


# --- the action's scripts, run by a stand-in for the runner ----------------------------------


@dataclass
class ActionRun:
    outputs: dict[str, str]
    log: str
    summary: str
    failed_step: str | None
    exit_code: int  # of the last step that ran
    step_outputs: dict[str, dict[str, str]] = field(default_factory=dict)


def _evaluate(text: str, context: dict[str, Any]) -> str:
    """`${{ inputs.x }}`, `${{ steps.id.outputs.x }}` and `${{ github.x }}`: all the action uses."""

    def value(match: re.Match[str]) -> str:
        node: Any = context
        for part in match.group(1).split("."):
            node = node.get(part, "") if isinstance(node, dict) else ""
        return str(node)

    return EXPRESSION.sub(value, text)


def _condition(expression: str, context: dict[str, Any]) -> bool:
    match = re.fullmatch(r"inputs\.([\w-]+) == '(\w*)'", expression.strip())
    assert match, f"the stand-in runner does not know `if: {expression}`"
    return bool(context["inputs"].get(match.group(1)) == match.group(2))


def run_action(
    workspace: Path,
    keylint: Path | None,
    *,
    inputs: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
    event_name: str = "push",
) -> ActionRun:
    """Run action.yml's steps as a runner would, with keylint installed at `keylint`.

    `keylint=None` runs the action's own install step too (pip, from this checkout).
    """
    action = _load(ACTION)
    given = inputs or {}
    temp = workspace.parent / f"{workspace.name}-runner-temp"
    temp.mkdir()
    summary = temp / "step-summary.md"
    summary.touch()
    github = {"event_name": event_name, "token": "ghs_test-token"}
    context: dict[str, Any] = {"github": github, "steps": {}, "inputs": {}}
    context["inputs"] = {
        name: given.get(name, _evaluate(str(spec.get("default", "")), context))
        for name, spec in action["inputs"].items()
    }
    assert set(given) <= set(context["inputs"]), "unknown input"
    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("BINANCE", "KEYLINT", "GITHUB_"))
    }
    base.update(env or {})
    base.update(
        {
            "GITHUB_ACTION_PATH": str(REPO),
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_EVENT_NAME": event_name,
            "RUNNER_TEMP": str(temp),
            "NO_COLOR": "1",
        }
    )
    log, failed, code = [], None, 0
    for number, step in enumerate(action["runs"]["steps"]):
        step_id = step.get("id", f"step{number}")
        if step_id == "python":  # actions/setup-python: this interpreter stands in
            context["steps"][step_id] = {"outputs": {"python-path": sys.executable}}
            continue
        if step_id == "install" and keylint is not None:  # the keylint under test stands in
            outputs = {"keylint": str(keylint), "python": sys.executable}
            context["steps"][step_id] = {"outputs": outputs}
            continue
        assert "run" in step, f"unexpected step {step}"
        if "if" in step and not _condition(step["if"], context):
            continue
        output = temp / f"output-{number}"
        output.touch()
        step_env = {k: _evaluate(str(v), context) for k, v in step.get("env", {}).items()}
        script = temp / f"step-{number}.sh"
        script.write_text(step["run"])
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env={**base, **step_env, "GITHUB_OUTPUT": str(output)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        log.append(done.stdout + done.stderr)
        lines = output.read_text().splitlines()
        assert not any("<<" in line for line in lines), "multi-line outputs are not parsed here"
        context["steps"][step_id] = {"outputs": dict(line.split("=", 1) for line in lines)}
        code = done.returncode
        if code != 0:
            failed = step.get("name", step_id)
            break
    outputs = {name: _evaluate(spec["value"], context) for name, spec in action["outputs"].items()}
    steps = {k: v["outputs"] for k, v in context["steps"].items()}
    return ActionRun(outputs, "".join(log), summary.read_text(), failed, code, steps)


@pytest.fixture
def keylint_bin() -> Path:
    found = shutil.which("keylint", path=str(Path(sys.executable).parent))
    if found is None or shutil.which("bash") is None:
        pytest.skip("needs bash and the keylint console script beside this Python")
    return Path(found)


CLEAN = (
    "version: 1\nkeys:\n  - name: bot\n    api_key_env: BOT_API_KEY\n"
    "    private_key_env: BOT_PEM\n    permissions: [reading]\n    ip_restrict: false\n"
    "    max_age: 90d\n"
)
PRIVATE_IP = CLEAN.replace("ip_restrict: false", "ips: [10.0.0.1]")


def _workspace(tmp_path: Path, policy: str, state: dict[str, Any] | None = None) -> Path:
    workspace = tmp_path / "repo"
    (workspace / "policies").mkdir(parents=True)
    (workspace / "policies" / "bots.yaml").write_text(policy)
    if state is not None:
        (workspace / "state.json").write_text(json.dumps(state))
    return workspace


def _state(key: dict[str, Any]) -> dict[str, Any]:
    state = {"version": 1, "fetched_at": "2026-11-24T09:00:00Z", "keys": {"bot": key}}
    return {**state, "sub_accounts": {}}


YESTERDAY = int((time.time() - 86_400) * 1000)
MATCHING = _state(
    {
        "status": "ok",
        "restrictions": {"ipRestrict": False, "createTime": YESTERDAY, "enableReading": True},
        "listing": None,
        "ip_list": None,
    }
)


def test_action_validates_with_annotations_summary_and_sarif(
    tmp_path: Path, keylint_bin: Path
) -> None:
    workspace = _workspace(tmp_path, PRIVATE_IP)
    run = run_action(workspace, keylint_bin, inputs={"comment": "true"})
    assert run.failed_step == "Verdict" and run.exit_code == 1, run.log
    assert run.outputs["exit-code"] == "1"
    assert (run.outputs["errors"], run.outputs["warnings"], run.outputs["unchecked"]) == (
        "1",
        "0",
        "0",
    )
    assert "::error file=policies/bots.yaml,line=7" in run.log and "KL204 ip-unusable" in run.log
    assert "keylint: not a pull request (push): no comment" in run.log
    assert "<!-- keylint-report -->" in run.summary and "KL204" in run.summary
    assert run.outputs["sarif-file"] == "keylint.sarif"
    sarif = json.loads((workspace / "keylint.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["KL204"]


def test_action_checks_a_state_file_and_skips_the_outputs_switched_off(
    tmp_path: Path, keylint_bin: Path
) -> None:
    workspace = _workspace(tmp_path, CLEAN, MATCHING)
    inputs = {
        "mode": "check",
        "state-file": "state.json",
        "sarif-file": "",
        "annotations": "false",
        "job-summary": "false",
    }
    run = run_action(workspace, keylint_bin, inputs=inputs)
    assert run.failed_step is None and run.exit_code == 0, run.log
    assert run.outputs["exit-code"] == "0" and run.outputs["errors"] == "0"
    assert run.outputs["sarif-file"] == "" and run.outputs["state-file"] == "state.json"
    assert run.summary == "" and "::" not in run.log
    assert "keylint: passed" in run.log
    assert not (workspace / "keylint.sarif").exists()


def test_action_reports_a_key_it_could_not_check_at_its_policy_line(
    tmp_path: Path, keylint_bin: Path
) -> None:
    unreadable = _state({"status": "error", "error": "timeout after 3 attempts"})
    workspace = _workspace(tmp_path, CLEAN, unreadable)
    inputs = {"mode": "check", "state-file": "state.json", "fail-on": "never"}
    run = run_action(workspace, keylint_bin, inputs=inputs)
    assert run.failed_step == "Verdict" and run.exit_code == 3, run.log
    assert run.outputs["exit-code"] == "3" and run.outputs["unchecked"] == "1"
    assert (
        "::error file=policies/bots.yaml,line=3,title=keylint unchecked::"
        "[bot] could not be checked: timeout after 3 attempts"
    ) in run.log


def test_action_refuses_an_unknown_mode(tmp_path: Path, keylint_bin: Path) -> None:
    run = run_action(_workspace(tmp_path, CLEAN), keylint_bin, inputs={"mode": "audit"})
    assert run.failed_step == "Verdict" and run.exit_code == 2, run.log
    assert run.outputs["exit-code"] == "2" and "mode input must be validate or check" in run.log


def test_action_reads_binance_once_and_comments_from_that_state(
    tmp_path: Path, keylint_bin: Path
) -> None:
    """Live mode: one read of (emulated) Binance, every report and the PR comment from it."""
    emu_key, secret = generate_key(
        "ed25519",
        label="bot",
        create_time=YESTERDAY,
        permissions={"enableReading": True, "enableWithdrawals": True},
    )
    workspace = _workspace(tmp_path, CLEAN)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7}}))
    credentials = {"BOT_API_KEY": secret.api_key, "BOT_PEM": secret.private_pem or ""}
    with Emulator(Scenario(keys=[emu_key])) as emu, FakeGitHub() as github:
        run = run_action(
            workspace,
            keylint_bin,
            inputs={"mode": "check", "comment": "true", "github-token": TOKEN},
            env={
                **credentials,
                "KEYLINT_BASE_URL": emu.base_url,
                "GITHUB_REPOSITORY": "o/r",  # the only repository the fake serves
                "GITHUB_EVENT_PATH": str(event),
                "GITHUB_API_URL": github.url,
            },
            event_name="pull_request",
        )
        fetches = sum(r.path.endswith("/apiRestrictions") for r in emu.requests)
    assert fetches == 1
    assert run.failed_step == "Verdict" and run.exit_code == 1, run.log
    state = run.outputs["state-file"]
    assert state.endswith("keylint-state.json")
    assert json.loads(Path(state).read_text())["keys"]["bot"]["status"] == "ok"
    assert "title=KL101 permission-not-declared" in run.log
    assert "Binance has `withdrawals` enabled" in run.summary
    # The one comment carries the same report as the job summary (same state, same clock).
    [comment] = github.comments[7]
    assert comment["body"] == run.summary
    published = run.log + run.summary + Path(state).read_text()
    published += (workspace / "keylint.sarif").read_text()
    for value in (secret.api_key, secret.private_pem, TOKEN):
        assert value and value not in published


@pytest.mark.slow
def test_action_installs_itself_from_its_own_checkout(tmp_path: Path) -> None:
    """`pip install "$GITHUB_ACTION_PATH"` into the action's own venv (needs the package index)."""
    if shutil.which("bash") is None:
        pytest.skip("needs bash")
    workspace = _workspace(tmp_path, PRIVATE_IP)
    run = run_action(workspace, None)
    assert run.failed_step == "Verdict" and run.exit_code == 1, run.log
    installed = Path(run.step_outputs["install"]["keylint"])
    assert installed.is_relative_to(tmp_path) and installed.exists()
    assert "KL204 ip-unusable" in run.log and run.outputs["errors"] == "1"
