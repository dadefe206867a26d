"""The pre-commit hooks, run by the real pre-commit in throwaway git repositories."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

BAD = (
    "version: 1\nkeys:\n  - name: bot\n    permissions: [reading]\n    ips: [10.0.0.1]\n"
    "    max_age: 30d\n"
)
GOOD = BAD.replace("10.0.0.1", "203.0.113.10")
# No secret_env: the check-state policy is clean unless Binance differs from it.
DECLARED = GOOD.replace("30d", "90d")


def _state(**enabled: bool) -> str:
    """A state file in which key `bot` was created yesterday, with these permissions on."""
    restrictions = {
        "ipRestrict": True,
        "createTime": int((time.time() - 86_400) * 1000),
        "enableReading": True,
        "enableWithdrawals": False,
        **enabled,
    }
    key = {"status": "ok", "restrictions": restrictions, "listing": None, "ip_list": None}
    state = {"version": 1, "fetched_at": "2026-11-24T09:00:00Z", "keys": {"bot": key}}
    return json.dumps({**state, "sub_accounts": {}}, indent=2)


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pre-commit store for the module, so `pre-commit run` installs the hooks once."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="module")
def hook_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of this checkout as pre-commit sees a hook repository: committed files only."""
    source = tmp_path_factory.mktemp("hook-repo") / "keylint"
    subprocess.run(["git", "clone", "-q", str(REPO), str(source)], check=True, capture_output=True)
    # The working tree, uncommitted and new files included, as a hook author tries it.
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


def _config(hook_source: Path, hooks: list[dict[str, object]]) -> str:
    """A .pre-commit-config.yaml that takes these hooks from the hook repository's commit."""
    rev = _git(hook_source, "rev-parse", "HEAD").strip()
    return json.dumps({"repos": [{"repo": str(hook_source), "rev": rev, "hooks": hooks}]})


def _project(root: Path, files: dict[str, str]) -> Path:
    """A git repository with these files staged, as right before `git commit`."""
    project = root / "infra"
    for name, text in {**files, "README.md": "not a policy\n"}.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    _git(project, "init", "-q")
    _git(project, "add", ".")
    return project


def _pre_commit(project: Path, home: Path, *args: str) -> tuple[int, str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "pre_commit", *args, "--color", "never"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return run.returncode, run.stdout + run.stderr


def _hooks(output: str) -> dict[str, tuple[str, str]]:
    """`--verbose` output per hook id: (Passed / Failed / Skipped, what the hook printed)."""
    results = {}
    for block in re.split(r"^(?=\S.*?\.{3,}\S+$)", output, flags=re.M)[1:]:
        status = block.splitlines()[0].rsplit(".", 1)[1]
        hook_id = re.search(r"^- hook id: (\S+)$", block, re.M)
        assert hook_id, block
        results[hook_id.group(1)] = (status, block)
    return results


def test_the_hooks_manifest_is_valid(pre_commit_home: Path) -> None:
    code, output = _pre_commit(REPO, pre_commit_home, "validate-manifest", ".pre-commit-hooks.yaml")
    assert code == 0, output


# Each case runs both hooks at once, as a repository configures them (`repo:` + `rev:`), so
# the hook environment is installed once for the module (try-repo would install it afresh
# every time, ~15 s a run).
SCENARIOS = {
    "bad-policy": (BAD, _state()),
    "drift": (DECLARED, _state(enableWithdrawals=True)),
    "clean": (DECLARED, _state()),
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_both_hooks_run_from_the_manifest(
    tmp_path: Path, hook_source: Path, pre_commit_home: Path, scenario: str
) -> None:
    policy, state = SCENARIOS[scenario]
    config = _config(hook_source, [{"id": "keylint-validate"}, {"id": "keylint-check-state"}])
    project = _project(
        tmp_path,
        {"policies/bots.yaml": policy, "state.json": state, ".pre-commit-config.yaml": config},
    )
    code, output = _pre_commit(project, pre_commit_home, "run", "--all-files", "--verbose")
    hooks = _hooks(output)
    assert set(hooks) == {"keylint-validate", "keylint-check-state"}, output
    validate, check = hooks["keylint-validate"], hooks["keylint-check-state"]
    if scenario == "bad-policy":
        # A bad policy blocks the commit with the finding, in either hook.
        assert validate[0] == "Failed", output
        assert "KL204 ip-unusable" in validate[1] and "10.0.0.1 is a private address" in validate[1]
        assert check[0] == "Failed" and "KL204 ip-unusable" in check[1]
    elif scenario == "drift":
        # The policy is fine on its own; Binance (as recorded) has a permission it does not list.
        assert validate[0] == "Passed", output
        assert check[0] == "Failed", output
        assert "KL101 permission-not-declared" in check[1]
        assert "Binance has `withdrawals` enabled" in check[1]
    else:
        assert validate[0] == check[0] == "Passed", output
    assert code == (0 if scenario == "clean" else 1), output


def test_check_state_takes_the_state_file_and_policy_folder_from_args(
    tmp_path: Path, hook_source: Path, pre_commit_home: Path
) -> None:
    """The README's configuration: a state file elsewhere, policies in another folder."""
    config = _config(
        hook_source,
        [
            {
                "id": "keylint-check-state",
                "args": ["--state", "binance/live.state.json", "binance/policies"],
            }
        ],
    )
    project = _project(
        tmp_path,
        {
            "binance/policies/bots.yaml": DECLARED,
            "binance/live.state.json": _state(enableWithdrawals=True),
            # The default state file is there but not the one configured: it must be ignored.
            "state.json": _state(),
            ".pre-commit-config.yaml": config,
        },
    )
    code, output = _pre_commit(project, pre_commit_home, "run", "--all-files")
    assert code == 1, output
    assert "binance/policies/bots.yaml" in output
    assert "KL101 permission-not-declared" in output


@pytest.fixture
def installed(tmp_path: Path, hook_source: Path, pre_commit_home: Path) -> Path:
    """The module's pre-commit store with the hooks' environment installed (at once when an
    earlier test of the module ran them)."""
    config = _config(hook_source, [{"id": "keylint-validate"}, {"id": "keylint-check-state"}])
    project = _project(tmp_path, {".pre-commit-config.yaml": config})
    code, output = _pre_commit(project, pre_commit_home, "install-hooks")
    assert code == 0, output
    return pre_commit_home


def test_the_installed_hook_carries_py_typed_and_the_license(installed: Path) -> None:
    """The hook environment is a real, non-editable install of this checkout (what a wheel
    ships): py.typed for type checkers (PEP 561), the license and the schemas travel along."""
    [site] = installed.glob("repo*/py_env-*/lib/python*/site-packages")
    assert (site / "keylint" / "py.typed").is_file()
    assert (site / "keylint" / "schemas" / "policy.schema.json").is_file()
    [license_file] = site.glob("keylint-*.dist-info/licenses/LICENSE")
    assert "Apache License\n                           Version 2.0" in license_file.read_text()
