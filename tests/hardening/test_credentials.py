"""Credentials that are wrong in hostile ways: a PEM variable pointing at /dev/zero, a FIFO
or a huge file, an API key with a line break or an escape inside. Each key is unchecked with a
reason naming the variable, before any request is made; no output or state file carries the
value; nothing hangs past --timeout; every other key is still checked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from keylint.testing.emulator import Emulator
from tests.emuhelpers import Fleet

POLICY = """\
version: 1
defaults: {max_age: 90d, permissions: [reading], ip_restrict: false}
keys:
  - {name: good, api_key_env: GOOD_API_KEY, secret_env: GOOD_SECRET}
  - {name: victim, api_key_env: VICTIM_API_KEY, private_key_env: VICTIM_PEM}
"""


def run_check(
    fleet: Fleet, tmp_path: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("BINANCE", "KEYLINT"))}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "keylint",
            "fetch",
            "policies.yaml",
            "--base-url",
            env.pop("BASE_URL"),
            "--timeout",
            "10",
            "--output",
            "state.json",
        ],
        env={**base, **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,  # a hang on the FIFO would fail here, not stall the suite
        stdin=subprocess.DEVNULL,
    )


def fleet_with_victim(tmp_path: Path) -> Fleet:
    fleet = Fleet(tmp_path)
    fleet.add("good", ip_restrict=False, permissions={"enableReading": True})
    fleet.add("victim", "ed25519", ip_restrict=False, permissions={"enableReading": True})
    (tmp_path / "policies.yaml").write_text(POLICY)
    return fleet


def _fifo(tmp_path: Path) -> str:
    path = tmp_path / "victim.pem.fifo"
    os.mkfifo(path)
    return str(path)


def _huge(tmp_path: Path) -> str:
    path = tmp_path / "huge.pem"
    path.write_bytes(b"-----BEGIN PRIVATE KEY-----\n" + b"A" * 200_000)
    return str(path)


@pytest.mark.parametrize(
    ("pem", "reason"),
    [
        (lambda _: "/dev/zero", "VICTIM_PEM: the private key path is not a regular file"),
        (_fifo, "VICTIM_PEM: the private key path is not a regular file"),
        (_huge, "VICTIM_PEM: the private key file is larger than 64 KiB: not a PEM key"),
    ],
    ids=["dev-zero", "fifo", "huge-file"],
)
def test_a_pem_path_that_is_no_key_file_is_refused_quickly(
    tmp_path: Path, pem: object, reason: str
) -> None:
    fleet = fleet_with_victim(tmp_path)
    env = dict(fleet.env, VICTIM_PEM=pem(tmp_path))  # type: ignore[operator]
    with Emulator(fleet.scenario) as emu:
        done = run_check(fleet, tmp_path, {**env, "BASE_URL": emu.base_url})
    assert done.returncode == 3, done.stderr
    state = (tmp_path / "state.json").read_text()
    assert reason in state
    assert '"good": {\n      "status": "ok"' in state  # every other key still read
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("inject", ["\r\n", "\n", "\x1b[2J", "\t", "\u2028"])
def test_a_control_character_in_an_api_key_is_named_never_printed_or_sent(
    tmp_path: Path, inject: str
) -> None:
    fleet = fleet_with_victim(tmp_path)
    api_key = fleet.env["VICTIM_API_KEY"]
    tampered = api_key[:20] + inject + api_key[20:]
    env = dict(fleet.env, VICTIM_API_KEY=tampered)
    with Emulator(fleet.scenario) as emu:
        done = run_check(fleet, tmp_path, {**env, "BASE_URL": emu.base_url})
        requests = list(emu.requests)
    assert done.returncode == 3, done.stderr
    state = (tmp_path / "state.json").read_text()
    assert "environment variable VICTIM_API_KEY holds a control character" in state
    for text in (done.stdout, done.stderr, state):
        assert api_key[:20] not in text and api_key[20:] not in text
        for needle in fleet.needles():
            assert needle not in text
    # Nothing was sent with the broken key: one signed read for `good`, no retries for `victim`.
    assert all(api_key[20:] not in str(r) for r in requests)
