"""Every command, every format, success and failure paths: no secret, PEM body line or full
API key in stdout, stderr, any written file or any log record (SECURITY.md)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from keylint.cli import app
from keylint.reporters import FORMATS  # every format: one added is swept too
from keylint.testing.emulator import PATH_RESTRICTIONS, PATH_SUB_API_IP, Emulator, Fault
from tests.emuhelpers import Fleet

NOW = "2026-11-24T09:00:00Z"
SUB = "mm@example.com"

POLICY = """\
version: 1
defaults: {max_age: 90d}
master: {api_key_env: MASTER_API_KEY, private_key_env: MASTER_PEM}
keys:
  - {name: hmac-bot, sub_account: mm@example.com, api_name: hmac-bot,
     api_key_env: HMAC_BOT_API_KEY, secret_env: HMAC_BOT_SECRET,
     permissions: [reading], ips: [127.0.0.1]}
  - {name: ed-bot, sub_account: mm@example.com, api_name: ed-bot,
     api_key_env: ED_BOT_API_KEY, private_key_env: ED_BOT_PEM, permissions: [reading]}
  - {name: rsa-bot, api_key_env: RSA_BOT_API_KEY, private_key_env: RSA_BOT_PEM,
     permissions: [reading]}
  - {name: wrong-secret, api_key_env: WRONG_SECRET_API_KEY, secret_env: WRONG_SECRET_SECRET,
     permissions: [reading]}
  - {name: bad-pem, api_key_env: BAD_PEM_API_KEY, private_key_env: BAD_PEM_PEM,
     permissions: [reading]}
  - {name: echo, api_key_env: ECHO_API_KEY, secret_env: ECHO_SECRET, permissions: [reading]}
  - {name: sub-only, sub_account: mm@example.com, api_name: sub-only, permissions: [reading]}
"""


def pasted_policy(api_key: str, secret: str, pem: str) -> str:
    """A policy someone pasted credentials into: KL004 by position, never the value."""
    body = "\n".join("      " + line for line in pem.splitlines())
    return (
        "version: 1\nkeys:\n  - name: pasted\n"
        f"    api_key_env: {api_key}\n    secret_env: {secret}\n"
        f"    permissions: [reading]\n    owner: |\n{body}\n"
        f"  - name: {secret}\n    permissions: [{api_key}]\n"
    )


def build(tmp_path: Path) -> tuple[Fleet, list[Fault], str]:
    fleet = Fleet(tmp_path)
    fleet.sub(SUB)
    fleet.add_master("rsa")
    # Futures undeclared: a change `apply` makes through the master.
    fleet.add(
        "hmac-bot",
        owner=SUB,
        ip_restrict=True,
        ip_list=["127.0.0.1"],
        permissions={"enableReading": True, "enableFutures": True},
    )
    fleet.add("ed-bot", "ed25519", owner=SUB, inline_pem=True)
    fleet.add("rsa-bot", "rsa")
    fleet.add("wrong-secret")
    fleet.add("bad-pem", "ed25519", inline_pem=True)
    echo = fleet.add("echo")
    sub_only = fleet.add("sub-only", owner=SUB, own_credentials=False)
    fleet.add("stray", owner=SUB, declare=False, own_credentials=False)  # KL307's hint
    # -1022: a well-formed secret that belongs to another key.
    real_wrong = fleet.env["WRONG_SECRET_SECRET"]
    fleet.env["WRONG_SECRET_SECRET"] = fleet.secrets["hmac-bot"].secret or ""
    pem_lines = (fleet.secrets["bad-pem"].private_pem or "").splitlines()
    fleet.env["BAD_PEM_PEM"] = "\n".join([pem_lines[0], pem_lines[1][:-4], *pem_lines[2:]])
    # A server (or proxy) that echoes the request in its error message.
    faults = [
        Fault(
            kind="status",
            status=400,
            path=PATH_RESTRICTIONS,
            api_key=echo.api_key,
            body=json.dumps(
                {"code": -1100, "msg": f"Illegal characters in X-MBX-APIKEY {echo.api_key}"}
            ).encode(),
        ),
        Fault(
            kind="status",
            status=400,
            path=PATH_SUB_API_IP,
            api_key=sub_only.api_key,
            body=json.dumps(
                {"code": -1130, "msg": f"Invalid subAccountApiKey={sub_only.api_key}."}
            ).encode(),
        ),
    ]
    return fleet, faults, real_wrong


def needles(fleet: Fleet, extra: list[str]) -> list[str]:
    return [*extra, *fleet.needles()]


class Sweep:
    """Runs the CLI in-process with the fleet's environment and keeps every text it saw."""

    def __init__(self, tmp_path: Path, env: dict[str, str]) -> None:
        self.tmp = tmp_path
        self.env = {**env, "NO_COLOR": "1"}
        self.runner = CliRunner()
        self.texts: list[tuple[str, str]] = []
        self.codes: dict[str, int] = {}

    def __call__(self, *args: str) -> tuple[int, str]:
        result = self.runner.invoke(app, list(args), env=self.env, catch_exceptions=False)
        label = " ".join(args[:3])
        self.texts += [(f"stdout of {label}", result.stdout), (f"stderr of {label}", result.stderr)]
        self.codes[" ".join(args)] = result.exit_code
        return result.exit_code, result.stdout

    def files(self) -> None:
        for path in sorted(self.tmp.rglob("*")):
            if path.is_file() and path.suffix not in (".pem",) and path.name != "pasted.yaml":
                self.texts.append((f"file {path.name}", path.read_text(errors="replace")))


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("BINANCE", "KEYLINT")):
            monkeypatch.delenv(name)


def test_no_secret_reaches_any_output_of_any_command(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    clean_environment: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.chdir(tmp_path)
    fleet, faults, real_wrong = build(tmp_path)
    hmac_bot = fleet.secrets["hmac-bot"]
    policy = tmp_path / "fleet.yaml"
    policy.write_text(POLICY)
    pasted = tmp_path / "pasted.yaml"
    pasted.write_text(
        pasted_policy(hmac_bot.api_key, hmac_bot.secret or "", fleet.env["ED_BOT_PEM"])
    )
    out = tmp_path / "out"
    out.mkdir()
    sweep = Sweep(out, fleet.env)

    for fmt in FORMATS:
        sweep("validate", str(policy), str(pasted), "--format", fmt, "--now", NOW)
        sweep("validate", str(policy), str(pasted), "--format", fmt, "-o", f"out/v.{fmt}")
    sweep("rules")
    for rule in ("KL004", "KL307", "KL101"):
        sweep("rules", rule)

    with Emulator(fleet.scenario) as emu:
        for fault in faults:
            emu.add_fault(fault)
        live = ["--base-url", emu.base_url, "--timeout", "10", "--now", NOW]
        for fmt in FORMATS:
            sweep("check", str(policy), str(pasted), "--format", fmt, *live)
            sweep("check", str(policy), "--format", fmt, "-o", f"out/c.{fmt}", *live)
        sweep("fetch", str(policy), "--output", "out/state.json", *live[:4])
        sweep("fetch", str(policy), *live[:4])
        for fmt in FORMATS:
            sweep("check", str(policy), "--state", "out/state.json", "--format", fmt, "--now", NOW)
        own = ["--api-key-env", "ED_BOT_API_KEY", "--private-key-env", "ED_BOT_PEM"]
        sweep("init", "--name", "desk", *own, *live)
        sweep("init", "--name", "desk", *own, "-o", "out/own.yaml", *live)
        sweep("init", "--api-key-env", "WRONG_SECRET_API_KEY", "--secret-env",
              "WRONG_SECRET_SECRET", *live)  # fmt: skip
        sweep("init", "--api-key-env", "BAD_PEM_API_KEY", "--private-key-env", "BAD_PEM_PEM",
              *live)  # fmt: skip
        master = [
            "--master-api-key-env",
            "MASTER_API_KEY",
            "--master-private-key-env",
            "MASTER_PEM",
        ]
        sweep("init", "--sub-account", SUB, *master, *live)
        sweep("init", "--sub-account", SUB, *master, "-o", "out/sub.yaml", *live)
        sweep("init", "--state", "out/state.json", "--sub-account", SUB, "--now", NOW)
        # plan and apply last: apply changes what Binance holds. The master cannot trade, so
        # some calls fail with -2015 and their error paths are swept too.
        for fmt in ("text", "json"):
            sweep("plan", str(policy), "--format", fmt, *live)
        sweep("plan", str(policy), "-o", "out/plan.json", *live)
        sweep("plan", str(policy), "--state", "out/state.json", "--now", NOW)
        sweep("apply", str(policy), "--yes", "--log", "out/apply.jsonl", "-f", "json", *live)
        sweep("apply", str(policy), "--plan", "out/plan.json", "--yes", *live)  # now stale
        sweep("apply", str(policy), "--yes", "--allow-widen", "--log", "out/apply.jsonl", *live)
        requests = [repr(r) for r in emu.requests]

    # The runs did reach the paths they were meant to.
    codes = sweep.codes
    assert codes[f"fetch {policy} --output out/state.json {' '.join(live[:4])}"] == 3
    state = json.loads((out / "state.json").read_text())
    errors = {name: e.get("error", "") for name, e in state["keys"].items()}
    assert "-1022" in errors["wrong-secret"]
    assert errors["bad-pem"] and errors["echo"] and errors["sub-only"]
    assert state["keys"]["hmac-bot"]["status"] == "ok"
    assert any(code == 0 for args, code in codes.items() if args.startswith("init --name desk"))
    applied = [json.loads(line) for line in (out / "apply.jsonl").read_text().splitlines()]
    assert [(r["key"], r["outcome"]) for r in applied] == [("hmac-bot", "applied")]
    assert codes[f"apply {policy} --plan out/plan.json --yes {' '.join(live)}"] == 2

    sweep.files()
    captured = capfd.readouterr()
    texts = [
        *sweep.texts,
        ("requests", "\n".join(requests)),
        ("logging", caplog.text),
        ("log messages", "\n".join(r.getMessage() for r in caplog.records)),
        ("process stdout", captured.out),
        ("process stderr", captured.err),
    ]
    assert any("hmac-bot" in text for _, text in texts)  # the sweep read real reports
    secrets = needles(fleet, [real_wrong])
    leaks = [
        (where, secret[:6], text[max(0, text.find(secret) - 120) : text.find(secret)])
        for secret in secrets
        for where, text in texts
        if secret in text
    ]
    assert leaks == [], "\n".join(f"{w[:60]} | {n} | ...{c!r}" for w, n, c in leaks)


def test_check_in_a_subprocess_prints_no_secret(tmp_path: Path) -> None:
    """The real process: import-time warnings, tracebacks and logging setup all included."""
    fleet, faults, real_wrong = build(tmp_path)
    policy = tmp_path / "fleet.yaml"
    policy.write_text(POLICY)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BINANCE", "KEYLINT"))}
    env.update(fleet.env)
    with Emulator(fleet.scenario) as emu:
        for fault in faults:
            emu.add_fault(fault)
        done = subprocess.run(
            [sys.executable, "-m", "keylint", "check", str(policy), "--format", "markdown",
             "--base-url", emu.base_url, "--timeout", "10", "--now", NOW],
            env={**env, "PYTHONWARNINGS": "always"},
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )  # fmt: skip
    assert done.returncode in (1, 3), done.stderr
    assert "wrong-secret" in done.stdout and "Traceback" not in done.stderr
    text = done.stdout + done.stderr
    assert [s[:6] for s in needles(fleet, [real_wrong]) if s in text] == []
