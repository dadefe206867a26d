"""tests.conftest.run_cli (the CLI run in the test process) answers as `python -m keylint` does:
same exit code, stdout and stderr, with the same environment and folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_cli

POLICY = """\
version: 1
keys:
  - {name: bot, api_key_env: BOT_API_KEY, secret_env: BOT_SECRET, permissions: [reading],
     ips: [203.0.113.10], max_age: 30d}
"""


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "policies.yaml", "--now", "2026-11-24T09:00:00Z"],
        # BOT_API_KEY is set in this process but not in the run's environment: "not set".
        ["check", "policies.yaml", "--base-url", "http://127.0.0.1:9", "--timeout", "2"],
        ["check", "missing.yaml"],
    ],
    ids=["validate", "check-without-credentials", "usage-error"],
)
def test_in_process_run_matches_a_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    (tmp_path / "policies.yaml").write_text(POLICY)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BINANCE", "KEYLINT", "BOT"))}
    env["NO_COLOR"] = "1"
    monkeypatch.setenv("BOT_API_KEY", "must-not-be-seen")
    process = subprocess.run(
        [sys.executable, "-m", "keylint", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    here = run_cli(args, env=env, cwd=tmp_path)
    assert (here.returncode, here.stdout, here.stderr) == (
        process.returncode,
        process.stdout,
        process.stderr,
    )
    assert os.environ["BOT_API_KEY"] == "must-not-be-seen" and Path.cwd() != tmp_path
