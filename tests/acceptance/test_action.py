"""action.yml's scripts, run for real, in order, by a stand-in for the runner (runner_fake).

What is asserted is what a user sees on GitHub: the annotations that take effect (workflow
commands outside `::stop-commands::`), the job summary, the SARIF file, the outputs, and how
often keylint ran and Binance was read to make them.
"""

from __future__ import annotations

import json
import shutil
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from keylint.testing.emulator import Emulator, Scenario, generate_key
from tests.github_fake import TOKEN, FakeGitHub
from tests.runner_fake import ANNOTATIONS, Command, run_action

Calls = Callable[[], list[list[str]]]


@pytest.fixture
def keylint_bin() -> Path:
    found = shutil.which("keylint", path=str(Path(sys.executable).parent))
    if found is None or shutil.which("bash") is None:
        pytest.skip("needs bash and the keylint console script beside this Python")
    return Path(found)


@pytest.fixture
def counted(tmp_path: Path, keylint_bin: Path) -> tuple[Path, Calls]:
    """keylint behind a shim that records each run's arguments: (the shim, the runs so far)."""
    calls = tmp_path / "keylint-calls.jsonl"
    shim = tmp_path / "keylint-shim"
    shim.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        f"with open({str(calls)!r}, 'a') as log:\n"
        "    log.write(json.dumps(sys.argv[1:]) + '\\n')\n"
        f"os.execv({str(keylint_bin)!r}, [{str(keylint_bin)!r}, *sys.argv[1:]])\n"
    )
    shim.chmod(0o755)

    def runs() -> list[list[str]]:
        if not calls.exists():
            return []
        return [json.loads(line) for line in calls.read_text().splitlines()]

    return shim, runs


def _reports(arguments: list[str]) -> dict[str, str]:
    """The `--report FORMAT=FILE` pairs of one run's arguments."""
    pairs = [arguments[i + 1] for i, a in enumerate(arguments) if a == "--report"]
    return dict(pair.split("=", 1) for pair in pairs)


def _annotated(run_annotations: list[Command]) -> list[tuple[str, str, str, str]]:
    return [
        (a.name, a.properties.get("file", ""), a.properties.get("line", ""), a.data)
        for a in run_annotations
    ]


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


def test_action_validates_with_annotations_summary_and_sarif_from_one_run(
    tmp_path: Path, counted: tuple[Path, Calls]
) -> None:
    shim, calls = counted
    workspace = _workspace(tmp_path, PRIVATE_IP)
    run = run_action(workspace, shim, inputs={"comment": "true"})
    assert run.failed_step == "Verdict" and run.exit_code == 1, run.log
    assert run.outputs["exit-code"] == "1"
    assert (run.outputs["errors"], run.outputs["warnings"], run.outputs["unchecked"]) == (
        "1",
        "0",
        "0",
    )
    # One keylint run wrote every output (a push: no comment).
    [arguments] = calls()
    assert arguments[0] == "validate" and arguments[arguments.index("--format") + 1] == "text"
    assert set(_reports(arguments)) == {"json", "github", "markdown", "sarif"}
    assert _reports(arguments)["sarif"] == "keylint.sarif"
    [finding] = run.annotations  # the verdict is a log line: the finding is the error
    assert (finding.name, finding.properties["file"], finding.properties["line"]) == (
        "error",
        "policies/bots.yaml",
        "7",
    )
    assert "KL204" in finding.properties["title"]
    assert "keylint: findings at or above fail-on error (1 errors, 0 warnings)" in run.log
    assert "keylint: not a pull request (push): no comment" in run.log
    assert "KL204 ip-unusable" in run.log  # the text report, in the log
    assert "<!-- keylint-report -->" in run.summary and "KL204" in run.summary
    assert run.outputs["sarif-file"] == "keylint.sarif"
    sarif = json.loads((workspace / "keylint.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["KL204"]


def test_action_checks_a_state_file_and_skips_the_outputs_switched_off(
    tmp_path: Path, counted: tuple[Path, Calls]
) -> None:
    shim, calls = counted
    workspace = _workspace(tmp_path, CLEAN, MATCHING)
    inputs = {
        "mode": "check",
        "state-file": "state.json",
        "sarif-file": "",
        "annotations": "false",
        "job-summary": "false",
    }
    run = run_action(workspace, shim, inputs=inputs)
    assert run.failed_step is None and run.exit_code == 0, run.log
    assert run.outputs["exit-code"] == "0" and run.outputs["errors"] == "0"
    assert run.outputs["sarif-file"] == "" and run.outputs["state-file"] == "state.json"
    assert run.summary == "" and run.commands == []
    assert "keylint: passed" in run.log
    assert not (workspace / "keylint.sarif").exists()
    [arguments] = calls()  # no fetch: the state file stands in for Binance
    assert arguments[:4] == ["check", "policies", "--state", "state.json"]
    assert set(_reports(arguments)) == {"json"}  # the outputs' counts only


def test_action_writes_more_reports_from_the_same_run(
    tmp_path: Path, counted: tuple[Path, Calls]
) -> None:
    shim, calls = counted
    workspace = _workspace(tmp_path, CLEAN, MATCHING)
    inputs = {
        "mode": "check",
        "state-file": "state.json",
        "sarif-file": "scan/results/keylint.sarif",  # its folder is made
        "reports": "json=out/keylint.json\n  markdown=out/keylint.md",
    }
    run = run_action(workspace, shim, inputs=inputs)
    assert run.failed_step is None and run.exit_code == 0, run.log
    [arguments] = calls()
    assert _reports(arguments)["sarif"] == "scan/results/keylint.sarif"
    written = sorted(v for v in _reports(arguments).values() if not v.startswith("/"))
    assert written == ["out/keylint.json", "out/keylint.md", "scan/results/keylint.sarif"]
    assert run.outputs["sarif-file"] == "scan/results/keylint.sarif"
    assert json.loads((workspace / "out" / "keylint.json").read_text())["summary"]["error"] == 0
    # The same run, the same report: the extra Markdown is the job summary's.
    assert (workspace / "out" / "keylint.md").read_text() == run.summary


def test_action_reports_a_key_it_could_not_check_at_its_policy_line(
    tmp_path: Path, keylint_bin: Path
) -> None:
    unreadable = _state({"status": "error", "error": "timeout after 3 attempts"})
    workspace = _workspace(tmp_path, CLEAN, unreadable)
    inputs = {"mode": "check", "state-file": "state.json", "fail-on": "never"}
    run = run_action(workspace, keylint_bin, inputs=inputs)
    assert run.failed_step == "Verdict" and run.exit_code == 3, run.log
    assert run.outputs["exit-code"] == "3" and run.outputs["unchecked"] == "1"
    # keylint's own `github` report places the key, as a notice; the verdict is the error.
    unchecked = [
        a for a in run.annotations if a.properties.get("title") == "keylint: key not checked"
    ]
    assert _annotated(unchecked) == [
        ("notice", "policies/bots.yaml", "3", "key 'bot' was not checked: timeout after 3 attempts")
    ]
    assert [a.data for a in run.annotations if a.name == "error"] == [
        "1 key(s) could not be checked; every other key was"
    ]


def test_action_refuses_an_unknown_mode(tmp_path: Path, keylint_bin: Path) -> None:
    run = run_action(_workspace(tmp_path, CLEAN), keylint_bin, inputs={"mode": "audit"})
    assert run.failed_step == "Verdict" and run.exit_code == 2, run.log
    assert run.outputs["exit-code"] == "2" and "mode input must be validate or check" in run.log


def test_action_reads_binance_once_and_comments_from_that_state(
    tmp_path: Path, counted: tuple[Path, Calls]
) -> None:
    """Live mode: one read of (emulated) Binance, every report and the PR comment from it."""
    shim, calls = counted
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
            shim,
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
    # fetch reads Binance; check and comment read its state file, with the same clock.
    fetch, check, comment = calls()
    assert [fetch[0], check[0], comment[0]] == ["fetch", "check", "comment"]
    assert fetch[fetch.index("--output") + 1] == state
    for arguments in (check, comment):
        assert arguments[arguments.index("--state") + 1] == state
        assert arguments[arguments.index("--now") + 1] == run.step_outputs["run"]["now"]
    assert set(_reports(check)) == {"json", "github", "markdown", "sarif"}
    titles = [a.properties.get("title", "") for a in run.annotations]
    assert any(t.startswith("KL101") for t in titles), run.log
    assert "Binance has `withdrawals` enabled" in run.summary
    # The one comment carries the same report as the job summary (same state, same clock).
    [posted] = github.comments[7]
    assert posted["body"] == run.summary
    published = run.log + run.summary + Path(state).read_text()
    published += (workspace / "keylint.sarif").read_text()
    for value in (secret.api_key, secret.private_pem, TOKEN):
        assert value and value not in published


# --- what reaches the runner as a command ----------------------------------------------------


HOSTILE = textwrap.dedent(
    """\
    #!{python}
    # A stand-in keylint whose every output tries to act as a workflow command.
    import json, sys

    arguments = sys.argv[1:]
    reports = dict(
        arguments[i + 1].split("=", 1) for i, a in enumerate(arguments) if a == "--report"
    )
    print("::error::from stdout")
    print("::add-mask::the text report")
    print("::warning::from stderr", file=sys.stderr)
    report = {{"summary": {{"error": {errors}, "warning": 0, "unchecked": {unchecked}}},
              "keys": [{{"name": f"key-{{n}}", "file": "policies/bots.yaml", "line": n + 3,
                         "status": "unchecked", "error": "ip \\x1b[31mnot\\ntrusted"}}
                        for n in range({unchecked})]}}
    for name, path in reports.items():
        with open(path, "w", encoding="utf-8") as out:
            if name == "json":
                json.dump(report, out)
            elif name == "github":
                for n in range({errors}):
                    out.write(f"::error file=policies/bots.yaml,line={{n + 3}},title=KL204::x\\n")
                out.write("::add-mask::the annotations file\\n")
                out.write("::stop-commands::swallow-the-rest\\n")
                out.write("::set-output name=exit-code::0\\n")
                out.write("  ::notice::indented\\n")
                out.write("keylint: {errors} errors\\n")
            else:
                out.write("report\\n")
    sys.exit({code})
    """
)


def _hostile(tmp_path: Path, *, errors: int, unchecked: int, code: int = 1) -> Path:
    fake = tmp_path / "keylint-hostile"
    fake.write_text(
        HOSTILE.format(python=sys.executable, errors=errors, unchecked=unchecked, code=code)
    )
    fake.chmod(0o755)
    return fake


def test_only_the_annotation_lines_of_keylints_github_report_act(tmp_path: Path) -> None:
    """Whatever keylint prints, on stdout or stderr, is logged with commands stopped; from
    its `github` report only annotations pass, never a mask, an output or stop-commands."""
    fake = _hostile(tmp_path, errors=2, unchecked=0)
    run = run_action(_workspace(tmp_path, CLEAN), fake)
    assert run.failed_step == "Verdict" and run.exit_code == 1, run.log
    assert {c.name for c in run.commands} <= set(ANNOTATIONS)
    assert _annotated(run.annotations) == [
        ("error", "policies/bots.yaml", "3", "x"),
        ("error", "policies/bots.yaml", "4", "x"),
    ]
    assert "keylint: findings at or above fail-on error (2 errors, 0 warnings)" in run.log
    assert "from stdout" in run.log and "from stderr" in run.log  # shown, as text
    assert run.outputs["exit-code"] == "1"


def test_the_verdict_never_pushes_a_finding_out_of_githubs_ten_errors(tmp_path: Path) -> None:
    """GitHub shows 10 errors a step: when keylint's report fills them (it caps itself), the
    verdict of a failing run is a log line, not an eleventh error that would hide the tenth."""
    fake = _hostile(tmp_path, errors=10, unchecked=0)
    run = run_action(_workspace(tmp_path, CLEAN), fake)
    assert run.failed_step == "Verdict" and run.exit_code == 1, run.log
    errors = [a for a in run.annotations if a.name == "error"]
    assert len(errors) == 10 and all(a.properties.get("title") == "KL204" for a in errors)
    assert "keylint: findings at or above fail-on error (10 errors, 0 warnings)" in run.log


def test_a_keylint_stopped_midway_fails_the_verdict_plainly(tmp_path: Path) -> None:
    """SIGTERM (143): the reports may be missing or stale; no outputs are read from them."""
    fake = _hostile(tmp_path, errors=1, unchecked=0, code=143)
    run = run_action(_workspace(tmp_path, CLEAN), fake)
    assert run.failed_step == "Verdict" and run.exit_code == 2, run.log
    assert run.outputs["exit-code"] == "143" and run.outputs["errors"] == ""
    assert [a.data for a in run.annotations] == ["keylint did not run to the end (exit code '143')"]
    assert "Traceback" not in run.log


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
