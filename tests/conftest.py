"""Fixtures shared by every test: no network but loopback, the CLI, fixed clocks, snapshots."""

from __future__ import annotations

import compileall
import ipaddress
import logging
import os
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pytest
import typer
from typer.testing import CliRunner

import keylint as package

# Hundreds of tests run `python -m keylint` in a subprocess, and with PYTHONDONTWRITEBYTECODE set
# each one compiled the whole package again (+0.1 s CPU a launch). Byte-compile it once, as
# installing a wheel does: py_compile writes regardless of that variable; *.pyc are gitignored.
compileall.compile_dir(Path(package.__file__).parent, quiet=1)
# Likewise let pytest keep its assertion-rewritten test modules (collection 6.4 s -> 2.6 s).
sys.dont_write_bytecode = False

from keylint.cli import app  # noqa: E402  (after the package is compiled)

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "policies"
# Every snapshot and example run uses this clock, so that dates in reports never drift.
FIXED_NOW = "2026-11-24T09:00:00Z"
# The OpenBao dev server fixtures (`openbao`, `openbao_tls`), started only by tests that ask.
pytest_plugins = ["tests.store_fixtures"]


def pytest_configure(config: pytest.Config) -> None:
    """On the xdist controller, before any worker starts: write pytest's assertion-rewritten
    bytecode of every test module once. Otherwise each of the three workers rewrites all of
    them itself on a fresh clone (about 4 s of CPU each, +12 s on CI's two cores)."""
    if hasattr(config, "workerinput") or not config.getoption("numprocesses", None):
        return
    _write_rewritten_tests(config)


def _write_rewritten_tests(config: pytest.Config) -> None:
    # pytest's own functions, as its import hook calls them; they are internal, so anything
    # unexpected just leaves the work to the workers, as before.
    try:
        from _pytest.assertion import rewrite
        from _pytest.assertion.rewrite import assertstate_key

        state = config.stash[assertstate_key]
        for source in sorted((REPO / "tests").rglob("test_*.py")):
            pyc = rewrite.get_cache_dir(source) / (source.name[:-3] + rewrite.PYC_TAIL)
            if rewrite._read_pyc(source, pyc) is not None:
                continue  # already there and current
            source_hash, code = rewrite._rewrite_test(source, config)
            pyc.parent.mkdir(exist_ok=True)
            rewrite._write_pyc(state, code, source_hash, pyc)
    except Exception:
        return


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: three workers on two cores, half again as many as there are cores. A third
    of the suite's wall time is spent waiting (on subprocesses, the emulator's latency faults,
    OpenBao), which another worker fills."""
    import os

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, ((cores or 1) * 3) // 2)


# The modules that take longest, started first: a long one scheduled last would run alone
# while the other workers sit idle (longest-first is the classic fix for that tail).
LONGEST_FIRST = (
    "tests/test_benchmarks.py",
    "tests/acceptance/test_precommit.py",
    "tests/integration/test_rotation_cli.py",
    "tests/integration/test_apply_live.py",
    "tests/integration/test_apply_faults.py",
    "tests/hardening/test_secret_sweep.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Longest modules first (a stable sort: every other test keeps its order)."""
    rank = {module: n for n, module in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))


def _is_loopback(address: object) -> bool:
    if isinstance(address, tuple) and address:
        host = address[0]
        if host in ("localhost", ""):
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
    return True  # AF_UNIX paths and the like never leave the machine


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that tries to reach a non-loopback address (STYLE: tests stay on this host)."""
    original = socket.socket.connect

    def guarded_connect(self: socket.socket, address: object) -> object:
        if not _is_loopback(address):
            raise AssertionError(f"test tried to reach {address!r}; tests talk to loopback only")
        return original(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


@pytest.fixture(scope="session", autouse=True)
def _typer_command_built_once() -> Iterator[None]:
    """Typer's CliRunner rebuilds the whole click command tree on every invoke (16 ms, several
    hundred invokes in the suite); the tree is the same each time, so build it once per app.
    Parsing, callbacks, environment and output still run afresh on every invoke."""
    import typer.testing

    build = getattr(typer.testing, "_get_command", None)
    if build is None:  # another typer: nothing to speed up
        yield
        return
    built: dict[int, tuple[object, object]] = {}

    def built_once(typer_app: typer.Typer) -> object:
        if id(typer_app) not in built:
            built[id(typer_app)] = (typer_app, build(typer_app))  # keeps the id's owner alive
        return built[id(typer_app)][1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(typer.testing, "_get_command", built_once)
        yield


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str


class Keylint(Protocol):
    """The `keylint` fixture's type: `keylint("validate", "x.yaml")` -> Run."""

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> Run: ...


@pytest.fixture
def keylint(monkeypatch: pytest.MonkeyPatch) -> Iterator[Keylint]:
    """Run the real CLI in-process: `keylint("validate", "x.yaml")` -> Run."""
    runner = CliRunner()

    def run(*args: str, env: dict[str, str] | None = None) -> Run:
        result = runner.invoke(app, list(args), env=env, catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    monkeypatch.chdir(REPO)
    yield run


def run_cli(
    args: list[str], *, env: Mapping[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    """`keylint ARGS` run as `subprocess.run([python, -m, keylint, ...], env=env, cwd=cwd,
    stdin=DEVNULL, capture_output=True, text=True)` would, but in this process.

    For tests where the process boundary is not what is tested (signals, kills and terminals
    keep their subprocess): each keylint process spent ~0.3 s of CPU starting up, and the
    suite ran ~150 of them on two cores. What the run sees is what a process would: exactly
    `env` as its environment, `cwd` as its folder, an empty stdin that is not a terminal, and
    its log warnings on stderr (Python's last-resort handler, not pytest's log capture).
    """
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    saved_handlers = logging.root.handlers[:]
    try:
        os.environ.clear()
        os.environ.update(env)
        os.chdir(cwd)
        logging.root.handlers = []  # as in a fresh process: warnings reach stderr
        result = CliRunner().invoke(app, args, catch_exceptions=False, prog_name="keylint")
    finally:
        logging.root.handlers = saved_handlers
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return subprocess.CompletedProcess(
        ["keylint", *args], result.exit_code, result.stdout, result.stderr
    )
