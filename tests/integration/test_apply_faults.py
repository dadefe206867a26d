"""`keylint apply` (and the commands that read Binance) under faults, against the emulator over
real HTTP: a log that cannot be written, and a fleet of which no key could be read. Every write
Binance applied is printed; nothing prints a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from emuhelpers import Fleet
from test_apply_live import (
    EMAIL,
    IP_LIST,
    IP_V2,
    PERMISSION,
    SUB_API,
    assert_no_secrets,
    build,
)

from keylint.testing.emulator import Emulator

# The plan's changes as the emulator sees them: (method, path) -> the plan's action.
ACTIONS = {
    ("POST", PERMISSION): "revoke_permissions",
    ("DELETE", IP_LIST): "remove_ips",
    ("POST", IP_V2): "restrict_ips",
    ("DELETE", SUB_API): "delete",
}
# Printed per change: "<key>: <summary>: <outcome words>".
SUMMARIES = {
    ("mm", "revoke_permissions"): "mm: revoke futures, universal_transfer: ",
    ("mm", "remove_ips"): "mm: remove trusted IP 192.0.2.7: ",
    ("hedger", "restrict_ips"): "hedger: restrict to trusted IPs only: 198.51.100.20: ",
    ("hedger", "remove_ips"): "hedger: remove trusted IP 192.0.2.99: ",
    ("old-bot", "delete"): "old-bot: delete the retired key: ",
}
BAD = ("Traceback", "never retrieved")


def env_for(fleet: Fleet) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BINANCE", "KEYLINT"))}
    env.update(fleet.master_only_env())
    return env


def start(fleet: Fleet, tmp_path: Path, *args: str, **popen: object) -> subprocess.Popen[str]:
    command, *rest = args
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "keylint", command, "policies.yaml", *rest],
        env=env_for(fleet),
        cwd=tmp_path,
        text=True,
        **{"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **popen},
    )


def applied_writes(emu: Emulator, fleet: Fleet) -> set[tuple[str, str]]:
    """(key, action) of every write the emulator carried out."""
    labels = {secret.api_key[:8]: name for name, secret in fleet.secrets.items()}
    return {
        (labels[r.params["subAccountApiKey"][:8]], ACTIONS[r.method, r.path])
        for r in emu.requests
        if r.method != "GET" and r.status == 200
    }


def test_a_log_that_fails_midway_stops_no_change_and_says_so(tmp_path: Path) -> None:
    """/dev/full opens but fails every write (ENOSPC): the changes still all go out, each
    outcome is printed, one line names the log and the error, and apply exits 1."""
    fleet = build(tmp_path)
    with Emulator(fleet.scenario) as emu:
        done = subprocess.run(
            [sys.executable, "-m", "keylint", "apply", "policies.yaml", "--yes",
             "--base-url", emu.base_url, "--log", "/dev/full"],
            env=env_for(fleet), cwd=tmp_path, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        sent = applied_writes(emu, fleet)
    outcome = (done.returncode, done.stdout, done.stderr)
    assert not any(bad in done.stdout + done.stderr for bad in BAD), outcome
    assert done.returncode == 1, outcome
    # Every change was made, a key's second change too, and every outcome is printed.
    assert sent == set(SUMMARIES), outcome
    for line in SUMMARIES.values():
        assert line + "applied" in done.stdout, outcome
    assert "Changes: 5 applied." in done.stdout
    assert done.stderr.splitlines() == [
        "keylint: error: --log /dev/full: No space left on device: the log is incomplete; "
        "every outcome is printed above"
    ], outcome
    assert_no_secrets(fleet, done.stdout, done.stderr)


INVALID = """\
version: 1
master: {api_key_env: MASTER_API_KEY, private_key_env: MASTER_PEM}
keys:
  - {name: mm, sub_account: mm@example.com, api_name: mm, permissions: [reading], typo: 1}
  - {name: hedger, sub_account: mm@example.com, api_name: hedger, permissions: [], typo: 1}
"""
UNSET = """\
version: 1
master: {api_key_env: MASTER_API_KEY, private_key_env: MASTER_PEM}
keys:
  - {name: alpha, api_key_env: ALPHA_API_KEY, secret_env: ALPHA_SECRET, permissions: [reading]}
  - {name: bravo, api_key_env: BRAVO_API_KEY, secret_env: BRAVO_SECRET, permissions: [reading]}
"""


@pytest.mark.parametrize(("policy", "exit_code"), [(INVALID, 1), (UNSET, 3)])
def test_no_key_readable_no_stray_task_and_no_false_all_clear(
    tmp_path: Path, policy: str, exit_code: int
) -> None:
    """Every key is unusable (policy errors, or credential variables unset) while the master's
    credentials are there: no task outlives a command ("Task exception was never
    retrieved"), plan does not claim the keys match, fetch does not say none are declared."""
    fleet = Fleet(tmp_path)
    fleet.sub(EMAIL)
    fleet.add_master()
    fleet.add("mm", owner=EMAIL, own_credentials=False)
    (tmp_path / "policies.yaml").write_text(policy)
    with Emulator(fleet.scenario) as emu:
        runs = {}
        for command in (["check"], ["fetch"], ["plan"], ["apply", "--yes"]):
            process = start(fleet, tmp_path, *command, "--base-url", emu.base_url)
            stdout, stderr = process.communicate(timeout=60)
            runs[command[0]] = (process.returncode, stdout, stderr)
    for command, (returncode, stdout, stderr) in runs.items():
        assert not any(bad in stdout + stderr for bad in BAD), (command, stdout, stderr)
        assert returncode == (3 if command == "fetch" else exit_code), (
            command,
            stdout,
            stderr,
        )
        assert_no_secrets(fleet, stdout, stderr)
    assert "fetched 0 of 2 keys; 2 could not be read" in runs["fetch"][2]
    assert "none declared" not in runs["fetch"][2]
    for command in ("plan", "apply"):
        stdout = runs[command][1]
        assert "match their policies" not in stdout
        assert stdout.startswith(
            "Plan: no changes planned, but 2 keys were not checked: their drift is unknown"
        )
