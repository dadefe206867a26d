"""Fuzzing report text (SPEC §5 "Report text is inert"): arbitrary text in every free-text
policy field and every string Binance sends (through a state file) never comes out of any
format as a raw control character or a line GitHub's runner would take for a command.

A fast profile runs in the default suite, a long one under `-m slow`.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from keylint.policy.load import load
from keylint.remediate import plan_now
from keylint.reporters import FORMATS, get_reporter
from keylint.reporters.plan import render_plan, render_plan_json
from tests.hardening.inertcheck import assert_inert

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)

# Any text, with what matters over-represented: line starts, commands, escapes, markup.
PIECES = [
    "\n", "\r", "\t", "\x1b[31m", "\x07", "\x7f", "\x9b", "\u202e", "\u200b", "\u2028",
    "\ufeff", "::", "::error::x", "  ::add-mask::", "##[", "@", "@org/team", "<", ">", "&",
    "</details>", "<!-- keylint-report -->", "`", "``", "|", "\\", " ", "\u3000", "\xa0",
]  # fmt: skip
texts = st.lists(st.sampled_from(PIECES) | st.text(max_size=8), max_size=12).map("".join)


def write_fleet(folder: Path, fields: dict[str, str]) -> tuple[Path, Path]:
    """One sub-account key whose every free-text field is fuzzed, and a state file whose
    every string from Binance is."""
    email = "mm@example.com"
    policy = {
        "version": 1,
        "master": {"api_key_env": "MASTER_API_KEY", "secret_env": "MASTER_SECRET"},
        "keys": [
            {
                "name": "bot",
                "owner": fields["owner"],
                "description": fields["description"],
                "sub_account": email,
                "api_name": fields["label"],
                "permissions": ["reading"],
                "ips": ["203.0.113.10"],
                "waivers": [{"rule": "KL306", "reason": fields["reason"], "expires": "2027-06-01"}],
            },
            {"name": "typo", "api_key_env": "T_K", "secret_env": "T_S", "ips": [fields["ip"]]},
            {"name": "down", "api_key_env": "D_K", "secret_env": "D_S", "owner": fields["owner"]},
            {"name": "gone", "api_key_env": "G_K", "secret_env": "G_S"},
        ],
    }
    row = {
        "email": email,
        "apiName": fields["label"],
        "apikey": "k5V49ldt…",
        "canTrade": True,
        "canMarginLoanRepay": False,
        "canFuturesTrade": False,
        "canUniversalTransfer": False,
        "canVanillaOptions": False,
        "timestamp": 1788598800000,
    }
    state = {
        "version": 1,
        "fetched_at": "2026-11-24T08:55:00Z",
        "keys": {
            "bot": {
                "status": "ok",
                "restrictions": None,
                "listing": row,
                "ip_list": ["203.0.113.10", fields["whitelist"]],
                "unverifiable": [fields["unverifiable"]],
                "notes": [fields["note"]],
            },
            "down": {"status": "error", "error": "x" + fields["error"]},  # never empty
            "gone": {"status": "not_found", "reason": fields["not_found"]},
        },
        "sub_accounts": {
            email: [row, {**row, "apiName": fields["other_label"], "apikey": "Qm3XpL0v…"}]
        },
    }
    name = f"{uuid.uuid4().hex}.yaml"
    # YAML escapes whatever a YAML file cannot hold raw (\x1b, \u2028, \U0001xxxx).
    (folder / name).write_text(yaml.safe_dump(policy, allow_unicode=True))
    (folder / "state.json").write_text(json.dumps(state))
    return folder / name, folder / "state.json"


FIELDS = (
    # the policy's free text
    "owner", "description", "label", "reason", "ip",
    # what Binance sent, through a state file
    "whitelist", "error", "other_label", "unverifiable", "note", "not_found",
)  # fmt: skip


def every_output_is_inert(folder: Path, fields: dict[str, str]) -> None:
    policy, state = write_fleet(folder, fields)
    try:
        planned = plan_now(
            load([str(policy)]),
            state=state,
            base_url="https://api.binance.com",
            concurrency=1,
            timeout=5,
            now=NOW,
            fail_on=None,
        )
    finally:
        policy.unlink()
    # The file loaded, so the fuzzed text reached the reports.
    assert {key.name for key in planned.result.keys} == {"bot", "typo", "down", "gone"}
    for fmt in FORMATS:
        assert_inert(get_reporter(fmt)(planned.result), fmt=fmt)
    assert_inert(get_reporter("text")(planned.result, color=True).replace("\x1b", ""))
    assert_inert(render_plan(planned.plan))
    assert_inert(render_plan_json(planned.plan), fmt="json")


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("inert")


fuzzed_fields = st.fixed_dictionaries({name: texts for name in FIELDS})
HOSTILE = "\x1b[2J\r\n  ::error::x ##[y] @a@b <img> `|\\` \u202e\u2028"


@FAST
@given(fields=fuzzed_fields)
@example(fields=dict.fromkeys(FIELDS, HOSTILE))
def test_no_field_makes_a_report_carry_control_characters_or_commands(
    scratch: Path, fields: dict[str, Any]
) -> None:
    every_output_is_inert(scratch, fields)


@pytest.mark.slow
@SLOW
@given(fields=fuzzed_fields)
def test_report_text_is_inert_long(scratch: Path, fields: dict[str, Any]) -> None:
    every_output_is_inert(scratch, fields)
