"""Report text is inert (SPEC §5): hostile text in every field a policy, a state file or the
command line can carry comes out of every format escaped, through the real CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from keylint.reporters import FORMATS
from tests.conftest import FIXED_NOW, Keylint
from tests.hardening.inertcheck import assert_inert, hidden_characters

# Terminal escapes (colour, window title, clear screen), BEL, a forged workflow command on a
# line of its own and indented, the legacy command syntax, a mention, HTML that would close
# the report's <details> or forge its marker, a bidi override, a zero-width space, a line
# separator, backticks and a pipe with a backslash before it (a table cell's edge).
HOSTILE = (
    "\x1b[31mred\x1b]0;title\x07\x1b[2J\r\n::error::forged\n  ::add-mask::x\t##[warning]old"
    " @org/team <img src=x onerror=alert(1)> </details> <!-- keylint-report --> \u202egnp.exe"
    "\u200b\u2028::notice::ls `tick` \\| pipe @a@b \x7f\x9b"
)
FILE_NAME = "team\x1b[2J\n::error::x.yaml"


def hostile_fleet(folder: Path) -> tuple[Path, Path]:
    """A policy whose free text is hostile, and a state file whose Binance strings are."""
    policies = folder / "policies"
    policies.mkdir()
    policy = {
        "version": 1,
        "master": {"api_key_env": "MASTER_API_KEY", "private_key_env": "MASTER_PEM"},
        "keys": [
            {
                "name": "bot",
                "owner": HOSTILE,
                "description": HOSTILE,
                "sub_account": "mm@example.com",
                "api_name": HOSTILE,  # the label: quoted by KL101, KL202 and the plan
                "permissions": ["reading"],
                "ips": ["203.0.113.10"],
                # KL306 fires (no max_age) and is waived: the reason is printed.
                "waivers": [{"rule": "KL306", "reason": HOSTILE, "expires": "2027-06-01"}],
            },
            {
                "name": "other",
                "owner": "@data",
                "api_key_env": "OTHER_API_KEY",
                "secret_env": "OTHER_SECRET",
                "permissions": ["reading"],
                "ips": ["203.0.113.10"],
                "max_age": "90d",
            },
            # A whitelist entry that is not an address: KL002 quotes it.
            {"name": "typo", "api_key_env": "T_K", "secret_env": "T_S", "ips": [HOSTILE]},
        ],
    }
    (policies / FILE_NAME).write_text(json.dumps(policy))  # JSON is YAML
    row = {
        "email": "mm@example.com",
        "apiName": HOSTILE,
        "apikey": "k5V49ldt…",
        "canTrade": True,
        "canMarginLoanRepay": False,
        "canFuturesTrade": False,
        "canUniversalTransfer": False,
        "canVanillaOptions": False,
        "timestamp": 1788598800000,
    }
    undeclared = {**row, "apiName": HOSTILE + " 2", "apikey": "Qm3XpL0v…"}  # KL307
    state = {
        "version": 1,
        "fetched_at": "2026-11-24T08:55:00Z",
        "keys": {
            "bot": {
                "status": "ok",
                "restrictions": None,
                "listing": row,
                "ip_list": ["203.0.113.10", HOSTILE],  # KL202, a manual step in the plan
                "unverifiable": [],
            },
            "other": {"status": "error", "error": HOSTILE},  # Binance's error text
        },
        "sub_accounts": {"mm@example.com": [row, undeclared]},
    }
    (folder / "state.json").write_text(json.dumps(state))
    return policies, folder / "state.json"


@pytest.fixture
def fleet(tmp_path: Path) -> tuple[str, str]:
    policies, state = hostile_fleet(tmp_path)
    return str(policies), str(state)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("command", ["check", "validate"])
def test_every_format_is_inert(
    keylint: Keylint, fleet: tuple[str, str], command: str, fmt: str
) -> None:
    policies, state = fleet
    extra = ("--state", state) if command == "check" else ()
    run = keylint(command, policies, *extra, "--now", FIXED_NOW, "--format", fmt)
    assert run.exit_code == 1, run.stderr
    assert_inert(run.stdout, fmt=fmt)
    assert_inert(run.stderr)
    if fmt == "github":
        annotations = [line for line in run.stdout.splitlines() if line.startswith("::")]
        assert len(annotations) == len(re.findall(r"^::", run.stdout, re.MULTILINE)) >= 3
        # The hostile part is there, escaped: a visible \x1b, its line breaks as \r\n.
        assert any("\\x1b[31mred\\x1b]0;title\\x07" in line for line in annotations)
        assert any("\\r\\n::error::forged" in line for line in annotations)


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_json_keeps_values_as_data(keylint: Keylint, fleet: tuple[str, str], fmt: str) -> None:
    """JSON escapes what it must, in JSON's own escapes: the document decodes to the value,
    and only SARIF's message texts (read by people in a code-scanning UI) are escaped."""
    policies, state = fleet
    run = keylint("check", policies, "--state", state, "--now", FIXED_NOW, "--format", fmt)
    assert not hidden_characters(run.stdout)  # U+2028, DEL, C1: as \uXXXX
    document = json.loads(run.stdout)
    if fmt == "json":  # and the hostile text did reach the report, everywhere it was put
        keys = {key["name"]: key for key in document["keys"]}
        assert keys["bot"]["owner"] == HOSTILE
        assert keys["other"]["error"] == HOSTILE
        assert any(f["waiver_reason"] == HOSTILE for f in document["findings"])
        assert {f["rule"] for f in document["findings"]} >= {"KL002", "KL202", "KL307"}
        assert document["files"] == [str(Path(policies) / FILE_NAME)]
    else:
        texts = [r["message"]["text"] for r in document["runs"][0]["results"]]
        assert all(not hidden_characters(text) for text in texts)
        assert any("\\x1b[31mred" in text for text in texts)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_plan_is_inert(keylint: Keylint, fleet: tuple[str, str], fmt: str) -> None:
    policies, state = fleet
    run = keylint("plan", policies, "--state", state, "--now", FIXED_NOW, "--format", fmt)
    assert run.exit_code == 1, run.stderr
    assert_inert(run.stdout, fmt=fmt)
    assert_inert(run.stderr)
    if fmt == "json":  # a plan keeps its data: the whitelist entry it names is the entry
        assert any(HOSTILE in text for text in strings(json.loads(run.stdout)))


def strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    return [s for item in value for s in strings(item)] if isinstance(value, list) else []


def test_the_text_report_escapes_each_value_where_it_stands(
    keylint: Keylint, fleet: tuple[str, str]
) -> None:
    policies, state = fleet
    run = keylint("check", policies, "--state", state, "--now", FIXED_NOW)
    assert "team\\x1b[2J\\n::error::x.yaml" in run.stdout  # the file name, one line
    assert "\\u202egnp.exe\\u200b\\u2028" in run.stdout
    assert "\\x7f\\x9b" in run.stdout
    # Wrapping brought `::add-mask::` or `::notice::` to a line start somewhere: escaped.
    assert re.search(r"^\s*\\x3a:", run.stdout, re.MULTILINE)
    assert "#\\x23[warning]old" in run.stdout


def test_markdown_neutralises_mentions_and_html(keylint: Keylint, fleet: tuple[str, str]) -> None:
    policies, state = fleet
    run = keylint("check", policies, "--state", state, "--now", FIXED_NOW, "-f", "markdown")
    body = run.stdout
    assert "`@data`" in body  # an owner is shown in a code span: no notification
    assert "&lt;img src=x onerror=alert(1)&gt;" in body  # in a table cell: entities
    assert "`@org/team`" in body


def test_an_error_line_on_stderr_is_inert(keylint: Keylint, tmp_path: Path) -> None:
    """A usage error quotes what it was given (here a state file's name): escaped."""
    missing = str(tmp_path / "state\x1b[2J\n::error::forged.json")
    (tmp_path / "p.yaml").write_text("version: 1\nkeys: []\n")
    run = keylint("check", str(tmp_path / "p.yaml"), "--state", missing)
    assert run.exit_code == 2
    assert "state\\x1b[2J\\n::error::forged.json" in run.stderr
    assert_inert(run.stderr)
