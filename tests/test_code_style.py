"""The house style is checked, not hoped for: ruff (lint and format) and mypy --strict, on the
package and its tests alike."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *command], cwd=REPO, capture_output=True, text=True, timeout=300
    )


SOURCES = [d for d in ("keylint", "tests", "benchmarks") if (REPO / d).is_dir()]


@pytest.mark.parametrize(
    "command",
    [("ruff", "check", *SOURCES), ("ruff", "format", "--check", *SOURCES)],
    ids=["ruff-check", "ruff-format"],
)
def test_ruff(command: tuple[str, ...]) -> None:
    if shutil.which("ruff") is None and _run("ruff", "--version").returncode != 0:
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    done = _run(*command)
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_strict() -> None:
    """`mypy` with no arguments: the package and the tests, strict ([tool.mypy] in
    pyproject.toml names the files and how tests/integration's modules are named)."""
    if _run("mypy", "--version").returncode != 0:
        pytest.skip("mypy is not installed (pip install -e '.[test]')")
    done = _run("mypy")
    assert done.returncode == 0, done.stdout + done.stderr
    # Every module of both was checked (no `files` narrowed, no folder skipped).
    checked = sum(1 for d in ("keylint", "tests") for _ in (REPO / d).rglob("*.py"))
    assert f"no issues found in {checked} source files" in done.stdout, done.stdout
