"""`keylint plan --state` on the demo fleet: which drift becomes an API call, which a manual
step, the saved plan's schema, and the text a person reviews (snapshots)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from syrupy.assertion import SnapshotAssertion

from keylint import __version__
from tests.conftest import FIXED_NOW, REPO, Keylint

DEMO = ("plan", "examples/policies", "--state", "examples/state.json", "--now", FIXED_NOW)
PLAN_SCHEMA = json.loads((REPO / "schemas" / "plan.schema.json").read_text())


def plan(keylint: Keylint, *extra: str) -> dict[str, Any]:
    run = keylint(*DEMO, "--format", "json", *extra)
    assert run.exit_code == 1, run.stderr  # drift at error level: check's exit code
    document: dict[str, Any] = json.loads(run.stdout)
    return document


def test_demo_plan_calls_the_api_only_for_the_sub_account_key(keylint: Keylint) -> None:
    document = plan(keylint)
    jsonschema.validate(document, PLAN_SCHEMA)
    [key] = document["keys"]
    assert key["name"] == "market-maker"
    assert key["api_key"] == "k5V49ldt…"  # the prefix, as the state file has it
    changes = [(c["action"], c["widens"], c["rules"]) for c in key["changes"]]
    assert changes == [
        ("revoke_permissions", False, ["KL101"]),
        ("remove_ips", False, ["KL202"]),
        ("add_ips", True, ["KL203"]),
    ]
    revoke = key["changes"][0]
    assert revoke["params"]["canFuturesTrade"] == "false"
    assert revoke["params"]["canTrade"] == "true"  # every flag sent explicitly
    assert key["changes"][1]["params"]["ipAddress"] == "192.0.2.50"


def test_demo_plan_lists_what_the_api_cannot_change_as_manual_steps(keylint: Keylint) -> None:
    manual = {(step["key"], step["rule"]): step for step in plan(keylint)["manual"]}
    assert set(manual) == {
        ("reporting", "KL304"),
        (None, "KL307"),
        ("market-maker", "KL302"),
        ("treasury-sweeper", "KL201"),
        ("treasury-sweeper", "KL301"),
        ("venue-arb", "KL303"),
        ("legacy-hedger", "KL305"),
    }
    # Not a sub-account key: its owner fixes it by hand, following the finding's own hint.
    assert "only sub-account keys" in manual["treasury-sweeper", "KL201"]["why"]
    assert (
        "Restrict access to trusted IPs only" in manual["treasury-sweeper", "KL201"]["remediation"]
    )
    # An undeclared key is never deleted by keylint on its own.
    assert "status: retired" in manual[None, "KL307"]["why"]


def test_waived_drift_is_not_planned(keylint: Keylint, tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    policies.mkdir()
    for source in (REPO / "examples" / "policies").glob("*.yaml"):
        text = source.read_text()
        if source.name == "fleet.yaml":
            text = text.replace(
                "  - name: market-maker\n",
                "  - name: market-maker\n"
                "    waivers:\n"
                "      - {rule: KL101, reason: futures hedge approved, expires: 2027-01-31}\n",
                1,
            )
        (policies / source.name).write_text(text)
    run = keylint(
        "plan", str(policies), "--state", "examples/state.json", "--now", FIXED_NOW, "-f", "json"
    )
    document = json.loads(run.stdout)
    actions = [c["action"] for key in document["keys"] for c in key["changes"]]
    assert "revoke_permissions" not in actions
    assert "remove_ips" in actions


def test_plan_output_saves_json_and_still_prints_the_plan(keylint: Keylint, tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    run = keylint(*DEMO, "--output", str(saved))
    assert run.stdout.startswith("Plan: 3 API calls on 1 key")
    document = json.loads(saved.read_text())
    jsonschema.validate(document, PLAN_SCHEMA)
    assert document["source"] == "state" and document["base_url"] is None


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_plan_demo_snapshot(keylint: Keylint, snapshot: SnapshotAssertion, fmt: str) -> None:
    run = keylint(*DEMO, "--format", fmt)
    assert run.stdout.replace(__version__, "<version>") == snapshot


def test_apply_refuses_an_edited_or_foreign_plan_before_any_call(
    keylint: Keylint, tmp_path: Path
) -> None:
    saved = tmp_path / "plan.json"
    keylint(*DEMO, "--output", str(saved))
    document = json.loads(saved.read_text())
    # Someone edits a change to look narrowing: the schema knows trusting an IP widens.
    document["keys"][0]["changes"][2]["widens"] = False
    saved.write_text(json.dumps(document))
    run = keylint(
        "apply",
        "examples/policies",
        "--plan",
        str(saved),
        "--yes",
        "--base-url",
        "http://127.0.0.1:9",  # nothing listens: the plan must be refused before any call
    )
    assert run.exit_code == 2
    # Reading live state comes first and fails quietly per key; the plan itself is refused.
    assert "not a keylint plan" in run.stderr
