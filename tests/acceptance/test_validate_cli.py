"""`keylint validate` and `keylint rules` through the real CLI: formats, exit codes, files."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from syrupy.assertion import SnapshotAssertion

from keylint import __version__
from keylint.rules import all_rules
from tests.conftest import FIXED_NOW, REPO, Keylint
from tests.snapshots import dumps, sarif_rule_docs, sarif_without_rule_docs

DEMO = "examples/policies"


def pinned(text: str) -> str:
    """The report with the tool's version fixed, so a release does not rewrite every snapshot."""
    return text.replace(__version__, "<version>")


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "markdown", "github"])
def test_demo_report_snapshot(keylint: Keylint, snapshot: SnapshotAssertion, fmt: str) -> None:
    run = keylint("validate", DEMO, "--format", fmt, "--now", FIXED_NOW)
    assert run.exit_code == 1
    assert run.stderr == ""
    text = pinned(run.stdout)
    if fmt == "sarif":  # rule docs: pinned once, by test_sarif_rule_docs_snapshot
        text, docs = sarif_without_rule_docs(text)
        assert docs == [sarif_rule_docs(keylint)]
    assert text == snapshot


def test_sarif_rule_docs_snapshot(keylint: Keylint, snapshot: SnapshotAssertion) -> None:
    """Every rule's SARIF documentation, stored once for every SARIF snapshot (snapshots.py)."""
    docs = sarif_rule_docs(keylint)
    assert [rule["id"] for rule in docs] == sorted(rule.id for rule in all_rules())
    assert dumps(docs) == snapshot


def test_json_report_matches_its_schema_and_the_spec(keylint: Keylint) -> None:
    run = keylint("validate", DEMO, "--format", "json", "--now", FIXED_NOW)
    report = json.loads(run.stdout)
    schema = json.loads((REPO / "schemas" / "report.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(report)
    assert report["generated_at"] == FIXED_NOW
    assert {k["status"] for k in report["keys"]} == {"static"}
    assert report["summary"]["keys"] == len(report["keys"])
    counted = sum(report["summary"][s] for s in ("error", "warning", "info", "waived"))
    assert counted == len(report["findings"])
    fingerprints = [f["fingerprint"] for f in report["findings"]]
    assert len(fingerprints) == len(set(fingerprints))


def test_sarif_is_valid_sarif_2_1_0(keylint: Keylint) -> None:
    run = keylint("validate", DEMO, "--format", "sarif", "--now", FIXED_NOW)
    log = json.loads(run.stdout)
    schema = json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft7Validator(schema).validate(log)
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert len(rules) == len(all_rules()) >= 25 and all(r["help"]["text"] for r in rules)
    waived = [r for r in log["runs"][0]["results"] if r.get("suppressions")]
    assert [r["ruleId"] for r in waived] == ["KL205"]


def test_fingerprints_survive_edits_elsewhere_in_the_file(keylint: Keylint, tmp_path: Path) -> None:
    source = (REPO / DEMO / "fleet.yaml").read_text()
    (tmp_path / "fleet.yaml").write_text(source)
    (tmp_path / "moved.yaml").write_text("# a new comment\n# and another\n" + source)

    def prints(name: str) -> list[str]:
        run = keylint("validate", str(tmp_path / name), "--format", "json", "--now", FIXED_NOW)
        return [f["fingerprint"] for f in json.loads(run.stdout)["findings"]]

    assert prints("fleet.yaml") == prints("moved.yaml")


@pytest.mark.parametrize(("fail_on", "code"), [("error", 1), ("warning", 1), ("never", 0)])
def test_fail_on_threshold(keylint: Keylint, fail_on: str, code: int) -> None:
    assert keylint("validate", DEMO, "--fail-on", fail_on, "--now", FIXED_NOW).exit_code == code


def test_warnings_only_pass_at_default_threshold_and_fail_at_warning(
    keylint: Keylint, tmp_path: Path
) -> None:
    (tmp_path / "p.yaml").write_text(
        "version: 1\nkeys:\n  - name: a\n    permissions: [reading]\n    ips: [203.0.113.1]\n"
    )  # KL306 only (a warning)
    assert keylint("validate", str(tmp_path)).exit_code == 0
    assert keylint("validate", str(tmp_path), "--fail-on", "warning").exit_code == 1


def test_missing_path_is_a_usage_error(keylint: Keylint) -> None:
    run = keylint("validate", "no/such/policies.yaml")
    assert run.exit_code == 2
    assert run.stderr == "keylint: error: no such file or directory: no/such/policies.yaml\n"
    assert run.stdout == ""


@pytest.mark.parametrize("args", [["--format", "xml"], ["--frobnicate"], ["--now", "yesterday"]])
def test_bad_options_are_usage_errors(keylint: Keylint, args: list[str]) -> None:
    run = keylint("validate", DEMO, *args)
    assert run.exit_code == 2
    assert "Traceback" not in run.stdout + run.stderr


def test_output_file_is_written_whole_and_stdout_stays_empty(
    keylint: Keylint, tmp_path: Path
) -> None:
    target = tmp_path / "report.json"
    run = keylint("validate", DEMO, "--format", "json", "--output", str(target), "--now", FIXED_NOW)
    assert run.exit_code == 1 and run.stdout == ""
    assert json.loads(target.read_text())["summary"]["keys"] > 0
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temp file left behind


def test_output_into_missing_folder_is_a_usage_error(keylint: Keylint, tmp_path: Path) -> None:
    run = keylint("validate", DEMO, "--output", str(tmp_path / "nope" / "r.txt"))
    assert run.exit_code == 2 and "does not exist" in run.stderr


def test_no_colour_when_piped_and_colour_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from keylint.commands.common import use_color

    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert use_color(Tty()) is True
    assert use_color(object()) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color(Tty()) is False


def test_text_colour_codes_only_when_asked() -> None:
    from datetime import UTC, datetime

    from keylint import engine
    from keylint.findings import Severity
    from keylint.reporters.text import render

    result = engine.validate(
        [str(REPO / DEMO)], now=datetime(2026, 11, 24, tzinfo=UTC), fail_on=Severity.ERROR
    )
    assert "\x1b[" in render(result, color=True)
    assert "\x1b[" not in render(result, color=False)


def test_rules_lists_every_rule(keylint: Keylint, snapshot: SnapshotAssertion) -> None:
    run = keylint("rules")
    assert run.exit_code == 0
    assert run.stdout == snapshot
    assert run.stdout.count("\nKL") == len(all_rules()) >= 25


def test_rules_explains_one(keylint: Keylint, snapshot: SnapshotAssertion) -> None:
    run = keylint("rules", "KL204")
    assert run.exit_code == 0
    assert run.stdout == snapshot
    assert keylint("rules", "ip-unusable").stdout == run.stdout


def test_unknown_rule_is_a_usage_error(keylint: Keylint) -> None:
    run = keylint("rules", "KL999")
    assert run.exit_code == 2 and "no rule 'KL999'" in run.stderr


def test_validate_does_not_import_the_http_stack() -> None:
    import subprocess
    import sys

    code = (
        "import sys\nfrom keylint.cli import main\nsys.argv=['keylint','validate','policies']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "bad=[m for m in ('httpx','cryptography','keylint.binance') if m in sys.modules]\n"
        "print('IMPORTED:' + ','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == "IMPORTED:", out


def test_addresses_binance_never_shows_are_located_errors_with_the_fix(
    keylint: Keylint, tmp_path: Path
) -> None:
    (tmp_path / "egress.yaml").write_text(
        "version: 1\n"
        "keys:\n"
        "  - name: mm-bot\n"
        "    permissions: [reading]\n"
        "    max_age: 90d\n"
        "    ips:\n"
        "      - 203.0.113.10\n"
        "      - ::ffff:203.0.113.11\n"
        "      - fe80::1%eth0\n"
        "      - '::ffff:198.51.100.0/120'\n"
    )
    run = keylint("validate", str(tmp_path), "--format", "json", "--now", FIXED_NOW)
    assert run.exit_code == 1 and run.stderr == ""
    found = [
        (f["line"], f["column"], f["rule"], f["message"], f["remediation"])
        for f in json.loads(run.stdout)["findings"]
        if f["rule"] != "KL306"
    ]
    assert found == [
        (
            8,
            9,
            "KL002",
            "keys[0].ips[1]: '::ffff:203.0.113.11' is an IPv4-mapped IPv6 address, which "
            "Binance never shows: write 203.0.113.11",
            "Write 203.0.113.11: addresses are written as Binance lists them.",
        ),
        (
            9,
            9,
            "KL002",
            "keys[0].ips[2]: 'fe80::1%eth0' has an IPv6 zone id, which Binance never shows: "
            "write fe80::1",
            "Write fe80::1: addresses are written as Binance lists them.",
        ),
        (
            10,
            9,
            "KL002",
            "keys[0].ips[3]: '::ffff:198.51.100.0/120' is an IPv4-mapped IPv6 address, which "
            "Binance never shows: write 198.51.100.0/24",
            "Write 198.51.100.0/24: addresses are written as Binance lists them.",
        ),
    ]
    text = keylint("validate", str(tmp_path), "--now", FIXED_NOW).stdout
    assert "8:9  error    KL002 schema-violation" in text


# --- messages a reviewer can act on ---------------------------------------------------------------

ENTRY = "version: 1\nkeys:\n  - name: a\n    permissions: [reading]\n    ips: [203.0.113.1]\n"

MESSAGES = [
    # (id, what follows the entry, every KL001/KL002 message of the run, in order)
    (
        "duration-too-large",
        "    max_age: 1000000d\n",
        [
            "keys[0].max_age: '1000000d' is too large: a duration's number has at most 6 digits "
            "(the largest accepted is 999999d)"
        ],
    ),
    (
        "duration-too-large-iso",
        "    max_age: PT10000000H\n",
        [
            "keys[0].max_age: 'PT10000000H' is too large: a duration's number has at most 6 "
            "digits (the largest accepted is PT999999H)"
        ],
    ),
    (
        "not-a-duration",
        "    max_age: 90x\n",
        ["keys[0].max_age: '90x' is not a duration; write e.g. 36h, 90d, 12w or P90D"],
    ),
    (
        "cyrillic-field-name",
        "    max_age: 9d\n    own\u0435r: x\n",
        [
            "unknown field 'own\u0435r' (it contains U+0435 CYRILLIC SMALL LETTER IE, which is "
            "not ASCII) in keys[0]; did you mean 'owner'?"
        ],
    ),
    (
        "fullwidth-field-name",
        "    max_age: 9d\n    \uff4fwner: x\n",
        [
            "unknown field '\uff4fwner' (it contains U+FF4F FULLWIDTH LATIN SMALL LETTER O, which "
            "is not ASCII) in keys[0]; did you mean 'owner'?"
        ],
    ),
    (
        "cyrillic-value",
        "    max_age: 9d\n    status: \u0430ctive\n",
        [
            "keys[0].status: '\u0430ctive' (it contains U+0430 CYRILLIC SMALL LETTER A, which is "
            "not ASCII) is not a known value; did you mean 'active'?"
        ],
    ),
    (
        "waiver-rule-lower-case",
        "    max_age: 9d\n    waivers: [{rule: kl205, reason: r, expires: 2030-01-01}]\n",
        [
            "keys[0].waivers[0].rule: 'kl205' is not a rule id; did you mean KL205 "
            "(trading-without-ip-binding)?"
        ],
    ),
    (
        "waiver-rule-by-name",
        "    max_age: 9d\n    waivers: [{rule: ip-unusable, reason: r, expires: 2030-01-01}]\n",
        [
            "keys[0].waivers[0].rule: 'ip-unusable' is not a rule id; did you mean KL204 "
            "(ip-unusable)?"
        ],
    ),
    (
        "waiver-rule-nonsense",
        "    max_age: 9d\n    waivers: [{rule: whatever, reason: r, expires: 2030-01-01}]\n",
        [
            "keys[0].waivers[0].rule: 'whatever' is not a rule id; rule ids are KL and three "
            "digits, e.g. KL205"
        ],
    ),
    (
        # `2030-1-01` breaks both the date format and the pattern: one mistake, one line.
        "one-error-per-field",
        "    max_age: 9d\n    waivers: [{rule: KL205, reason: r, expires: '2030-1-01'}]\n",
        ["keys[0].waivers[0].expires: '2030-1-01' is not a valid date"],
    ),
]


@pytest.mark.parametrize(
    ("tail", "messages"), [m[1:] for m in MESSAGES], ids=[m[0] for m in MESSAGES]
)
def test_policy_problem_message(
    keylint: Keylint, tmp_path: Path, tail: str, messages: list[str]
) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text(ENTRY + tail, encoding="utf-8")
    run = keylint("validate", str(policy), "--format", "json")
    found = json.loads(run.stdout)["findings"]
    assert [f["message"] for f in found if f["rule"] in ("KL001", "KL002")] == messages
    assert run.exit_code == 1


def test_waiver_did_you_mean_names_the_fix(keylint: Keylint, tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text(
        ENTRY + "    max_age: 9d\n    waivers: [{rule: kl205, reason: r, expires: 2030-01-01}]\n"
    )
    (finding,) = json.loads(keylint("validate", str(policy), "--format", "json").stdout)["findings"]
    assert finding["remediation"] == "Write `rule: KL205`."


@pytest.mark.parametrize(
    ("asked", "words"),
    [
        ("KL20", "did you mean one of KL201 (ip-restriction-off), KL202 (ip-not-declared), "),
        ("KL2O", "did you mean one of KL201 (ip-restriction-off), KL202 (ip-not-declared), "),
        ("KL2O4", "did you mean KL204 (ip-unusable)?"),
        ("ip-unusabel", "did you mean KL204 (ip-unusable)?"),
    ],
)
def test_unknown_rule_suggests_the_rules_meant(keylint: Keylint, asked: str, words: str) -> None:
    run = keylint("rules", asked)
    assert run.exit_code == 2
    assert run.stderr.startswith(f"keylint: error: no rule {asked!r}; {words}")
    assert run.stderr.rstrip().endswith("`keylint rules` lists them all")
    assert run.stderr.count("\n") == 1
