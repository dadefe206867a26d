"""The README's Quick start is what CI runs, and its demo command works as written."""

from __future__ import annotations

import re

from tests.conftest import REPO, Keylint


def quick_start() -> list[str]:
    text = (REPO / "README.md").read_text()
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "the Quick start has no sh block"
    return block.group(1).strip().splitlines()


def test_quick_start_is_exactly_two_commands_and_ci_runs_the_second() -> None:
    commands = quick_start()
    assert len(commands) == 2
    ci = (REPO / ".ci" / "run").read_text()
    assert commands[1] in ci


def test_demo_command_runs_the_demo(keylint: Keylint) -> None:
    demo = quick_start()[0].split(".venv/bin/keylint ", 1)[1].split()
    run = keylint(*demo)
    assert run.exit_code == 1  # the demo fleet has errors on purpose
    assert "KL101 permission-not-declared" in run.stdout and "- declared:" in run.stdout


def test_every_workflow_to_copy_is_described() -> None:
    text = (REPO / "README.md").read_text()
    section = text.split("### Workflows to copy", 1)[1].split("\n## ", 1)[0]
    described = set(re.findall(r"^- \*\*`([\w.-]+\.yml)`\*\*", section, re.M))
    shipped = {p.name for p in (REPO / "examples" / "github").glob("*.yml")}
    assert described == shipped
