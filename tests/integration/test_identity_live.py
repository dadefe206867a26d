"""Which live key an entry means (SPEC §1, §6), against the emulator over real HTTP as users
run keylint: a key two entries claim and keys sharing a declared label are never changed, a
sub-account key is audited through the master with its API key alone, and a credential
problem names its variable."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from keylint.testing.emulator import Emulator
from tests.conftest import run_cli
from tests.emuhelpers import Fleet, writes

EMAIL = "mm@example.com"
RECENT = int((datetime.now(UTC) - timedelta(days=5)).timestamp() * 1000)
MASTER = "master: {api_key_env: MASTER_API_KEY, private_key_env: MASTER_PEM}\n"


def build(tmp_path: Path) -> Fleet:
    """A master that may change sub-account keys, and one sub-account."""
    fleet = Fleet(tmp_path)
    fleet.sub(EMAIL)
    master = fleet.add_master()
    key = fleet.scenario.key(master.api_key)
    assert key is not None
    key.permissions["enableSpotAndMarginTrading"] = True  # Binance requires it for IP calls
    return fleet


def write(tmp_path: Path, files: dict[str, str]) -> None:
    folder = tmp_path / "policies"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)


def keylint(
    tmp_path: Path, env: dict[str, str], *args: str, emu: Emulator | None = None
) -> subprocess.CompletedProcess[str]:
    """The real CLI, on policies/, with only `env`'s Binance credentials."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("BINANCE", "KEYLINT"))}
    command, *rest = args
    base = ["--base-url", emu.base_url] if emu is not None else []
    return run_cli([command, "policies", *rest, *base], env={**clean, **env}, cwd=tmp_path)


def report(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert done.stdout, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


ACTIVE = f"""\
version: 1
{MASTER}keys:
  - name: mm
    sub_account: {EMAIL}
    api_name: mm-bot
    permissions: [spot_and_margin_trading]
    ips: [203.0.113.5]
    max_age: 90d
"""

# A rotation written by hand, in another file, with the e-mail spelled in capitals.
RETIRED = """\
version: 1
keys:
  - name: mm-old
    sub_account: MM@example.com
    api_name: mm-bot
    status: retired
    permissions: []
"""


def test_a_key_two_entries_claim_is_never_judged_or_changed(tmp_path: Path) -> None:
    fleet = build(tmp_path)
    fleet.add(
        "mm",
        owner=EMAIL,
        label="mm-bot",
        own_credentials=False,
        ip_restrict=True,
        ip_list=["203.0.113.5", "192.0.2.7"],  # KL202: a change, were the key judged
        create_time=RECENT,
        permissions={"enableSpotAndMarginTrading": True},
    )
    write(tmp_path, {"active.yaml": ACTIVE, "retired.yaml": RETIRED})
    env = fleet.master_only_env()

    validated = keylint(tmp_path, env, "validate", "--format", "json")
    assert validated.returncode == 1
    assert [(f["key"], f["line"]) for f in report(validated)["findings"]] == [("mm-old", 5)]

    with Emulator(fleet.scenario) as emu:
        checked = keylint(tmp_path, env, "check", "--format", "json", emu=emu)
        assert checked.returncode == 1, checked.stderr
        keys = {k["name"]: k for k in report(checked)["keys"]}
        assert keys["mm"]["status"] == keys["mm-old"]["status"] == "unchecked"
        assert "'mm-old' (policies/retired.yaml:3)" in keys["mm"]["error"]
        assert "'mm' (policies/active.yaml:" in keys["mm-old"]["error"]
        assert [f["rule"] for f in report(checked)["findings"]] == ["KL003"]

        planned = keylint(tmp_path, env, "plan", "--format", "json", emu=emu)
        assert planned.returncode == 1, planned.stderr
        plan = report(planned)
        assert plan["keys"] == [] and plan["unchecked"] == []
        assert sorted((m["key"], m["rule"]) for m in plan["manual"]) == [
            ("mm", "KL003"),
            ("mm-old", "KL003"),
        ]

        applied = keylint(tmp_path, env, "apply", "--yes", emu=emu)
        assert writes(emu) == []
        assert applied.returncode == 1, applied.stdout + applied.stderr
    live = next(k for k in fleet.scenario.keys if k.label == "mm-bot")
    assert live.ip_list == ["203.0.113.5", "192.0.2.7"]  # still there, unchanged
    fleet.assert_no_secrets(checked.stdout, planned.stdout, applied.stdout, applied.stderr)


def test_two_live_keys_under_one_declared_label(tmp_path: Path) -> None:
    fleet = build(tmp_path)
    common: dict[str, Any] = {
        "owner": EMAIL,
        "label": "mm-bot",
        "own_credentials": False,
        "create_time": RECENT,
    }
    declared = fleet.add(
        "mm",
        ip_restrict=True,
        ip_list=["203.0.113.5", "192.0.2.7"],  # KL202: a change, were the label unique
        permissions={"enableSpotAndMarginTrading": True},
        **common,
    )
    extra = fleet.add(
        "mm-extra",
        ip_restrict=False,
        permissions={"enableSpotAndMarginTrading": True, "enableFutures": True},
        declare=False,
        **common,
    )
    write(tmp_path, {"mm.yaml": ACTIVE})
    env = fleet.master_only_env()
    prefixes = sorted(secret.api_key[:8] for secret in (declared, extra))

    with Emulator(fleet.scenario) as emu:
        checked = keylint(tmp_path, env, "check", "--format", "json", emu=emu)
        assert checked.returncode == 1, checked.stderr
        found = report(checked)["findings"]
        kl309 = [f for f in found if f["rule"] == "KL309"]
        assert sorted(f["fingerprint"] for f in kl309) == [f"kl:KL309:mm:{p}" for p in prefixes]
        assert all(f["line"] == 6 and f["severity"] == "error" for f in kl309)
        assert "KL307" not in {f["rule"] for f in found}

        # The state file keeps every listed key: a check without Binance finds KL309 too.
        fetched = keylint(tmp_path, env, "fetch", "--output", "state.json", emu=emu)
        assert fetched.returncode == 3, fetched.stderr  # which key `mm` means is unknown
        offline = keylint(tmp_path, {}, "check", "--state", "state.json", "--format", "json")
        assert offline.returncode == 1, offline.stderr
        assert sorted(f["fingerprint"] for f in report(offline)["findings"]) == sorted(
            f["fingerprint"] for f in found
        )

        planned = keylint(tmp_path, env, "plan", "--format", "json", emu=emu)
        plan = report(planned)
        assert plan["keys"] == []
        steps = [m for m in plan["manual"] if m["rule"] == "KL309"]
        assert len(steps) == 2
        assert all("DELETE /sapi/v1/sub-account/subAccountApi" in m["remediation"] for m in steps)

        applied = keylint(tmp_path, env, "apply", "--yes", emu=emu)
        assert writes(emu) == []
        assert applied.returncode == 1, applied.stdout + applied.stderr
    texts = [checked.stdout, planned.stdout, applied.stdout, (tmp_path / "state.json").read_text()]
    fleet.assert_no_secrets(*texts, fetched.stderr)
    assert all(p in checked.stdout for p in prefixes)


MASTER_ONLY = f"""\
version: 1
{MASTER}keys:
  - name: mm
    sub_account: {EMAIL}
    api_key_env: MM_API_KEY
    permissions: [spot_and_margin_trading]
    ips: [203.0.113.5]
    max_age: 90d
  - name: hedger
    sub_account: {EMAIL}
    api_name: hedger
    api_key_env: HEDGER_API_KEY
    permissions: [spot_and_margin_trading]
    ips: [203.0.113.5]
    max_age: 90d
"""


def test_a_sub_account_key_is_audited_with_its_api_key_alone(tmp_path: Path) -> None:
    fleet = build(tmp_path)
    common: dict[str, Any] = {
        "owner": EMAIL,
        "own_credentials": False,
        "create_time": RECENT,
        "ip_restrict": True,
    }
    mm = fleet.add(
        "mm",
        label="mm-bot-eu",  # the policy names no label: the API key finds the row
        ip_list=["203.0.113.5"],
        permissions={"enableSpotAndMarginTrading": True, "enableFutures": True},  # KL101
        **common,
    )
    fleet.add(
        "hedger",
        ip_list=["203.0.113.5"],
        permissions={"enableSpotAndMarginTrading": True},
        **common,
    )
    write(tmp_path, {"fleet.yaml": MASTER_ONLY})
    # HEDGER_API_KEY is not set: hedger is found by its api_name.
    env = {**fleet.master_only_env(), "MM_API_KEY": mm.api_key}

    assert keylint(tmp_path, env, "validate").returncode == 0
    with Emulator(fleet.scenario) as emu:
        checked = keylint(tmp_path, env, "check", "--format", "json", emu=emu)
    assert checked.returncode == 1, checked.stderr
    document = report(checked)
    keys = {k["name"]: k for k in document["keys"]}
    assert keys["mm"]["status"] == "drift" and keys["hedger"]["status"] == "ok"
    assert [(f["key"], f["rule"]) for f in document["findings"]] == [("mm", "KL101")]
    # What only the key's own credentials show is unverifiable, never guessed.
    assert {"permissions.withdrawals", "max_age"} <= set(keys["mm"]["unverifiable"])
    fleet.assert_no_secrets(checked.stdout, checked.stderr)


def test_a_key_outside_sub_accounts_still_needs_a_signing_secret(tmp_path: Path) -> None:
    text = "version: 1\nkeys:\n  - name: solo\n    api_key_env: SOLO\n    permissions: [reading]\n"
    write(tmp_path, {"solo.yaml": text})
    done = keylint(tmp_path, {}, "validate", "--format", "json")
    assert done.returncode == 1
    (finding,) = report(done)["findings"]
    assert finding["rule"] == "KL002" and "only a sub-account key" in finding["message"]


def test_a_credential_problem_names_the_variable(tmp_path: Path) -> None:
    fleet = build(tmp_path)
    fleet.add("mm", owner=EMAIL, label="mm-bot", own_credentials=False, create_time=RECENT)
    write(tmp_path, {"mm.yaml": ACTIVE})
    not_pem = tmp_path / "not.pem"
    not_pem.write_text("hello\n")
    master = fleet.master_only_env()
    cases = [
        ({"MASTER_PEM": master["MASTER_PEM"]}, "environment variable MASTER_API_KEY is not set"),
        (
            {**master, "MASTER_PEM": str(tmp_path / "missing.pem")},
            "MASTER_PEM: the private key file does not exist",
        ),
        ({**master, "MASTER_PEM": str(not_pem)}, "MASTER_PEM: the private key is not a readable"),
    ]
    with Emulator(fleet.scenario) as emu:
        for env, reason in cases:
            done = keylint(tmp_path, env, "check", "--format", "json", emu=emu)
            assert done.returncode == 3, done.stderr
            (key,) = report(done)["keys"]
            assert key["status"] == "unchecked" and reason in key["error"], key["error"]
            assert "no credentials are declared" not in key["error"]
            assert str(tmp_path) not in key["error"]  # a variable's value is never shown
            fleet.assert_no_secrets(done.stdout, done.stderr)


TWO_VARIABLES = f"""\
version: 1
{MASTER}keys:
  - name: mm
    sub_account: {EMAIL}
    api_key_env: MM_API_KEY
    permissions: [spot_and_margin_trading]
    ips: [203.0.113.5]
    max_age: 90d
  - name: mm-old
    sub_account: {EMAIL}
    api_key_env: MM_OLD_API_KEY
    status: retired
    permissions: []
"""


def test_two_variables_holding_one_api_key_are_caught_at_fetch_time(tmp_path: Path) -> None:
    fleet = build(tmp_path)
    mm = fleet.add(
        "mm",
        owner=EMAIL,
        own_credentials=False,
        create_time=RECENT,
        ip_restrict=True,
        ip_list=["203.0.113.5", "192.0.2.7"],  # KL202: a change, were the key judged
        permissions={"enableSpotAndMarginTrading": True},
    )
    write(tmp_path, {"fleet.yaml": TWO_VARIABLES})
    env = {**fleet.master_only_env(), "MM_API_KEY": mm.api_key, "MM_OLD_API_KEY": mm.api_key}
    assert keylint(tmp_path, env, "validate").returncode == 0  # only the values tell

    with Emulator(fleet.scenario) as emu:
        checked = keylint(tmp_path, env, "check", "--format", "json", emu=emu)
        assert checked.returncode == 3, checked.stderr
        keys = {k["name"]: k for k in report(checked)["keys"]}
        assert keys["mm"]["status"] == keys["mm-old"]["status"] == "unchecked"
        assert "'mm-old' names the same live key" in keys["mm"]["error"]
        assert "'mm' names the same live key" in keys["mm-old"]["error"]

        applied = keylint(tmp_path, env, "apply", "--yes", emu=emu)
        assert writes(emu) == []
        assert applied.returncode == 3, applied.stdout + applied.stderr
    assert fleet.scenario.key(mm.api_key) is not None
    fleet.assert_no_secrets(checked.stdout, checked.stderr, applied.stdout, applied.stderr)
