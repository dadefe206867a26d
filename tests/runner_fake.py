"""A small stand-in for the GitHub Actions runner: it runs action.yml's shell steps, in order,
and reads their output the way the runner does (workflow commands, `::stop-commands::`).

GitHub itself is out of reach here; what the runner would do with a step's log is modelled
closely enough to assert which annotations (or other commands) take effect, and which are
printed while commands are stopped and so are only text.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import REPO

ACTION = REPO / "action.yml"
WORKFLOWS = sorted((REPO / "examples" / "github").glob("*.yml"))
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
# `::name key=value,key=value::data`; the runner ignores leading blanks.
COMMAND = re.compile(r"::([\w-]+)(?: ([^:]*))?::(.*)")
ANNOTATIONS = ("error", "warning", "notice")


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    return data


def steps_of(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every step of an action (runs.steps) or of a workflow (each job's steps)."""
    if "runs" in document:
        yield from document["runs"]["steps"]
    for job in document.get("jobs", {}).values():
        yield from job.get("steps", [])


@dataclass(frozen=True)
class Command:
    name: str
    properties: dict[str, str]
    data: str


def _unescape(text: str, *, prop: bool = False) -> str:
    # The inverse of actions/toolkit's escapeData / escapeProperty.
    if prop:
        text = text.replace("%3A", ":").replace("%2C", ",")
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def workflow_commands(log: str) -> list[Command]:
    """The commands a runner acts on in `log`: none from `::stop-commands::T` until `::T::`."""
    acted: list[Command] = []
    stopped: str | None = None
    for line in log.splitlines():
        match = COMMAND.fullmatch(line.lstrip())
        if not match:
            continue
        name, props, data = match.groups()
        if stopped is not None:
            if name == stopped:
                stopped = None
            continue
        if name == "stop-commands":
            stopped = data
            continue
        properties = {}
        for pair in (props or "").split(","):
            if pair:
                key, _, value = pair.partition("=")
                properties[key] = _unescape(value, prop=True)
        acted.append(Command(name, properties, _unescape(data)))
    return acted


@dataclass
class ActionRun:
    outputs: dict[str, str]
    log: str
    summary: str
    failed_step: str | None
    exit_code: int  # of the last step that ran
    step_outputs: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def commands(self) -> list[Command]:
        """The workflow commands that took effect, in order."""
        return workflow_commands(self.log)

    @property
    def annotations(self) -> list[Command]:
        return [c for c in self.commands if c.name in ANNOTATIONS]


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

    `keylint=None` runs the action's own install step too (pip, from this checkout). A step's
    stdout and stderr form one log, as on GitHub.
    """
    action = load(ACTION)
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
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=120,
        )
        log.append(done.stdout)
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
