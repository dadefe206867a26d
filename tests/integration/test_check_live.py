"""`keylint check` against the emulator over real HTTP: one drift of each kind, the same
findings from live state and from a state file, and no secret in any output."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from keylint.rules import Kind, all_rules
from keylint.testing.emulator import Emulator, generate_key
from tests.conftest import run_cli
from tests.emuhelpers import Fleet

NOW = datetime.now(UTC).replace(microsecond=0)
LOOPBACK = "127.0.0.1"  # the tests' egress address, as Binance would see it

POLICY = """\
version: 1
defaults: {max_age: 90d}
master: {api_key_env: MASTER_API_KEY, private_key_env: MASTER_PEM}
keys:
  - name: mm
    sub_account: mm@example.com
    api_name: mm
    api_key_env: MM_API_KEY
    private_key_env: MM_PEM
    permissions: [reading, spot_and_margin_trading]
    ips: [127.0.0.1, 203.0.113.10]
  - name: treasury
    api_key_env: TREASURY_API_KEY
    private_key_env: TREASURY_PEM
    permissions: [reading, withdrawals]
    ips: [127.0.0.1]
  - name: old-bot
    status: retired
    api_key_env: OLD_BOT_API_KEY
    private_key_env: OLD_BOT_PEM
    permissions: []
  - name: gone
    api_key_env: GONE_API_KEY
    private_key_env: GONE_PEM
    permissions: [reading]
    ips: [127.0.0.1]
  - name: clean
    api_key_env: CLEAN_API_KEY
    private_key_env: CLEAN_PEM
    permissions: [reading]
    ips: [127.0.0.1]
"""


def ms_ago(days: int) -> int:
    return int((NOW - timedelta(days=days)).timestamp() * 1000)


def build(tmp_path: Path) -> Fleet:
    fleet = Fleet(tmp_path)
    fleet.sub("mm@example.com")
    fleet.add_master()
    # KL101 (futures undeclared), KL202 (192.0.2.7), KL203 (203.0.113.10 missing), KL302 (80 days)
    fleet.add(
        "mm",
        "ed25519",
        owner="mm@example.com",
        ip_restrict=True,
        ip_list=[LOOPBACK, "192.0.2.7"],
        create_time=ms_ago(80),
        permissions={
            "enableReading": True,
            "enableSpotAndMarginTrading": True,
            "enableFutures": True,
        },
    )
    # KL307: a key in the sub-account that no policy declares
    fleet.add("test-2023", "hmac", owner="mm@example.com", declare=False, own_credentials=False)
    # KL201 (unrestricted), KL301 (200 days), KL102 (withdrawals declared but off)
    fleet.add(
        "treasury",
        "ed25519",
        ip_restrict=False,
        create_time=ms_ago(200),
        permissions={"enableReading": True, "enableWithdrawals": False},
    )
    # KL305: retired but alive
    fleet.add("old-bot", "ed25519", ip_restrict=True, ip_list=[LOOPBACK])
    fleet.add(
        "clean",
        "ed25519",
        ip_restrict=True,
        ip_list=[LOOPBACK],
        create_time=ms_ago(5),
        permissions={"enableReading": True},
    )
    # KL304: credentials for a key Binance has never heard of
    _, gone = generate_key("ed25519")
    fleet.env["GONE_API_KEY"] = gone.api_key
    (tmp_path / "gone.pem").write_text(gone.private_pem or "")
    fleet.env["GONE_PEM"] = str(tmp_path / "gone.pem")
    fleet.secrets["gone"] = gone
    (tmp_path / "policies.yaml").write_text(POLICY)
    return fleet


def keylint(fleet: Fleet, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BINANCE", "KEYLINT"))}
    env.update(fleet.env)
    return run_cli(list(args), env=env, cwd=tmp_path)


def findings(run: subprocess.CompletedProcess[str]) -> list[tuple[str | None, str, str]]:
    report = json.loads(run.stdout)
    return sorted(((f["key"], f["rule"], f["fingerprint"]) for f in report["findings"]), key=str)


EXPECTED = {
    ("mm", "KL101"),
    ("mm", "KL202"),
    ("mm", "KL203"),
    ("mm", "KL302"),
    ("treasury", "KL102"),
    ("treasury", "KL201"),
    ("treasury", "KL301"),
    ("old-bot", "KL305"),
    ("gone", "KL304"),
    (None, "KL307"),
}


def test_live_and_state_file_give_the_same_findings(tmp_path: Path) -> None:
    fleet = build(tmp_path)
    common = ["--now", NOW.isoformat(), "--format", "json", "--timeout", "20"]
    with Emulator(fleet.scenario) as emu:
        live = keylint(
            fleet, tmp_path, "check", "policies.yaml", "--base-url", emu.base_url, *common
        )
        fetched = keylint(
            fleet,
            tmp_path,
            "fetch",
            "policies.yaml",
            "-o",
            "state.json",
            "--base-url",
            emu.base_url,
        )
    assert fetched.returncode == 0, fetched.stderr
    offline = keylint(fleet, tmp_path, "check", "policies.yaml", "--state", "state.json", *common)
    assert live.returncode == offline.returncode == 1, live.stderr + offline.stderr
    assert findings(live) == findings(offline)
    # 127.0.0.1 must be whitelisted for the loopback emulator, so static KL204 fires as well.
    live_ids = {r.id for r in all_rules() if r.kind is Kind.LIVE}
    assert {(key, rule) for key, rule, _ in findings(live) if rule in live_ids} == EXPECTED
    keys = {k["name"]: k["status"] for k in json.loads(live.stdout)["keys"]}
    assert keys["clean"] == "ok" and keys["mm"] == "drift"

    published = live.stdout + live.stderr + offline.stdout + offline.stderr + fetched.stderr
    published += (tmp_path / "state.json").read_text()
    for needle in fleet.needles():
        assert needle not in published


def test_every_key_is_reported_when_some_cannot_be_checked(tmp_path: Path) -> None:
    fleet = build(tmp_path)
    del fleet.env["TREASURY_PEM"]
    with Emulator(fleet.scenario) as emu:
        run = keylint(
            fleet,
            tmp_path,
            "check",
            "policies.yaml",
            "--base-url",
            emu.base_url,
            "--now",
            NOW.isoformat(),
            "--format",
            "json",
            "--fail-on",
            "never",
        )
    report = json.loads(run.stdout)
    statuses = {k["name"]: (k["status"], k["error"]) for k in report["keys"]}
    assert statuses["treasury"] == ("unchecked", "environment variable TREASURY_PEM is not set")
    assert statuses["clean"][0] == "ok" and statuses["mm"][0] == "drift"
    assert run.returncode == 3  # nothing fails at --fail-on never, but a key went unchecked
