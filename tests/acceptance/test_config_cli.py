"""Configuration, rule selection, excludes, baselines and `--report` (SPEC §8), through the
real CLI in a scratch git repository: findings, file names and exit codes as a user expects."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, FIXED_NOW, REPO, Keylint

STATE = REPO / "examples" / "state.json"
# A billion laughs: nine levels of nine aliases each.
BOMB = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]\n" for n in range(1, 10)
)


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keylint: Keylint) -> Path:
    """A git repository holding the demo's two clean-parsing policy files and its state file;
    the current folder (entered after `keylint`, which enters the project's)."""
    root = tmp_path / "infra-repo"
    (root / "policies").mkdir(parents=True)
    for name in ("fleet.yaml", "data-team.yaml"):
        shutil.copy(EXAMPLES / name, root / "policies" / name)
    shutil.copy(STATE, root / "state.json")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    monkeypatch.chdir(root)
    return root


def report(run_stdout: str) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(run_stdout)
    return loaded


def files_of(document: dict[str, object]) -> set[str]:
    """Every file the report names, by a key or a finding."""
    entries = [*document["keys"], *document["findings"]]  # type: ignore[misc]
    return {entry["file"] for entry in entries}


def rules_of(document: dict[str, object], *, waived: bool | None = False) -> set[str]:
    findings = document["findings"]
    assert isinstance(findings, list)
    return {f["rule"] for f in findings if waived is None or f["waived"] is waived}


def test_the_nearest_configuration_up_to_the_repository_root_is_read(
    scratch: Path, keylint: Keylint, monkeypatch: pytest.MonkeyPatch
) -> None:
    (scratch / ".keylint.yaml").write_text(
        "paths: [policies]\nrules:\n  KL308: off\n  KL306: error\nfail_on: warning\n"
    )
    (scratch / "infra" / "deep").mkdir(parents=True)
    monkeypatch.chdir(scratch / "infra" / "deep")  # a `working-directory:` step
    run = keylint("validate", "--format", "json", "--now", FIXED_NOW)
    document = report(run.stdout)
    assert "KL308" not in rules_of(document, waived=None)  # off
    severities = {f["rule"]: f["severity"] for f in document["findings"]}  # type: ignore[attr-defined]
    assert severities["KL306"] == "error"
    # Paths in the configuration are relative to its folder; reports name them from here.
    files = {f["file"] for f in document["findings"]}  # type: ignore[attr-defined]
    assert files <= {"../../policies/fleet.yaml", "../../policies/data-team.yaml"}
    assert run.exit_code == 1
    # The command line wins: --fail-on never, and --no-config reads none of it.
    assert keylint("validate", "--fail-on", "never").exit_code == 0
    plain = keylint("validate", "../../policies", "--no-config", "-f", "json", "--now", FIXED_NOW)
    assert "KL308" in rules_of(report(plain.stdout))


def test_no_configuration_is_read_above_the_repository_root(
    scratch: Path, keylint: Keylint
) -> None:
    # A stray file above the repository (a home folder) must not change what CI checks.
    (scratch.parent / ".keylint.yaml").write_text("rules:\n  KL306: off\n")
    run = keylint("validate", "-f", "json", "--now", FIXED_NOW)
    assert "KL306" in rules_of(report(run.stdout))


def test_fail_on_from_the_configuration_decides_the_exit_code(
    scratch: Path, keylint: Keylint
) -> None:
    (scratch / ".keylint.yaml").write_text("fail_on: warning\nrules: {KL204: off, KL103: off}\n")
    assert keylint("validate", "--now", FIXED_NOW).exit_code == 1  # warnings remain
    (scratch / ".keylint.yaml").write_text("fail_on: never\n")
    assert keylint("validate", "--now", FIXED_NOW).exit_code == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rules: [KL308\n", ".keylint.yaml:2:1: invalid YAML"),
        ("paths: policies\n", ".keylint.yaml:1:8: $.paths: 'policies' is not of type 'array'"),
        ("colour: never\n", ".keylint.yaml:1:1: $: Additional properties are not allowed"),
        ("rules:\n  KL3O8: off\n", ".keylint.yaml:2:3: rules: no rule 'KL3O8'; did you mean KL308"),
        ("rules:\n  KL308: loud\n", ".keylint.yaml:2:10: $.rules.KL308: 'loud' is not one of"),
        ("rules:\n  KL001: off\n", "KL001 (yaml-invalid) cannot be turned off"),
        ("rules:\n  KL004: warning\n", "KL004 (secret-in-policy) is always an error"),
        (BOMB, "nodes (an alias bomb?)"),
        ("\x00\x01binary", ".keylint.yaml:1:1: invalid YAML: file is binary"),
        ("exclude:\n  - ok/**\n  - '[z-a]'\n", ".keylint.yaml:3:5: exclude: '[z-a]' is not a"),
        ("exclude: ['\\']\n", "is not a .gitignore pattern"),
        ("#" * 300_000, ".keylint.yaml: over 256 KiB: not a keylint configuration"),
        ('rules:\n  "\\e[31mKL1": off\n', "rules: no rule '\\x1b[31mKL1'"),
    ],
    ids=[
        "yaml",
        "type",
        "unknown-field",
        "typo",
        "level",
        "off-KL001",
        "KL004",
        "alias",
        "binary",
        "pattern",
        "backslash",
        "huge",
        "escape",
    ],
)
def test_a_broken_configuration_is_one_line_and_exit_2(
    scratch: Path, keylint: Keylint, text: str, expected: str
) -> None:
    (scratch / ".keylint.yaml").write_text(text)
    run = keylint("validate")
    assert run.exit_code == 2, run
    assert run.stdout == ""
    assert len(run.stderr.splitlines()) == 1, run.stderr
    assert expected in run.stderr, run.stderr
    assert "Traceback" not in run.stderr


def test_select_and_ignore_take_ids_prefixes_and_names(scratch: Path, keylint: Keylint) -> None:
    def rules(*options: str) -> set[str]:
        run = keylint("validate", "-f", "json", "--now", FIXED_NOW, *options)
        return rules_of(report(run.stdout), waived=None)

    every = rules()
    assert {"KL207", "KL206", "KL306", "KL308", "KL204"} <= every
    assert rules("--select", "KL2") == {r for r in every if r.startswith("KL2")}
    assert rules("--select", "KL207,hmac-key") == {"KL207", "KL308"}
    assert rules("--select", "KL2", "--select", "KL306") == (
        {r for r in every if r.startswith("KL2")} | {"KL306"}
    )
    # The demo's KL005 and KL006 are about waivers of KL204: with KL204 off, they are moot.
    assert rules("--ignore", "KL2,max-age-missing") == {
        r for r in every if not r.startswith("KL2") and r not in ("KL306", "KL005", "KL006")
    }


def test_the_rules_keylint_needs_to_read_a_file_stay_on(scratch: Path, keylint: Keylint) -> None:
    (scratch / "policies" / "broken.yaml").write_text("version: 1\nkeys: [\n")
    run = keylint("validate", "-f", "json", "--select", "KL308")
    assert rules_of(report(run.stdout)) == {"KL001", "KL308"}
    assert run.exit_code == 1
    refused = keylint("validate", "--ignore", "KL001")
    assert refused.exit_code == 2
    assert "KL001 (yaml-invalid) cannot be turned off" in refused.stderr
    typo = keylint("validate", "--select", "KL2O7")
    assert typo.exit_code == 2
    assert "did you mean KL207 (ip-range-too-broad)?" in typo.stderr


def test_excluded_and_git_ignored_files_are_skipped(
    scratch: Path, keylint: Keylint, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = "version: 1\nkeys: [\n"
    (scratch / "policies" / "archive").mkdir()
    (scratch / "policies" / "archive" / "old.yaml").write_text(broken)
    (scratch / "policies" / "node_modules" / "pkg").mkdir(parents=True)
    (scratch / "policies" / "node_modules" / "pkg" / "x.yaml").write_text(broken)
    (scratch / "policies" / "tmp.yaml").write_text(broken)
    (scratch / ".gitignore").write_text("node_modules/\npolicies/tmp.yaml\n")
    (scratch / ".keylint.yaml").write_text('exclude: ["policies/archive/**"]\n')
    monkeypatch.chdir(scratch / "policies")  # patterns are relative to the configuration
    run = keylint("validate", ".", "-f", "json", "--now", FIXED_NOW)
    assert files_of(report(run.stdout)) == {"fleet.yaml", "data-team.yaml"}
    # A file named on the command line is linted although git ignores it (the user asked);
    # an excluded one stays excluded (a pre-commit hook names every changed file).
    named = keylint("validate", "tmp.yaml", "archive/old.yaml", "-f", "json")
    assert files_of(report(named.stdout)) == {"tmp.yaml"}
    # --no-config: only what git ignores is skipped.
    plain = keylint("validate", ".", "--no-config", "-f", "json")
    assert files_of(report(plain.stdout)) == {
        "fleet.yaml",
        "data-team.yaml",
        "archive/old.yaml",
    }


def test_a_baseline_accepts_todays_findings_and_only_shrinks(
    scratch: Path, keylint: Keylint
) -> None:
    live = ("check", "--state", "state.json", "--now", FIXED_NOW, "-f", "json")
    before = keylint(*live)
    assert before.exit_code == 1
    found = rules_of(report(before.stdout))
    written = keylint(*live, "--write-baseline", "baseline.json")
    # 3, not 0: the state file holds Binance's 429 for risk-dashboard, which stays unchecked.
    assert written.exit_code == 3, written.stderr
    count = len(json.loads((scratch / "baseline.json").read_text())["findings"])
    assert f"keylint: wrote {count} findings to baseline.json" in written.stderr
    # What remains is the policy file's own (a waiver expired, one unused): never baselined.
    assert rules_of(report(written.stdout)) == {"KL005", "KL006"}
    assert rules_of(report(written.stdout), waived=True) >= found - {"KL006", "KL005"}
    # One entry a line, no clock: the file is reviewable and stable.
    lines = (scratch / "baseline.json").read_text().splitlines()
    assert sum('"fingerprint"' in line for line in lines) == count
    again = keylint(*live, "--write-baseline", "baseline.json")
    assert again.exit_code == 3
    assert (scratch / "baseline.json").read_text().splitlines() == lines

    # Accepted: no finding fails (3: the unchecked key), each waived with reason `baseline`.
    run = keylint(*live, "--baseline", "baseline.json")
    assert run.exit_code == 3, run.stdout
    reasons = {f["waiver_reason"] for f in report(run.stdout)["findings"] if f["waived"]}  # type: ignore[attr-defined]
    assert "baseline" in reasons

    # A new problem fails; a fixed one is reported once, at its line of the baseline.
    fleet = scratch / "policies" / "fleet.yaml"
    fleet.write_text(fleet.read_text().replace("- 198.51.100.0/28", "- 10.9.9.9", 1))
    data = scratch / "policies" / "data-team.yaml"
    fixed = "    max_age: 90d\n    secret_env: BINANCE_REPORTING_SECRET"
    data.write_text(data.read_text().replace("    secret_env: BINANCE_REPORTING_SECRET", fixed, 1))
    run = keylint(*live, "--baseline", "baseline.json", "--fail-on", "info")
    document = report(run.stdout)
    assert run.exit_code == 1
    new = [f for f in document["findings"] if not f["waived"] and f["rule"] == "KL204"]  # type: ignore[attr-defined]
    assert [f["fingerprint"] for f in new] == ["kl:KL204:treasury-sweeper:10.9.9.9/32"]
    stale = [f for f in document["findings"] if f["rule"] == "KL007"]  # type: ignore[attr-defined]
    assert len(stale) == 1 and "kl:KL306:reporting:max_age" in stale[0]["message"]
    assert stale[0]["file"] == "baseline.json"
    assert lines[stale[0]["line"] - 1].find("kl:KL306:reporting:max_age") >= 0
    assert stale[0]["severity"] == "info"


def test_validate_keeps_and_never_blames_the_live_entries(scratch: Path, keylint: Keylint) -> None:
    keylint("check", "--state", "state.json", "--now", FIXED_NOW, "--write-baseline", "b.json")
    entries = json.loads((scratch / "b.json").read_text())["findings"]
    live = {e["fingerprint"] for e in entries if e["rule"] in ("KL101", "KL301", "KL305")}
    assert live
    # validate runs no live rule: their entries are neither stale nor dropped when it rewrites.
    run = keylint("validate", "--baseline", "b.json", "-f", "json", "--now", FIXED_NOW)
    assert "KL007" not in rules_of(report(run.stdout))
    keylint("validate", "--write-baseline", "b.json", "--now", FIXED_NOW)
    kept = {e["fingerprint"] for e in json.loads((scratch / "b.json").read_text())["findings"]}
    assert live <= kept


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{", "b.json:1:2: not JSON"),
        ('{"version": 2, "findings": []}', "$.version"),
        (
            '{"version": 1, "findings": [{"fingerprint": "kl:KL004:x:y", "rule": "KL004"}]}',
            "KL004 cannot be baselined",
        ),
        ("\xff\xfe", "not UTF-8"),
    ],
    ids=["json", "version", "file-rule", "binary"],
)
def test_a_broken_baseline_is_exit_2(
    scratch: Path, keylint: Keylint, content: str, expected: str
) -> None:
    (scratch / "b.json").write_bytes(content.encode("latin-1"))
    run = keylint("validate", "--baseline", "b.json")
    assert run.exit_code == 2
    assert expected in run.stderr
    assert len(run.stderr.splitlines()) == 1


def test_baseline_and_write_baseline_name_one_file(scratch: Path, keylint: Keylint) -> None:
    (scratch / "a.json").write_text('{"version": 1, "findings": []}\n')
    run = keylint("validate", "--baseline", "a.json", "--write-baseline", "b.json")
    assert run.exit_code == 2
    assert "name different files" in run.stderr
    assert not (scratch / "b.json").exists()


def test_report_writes_every_format_from_one_run(scratch: Path, keylint: Keylint) -> None:
    base = ("check", "--state", "state.json", "--now", FIXED_NOW)
    missing = keylint(*base, "--report", "sarif=out/k.sarif")
    assert (missing.exit_code, missing.stdout) == (2, "")  # refused before the report is printed
    assert "out does not exist" in missing.stderr
    (scratch / "out").mkdir()
    run = keylint(
        *base,
        "--report", "sarif=out/k.sarif",
        "--report", "markdown=summary.md",
        "--report", "json=k.json",
        "-f", "github",
    )  # fmt: skip
    assert run.exit_code == 1
    # Each file is exactly what that format prints alone.
    for name, path in (("sarif", "out/k.sarif"), ("markdown", "summary.md"), ("json", "k.json")):
        alone = keylint(*base, "-f", name)
        assert (scratch / path).read_text() == alone.stdout, name
    assert run.stdout == keylint(*base, "-f", "github").stdout


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("sarif", "give FORMAT=FILE"),
        ("yaml=x.yaml", "no format 'yaml'"),
        ("sarif=", "give FORMAT=FILE"),
    ],
)
def test_a_bad_report_option_is_exit_2(
    scratch: Path, keylint: Keylint, value: str, expected: str
) -> None:
    run = keylint("validate", "--report", value)
    assert run.exit_code == 2
    assert expected in run.stderr


def test_one_file_named_twice_is_refused(scratch: Path, keylint: Keylint) -> None:
    run = keylint("validate", "--report", "sarif=x", "--report", "json=./x")
    assert run.exit_code == 2
    assert "written twice" in run.stderr


def test_a_configured_state_is_the_default_and_live_reads_binance(
    scratch: Path, keylint: Keylint
) -> None:
    (scratch / ".keylint.yaml").write_text("state: state.json\n")
    run = keylint("check", "--now", FIXED_NOW, "-f", "json")
    assert run.exit_code == 1
    assert "KL101" in rules_of(report(run.stdout))
    both = keylint("check", "--state", "state.json", "--live")
    assert both.exit_code == 2
    assert "contradict" in both.stderr


def test_a_working_directory_run_names_files_from_there(scratch: Path) -> None:
    """The whole user story in a real process: configuration at the repository root, a CI
    step in a subfolder, a baseline, and a git-ignored folder beside the policies."""
    (scratch / ".keylint.yaml").write_text(
        "paths: [policies]\nexclude: ['policies/archive/**']\nbaseline: keylint-baseline.json\n"
        "state: state.json\n"
    )
    (scratch / "policies" / "archive").mkdir()
    (scratch / "policies" / "archive" / "old.yaml").write_text("keys: [\n")
    (scratch / "policies" / "vendor").mkdir()
    (scratch / "policies" / "vendor" / "x.yaml").write_text("keys: [\n")
    (scratch / ".gitignore").write_text("policies/vendor/\n")
    step = scratch / "ci"
    step.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEYLINT_")}

    def keylint_in_step(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "keylint", *args, "--now", FIXED_NOW],
            cwd=step, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip

    first = keylint_in_step("check", "--write-baseline", "../keylint-baseline.json")
    assert first.returncode == 3, first.stderr  # 3: risk-dashboard's 429 in the state file
    run = keylint_in_step("check", "-f", "json")
    assert run.returncode == 3, run.stdout
    document = json.loads(run.stdout)
    assert {k["file"] for k in document["keys"]} == {
        "../policies/fleet.yaml",
        "../policies/data-team.yaml",
    }
    assert document["summary"]["waived"] > 0
    assert run.stderr == ""


def test_a_config_option_naming_no_file_is_exit_2(scratch: Path, keylint: Keylint) -> None:
    for target in ("missing.yaml", "policies"):
        run = keylint("validate", "--config", target)
        assert run.exit_code == 2
        assert "no such file" in run.stderr or "directory" in run.stderr, run.stderr
    both = keylint("validate", "--config", ".keylint.yaml", "--no-config")
    assert both.exit_code == 2


def test_the_demo_configuration_checks_the_demo_with_no_arguments(
    keylint: Keylint, monkeypatch: pytest.MonkeyPatch
) -> None:
    """examples/.keylint.yaml: `cd examples && keylint check` is the Quick start's check."""
    quick_start = keylint("check", "examples/policies", "--state", "examples/state.json",
                          "--now", FIXED_NOW, "-f", "json")  # fmt: skip
    monkeypatch.chdir(REPO / "examples")
    configured = keylint("check", "--now", FIXED_NOW, "-f", "json", "-v")
    assert configured.exit_code == quick_start.exit_code == 1
    # The same report, files named from here (in remediations too).
    assert configured.stdout == quick_start.stdout.replace("examples/policies/", "policies/")
    assert "keylint: configuration: .keylint.yaml" in configured.stderr
