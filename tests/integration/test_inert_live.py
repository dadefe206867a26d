"""Report text is inert (SPEC §5) when the hostile text comes from Binance itself, over real
HTTP: a key's label, its IP whitelist and an error message, through `check`, `fetch`, `plan`."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from keylint.testing.emulator import PATH_RESTRICTIONS, Emulator, Fault
from tests.conftest import run_cli
from tests.emuhelpers import Fleet
from tests.hardening.inertcheck import assert_inert

HOSTILE = (
    "\x1b]0;pwned\x07\x1b[2J\r\n::error::forged\n  ::add-mask::x ##[warning]y @org/team"
    " <img src=x> </details> \u202egnp.exe\u2028"
)
POLICY = """\
version: 1
master: {api_key_env: MASTER_API_KEY, private_key_env: MASTER_PEM}
keys:
  - name: mm
    sub_account: mm@example.com
    api_name: mm
    api_key_env: MM_API_KEY
    private_key_env: MM_PEM
    permissions: [reading]
    ips: [127.0.0.1]
    max_age: 90d
  - name: faulted
    api_key_env: FAULTED_API_KEY
    secret_env: FAULTED_SECRET
    permissions: [reading]
    ips: [127.0.0.1]
    max_age: 90d
"""


def keylint(fleet: Fleet, emu: Emulator, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BINANCE", "KEYLINT"))}
    env.update(fleet.env)
    return run_cli([*args, "--base-url", emu.base_url], env=env, cwd=fleet.tmp)


@pytest.fixture
def hostile_binance(fleet: Fleet, emulator: Emulator) -> Emulator:
    fleet.sub("mm@example.com")
    fleet.add_master()
    # A whitelist entry Binance lists that is no address (KL202; a manual step in the plan).
    fleet.add(
        "mm", "ed25519", owner="mm@example.com", ip_restrict=True, ip_list=["127.0.0.1", HOSTILE]
    )
    # An undeclared key whose label is hostile (KL307 quotes it).
    fleet.add("stray", owner="mm@example.com", label=HOSTILE, declare=False, own_credentials=False)
    victim = fleet.add("faulted")
    body = json.dumps({"code": -1099, "msg": HOSTILE}).encode()
    emulator.add_fault(
        Fault(kind="status", status=400, body=body, path=PATH_RESTRICTIONS, api_key=victim.api_key)
    )
    (fleet.tmp / "policies.yaml").write_text(POLICY)
    return emulator


@pytest.mark.parametrize("fmt", ["text", "markdown", "github", "sarif", "json"])
def test_check_against_a_hostile_binance_is_inert(
    fleet: Fleet, hostile_binance: Emulator, fmt: str
) -> None:
    run = keylint(fleet, hostile_binance, "check", "policies.yaml", "--format", fmt)
    assert run.returncode == 1, run.stderr
    assert_inert(run.stdout, fmt=fmt)
    assert_inert(run.stderr)
    if fmt == "json":  # the hostile text did come back from Binance, as data
        report = json.loads(run.stdout)
        keys = {key["name"]: key for key in report["keys"]}
        assert keys["faulted"]["status"] == "unchecked"
        assert "::error::forged" in keys["faulted"]["error"]
        messages = {f["rule"]: f["message"] for f in report["findings"]}
        assert "\x1b]0;pwned\x07" in messages["KL202"]  # the whitelist entry, raw in JSON
        assert "::error::forged" in messages["KL307"]  # the label


def test_fetch_and_plan_against_a_hostile_binance_are_inert(
    fleet: Fleet, hostile_binance: Emulator
) -> None:
    fetched = keylint(fleet, hostile_binance, "fetch", "policies.yaml", "-o", "state.json")
    assert fetched.returncode == 3  # `faulted` could not be read: said on stderr
    assert "faulted" in fetched.stderr
    assert_inert(fetched.stderr)
    planned = keylint(fleet, hostile_binance, "plan", "policies.yaml")
    assert_inert(planned.stdout)
    assert_inert(planned.stderr)
    assert "\\x1b]0;pwned\\x07" in planned.stdout
