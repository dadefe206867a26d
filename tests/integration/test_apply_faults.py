"""`keylint apply` (and the commands that read Binance) under faults, against the emulator over
real HTTP: a log that cannot be written, SIGINT and SIGTERM with writes in flight, a prompt
left with Ctrl-C or Ctrl-D, and a fleet of which no key could be read. Every write Binance
applied is printed and logged; the exit codes are SPEC §6's; nothing prints a traceback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_apply_live import EMAIL, IP_LIST, IP_V2, PERMISSION, SUB_API, build

from keylint.testing.emulator import Emulator, Fault
from tests.emuhelpers import Fleet

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


def logged_outcomes(log: Path) -> list[str]:
    """The outcomes apply has logged so far (only whole lines: a record may be half written)."""
    if not log.exists():
        return []
    lines = log.read_text().split("\n")[:-1]
    return [json.loads(line)["outcome"] for line in lines]


def wait_for(condition: object, seconds: float, process: subprocess.Popen[str] | None) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        if process is not None and process.poll() is not None:
            raise AssertionError(f"keylint ended early: {process.communicate()}")
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


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
    fleet.assert_no_secrets(done.stdout, done.stderr)


@pytest.mark.parametrize(
    ("signum", "code", "name"), [(signal.SIGTERM, 143, "SIGTERM"), (signal.SIGINT, 130, "Ctrl-C")]
)
def test_a_signal_with_writes_in_flight_loses_no_record(
    tmp_path: Path, signum: int, code: int, name: str
) -> None:
    """mm's two changes are made at once; hedger's first change and old-bot's deletion are
    slow to reach Binance (latency) when the signal comes, and hedger's second has not
    started. Every write Binance carries out, before or after the signal, is printed and
    logged as applied or unknown; the change never started is not_attempted."""
    fleet = build(tmp_path)
    # Well under the 5 s recvWindow (the emulator judges the timestamp after the latency, and a
    # loaded CI machine adds its own delay): Binance still accepts the write when it arrives.
    slow = 2.5
    hedger, old_bot = fleet.secrets["hedger"].api_key, fleet.secrets["old-bot"].api_key
    faults = [
        Fault("latency", path=IP_V2, method="POST", api_key=hedger, latency=slow),
        Fault("latency", path=SUB_API, method="DELETE", api_key=old_bot, latency=slow),
    ]
    log = tmp_path / "audit.jsonl"
    with Emulator(fleet.scenario) as emu:
        for fault in faults:
            emu.add_fault(fault)
        process = start(
            fleet, tmp_path, "apply", "--yes", "--base-url", emu.base_url, "--log", str(log)
        )
        try:
            # Both slow writes have reached the emulator, and mm's are done: answered and
            # logged by keylint, not only carried out by the emulator (on a loaded machine the
            # answer can still be on its way, and its outcome would rightly be "unknown").
            wait_for(
                lambda: (
                    all(f.hits for f in faults)
                    and len(applied_writes(emu, fleet)) == 2
                    and logged_outcomes(log) == ["applied", "applied"]
                ),
                30,
                process,
            )
            process.send_signal(signum)
            stdout, stderr = process.communicate(timeout=20)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
        # The emulator carries the slow writes out after their latency, answer or not.
        wait_for(lambda: len(applied_writes(emu, fleet)) == 4, slow + 10, None)
        sent = applied_writes(emu, fleet)

    outcome = (process.returncode, stdout, stderr)
    assert not any(bad in stdout + stderr for bad in BAD), outcome
    assert process.returncode == code, outcome
    records = [json.loads(line) for line in log.read_text().splitlines()]
    logged = {(r["key"], r["change"]): r for r in records}
    assert len(records) == len(logged) == 5, records  # every change recorded once
    # The property: no write Binance carried out is missing from the output or the log.
    for key, action in sent:
        assert logged[key, action]["outcome"] in ("applied", "unknown"), logged[key, action]
        assert (
            SUMMARIES[key, action] + "applied" in stdout
            or SUMMARIES[key, action] + "outcome unknown" in stdout
        ), outcome
    # And what happened to each change, precisely.
    assert {k: r["outcome"] for k, r in logged.items()} == {
        ("mm", "revoke_permissions"): "applied",
        ("mm", "remove_ips"): "applied",
        ("hedger", "restrict_ips"): "unknown",
        ("hedger", "remove_ips"): "not_attempted",
        ("old-bot", "delete"): "unknown",
    }
    assert logged["old-bot", "delete"]["error"] == "interrupted in flight: never re-sent"
    assert logged["hedger", "remove_ips"]["error"] == "interrupted before it was sent"
    assert ("hedger", "remove_ips") not in sent
    assert SUMMARIES["hedger", "remove_ips"] + "not sent" in stdout
    assert "Changes: 2 applied, 2 with unknown outcome, 1 not sent." in stdout
    assert stderr.startswith(f"keylint: interrupted ({name}): no further change was sent"), stderr
    assert "Live state after the changes" not in stdout  # stopping means stopping
    fleet.assert_no_secrets(stdout, stderr, log.read_text())


def test_ctrl_c_at_the_prompt_exits_130_and_ctrl_d_exits_2(tmp_path: Path) -> None:
    """A real pseudo-terminal: Ctrl-C (SIGINT, as the terminal sends it) at the question
    exits 130, end of input (Ctrl-D) declines with exit 2; neither changes anything."""
    import pty

    fleet = build(tmp_path)
    with Emulator(fleet.scenario) as emu:
        for key in ("ctrl-c", "ctrl-d"):
            controller, terminal = pty.openpty()
            errors = tmp_path / f"{key}.err"
            try:
                if key == "ctrl-d":
                    os.write(controller, b"\x04")  # VEOF at the start of a line
                with errors.open("w") as stderr_file:
                    process = start(
                        fleet, tmp_path, "apply", "--base-url", emu.base_url,
                        stdin=terminal, stderr=stderr_file,
                    )  # fmt: skip
                    try:
                        if key == "ctrl-c":
                            wait_for(
                                lambda e=errors: "Make these changes" in e.read_text(), 60, process
                            )
                            process.send_signal(signal.SIGINT)
                        stdout, _ = process.communicate(timeout=60)
                    finally:
                        if process.poll() is None:
                            process.kill()
                            process.communicate()
            finally:
                os.close(terminal)
                os.close(controller)
            stderr = errors.read_text()
            outcome = (key, process.returncode, stdout, stderr)
            assert not any(bad in stdout + stderr for bad in BAD), outcome
            assert "Make these changes at Binance" in stderr, outcome
            assert process.returncode == (130 if key == "ctrl-c" else 2), outcome
            assert "nothing was changed" in stderr.splitlines()[-1], outcome
            assert [r for r in emu.requests if r.method != "GET"] == []


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
        for args in (["check"], ["fetch"], ["plan"], ["apply", "--yes"]):
            process = start(fleet, tmp_path, *args, "--base-url", emu.base_url)
            stdout, stderr = process.communicate(timeout=60)
            runs[args[0]] = (process.returncode, stdout, stderr)
    for command, (returncode, stdout, stderr) in runs.items():
        assert not any(bad in stdout + stderr for bad in BAD), (command, stdout, stderr)
        assert returncode == (3 if command == "fetch" else exit_code), (command, stdout, stderr)
        fleet.assert_no_secrets(stdout, stderr)
    assert "fetched 0 of 2 keys; 2 could not be read" in runs["fetch"][2]
    assert "none declared" not in runs["fetch"][2]
    for command in ("plan", "apply"):
        stdout = runs[command][1]
        assert "match their policies" not in stdout
        assert stdout.startswith(
            "Plan: no changes planned, but 2 keys were not checked: their drift is unknown"
        )


@pytest.mark.parametrize("command", ["check", "fetch", "plan"])
def test_sigterm_while_binance_hangs_exits_143(tmp_path: Path, command: str) -> None:
    """check, fetch and plan take SIGTERM as they take Ctrl-C (tests/hardening/
    test_interrupt.py), with exit 143: no silent death, no traceback."""
    fleet = build(tmp_path)
    with Emulator(fleet.scenario) as emu:
        # The master's read of one key's IP whitelist hangs.
        hedger = fleet.secrets["hedger"].api_key
        emu.add_fault(Fault("hang", path=f"{SUB_API}/ipRestriction", api_key=hedger))
        args = ["--base-url", emu.base_url, "--format", "json"]
        if command == "fetch":
            args = ["--base-url", emu.base_url, "--output", "state.json"]
        process = start(fleet, tmp_path, command, *args)
        try:
            wait_for(lambda: emu.count(f"{SUB_API}/ipRestriction") >= 3, 30, process)
            time.sleep(0.5)
            process.send_signal(signal.SIGTERM)
            stdout, stderr = process.communicate(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    outcome = (process.returncode, stdout, stderr)
    assert not any(bad in stdout + stderr for bad in BAD), outcome
    assert process.returncode == 143, outcome
    if command == "check":
        report = json.loads(stdout)
        keys = {k["name"]: (k["status"], k["error"]) for k in report["keys"]}
        assert keys["hedger"] == ("unchecked", "interrupted (SIGTERM) before this key was read")
        assert keys["mm"][0] == "drift"
        assert report["exit_code"] == 143
        assert stderr == "keylint: interrupted: the report shows the keys read so far\n"
    elif command == "fetch":
        assert stderr == (
            "keylint: interrupted (SIGTERM) after reading 2 of 3 keys: nothing was written\n"
        )
        assert not (tmp_path / "state.json").exists()
    else:
        assert stderr == "keylint: interrupted\n"
    fleet.assert_no_secrets(stdout, stderr)
