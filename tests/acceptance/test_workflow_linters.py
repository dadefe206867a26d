"""actionlint and zizmor over action.yml and examples/github/, as a reviewer would run them.

Both come with the `test` extra (pyproject.toml says which packages and why). zizmor runs
offline (no audit that asks GitHub), with every persona's findings (auditor: the most it
reports) and no configuration file: the one exception lives on its line in the workflow, with
its reason. actionlint checks workflows only; the action is checked through a workflow that
uses it as `./`, and its shell scripts go to shellcheck directly, as actionlint would send a
workflow's `run:` scripts.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.runner_fake import ACTION, WORKFLOWS, load

BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[test]')")
    return found


def _run(command: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    # No token: nothing here may reach GitHub, and zizmor would try with one.
    env = {k: v for k, v in os.environ.items() if k not in ("GH_TOKEN", "GITHUB_TOKEN")}
    env.update(NO_COLOR="1", ZIZMOR_OFFLINE="true")
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def _zizmor(tmp_path: Path, *flags: str) -> list[dict[str, Any]]:
    done = _run(
        [
            _tool("zizmor"),
            "--offline",
            "--no-config",
            "--persona=auditor",
            "--format=json",
            f"--cache-dir={tmp_path}",
            *flags,
            str(ACTION),
            *map(str, WORKFLOWS),
        ]
    )
    findings = json.loads(done.stdout or "[]")
    assert isinstance(findings, list), done.stdout
    # 0: nothing found; 1 and 2 are usage and runtime errors, 10+ the highest severity found.
    assert done.returncode in (0, 10, 11, 12, 13, 14), done.stderr
    return findings


def _where(finding: dict[str, Any]) -> tuple[str, str, int]:
    """(rule, file name, line) of a finding, at its primary location."""
    [primary] = [p for p in finding["locations"] if p["symbolic"]["kind"] == "Primary"]
    path = Path(primary["symbolic"]["key"]["Local"]["verbatim_path"]).name
    line = primary["concrete"]["location"]["start_point"]["row"] + 1
    return str(finding["ident"]), path, int(line)


def test_zizmor_finds_nothing(tmp_path: Path) -> None:
    findings = _zizmor(tmp_path)
    assert [_where(f) for f in findings] == []


def test_zizmors_only_ignored_finding_is_the_documented_placeholder(tmp_path: Path) -> None:
    """Without ignore comments zizmor finds exactly what the comments say they ignore."""
    found = sorted(_where(f) for f in _zizmor(tmp_path, "--no-ignores"))
    ignored = sorted(
        (rule, path.name, number)
        for path in [ACTION, *WORKFLOWS]
        for number, line in enumerate(path.read_text().splitlines(), 1)
        for rule in re.findall(r"# zizmor: ignore\[([\w-]+)\]", line)
    )
    assert found == ignored == [("unpinned-uses", "pull-request.yml", _placeholder_line())]
    # Every ignore says why, after the rule.
    for path in [ACTION, *WORKFLOWS]:
        for line in path.read_text().splitlines():
            if "zizmor: ignore[" in line:
                assert re.search(r"ignore\[[\w-]+\] \w+.{20,}", line), line


def _placeholder_line() -> int:
    lines = (WORKFLOWS[0].parent / "pull-request.yml").read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.strip().startswith("uses: keylint/"))


def _actionlint(*arguments: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    shellcheck = _tool("shellcheck")
    # shellcheck for `run:` scripts; pyflakes off (no `shell: python` step here).
    command = [_tool("actionlint"), "-no-color", f"-shellcheck={shellcheck}", "-pyflakes="]
    return _run([*command, *arguments], cwd=cwd)


def test_actionlint_passes_the_example_workflows() -> None:
    done = _actionlint(*map(str, WORKFLOWS))
    assert done.returncode == 0 and done.stdout == "", done.stdout + done.stderr


def test_actionlint_sees_what_it_is_asked_to_see(tmp_path: Path) -> None:
    """The two checks above are worth something only if actionlint runs shellcheck here."""
    workflow = tmp_path / "broken.yml"
    workflow.write_text(
        "name: broken\non: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo $UNQUOTED\n"
    )
    done = _actionlint(str(workflow))
    assert done.returncode == 1 and "SC2086" in done.stdout, done.stdout + done.stderr


def test_actionlint_checks_the_action_through_a_workflow_that_uses_it(tmp_path: Path) -> None:
    """Each input by its name and the contexts its steps may use (no `secrets` in a
    composite action), as actionlint checks a local action a workflow names."""
    project = tmp_path / "project"
    (project / ".github" / "workflows").mkdir(parents=True)
    shutil.copy(ACTION, project / "action.yml")
    inputs = "\n".join(f"          {name}: x" for name in load(ACTION)["inputs"])
    (project / ".github" / "workflows" / "use.yml").write_text(
        "name: use\non: push\npermissions: {}\njobs:\n  use:\n    name: use\n"
        "    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    permissions:\n"
        "      contents: read\n    steps:\n      - id: keylint\n        uses: ./\n"
        f"        with:\n{inputs}\n      - env:\n"
        "          CODE: ${{ steps.keylint.outputs.exit-code }}\n"
        '        run: echo "$CODE"\n'
    )
    subprocess.run(["git", "init", "-q", str(project)], check=True, timeout=60)
    done = _actionlint(cwd=project)
    assert done.returncode == 0 and done.stdout == "", done.stdout + done.stderr


def test_shellcheck_passes_the_actions_scripts(tmp_path: Path) -> None:
    shellcheck = _tool("shellcheck")
    steps = [s for s in load(ACTION)["runs"]["steps"] if "run" in s]
    assert all(s["shell"] == "bash" for s in steps)
    for number, step in enumerate(steps):
        script = tmp_path / f"step-{number}.sh"
        script.write_text(step["run"])
        done = _run([shellcheck, "--shell=bash", "--severity=style", str(script)])
        assert done.returncode == 0, f"{step['name']}:\n{done.stdout}"
