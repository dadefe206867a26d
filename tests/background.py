"""Long, self-contained subprocess jobs started when the session starts (a pytest plugin).

Two jobs take 10-15 s each and need nothing from other tests: the benchmark scripts at their
--tiny size (tests/test_benchmarks.py) and the install of the pre-commit hook environment
(tests/acceptance/test_precommit.py). The suite's main process keeps about one core busy, so
on two cores these jobs ran beside idle time: started first, they finish on the other core
while the acceptance tests run. They are the same commands as before; the tests that used to
start them wait for them and assert on their exit codes and output as they did.
A job starts only when a test that needs it is selected.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BENCHMARK_SCRIPTS = ("run.py", "live.py")
# pre-commit installs the hook repository (keylint and its dependencies) into this store once.
HOOK_IDS = ("keylint-validate", "keylint-check-state")


@dataclass
class Job:
    """A started subprocess whose output goes to files."""

    process: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path

    @classmethod
    def start(
        cls, argv: list[str], folder: Path, name: str, *, cwd: Path, env: dict[str, str] | None
    ) -> Job:
        out, err = folder / f"{name}.out", folder / f"{name}.err"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            process = subprocess.Popen(
                argv, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL, cwd=cwd, env=env
            )
        return cls(process, out, err)

    def result(self, timeout: float) -> tuple[int, str, str]:
        """Wait for the job: (exit code, stdout, stderr)."""
        code = self.process.wait(timeout=timeout)
        return code, self.stdout.read_text(), self.stderr.read_text()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def _selected(session: pytest.Session, filename: str) -> bool:
    return any(item.path.name == filename for item in session.items)


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pre-commit store for the session, so that the hooks are installed once."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="session")
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


def pre_commit_env(home: Path) -> dict[str, str]:
    return {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}


def hook_config(hook_source: Path, hooks: list[dict[str, object]]) -> str:
    """A .pre-commit-config.yaml that takes these hooks from the hook repository's commit."""
    rev = _git(hook_source, "rev-parse", "HEAD").strip()
    return json.dumps({"repos": [{"repo": str(hook_source), "rev": rev, "hooks": hooks}]})


def _start_hook_install(folder: Path, hook_source: Path, home: Path) -> Job:
    """`pre-commit install-hooks` for both hooks, in a repository of its own."""
    project = folder / "install-hooks"
    project.mkdir()
    config = hook_config(hook_source, [{"id": hook} for hook in HOOK_IDS])
    (project / ".pre-commit-config.yaml").write_text(config)
    _git(project, "init", "-q")
    _git(project, "add", ".")
    argv = [sys.executable, "-m", "pre_commit", "install-hooks", "--color", "never"]
    return Job.start(argv, folder, "pre-commit-install", cwd=project, env=pre_commit_env(home))


class Jobs:
    """The session's background jobs by name; `get` starts one not started yet."""

    def __init__(self, request: pytest.FixtureRequest, folder: Path) -> None:
        self._request = request
        self._folder = folder
        self._started: dict[str, Job] = {}

    def get(self, name: str) -> Job:
        if name not in self._started:
            self._started[name] = self._start(name)
        return self._started[name]

    def _start(self, name: str) -> Job:
        if name == "pre-commit":
            hook_source: Path = self._request.getfixturevalue("hook_source")
            home: Path = self._request.getfixturevalue("pre_commit_home")
            return _start_hook_install(self._folder, hook_source, home)
        assert name in BENCHMARK_SCRIPTS, name
        argv = [sys.executable, str(REPO / "benchmarks" / name), "--tiny"]
        return Job.start(argv, self._folder, name, cwd=REPO, env=None)

    def stop(self) -> None:
        for job in self._started.values():
            job.stop()


@pytest.fixture(scope="session", autouse=True)
def background_jobs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Jobs]:
    """The jobs the selected tests need, started before the first test runs. Under
    pytest-xdist every worker collects every test, so there each job starts when its test asks
    (the workers already keep both cores busy)."""
    jobs = Jobs(request, tmp_path_factory.mktemp("background"))
    try:
        if not hasattr(request.config, "workerinput"):
            session = request.session
            if _selected(session, "test_precommit.py") and shutil.which("git") is not None:
                jobs.get("pre-commit")
            if _selected(session, "test_benchmarks.py"):
                for script in BENCHMARK_SCRIPTS:
                    jobs.get(script)
        yield jobs
    finally:
        jobs.stop()
