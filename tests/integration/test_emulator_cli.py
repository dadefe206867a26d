"""`python -m keylint.testing --demo`, as a person starts it, driving a real `keylint fetch`."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from tests.conftest import EXAMPLES


def test_demo_emulator_serves_the_example_fleet_and_prints_no_key(tmp_path: Path) -> None:
    emulator = subprocess.Popen(
        [sys.executable, "-m", "keylint.testing", "--demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # As from a terminal: a suite started in the background (`pytest &`) ignores SIGINT,
        # children inherit that, and Python then never raises KeyboardInterrupt.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert emulator.stdout is not None
        printed: list[str] = []
        while not printed or not printed[-1].startswith("# ready"):
            line = emulator.stdout.readline()
            assert line, "the emulator exited before it was ready"
            printed.append(line)
        exports = [line for line in printed if line.startswith("export ")]
        assert exports[0].startswith("export KEYLINT_BASE_URL=http://127.0.0.1:")
        # Every key and secret is read from a private file: the terminal shows none of them.
        for line in exports[1:]:
            assert re.fullmatch(r'export \w+=("\$\(cat /\S+\)"|/\S+)\n', line), line
        script = "".join(printed) + (
            f"exec {sys.executable} -m keylint fetch {EXAMPLES / 'fleet.yaml'} -o state.json\n"
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("BINANCE")}
        done = subprocess.run(
            ["bash", "-c", script],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        emulator.send_signal(signal.SIGINT)  # Ctrl-C, as a person stops it
        emulator.wait(timeout=10)
    found = re.search(r"(/\S+)/\w+\.api_key", "".join(exports))
    assert found is not None, exports
    secrets_dir = Path(found.group(1))
    assert not secrets_dir.exists(), "the generated credentials outlived the emulator"
    state = json.loads((tmp_path / "state.json").read_text())
    assert state["keys"]["market-maker"]["status"] == "ok", done.stderr
    assert state["keys"]["market-maker"]["listing"]["apiName"] == "mm-bot-eu"
    # The demo scenario has no credentials for the other example keys: named, not guessed.
    assert "BINANCE_TREASURY_API_KEY is not set" in done.stderr
    assert done.returncode == 3
