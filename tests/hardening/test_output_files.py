"""What `--output` (and every file keylint writes) does to what is already there: a regular
file is replaced atomically keeping its mode, a symlink is written through, a device or FIFO
is written directly (never replaced: as root, `--output /dev/null` must not destroy
/dev/null), anything else is refused with exit 2. Options that would only fail later are
refused up front. Each case: the exact exit code and no traceback."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from keylint.output import OutputError, write_atomic
from tests.conftest import Keylint

STATE = ["check", "examples/policies", "--state", "examples/state.json", "--now", "2026-11-24"]
REPO = Path(__file__).resolve().parents[2]


def test_a_new_file_follows_the_umask_and_an_existing_one_keeps_its_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_atomic(tmp_path / "new.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o640
    kept = tmp_path / "kept.txt"
    kept.write_text("old")
    kept.chmod(0o604)
    write_atomic(kept, "new")
    assert kept.read_text() == "new" and stat.S_IMODE(kept.stat().st_mode) == 0o604
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.txt", "new.txt"]  # no temp left


def test_a_symlink_is_written_through_and_stays_a_link(tmp_path: Path) -> None:
    target = tmp_path / "real.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    write_atomic(link, "new")
    assert link.is_symlink() and target.read_text() == "new"
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to(tmp_path / "created.json")
    write_atomic(dangling, "made")
    assert dangling.is_symlink() and (tmp_path / "created.json").read_text() == "made"
    loop = tmp_path / "loop.json"
    loop.symlink_to(loop)
    with pytest.raises(OutputError, match=r"loop\.json"):
        write_atomic(loop, "x")


def test_a_fifo_is_written_directly_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    write_atomic(fifo, "through the pipe")
    reader.join(timeout=10)
    assert received == ["through the pipe"]
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


@pytest.mark.parametrize("command", [STATE, ["validate", "examples/policies"]])
def test_output_to_a_character_device_leaves_the_device(
    keylint: Keylint, command: list[str]
) -> None:
    before = os.stat("/dev/null")
    run = keylint(*command, "--output", "/dev/null")
    assert run.exit_code == 1, run.stderr  # the demo's findings, written to the device
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev


def test_a_read_only_file_a_folder_and_a_socket_are_refused(
    keylint: Keylint, tmp_path: Path
) -> None:
    read_only = tmp_path / "frozen.json"
    read_only.write_text("keep me")
    read_only.chmod(0o444)
    run = keylint(*STATE, "--output", str(read_only))
    assert run.exit_code == 2 and "read-only" in run.stderr
    assert read_only.read_text() == "keep me"
    run = keylint(*STATE, "--output", str(tmp_path))
    assert run.exit_code == 2
    import socket

    sock_path = tmp_path / "s.sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock_path))
    try:
        run = keylint(*STATE, "--output", str(sock_path))
        assert run.exit_code == 2 and "not a regular file" in run.stderr
        assert stat.S_ISSOCK(sock_path.lstat().st_mode)
    finally:
        server.close()


def test_state_files_follow_the_umask_like_reports(tmp_path: Path) -> None:
    """The state writer no longer sets the process umask to read it (a race for threads)."""
    from datetime import UTC, datetime

    from keylint.binance.state import LiveState, write_state

    old = os.umask(0o077)
    try:
        write_state(tmp_path / "state.json", LiveState(datetime.now(UTC), {}, {}))
        assert os.umask(0o077) == 0o077  # untouched by the writer
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "state.json").stat().st_mode) == 0o600


def test_stdout_on_a_full_disk_is_one_line_and_exit_2() -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "keylint", *STATE],
            cwd=REPO,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        "keylint: error: cannot write to standard output: No space left on device"
    ]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["validate", ""], "empty path"),
        (["validate", "examples/policies", "--output", ""], "empty path"),
        (["check", "examples/policies", "--timeout", "nan"], "not a number of seconds"),
        (["check", "examples/policies", "--timeout", "inf"], "not a number of seconds"),
        (["check", "examples/policies", "--base-url", "http://127.0.0.1:99999"], "Port out"),
        (["check", "examples/policies", "--base-url", "http://[::1"], "not a usable URL"),
        (["fetch", "examples/policies", "--base-url", "http://[::1"], "not a usable URL"),
        (["plan", "examples/policies", "--base-url", "http://[::1"], "not a usable URL"),
        (["apply", "examples/policies", "--base-url", "http://[::1"], "not a usable URL"),
        (["check", "examples/policies", "--base-url", "ftp://binance.com"], "not an http(s)"),
        (["check", "examples/policies", "--base-url", "https://x.test/?a=1"], "plain address"),
    ],
)
def test_bad_options_are_usage_errors_before_anything_runs(
    keylint: Keylint, args: list[str], words: str
) -> None:
    run = keylint(*args)
    assert run.exit_code == 2, run.stdout + run.stderr
    assert words in run.stderr
    assert "Traceback" not in run.stderr


def test_a_password_in_the_base_url_goes_nowhere(keylint: Keylint, tmp_path: Path) -> None:
    password = "hunter2-" + os.urandom(6).hex()
    url = f"http://keylint:{password}@127.0.0.1:9"
    for command in (
        ["check", "examples/policies"],
        ["plan", "examples/policies", "--output", str(tmp_path / "plan.json")],
        ["init", "--api-key-env", "NOPE", "--secret-env", "NOPE2"],
    ):
        run = keylint(*command, "--base-url", url)
        assert run.exit_code == 2, run.stdout + run.stderr
        assert "user name or password" in run.stderr
        assert password not in run.stdout + run.stderr
    assert not (tmp_path / "plan.json").exists()


def test_a_reader_that_goes_away_is_no_error() -> None:
    """`keylint check | head -1`: quietly 141 (as a shell reports SIGPIPE), no traceback."""
    done = subprocess.run(
        # SARIF carries every rule's docs: well past a pipe's 64 KiB buffer, so the write fails.
        f"{sys.executable} -m keylint {' '.join(STATE)} --format sarif | head -c 1 >/dev/null; "
        "echo ${PIPESTATUS[0]} >&2",
        shell=True,
        executable="/bin/bash",
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stderr.strip().splitlines() == ["141"], done.stderr
    assert "Traceback" not in done.stderr and "Broken pipe" not in done.stderr
