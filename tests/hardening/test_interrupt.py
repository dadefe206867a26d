"""Ctrl-C during a live check that is waiting on a hung Binance endpoint: exit 130 and a
partial report that says which keys were not reached."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from keylint.testing.emulator import PATH_RESTRICTIONS, Emulator, Fault
from tests.emuhelpers import Fleet

POLICY = """\
version: 1
keys:
  - {name: alpha, api_key_env: ALPHA_API_KEY, secret_env: ALPHA_SECRET, permissions: [reading]}
  - {name: bravo, api_key_env: BRAVO_API_KEY, private_key_env: BRAVO_PEM, permissions: [reading]}
"""


def test_sigint_while_binance_hangs_exits_130_with_a_partial_report(tmp_path: Path) -> None:
    fleet = Fleet(tmp_path)
    fleet.add("alpha")
    fleet.add("bravo", "ed25519")
    policy = tmp_path / "fleet.yaml"
    policy.write_text(POLICY)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BINANCE", "KEYLINT"))}
    env.update(fleet.env)
    with Emulator(fleet.scenario) as emu:
        # alpha answers; bravo hangs, so Ctrl-C finds one key read and one not reached.
        emu.add_fault(Fault(kind="hang", path=PATH_RESTRICTIONS,
                            api_key=fleet.secrets["bravo"].api_key))  # fmt: skip
        process = subprocess.Popen(
            [sys.executable, "-m", "keylint", "check", str(policy),
             "--base-url", emu.base_url, "--timeout", "60", "--format", "json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
        )  # fmt: skip
        try:
            # Interrupt once keylint talks to Binance (the time call is answered, the
            # restrictions call hangs), or after a few seconds of start-up at most.
            deadline = time.monotonic() + 5
            while emu.count(PATH_RESTRICTIONS) < 1 and time.monotonic() < deadline:
                assert process.poll() is None, process.communicate()
                time.sleep(0.05)
            time.sleep(1.0)
            assert process.poll() is None, "check finished although Binance hangs"
            sent = time.monotonic()
            process.send_signal(signal.SIGINT)
            stdout, stderr = process.communicate(timeout=10)
            took = time.monotonic() - sent
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    outcome = (process.returncode, stdout[-300:], stderr)
    assert "Traceback" not in stderr, outcome
    assert process.returncode == 130, outcome
    assert stderr.splitlines() == ["keylint: interrupted: the report shows the keys read so far"], (
        outcome
    )
    assert took < 5.0
    report = json.loads(stdout)
    keys = {k["name"]: (k["status"], k["error"]) for k in report["keys"]}
    assert keys["alpha"][0] in ("ok", "drift")
    assert keys["bravo"] == ("unchecked", "interrupted (Ctrl-C) before this key was read")
    assert report["exit_code"] == 130
