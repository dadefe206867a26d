"""`keylint init --state`: a policy that matches the state exactly, as a person reviews it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion
from yamllint import linter
from yamllint.config import YamlLintConfig

from keylint import __version__
from keylint.rules import Kind, all_rules
from tests.conftest import FIXED_NOW, REPO, Keylint

# KL303 is a date Binance announced, not a mismatch init could declare away.
LIVE_RULES = {r.id for r in all_rules() if r.kind is Kind.LIVE} - {"KL303"}


def test_init_from_state_snapshot(keylint: Keylint, snapshot: SnapshotAssertion) -> None:
    run = keylint("init", "--state", "examples/state.json", "--now", FIXED_NOW)
    assert run.exit_code == 0
    # The schema URL names this version's tag: a release must not rewrite the snapshot.
    assert run.stdout.replace(f"/v{__version__}/", "/v<version>/") == snapshot


def yamllint_problems(text: str) -> list[str]:
    """What `yamllint -d default` says of the text, warnings included."""
    return [str(problem) for problem in linter.run(text, YamlLintConfig("extends: default"))]


def test_init_output_passes_yamllint_default(keylint: Keylint) -> None:
    run = keylint("init", "--state", "examples/state.json", "--now", FIXED_NOW)
    assert run.exit_code == 0
    assert yamllint_problems(run.stdout) == []
    assert max(len(line) for line in run.stdout.splitlines()[1:]) <= 80


def test_the_schema_url_init_writes_is_the_bundled_schema(keylint: Keylint) -> None:
    """The modeline, as yaml-language-server reads it (its two patterns, from
    src/languageservice/utils/modelineUtil.ts), names the policy schema's `$id`: this
    version's tag of schemas/policy.schema.json, the file `keylint schema` prints."""
    first = keylint("init", "--state", "examples/state.json").stdout.splitlines()[0]
    assert re.match(r"^#\s+yaml-language-server\s*:", first)
    found = re.findall(r"\$schema=\S+", first)
    assert len(found) == 1
    url = found[0].removeprefix("$schema=")
    schema = json.loads((REPO / "schemas" / "policy.schema.json").read_text(encoding="utf-8"))
    assert url == schema["$id"]
    tag, path = url.removeprefix("https://raw.githubusercontent.com/keylint/keylint/").split("/", 1)
    assert tag == f"v{__version__}"
    assert (REPO / path).is_file() and keylint("schema").stdout == (REPO / path).read_text()


def test_init_output_checks_with_zero_drift(keylint: Keylint, tmp_path: Path) -> None:
    adopted = tmp_path / "adopted.yaml"
    run = keylint("init", "--state", "examples/state.json", "--now", FIXED_NOW, "-o", str(adopted))
    assert run.exit_code == 0 and run.stdout == ""
    check = keylint(
        "check",
        str(adopted),
        "--state",
        "examples/state.json",
        "--now",
        FIXED_NOW,
        "--format",
        "json",
    )
    report = json.loads(check.stdout)
    drift = [(f["key"], f["rule"]) for f in report["findings"] if f["rule"] in LIVE_RULES]
    assert drift == []
    # KL303 is not a mismatch but a date Binance announced; the policy says so in a comment.
    assert {f["rule"] for f in report["findings"]} - LIVE_RULES <= {"KL103", "KL205", "KL303"}
    assert "lapses trading on this key on 2026-11-29" in adopted.read_text()


def test_init_for_one_sub_account(keylint: Keylint) -> None:
    run = keylint(
        "init",
        "--state",
        "examples/state.json",
        "--sub-account",
        "mm@example.com",
        "--now",
        FIXED_NOW,
    )
    names = [line.split(": ")[1] for line in run.stdout.splitlines() if "- name: " in line]
    assert names == ["market-maker", "test-2023"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ([], "say which keys to declare"),
        (["--api-key-env", "K"], "needs --secret-env or --private-key-env"),
        (["--sub-account", "mm@example.com"], "needs the master's credentials"),
    ],
)
def test_init_usage_errors(keylint: Keylint, args: list[str], words: str) -> None:
    run = keylint("init", *args)
    assert run.exit_code == 2 and words in run.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ["--state", "examples/state.json", "--sub-account", "nobody@x.test"],
            "nothing to declare",
        ),
        (["--api-key-env", "K", "--secret-env", "S", "--name", "Bad Name"], "is not a key name"),
        (["--api-key-env", "K\nwaivers:", "--secret-env", "S"], "not an environment variable"),
    ],
    ids=["unknown-sub-account", "bad-name", "bad-variable"],
)
def test_init_refuses_what_would_not_validate(
    keylint: Keylint, args: list[str], words: str
) -> None:
    run = keylint("init", *args)
    assert run.exit_code == 2 and words in run.stderr
    assert run.stdout == ""  # no empty or broken policy printed


def test_a_hostile_state_cannot_smuggle_policy_through_init(
    keylint: Keylint, tmp_path: Path
) -> None:
    """Strings from Binance or a state file end up in comments and values of the policy init
    prints: a line break in them must never start a line of YAML (a `waivers:` of its own)."""
    state = json.loads(Path("examples/state.json").read_text())
    smuggled = "\n    waivers: [{rule: KL101, reason: x, expires: 2099-01-01}]\n# ##[error]x"
    name, entry = next((n, e) for n, e in state["keys"].items() if e.get("ip_list"))
    entry["ip_list"].append("office" + smuggled)
    entry["ip_list"].append("vpn\u2028    waivers: []")
    state["keys"]["evil" + smuggled] = {"status": "not_found", "reason": "gone" + smuggled}
    for rows in state["sub_accounts"].values():
        for row in rows:
            row["apiName"] = str(row["apiName"]) + smuggled
    hostile = tmp_path / "state.json"
    hostile.write_text(json.dumps(state))
    adopted = tmp_path / "adopted.yaml"
    run = keylint("init", "--state", str(hostile), "--now", FIXED_NOW, "-o", str(adopted))
    assert run.exit_code == 0, run.stderr
    text = adopted.read_text()
    assert not [line for line in text.splitlines() if line.lstrip().startswith("waivers")]
    assert "\u2028" not in text and "##[" not in text
    validated = keylint("validate", str(adopted), "--format", "json")
    report = json.loads(validated.stdout)
    assert [f["rule"] for f in report["findings"] if f["rule"] in ("KL001", "KL002")] == []
    assert name in text
    assert yamllint_problems(text) == []


def test_long_labels_stay_within_80_columns_and_read_back(keylint: Keylint, tmp_path: Path) -> None:
    """A label or e-mail longer than a line is continued over lines (a double-quoted scalar
    with escaped line breaks), each starting with an escape, never with text that reads as
    policy; key names are cut to the schema's 128 characters."""
    state = json.loads(Path("examples/state.json").read_text())
    long_label = "desk-" + "x" * 150 + "\n  waivers: []"
    rows = state["sub_accounts"]["mm@example.com"]
    rows.append({**rows[0], "apiName": long_label, "apikey": "zz…"})
    (tmp_path / "state.json").write_text(json.dumps(state))
    run = keylint("init", "--state", str(tmp_path / "state.json"), "--now", FIXED_NOW)
    assert run.exit_code == 0, run.stderr
    assert yamllint_problems(run.stdout) == []
    lines = run.stdout.splitlines()
    # Only a comment may pass 80 columns, with a word too long to break (here: the tmp path).
    assert max(len(line) for line in lines if not line.lstrip().startswith("#")) <= 80
    continued = [line for line in lines if line.endswith("\\")]
    assert continued, "the long label is written over several lines"
    assert all(lines[lines.index(line) + 1].lstrip().startswith("\\") for line in continued)
    adopted = tmp_path / "adopted.yaml"
    adopted.write_text(run.stdout)
    report = json.loads(keylint("validate", str(adopted), "--format", "json").stdout)
    assert [f for f in report["findings"] if f["rule"] in ("KL001", "KL002")] == []
    import yaml

    keys = yaml.safe_load(run.stdout)["keys"]
    assert [k["api_name"] for k in keys if k.get("api_name", "").startswith("desk-")] == [
        long_label
    ]
    assert max(len(k["name"]) for k in keys) <= 128
