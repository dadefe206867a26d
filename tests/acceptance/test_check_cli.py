"""`keylint check --state` on the demo fleet: exact findings, every format, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from keylint import __version__
from keylint.rules import Kind, all_rules
from tests.conftest import FIXED_NOW, REPO

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


def report(keylint, *extra: str) -> dict:
    run = keylint("check", *DEMO, "--format", "json", *extra)
    return json.loads(run.stdout)


def test_demo_fleet_yields_exactly_the_expected_drift(keylint) -> None:
    found = report(keylint)["findings"]
    live = {(f["key"], f["rule"]) for f in found if f["rule"] in LIVE_RULES}
    assert live == EXPECTED_LIVE


def test_key_statuses(keylint) -> None:
    keys = {k["name"]: k for k in report(keylint)["keys"]}
    assert keys["market-maker"]["status"] == "drift"
    assert keys["payout-bot"]["status"] == "ok"
    assert keys["edge-price-feed"]["status"] == "ok"
    assert keys["edge-price-feed"]["unverifiable"] == ["ips"]
    assert keys["risk-dashboard"]["status"] == "unchecked"
    assert "429" in keys["risk-dashboard"]["error"]
    assert keys["grid-bot"]["status"] == "unchecked"  # its policy entry is invalid
    # A waived live-layer... the waived KL205 does not make venue-arb drift by itself:
    assert keys["venue-arb"]["status"] == "drift"  # KL303 does


def test_every_finding_names_its_key_and_a_fix(keylint) -> None:
    for finding in report(keylint)["findings"]:
        assert finding["remediation"]
        if finding["rule"] in LIVE_RULES - {"KL307"}:
            assert finding["key"]
            assert finding["expected"] is not None and finding["actual"] is not None


def test_report_matches_schema(keylint) -> None:
    schema = json.loads((REPO / "schemas" / "report.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(report(keylint))


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "markdown", "github"])
def test_check_demo_snapshot(keylint, snapshot, fmt: str) -> None:
    run = keylint("check", *DEMO, "--format", fmt)
    assert run.exit_code == 1
    assert run.stdout.replace(__version__, "<version>") == snapshot


def test_unchecked_keys_alone_exit_3(keylint, tmp_path: Path) -> None:
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
            "$.version: 1 was expected",
        ),
        ("", "not valid JSON"),
    ],
)
def test_broken_state_file_is_a_usage_error(
    keylint, tmp_path: Path, content: str, words: str
) -> None:
    bad = tmp_path / "state.json"
    bad.write_text(content)
    run = keylint("check", "examples/policies", "--state", str(bad))
    assert run.exit_code == 2
    assert run.stderr.startswith("keylint: error: ") and words in run.stderr
    assert "Traceback" not in run.stderr


def test_missing_state_file_is_a_usage_error(keylint) -> None:
    run = keylint("check", "examples/policies", "--state", "no-such-state.json")
    assert run.exit_code == 2 and "no-such-state.json" in run.stderr
