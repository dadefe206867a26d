"""The `keylint-validate` hook, run by the real pre-commit in a throwaway git repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

BAD = (
    "version: 1\nkeys:\n  - name: bot\n    permissions: [reading]\n    ips: [10.0.0.1]\n"
    "    max_age: 30d\n"
)
GOOD = BAD.replace("10.0.0.1", "203.0.113.10")


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="module")
def hook_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of this checkout as pre-commit sees a hook repository: committed files only."""
    source = tmp_path_factory.mktemp("hook-repo") / "keylint"
    subprocess.run(["git", "clone", "-q", str(REPO), str(source)], check=True, capture_output=True)
    # try-repo takes the working tree, uncommitted and new files included, as a hook author would.
    for tracked in subprocess.run(
        ["git", "ls-files", "-m", "-o", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split():
        (source / tracked).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / tracked, source / tracked)
    # pre-commit installs a hook repository from a commit: commit the copied work there.
    _git(source, "add", "-A")
    _git(
        source,
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.invalid",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "work in progress",
    )
    return source


def _try_repo(project: Path, source: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "try-repo",
            str(source),
            "keylint-validate",
            "--color",
            "never",
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.parametrize(("policy", "passes"), [(BAD, False), (GOOD, True)], ids=["bad", "good"])
def test_hook_blocks_a_bad_policy_and_passes_a_good_one(
    tmp_path: Path, hook_source: Path, pre_commit_home: Path, policy: str, passes: bool
) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    project = tmp_path / "infra"
    (project / "policies").mkdir(parents=True)
    (project / "policies" / "bots.yaml").write_text(policy)
    (project / "README.md").write_text("not a policy\n")
    _git(project, "init", "-q")
    _git(project, "add", ".")
    run = _try_repo(project, hook_source, pre_commit_home)
    output = run.stdout + run.stderr
    if passes:
        assert run.returncode == 0, output
        assert "Passed" in output
    else:
        assert run.returncode == 1, output
        assert "Failed" in output
        assert "KL204 ip-unusable" in output and "10.0.0.1 is a private address" in output
