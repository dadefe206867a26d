"""`keylint fetch`, the real CLI (in-process, as `run_cli` runs it; usage errors in a real
process), against the emulator over real HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema

from keylint.testing.emulator import PATH_RESTRICTIONS, Emulator, Fault
from tests.conftest import REPO, run_cli
from tests.emuhelpers import Fleet

POLICY = """\
version: 1
defaults: {{max_age: 90d}}
master: {{api_key_env: MASTER_API_KEY, private_key_env: MASTER_PEM}}
keys:
  - name: mm
    sub_account: mm@example.com
    api_name: mm
    api_key_env: MM_API_KEY
    private_key_env: MM_PEM
    permissions: [reading, spot_and_margin_trading]
    ips: [203.0.113.10]
  - name: reporting
    api_key_env: REPORTING_API_KEY
    secret_env: REPORTING_SECRET
    permissions: [reading]
    ips: [203.0.113.11]
  - name: treasury
    api_key_env: TREASURY_API_KEY
    private_key_env: TREASURY_PEM
    permissions: [reading, withdrawals]
    ips: [203.0.113.12]
  - name: no-credentials
    api_key_env: NOT_SET_API_KEY
    secret_env: NOT_SET_SECRET
    permissions: [reading]
"""


def build_fleet(tmp_path: Path) -> Fleet:
    fleet = Fleet(tmp_path)
    fleet.sub("mm@example.com")
    fleet.add_master()
    fleet.add(
        "mm",
        "ed25519",
        owner="mm@example.com",
        permissions={"enableReading": True, "enableSpotAndMarginTrading": True},
        ip_restrict=True,
        ip_list=["203.0.113.10", "127.0.0.1"],
    )
    fleet.add(
        "reporting",
        "hmac",
        permissions={"enableReading": True, "enableWithdrawals": True},
        ip_restrict=True,
        ip_list=["127.0.0.1"],
        create_time=1_700_000_000_000,
    )
    fleet.add(
        "treasury",
        "rsa",
        permissions={"enableReading": True, "enableWithdrawals": True},
        ip_restrict=True,
        ip_list=["127.0.0.1"],
    )
    return fleet


def run_fetch(
    tmp_path: Path, fleet: Fleet, base_url: str, *args: str, to_file: bool = True
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Run the real `keylint fetch` with the fleet's credentials and only them."""
    policy = tmp_path / "policies.yaml"
    policy.write_text(POLICY.format(extra=""))
    state = tmp_path / "state.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BINANCE", "KEYLINT"))}
    env.update(fleet.env)
    output = ["--output", str(state)] if to_file else []
    command = ["fetch", str(policy), *output, "--base-url", base_url, "--timeout", "5", *args]
    return run_cli(command, env=env, cwd=tmp_path), state


def test_fetch_writes_a_valid_state_file_holding_what_binance_served(tmp_path: Path) -> None:
    fleet = build_fleet(tmp_path)
    with Emulator(fleet.scenario) as emu:
        done, state_path = run_fetch(tmp_path, fleet, emu.base_url)
    assert done.returncode == 3, done.stderr  # one key has no credentials in the environment
    state = json.loads(state_path.read_text())
    schema = json.loads((REPO / "schemas" / "state.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(state)

    keys = state["keys"]
    assert keys["reporting"]["status"] == "ok"
    assert keys["reporting"]["restrictions"]["enableWithdrawals"] is True
    assert keys["reporting"]["restrictions"]["createTime"] == 1_700_000_000_000
    assert keys["treasury"]["restrictions"]["ipRestrict"] is True
    assert keys["mm"]["ip_list"] == ["203.0.113.10", "127.0.0.1"]
    assert keys["mm"]["listing"]["canTrade"] is True
    assert keys["no-credentials"]["status"] == "error"
    assert "NOT_SET_API_KEY is not set" in keys["no-credentials"]["error"]
    assert [row["apiName"] for row in state["sub_accounts"]["mm@example.com"]] == ["mm"]
    assert "no-credentials: environment variable NOT_SET_API_KEY is not set" in done.stderr
    assert "fetched 3 of 4 keys" in done.stderr
    assert "1 could not be read" in done.stderr

    published = done.stdout + done.stderr + state_path.read_text()
    for secret in fleet.needles():
        assert secret not in published


def test_a_failing_key_does_not_stop_the_others(tmp_path: Path) -> None:
    fleet = build_fleet(tmp_path)
    with Emulator(fleet.scenario) as emu:
        emu.add_fault(
            Fault(
                "status",
                path=PATH_RESTRICTIONS,
                api_key=fleet.secrets["treasury"].api_key,
                status=503,
            )
        )
        done, state_path = run_fetch(tmp_path, fleet, emu.base_url)
    keys = json.loads(state_path.read_text())["keys"]
    assert keys["treasury"]["status"] == "error"
    assert keys["reporting"]["status"] == keys["mm"]["status"] == "ok"
    assert done.returncode == 3 and "treasury:" in done.stderr


def test_unreachable_api_is_reported_per_key_not_a_traceback(tmp_path: Path) -> None:
    fleet = build_fleet(tmp_path)
    with Emulator(fleet.scenario) as emu:
        url = emu.base_url  # stopped on leaving the block: the port now refuses connections
    done, _ = run_fetch(tmp_path, fleet, url, to_file=False)
    assert done.returncode == 3
    assert "Traceback" not in done.stderr
    assert json.loads(done.stdout)["keys"]["reporting"]["status"] == "error"


def test_bad_base_url_and_missing_path_are_usage_errors(tmp_path: Path) -> None:
    for args in (
        ["fetch", "--base-url", "api.binance.com", str(REPO / "policies")],
        ["fetch", str(tmp_path / "nope")],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "keylint", *args], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith("keylint: error: ")


def test_a_wrong_base_url_path_is_a_wrong_url_never_retried(tmp_path: Path) -> None:
    fleet = build_fleet(tmp_path)
    with Emulator(fleet.scenario) as emu:
        # The emulator, like Binance, answers 404 for a path it does not serve.
        done, state_path = run_fetch(tmp_path, fleet, f"{emu.base_url}/wrong")
        signed_own = emu.count("/wrong/sapi/v1/account/apiRestrictions")
        time_calls = emu.count("/wrong/api/v3/time")
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr
    keys = json.loads(state_path.read_text())["keys"]
    assert keys["reporting"]["error"] == (
        "wrong URL: Binance answered HTTP 404 (not found) for "
        "/wrong/sapi/v1/account/apiRestrictions; the base URL looks wrong (--base-url or "
        "KEYLINT_BASE_URL is the API's root, e.g. https://api.binance.com)"
    )
    assert keys["treasury"]["error"].startswith("wrong URL: ")
    # Asked once each, not retried as if Binance were down: reporting, treasury, mm.
    assert (signed_own, time_calls) == (3, 1)


def test_no_request_at_all_when_no_key_has_credentials(tmp_path: Path) -> None:
    policy = tmp_path / "policies.yaml"
    policy.write_text(
        "version: 1\nkeys:\n  - name: no-credentials\n    api_key_env: NOT_SET_API_KEY\n"
        "    secret_env: NOT_SET_SECRET\n    permissions: [reading]\n    max_age: 90d\n"
        "    ips: [203.0.113.11]\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BINANCE", "KEYLINT"))}
    with Emulator(Fleet(tmp_path).scenario) as emu:
        done = subprocess.run(
            [sys.executable, "-m", "keylint", "check", str(policy), "--base-url", emu.base_url],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )
        sent = [(r.method, r.path) for r in emu.requests]
    assert done.returncode == 3, done.stderr
    assert "NOT_SET_API_KEY is not set" in done.stdout
    # Nothing would be signed, so there is no clock to sync: not even GET /api/v3/time.
    assert sent == []
