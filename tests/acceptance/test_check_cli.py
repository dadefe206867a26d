"""`keylint check --state` on the demo fleet: exact findings, every format, exit codes."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from syrupy.assertion import SnapshotAssertion

from keylint import __version__
from keylint.rules import Kind, all_rules
from tests.conftest import FIXED_NOW, REPO, Keylint
from tests.snapshots import sarif_rule_docs, sarif_without_rule_docs

DEMO = ("examples/policies", "--state", "examples/state.json", "--now", FIXED_NOW)

# One drift of each kind, on the keys the state file gives it to, and nothing on clean keys.
EXPECTED_LIVE = {
    ("market-maker", "KL101"),
    ("market-maker", "KL202"),
    ("market-maker", "KL203"),
    ("market-maker", "KL302"),
    ("treasury-sweeper", "KL201"),
    ("treasury-sweeper", "KL301"),
    ("venue-arb", "KL303"),
    ("legacy-hedger", "KL305"),
    ("reporting", "KL304"),
    (None, "KL307"),
}
LIVE_RULES = {r.id for r in all_rules() if r.kind is Kind.LIVE}


def report(keylint: Keylint, *extra: str) -> dict[str, Any]:
    run = keylint("check", *DEMO, "--format", "json", *extra)
    document: dict[str, Any] = json.loads(run.stdout)
    return document


def test_demo_fleet_yields_exactly_the_expected_drift(keylint: Keylint) -> None:
    found = report(keylint)["findings"]
    live = {(f["key"], f["rule"]) for f in found if f["rule"] in LIVE_RULES}
    assert live == EXPECTED_LIVE


def test_key_statuses(keylint: Keylint) -> None:
    keys = {k["name"]: k for k in report(keylint)["keys"]}
    assert keys["market-maker"]["status"] == "drift"
    # Its entry has `permissions:` twice: which one is meant is unknown, so it is not judged.
    assert keys["payout-bot"]["status"] == "unchecked"
    assert "invalid (KL001)" in keys["payout-bot"]["error"]
    assert keys["edge-price-feed"]["status"] == "ok"
    assert keys["edge-price-feed"]["unverifiable"] == ["ips"]
    assert keys["risk-dashboard"]["status"] == "unchecked"
    assert "429" in keys["risk-dashboard"]["error"]
    assert keys["grid-bot"]["status"] == "unchecked"  # its policy entry is invalid
    # A waived live-layer... the waived KL205 does not make venue-arb drift by itself:
    assert keys["venue-arb"]["status"] == "drift"  # KL303 does


def test_every_finding_names_its_key_and_a_fix(keylint: Keylint) -> None:
    for finding in report(keylint)["findings"]:
        assert finding["remediation"]
        if finding["rule"] in LIVE_RULES - {"KL307"}:
            assert finding["key"]
            assert finding["expected"] is not None and finding["actual"] is not None


def test_report_matches_schema(keylint: Keylint) -> None:
    schema = json.loads((REPO / "schemas" / "report.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(report(keylint))


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "markdown", "github"])
def test_check_demo_snapshot(keylint: Keylint, snapshot: SnapshotAssertion, fmt: str) -> None:
    run = keylint("check", *DEMO, "--format", fmt)
    assert run.exit_code == 1
    text = run.stdout.replace(__version__, "<version>")
    if fmt == "sarif":  # rule docs: pinned once, by test_sarif_rule_docs_snapshot
        text, docs = sarif_without_rule_docs(text)
        assert docs == [sarif_rule_docs(keylint)]
    assert text == snapshot


def test_unchecked_keys_alone_exit_3(keylint: Keylint, tmp_path: Path) -> None:
    state = json.loads((REPO / "examples" / "state.json").read_text())
    policy = tmp_path / "p.yaml"
    policy.write_text(
        "version: 1\nkeys:\n  - name: risk-dashboard\n    permissions: [reading]\n"
        "    ips: [192.0.2.44]\n    max_age: 90d\n"
    )
    (tmp_path / "s.json").write_text(json.dumps(state))
    run = keylint("check", str(policy), "--state", str(tmp_path / "s.json"), "--now", FIXED_NOW)
    assert run.exit_code == 3
    assert "unchecked" in run.stdout


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("{", "not valid JSON"),
        ('{"version": 1}', "'fetched_at' is a required property"),
        (
            '{"version": 2, "fetched_at": "2026-11-24T09:00:00Z", "keys": {}, "sub_accounts": {}}',
            "state.json: written by a newer keylint (state format 2; this keylint reads 1): "
            "upgrade keylint\n",
        ),
        (
            '{"version": 0, "fetched_at": "2026-11-24T09:00:00Z", "keys": {}, "sub_accounts": {}}',
            "$.version: 1 was expected",
        ),
        ("", "not valid JSON"),
    ],
)
def test_broken_state_file_is_a_usage_error(
    keylint: Keylint, tmp_path: Path, content: str, words: str
) -> None:
    bad = tmp_path / "state.json"
    bad.write_text(content)
    run = keylint("check", "examples/policies", "--state", str(bad))
    assert run.exit_code == 2
    assert run.stderr.startswith("keylint: error: ") and words in run.stderr
    assert "Traceback" not in run.stderr


def test_missing_state_file_is_a_usage_error(keylint: Keylint) -> None:
    run = keylint("check", "examples/policies", "--state", "no-such-state.json")
    assert run.exit_code == 2 and "no-such-state.json" in run.stderr


# --- an interrupted run ------------------------------------------------------------------------

# Two keys that match their live state; Ctrl-C comes after alpha was read and before bravo.
INTERRUPTED_POLICY = """\
version: 1
keys:
  - name: alpha
    api_key_env: ALPHA_API_KEY
    private_key_env: ALPHA_PEM
    permissions: [reading]
    ips: [203.0.113.10]
    max_age: 90d
  - name: bravo
    api_key_env: BRAVO_API_KEY
    private_key_env: BRAVO_PEM
    permissions: [reading]
    ips: [203.0.113.11]
    max_age: 90d
"""
ALPHA_READ: dict[str, Any] = {
    "status": "ok",
    "restrictions": {"ipRestrict": True, "createTime": 1793520000000, "enableReading": True},
    "listing": None,
    "ip_list": ["203.0.113.10"],
}


@pytest.fixture
def interrupted_check(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[str, ...]:
    """`check` arguments for a run whose live read is stopped by Ctrl-C half-way: what
    `fetch_now` raises then (tests/hardening/test_interrupt.py sends the real signal)."""
    from keylint import live
    from keylint.binance.state import LiveState
    from keylint.times import parse_time as state_time

    def read_live(*_: object, **__: object) -> LiveState:
        unread = {"status": "error", "error": live.not_reached(signal.SIGINT)}
        keys = {"alpha": ALPHA_READ, "bravo": unread}
        raise live.Interrupted(LiveState(state_time(FIXED_NOW), keys, {}), signal.SIGINT)

    monkeypatch.setattr(live, "read_live", read_live)
    monkeypatch.chdir(tmp_path)  # relative paths: the same report wherever the test runs
    Path("policies").mkdir()
    Path("policies/fleet.yaml").write_text(INTERRUPTED_POLICY)
    return ("check", "policies", "--now", FIXED_NOW)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "markdown", "github"])
def test_interrupted_check_snapshot(
    keylint: Keylint, snapshot: SnapshotAssertion, interrupted_check: tuple[str, ...], fmt: str
) -> None:
    run = keylint(*interrupted_check, "--format", fmt)
    assert run.exit_code == 130
    assert run.stderr == "keylint: interrupted: the report shows the keys read so far\n"
    text = run.stdout.replace(__version__, "<version>")
    if fmt == "sarif":  # rule docs: pinned once, by test_sarif_rule_docs_snapshot
        text, docs = sarif_without_rule_docs(text)
        assert docs == [sarif_rule_docs(keylint)]
    assert text == snapshot


@pytest.mark.parametrize("fmt", ["text", "markdown", "github"])
def test_an_interrupted_run_says_so_and_never_passes(
    keylint: Keylint, interrupted_check: tuple[str, ...], fmt: str
) -> None:
    out = keylint(*interrupted_check, "--format", fmt).stdout
    verdict = "interrupted before every key was read; so far no findings in 2 keys in 1 file, "
    assert verdict + "1 unchecked" in out
    assert "✅" not in out and "✔ no findings" not in out
    if fmt == "markdown":
        assert out.splitlines()[1].startswith("### ⚠️ keylint check: interrupted")


def test_an_interrupted_runs_sarif_is_not_a_successful_execution(
    keylint: Keylint, interrupted_check: tuple[str, ...]
) -> None:
    log = json.loads(keylint(*interrupted_check, "--format", "sarif").stdout)
    schema = json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft7Validator(schema).validate(log)
    [invocation] = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    first, bravo = invocation["toolExecutionNotifications"]
    assert first["level"] == "error" and "interrupted" in first["message"]["text"]
    assert "1 of 2 keys unchecked" in first["message"]["text"]
    assert "'bravo' was not checked: interrupted" in bravo["message"]["text"]
    assert bravo["locations"][0]["physicalLocation"]["region"]["startLine"] == 9


# --- a key entry with a duplicate field ----------------------------------------------------------

# YAML keeps the second `permissions:`: judged with it, the key would drift (KL102: withdrawals
# declared, not enabled) in check and trip KL205 in validate. Which one the author meant is
# unknown, so the entry is not judged at all.
TWICE = (
    "version: 1\nkeys:\n  - name: twice\n    permissions: [reading]\n    ip_restrict: false\n"
    "    max_age: 90d\n    permissions: [reading, spot_and_margin_trading]\n"
    "  - name: fine\n    permissions: [reading]\n    ips: [203.0.113.10]\n    max_age: 90d\n"
)


@pytest.mark.parametrize("command", ["validate", "check"])
def test_an_entry_with_a_duplicate_field_is_left_unchecked(
    keylint: Keylint, tmp_path: Path, command: str
) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text(TWICE)
    restrictions = {"ipRestrict": False, "createTime": 1795000000000, "enableReading": True}
    state = {
        "version": 1,
        "fetched_at": FIXED_NOW,
        "keys": {
            name: {"status": "ok", "restrictions": restrictions, "listing": None, "ip_list": []}
            for name in ("twice", "fine")
        },
        "sub_accounts": {},
    }
    (tmp_path / "s.json").write_text(json.dumps(state))
    extra = ["--state", str(tmp_path / "s.json")] if command == "check" else []
    run = keylint(command, str(policy), *extra, "--now", FIXED_NOW, "--format", "json")
    report = json.loads(run.stdout)
    keys = {k["name"]: k for k in report["keys"]}
    assert keys["twice"]["status"] == ("static" if command == "validate" else "unchecked")
    assert keys["twice"]["error"] == (
        "the policy entry is invalid (KL001); its other rules did not run"
    )
    rules = sorted(f["rule"] for f in report["findings"] if f["key"] == "twice")
    assert rules == ["KL001"]
    # The other entry of the file is still judged.
    assert keys["fine"]["status"] == ("static" if command == "validate" else "drift")
    assert run.exit_code == 1
