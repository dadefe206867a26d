"""`keylint plan` and `keylint apply` against the emulator, over real HTTP, as users run them:
a drifted fleet converges, widening waits for --allow-widen, a stale plan is refused, and a
failure midway leaves a log and a report that say exactly what changed."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from keylint.testing.emulator import Emulator, Fault
from tests.conftest import run_cli
from tests.emuhelpers import Fleet, writes

NOW = datetime.now(UTC).replace(microsecond=0)
EMAIL = "mm@example.com"
IP_LIST = "/sapi/v1/sub-account/subAccountApi/ipRestriction/ipList"
IP_V2 = "/sapi/v2/sub-account/subAccountApi/ipRestriction"
PERMISSION = "/sapi/v1/sub-account/subAccountApiPermission"
SUB_API = "/sapi/v1/sub-account/subAccountApi"

POLICY = """\
version: 1
defaults: {max_age: 90d, sub_account: mm@example.com}
master: {api_key_env: MASTER_API_KEY, private_key_env: MASTER_PEM}
keys:
  - name: mm
    api_name: mm
    permissions: [spot_and_margin_trading]
    ips: [203.0.113.5, 203.0.113.10]
  - name: hedger
    api_name: hedger
    permissions: [spot_and_margin_trading, futures]
    ips: [198.51.100.20]
  - name: old-bot
    api_name: old-bot
    status: retired
    permissions: []
"""

WIDENING_POLICY = """\
  - name: options-desk
    api_name: options-desk
    permissions: [spot_and_margin_trading, european_options]
    ips: [203.0.113.5, 203.0.113.77]
"""


def ms_ago(days: int) -> int:
    return int((NOW - timedelta(days=days)).timestamp() * 1000)


def build(tmp_path: Path, *, widening: bool = False, master_can_trade: bool = True) -> Fleet:
    """A sub-account whose keys drift only in ways that narrowing fixes (plus, with
    `widening`, a key that needs a permission granted and an IP trusted)."""
    fleet = Fleet(tmp_path)
    fleet.sub(EMAIL)
    master = fleet.add_master()
    if master_can_trade:
        # Binance requires Spot & Margin Trading on the calling key for the IP endpoint.
        key = fleet.scenario.key(master.api_key)
        assert key is not None
        key.permissions["enableSpotAndMarginTrading"] = True
    recent = ms_ago(5)
    # KL101 futures + universal transfer, KL202 192.0.2.7 (KL203 needs 203.0.113.10: widening)
    fleet.add(
        "mm",
        owner=EMAIL,
        own_credentials=False,
        ip_restrict=True,
        ip_list=["203.0.113.5", "192.0.2.7", "203.0.113.10"],
        create_time=recent,
        permissions={
            "enableSpotAndMarginTrading": True,
            "enableFutures": True,
            "permitsUniversalTransfer": True,
        },
    )
    # KL201: unrestricted, with an entry left in its list from before
    fleet.add(
        "hedger",
        owner=EMAIL,
        own_credentials=False,
        ip_restrict=False,
        ip_list=["192.0.2.99"],
        create_time=recent,
        permissions={"enableSpotAndMarginTrading": True, "enableFutures": True},
    )
    # KL305: retired, still alive
    fleet.add("old-bot", owner=EMAIL, own_credentials=False, create_time=recent)
    policy = POLICY
    if widening:
        # KL102 european_options (off), KL203 203.0.113.77 (missing)
        fleet.add(
            "options-desk",
            owner=EMAIL,
            own_credentials=False,
            ip_restrict=True,
            ip_list=["203.0.113.5"],
            create_time=recent,
            permissions={"enableSpotAndMarginTrading": True},
        )
        policy += WIDENING_POLICY
    (tmp_path / "policies.yaml").write_text(policy)
    return fleet


def keylint(fleet: Fleet, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BINANCE", "KEYLINT"))}
    env.update(fleet.master_only_env())
    command, *rest = args
    return run_cli([command, "policies.yaml", *rest], env=env, cwd=tmp_path)


def plan_json(fleet: Fleet, tmp_path: Path, emu: Emulator) -> dict[str, object]:
    done = keylint(fleet, tmp_path, "plan", "--base-url", emu.base_url, "--format", "json")
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_one_apply_converges_a_drifted_fleet(tmp_path: Path) -> None:
    fleet = build(tmp_path)
    with Emulator(fleet.scenario) as emu:
        plan = keylint(fleet, tmp_path, "plan", "--base-url", emu.base_url)
        assert plan.returncode == 1, plan.stderr
        assert "Plan: 5 API calls on 3 keys; 0 manual steps" in plan.stdout
        assert writes(emu) == []  # planning changes nothing

        log = tmp_path / "audit.jsonl"
        done = keylint(
            fleet, tmp_path, "apply", "--yes", "--base-url", emu.base_url, "--log", str(log)
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Changes: 5 applied." in done.stdout
        assert "Live state after the changes:" in done.stdout

        # What Binance holds now is what the policies say.
        keys = {k.label: k for k in fleet.scenario.keys}
        assert "old-bot" not in keys
        assert keys["mm"].permissions == {
            "enableSpotAndMarginTrading": True,
            "enableFutures": False,
            "permitsUniversalTransfer": False,
            "enableMargin": False,
            "enableVanillaOptions": False,
        }
        assert keys["mm"].ip_list == ["203.0.113.5", "203.0.113.10"]
        assert keys["hedger"].ip_restrict is True
        assert keys["hedger"].ip_list == ["198.51.100.20"]

        again = plan_json(fleet, tmp_path, emu)
        assert again["summary"] == {
            "keys": 0,
            "changes": 0,
            "widening": 0,
            "manual": 0,
            "unchecked": 0,
        }
        # Idempotent: a second apply finds nothing to do and sends nothing.
        before = len(writes(emu))
        second = keylint(fleet, tmp_path, "apply", "--yes", "--base-url", emu.base_url)
        assert second.returncode == 0, second.stdout + second.stderr
        assert "no changes" in second.stdout
        assert len(writes(emu)) == before

    records = [json.loads(line) for line in log.read_text().splitlines()]
    # Keys run concurrently; each key's changes in plan order, narrowing first.
    assert sorted((r["key"], r["change"]) for r in records) == [
        ("hedger", "remove_ips"),
        ("hedger", "restrict_ips"),
        ("mm", "remove_ips"),
        ("mm", "revoke_permissions"),
        ("old-bot", "delete"),
    ]
    assert [r["change"] for r in records if r["key"] == "hedger"] == ["restrict_ips", "remove_ips"]
    assert all(r["outcome"] == "applied" and r["time"].endswith("Z") for r in records)
    fleet.assert_no_secrets(plan.stdout, plan.stderr, done.stdout, done.stderr, log.read_text())


def test_widening_waits_for_allow_widen(tmp_path: Path) -> None:
    fleet = build(tmp_path, widening=True)
    with Emulator(fleet.scenario) as emu:
        done = keylint(fleet, tmp_path, "apply", "--yes", "--base-url", emu.base_url)
        # The refused changes leave warnings (KL102, KL203): below the default --fail-on.
        assert done.returncode == 0, done.stdout + done.stderr
        assert "grant european_options: not sent: it widens access (--allow-widen)" in done.stdout
        assert "trust IP 203.0.113.77: not sent" in done.stdout
        desk = next(k for k in fleet.scenario.keys if k.label == "options-desk")
        assert desk.ip_list == ["203.0.113.5"]
        assert not desk.permissions.get("enableVanillaOptions")
        assert (
            sum(
                1
                for r in emu.requests
                if r.params.get("subAccountApiKey", "").startswith(desk.api_key[:8])
                and r.method != "GET"
            )
            == 0
        )

        widened = keylint(
            fleet, tmp_path, "apply", "--yes", "--allow-widen", "--base-url", emu.base_url
        )
        assert widened.returncode == 0, widened.stdout + widened.stderr
        assert "Changes: 2 applied." in widened.stdout
        assert desk.ip_list == ["203.0.113.5", "203.0.113.77"]
        assert desk.permissions["enableVanillaOptions"] is True
        assert plan_json(fleet, tmp_path, emu)["summary"]["changes"] == 0  # type: ignore[index]


def test_a_stale_saved_plan_is_refused(tmp_path: Path) -> None:
    fleet = build(tmp_path)
    with Emulator(fleet.scenario) as emu:
        saved = tmp_path / "plan.json"
        made = keylint(fleet, tmp_path, "plan", "--base-url", emu.base_url, "--output", str(saved))
        assert made.returncode == 1, made.stderr
        document = json.loads(saved.read_text())
        assert document["summary"]["changes"] == 5
        # Someone trusts another IP on `mm` by hand after the plan was reviewed.
        mm = next(k for k in fleet.scenario.keys if k.label == "mm")
        mm.ip_list.append("198.51.100.99")

        done = keylint(
            fleet, tmp_path, "apply", "--plan", str(saved), "--yes", "--base-url", emu.base_url
        )
        assert done.returncode == 2
        assert "does not match a fresh plan, so nothing was changed" in done.stderr
        assert (
            "mm: remove_ips: ipAddress is 192.0.2.7 in the saved plan, 192.0.2.7,198.51.100.99 "
            "in a fresh plan" in done.stderr
        )
        assert "mm: Binance shows the key differently than when the plan was made" in done.stderr
        assert writes(emu) == []

        # A plan for another Binance is refused too.
        other = keylint(
            fleet,
            tmp_path,
            "apply",
            "--plan",
            str(saved),
            "--yes",
            "--base-url",
            emu.base_url.rsplit(":", 1)[0] + ":9",
        )
        assert other.returncode == 2
        assert "was made against" in other.stderr

        # Re-planned, the saved plan applies exactly and the fleet converges.
        keylint(fleet, tmp_path, "plan", "--base-url", emu.base_url, "--output", str(saved))
        done = keylint(
            fleet, tmp_path, "apply", "--plan", str(saved), "--yes", "--base-url", emu.base_url
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert mm.ip_list == ["203.0.113.5", "203.0.113.10"]
    fleet.assert_no_secrets(saved.read_text(), made.stdout, done.stdout, done.stderr)


def _edit_change(document: dict[str, Any], key: str, action: str) -> dict[str, Any]:
    entry = next(k for k in document["keys"] if k["name"] == key)
    return next(c for c in entry["changes"] if c["action"] == action)


def grant_through_revoke(document: dict[str, Any]) -> str:
    params = _edit_change(document, "mm", "revoke_permissions")["params"]
    for flag in ("canTrade", "canMarginLoanRepay", "canFuturesTrade", "canUniversalTransfer"):
        params[flag] = "true"
    params["canVanillaOptions"] = "true"
    return "mm: revoke_permissions: canFuturesTrade is true in the saved plan, false in a fresh"


def remove_declared_ip(document: dict[str, Any]) -> str:
    _edit_change(document, "mm", "remove_ips")["params"]["ipAddress"] = "203.0.113.5"
    return "mm: remove_ips: ipAddress is 203.0.113.5 in the saved plan, 192.0.2.7 in a fresh"


def add_delete(document: dict[str, Any]) -> str:
    mm = next(k for k in document["keys"] if k["name"] == "mm")
    delete = copy.deepcopy(next(k for k in document["keys"] if k["name"] == "old-bot"))
    call = delete["changes"][0]
    call["params"].update(email=mm["sub_account"], subAccountApiKey=mm["api_key"])
    mm["changes"].insert(0, call)
    return "mm: the saved plan has delete; a fresh plan does not"


def lift_restriction(document: dict[str, Any]) -> str:
    _edit_change(document, "hedger", "restrict_ips")["params"]["status"] = "1"
    return "hedger: restrict_ips: status is 1 in the saved plan, 2 in a fresh plan"


def change_key(document: dict[str, Any]) -> str:
    keys = {k["name"]: k for k in document["keys"]}
    other = keys["hedger"]["api_key"]
    keys["mm"]["api_key"] = other
    for call in keys["mm"]["changes"]:
        call["params"]["subAccountApiKey"] = other
    return f"mm: the saved plan names API key {other}; Binance now shows"


def test_an_edited_saved_plan_is_refused_with_zero_writes(tmp_path: Path) -> None:
    """A saved plan is an approval: every kind of edit an attacker with write access to the
    plan artifact could make is a named difference, exit 2, and nothing is sent."""
    fleet = build(tmp_path)
    with Emulator(fleet.scenario) as emu:
        saved = tmp_path / "plan.json"
        made = keylint(fleet, tmp_path, "plan", "--base-url", emu.base_url, "--output", str(saved))
        assert made.returncode == 1, made.stderr
        original = json.loads(saved.read_text())
        outputs = [made.stdout]
        for edit in (
            grant_through_revoke,
            remove_declared_ip,
            add_delete,
            lift_restriction,
            change_key,
        ):
            document = copy.deepcopy(original)
            expected = edit(document)
            edited = tmp_path / f"{edit.__name__}.json"
            edited.write_text(json.dumps(document))
            done = keylint(
                fleet, tmp_path, "apply", "--plan", str(edited), "--yes", "--base-url", emu.base_url
            )
            assert done.returncode == 2, (edit.__name__, done.stdout, done.stderr)
            assert expected in done.stderr, (edit.__name__, done.stderr)
            assert "Traceback" not in done.stderr
            assert writes(emu) == [], edit.__name__
            outputs += [done.stdout, done.stderr]
        # The untouched plan still applies: the refusals were the edits, not the plan.
        done = keylint(
            fleet, tmp_path, "apply", "--plan", str(saved), "--yes", "--base-url", emu.base_url
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert len(writes(emu)) == 5
    fleet.assert_no_secrets(*outputs, done.stdout, done.stderr)


def test_a_whitelist_entry_that_is_not_an_ip_is_left_to_a_person(tmp_path: Path) -> None:
    """Binance refuses to delete an entry that is not an address: planning that DELETE would
    fail on every run. It is a manual step; the real stray IP beside it is removed."""
    fleet = Fleet(tmp_path)
    fleet.sub(EMAIL)
    master = fleet.add_master()
    master_key = fleet.scenario.key(master.api_key)
    assert master_key is not None
    master_key.permissions["enableSpotAndMarginTrading"] = True
    fleet.add(
        "mm",
        owner=EMAIL,
        own_credentials=False,
        ip_restrict=True,
        ip_list=["203.0.113.5", "office-vpn", "192.0.2.7"],
        create_time=ms_ago(5),
        permissions={"enableSpotAndMarginTrading": True},
    )
    (tmp_path / "policies.yaml").write_text(POLICY.split("  - name: hedger")[0])
    with Emulator(fleet.scenario) as emu:
        done = keylint(fleet, tmp_path, "apply", "--yes", "--base-url", emu.base_url)
        assert writes(emu) == [("DELETE", IP_LIST)]
        mm = next(k for k in fleet.scenario.keys if k.label == "mm")
        assert mm.ip_list == ["203.0.113.5", "office-vpn"]
        assert "not an IP address" in done.stdout
        assert done.returncode == 1, done.stdout + done.stderr  # KL202 office-vpn remains
        again = keylint(fleet, tmp_path, "apply", "--yes", "--base-url", emu.base_url)
        assert len(writes(emu)) == 1 and again.returncode == 1
    fleet.assert_no_secrets(done.stdout, done.stderr, again.stdout, again.stderr)


def test_a_failure_midway_is_logged_and_stops_nothing_else(tmp_path: Path) -> None:
    # The master lacks Spot & Margin Trading: Binance refuses the IP-whitelist and delete
    # calls (-2015) but accepts the permission ones.
    fleet = build(tmp_path, master_can_trade=False)
    with Emulator(fleet.scenario) as emu:
        mm_key = next(k for k in fleet.scenario.keys if k.label == "mm").api_key
        # And the IP-list call on `mm` meets a 500: its outcome is unknown.
        emu.add_fault(Fault("status", path=IP_LIST, status=500, api_key=mm_key))
        log = tmp_path / "audit.jsonl"
        done = keylint(
            fleet, tmp_path, "apply", "--yes", "--base-url", emu.base_url, "--log", str(log)
        )
        assert done.returncode == 1, done.stdout + done.stderr
        records = {
            (r["key"], r["change"]): r for r in map(json.loads, log.read_text().splitlines())
        }
        assert records["mm", "revoke_permissions"]["outcome"] == "applied"
        assert records["mm", "remove_ips"]["outcome"] == "unknown"
        assert records["hedger", "restrict_ips"]["outcome"] == "failed"
        assert "Enable Spot & Margin Trading" in records["hedger", "restrict_ips"]["error"]
        assert records["old-bot", "delete"]["outcome"] == "failed"
        # The write whose outcome is unknown was sent once, never re-sent.
        sent = [
            r
            for r in emu.requests
            if (r.method, r.path) == ("DELETE", IP_LIST)
            and r.params.get("subAccountApiKey", "").startswith(mm_key[:8])
        ]
        assert len(sent) == 1
        assert records["hedger", "remove_ips"]["outcome"] == "failed"
        assert "outcome unknown" in done.stdout
        assert "failed: Binance refused it, nothing changed" in done.stdout
        # The re-read shows what really happened: the drift that is left.
        after = done.stdout.split("Live state after the changes:")[1]
        assert "KL201" in after and "KL305" in after and "KL202" in after
        assert "KL101" not in after
    fleet.assert_no_secrets(done.stdout, done.stderr, log.read_text())


def test_apply_asks_first_and_refuses_without_a_terminal(tmp_path: Path) -> None:
    fleet = build(tmp_path)
    with Emulator(fleet.scenario) as emu:
        base = ["--base-url", emu.base_url]
        done = keylint(fleet, tmp_path, "apply", *base)
        assert done.returncode == 2
        assert "pass --yes" in done.stderr
        assert "Plan: 5 API calls on 3 keys" in done.stdout  # shown before refusing
        assert writes(emu) == []
        # A log that cannot be written stops the run before anything is changed.
        nowhere = str(tmp_path / "no-such-dir" / "audit.jsonl")
        done = keylint(fleet, tmp_path, "apply", "--yes", "--log", nowhere, *base)
        assert done.returncode == 2
        assert "cannot be opened (No such file or directory); nothing was changed" in done.stderr
        assert "Traceback" not in done.stderr
        assert writes(emu) == []


@pytest.mark.parametrize("fmt", ["json"])
def test_apply_json_reports_each_outcome_and_the_state_after(tmp_path: Path, fmt: str) -> None:
    fleet = build(tmp_path)
    with Emulator(fleet.scenario) as emu:
        done = keylint(
            fleet, tmp_path, "apply", "--yes", "--format", fmt, "--base-url", emu.base_url
        )
        assert done.returncode == 0, done.stderr
        document = json.loads(done.stdout)
        assert document["summary"]["applied"] == 5
        assert {o["outcome"] for o in document["outcomes"]} == {"applied"}
        assert document["after"]["summary"]["error"] == 0
        assert document["exit_code"] == 0


def test_writes_are_paced_by_the_uid_weight_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Six permission changes against a UID limit of three calls per 1 s window: the pacer
    spreads them over two windows, and Binance never answers 429."""
    import asyncio
    import time

    from keylint.apply import execute
    from keylint.binance.client import BinanceClient
    from keylint.binance.fetch import credentials_from_env
    from keylint.policy.load import load
    from keylint.remediate import plan_now

    fleet = Fleet(tmp_path)
    fleet.sub(EMAIL)
    fleet.add_master()
    lines = ["version: 1", f"defaults: {{sub_account: {EMAIL}, max_age: 90d}}"]
    lines += ["master: {api_key_env: MASTER_API_KEY, private_key_env: MASTER_PEM}", "keys:"]
    for number in range(6):
        name = f"bot-{number}"
        fleet.add(
            name,
            owner=EMAIL,
            own_credentials=False,
            ip_restrict=True,
            ip_list=["203.0.113.5"],
            permissions={"enableSpotAndMarginTrading": True, "enableFutures": True},
        )
        lines.append(
            f"  - {{name: {name}, api_name: {name}, permissions: [spot_and_margin_trading], "
            "ips: [203.0.113.5]}"
        )
    policy = tmp_path / "policies.yaml"
    policy.write_text("\n".join(lines) + "\n")
    for name, value in fleet.master_only_env().items():
        monkeypatch.setenv(name, value)
    fleet.scenario.uid_weight_limit = 9000  # three 3000-weight calls per window
    fleet.scenario.weight_window = 1.0
    with Emulator(fleet.scenario) as emu:
        planned = plan_now(
            load([str(policy)]),
            state=None,
            base_url=emu.base_url,
            concurrency=8,
            timeout=30,
            now=NOW,
            fail_on=None,
        )
        assert len(planned.plan.changes) == 6
        assert fleet.master is not None
        master = credentials_from_env(fleet.master, fleet.env)

        async def run() -> list[object]:
            client = BinanceClient(
                base_url=emu.base_url,
                timeout=30,
                concurrency=8,
                limits={"uid": 9000, "ip": 12000},
                weight_window=1.0,
            )
            async with client:
                return await execute(  # type: ignore[return-value]
                    planned.plan.keys,
                    api_keys=planned.api_keys,
                    master=master,
                    allow_widen=False,
                    client=client,
                    record=lambda _o: None,
                )

        emu.clear_requests()
        started = time.monotonic()
        outcomes = asyncio.run(run())
        took = time.monotonic() - started
        assert [o.outcome for o in outcomes] == ["applied"] * 6  # type: ignore[attr-defined]
        assert emu.count(PERMISSION, status=429) == 0
        assert emu.count(PERMISSION, status=200) == 6
        # Six calls, three per window: the last ones had to wait for the window to pass.
        assert took >= 1.0


def test_apply_on_a_terminal_asks_and_a_no_changes_nothing(tmp_path: Path) -> None:
    """A real pseudo-terminal on stdin: apply shows the plan, asks, and honours the answer."""
    import pty

    fleet = build(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BINANCE", "KEYLINT"))}
    env.update(fleet.master_only_env())
    with Emulator(fleet.scenario) as emu:
        base = ["--base-url", emu.base_url]
        for answer, changed in (("n", False), ("y", True)):
            controller, terminal = pty.openpty()
            try:
                os.write(controller, f"{answer}\n".encode())
                done = subprocess.run(
                    [sys.executable, "-m", "keylint", "apply", "policies.yaml", *base],
                    env=env,
                    cwd=tmp_path,
                    stdin=terminal,
                    capture_output=True,
                    text=True,
                    timeout=120,
                )
            finally:
                os.close(terminal)
                os.close(controller)
            assert "Make these changes at Binance" in done.stderr
            if changed:
                assert done.returncode == 0, done.stdout + done.stderr
                assert "Changes: 5 applied." in done.stdout
            else:
                assert done.returncode == 2
                assert "nothing was changed" in done.stderr
                assert writes(emu) == []
