"""`keylint init` reading the emulator: the policy it prints checks with zero drift."""

from __future__ import annotations

import json
from pathlib import Path

from test_check_live import LOOPBACK, NOW, keylint, ms_ago
from yamllint import linter
from yamllint.config import YamlLintConfig

from keylint.rules import Kind, all_rules
from keylint.testing.emulator import Emulator
from tests.emuhelpers import Fleet

LIVE_IDS = {r.id for r in all_rules() if r.kind is Kind.LIVE} - {"KL303"}


def live_findings(run_stdout: str) -> list[tuple[str | None, str]]:
    report = json.loads(run_stdout)
    return [(f["key"], f["rule"]) for f in report["findings"] if f["rule"] in LIVE_IDS]


def test_init_own_key_and_sub_account_then_check_is_clean(tmp_path: Path) -> None:
    fleet = Fleet(tmp_path)
    fleet.sub("mm@example.com")
    fleet.add_master()
    fleet.add(
        "desk",
        "ed25519",
        ip_restrict=True,
        ip_list=[LOOPBACK],
        create_time=ms_ago(120),
        permissions={"enableReading": True, "enableFutures": True},
    )
    for label, ips in (("mm-bot", ["203.0.113.9"]), ("mm-hedge", ["203.0.113.9", "partner-3"])):
        fleet.add(
            label,
            "hmac",
            owner="mm@example.com",
            declare=False,
            own_credentials=False,
            ip_restrict=True,
            ip_list=ips,
            permissions={"enableReading": True, "enableSpotAndMarginTrading": True},
        )
    with Emulator(fleet.scenario) as emu:
        url = ["--base-url", emu.base_url, "--now", NOW.isoformat(), "--timeout", "20"]
        init = keylint(
            fleet,
            tmp_path,
            "init",
            "--name",
            "desk",
            "--api-key-env",
            "DESK_API_KEY",
            "--private-key-env",
            "DESK_PEM",
            "--sub-account",
            "mm@example.com",
            "--master-api-key-env",
            "MASTER_API_KEY",
            "--master-private-key-env",
            "MASTER_PEM",
            "-o",
            "adopted.yaml",
            *url,
        )
        assert init.returncode == 0, init.stderr
        check = keylint(fleet, tmp_path, "check", "adopted.yaml", "--format", "json", *url)
    policy = (tmp_path / "adopted.yaml").read_text()
    assert "- name: mm-bot\n" in policy and "- name: mm-hedge\n" in policy
    assert "permissions: [reading, futures]" in policy
    assert "max_age: 135d  # the key is 120 days old" in policy
    # partner-3 is a third-party name, not an IP: said in a comment, and reported by KL202.
    assert "not an IP address: partner-3" in policy
    assert live_findings(check.stdout) == [("mm-hedge", "KL202")]
    # yamllint's default rules, as a repository that runs it on every YAML file would.
    assert [str(p) for p in linter.run(policy, YamlLintConfig("extends: default"))] == []
    for needle in fleet.needles():
        assert needle not in policy + init.stderr + check.stdout
