"""`keylint schema NAME` through the real CLI: the bundled file, byte for byte (SPEC §3)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from keylint.cli import app
from tests.conftest import REPO, Keylint

NAMES = ["policy", "report", "state", "plan", "baseline", "config"]


@pytest.mark.parametrize("name", NAMES)
def test_prints_the_bundled_file_byte_for_byte(name: str) -> None:
    result = CliRunner().invoke(app, ["schema", name], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout_bytes == (REPO / "schemas" / f"{name}.schema.json").read_bytes()


def test_policy_is_the_default_and_stdout_gets_bytes_in_any_locale() -> None:
    # A process of its own: real stdout, with an encoding that could not print `§` or `…`.
    run = subprocess.run(
        [sys.executable, "-m", "keylint", "schema"],
        capture_output=True,
        cwd=REPO,
        env={"PYTHONIOENCODING": "ascii", "PATH": "/usr/bin:/bin"},
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == (REPO / "schemas" / "policy.schema.json").read_bytes()


def test_output_writes_the_same_bytes(keylint: Keylint, tmp_path: Path) -> None:
    out = tmp_path / "policy.schema.json"
    run = keylint("schema", "policy", "-o", str(out))
    assert (run.exit_code, run.stdout, run.stderr) == (0, "", "")
    assert out.read_bytes() == (REPO / "schemas" / "policy.schema.json").read_bytes()


def test_an_unknown_name_exits_2_with_the_names(keylint: Keylint) -> None:
    run = keylint("schema", "polciy")
    assert run.exit_code == 2 and run.stdout == ""
    assert run.stderr == (
        "keylint: error: no schema named 'polciy'; did you mean 'policy'? "
        "the names are: policy, report, state, plan, baseline, config\n"
    )


@pytest.mark.parametrize(
    "name", ["\x1b[31m", "::error::x", "a\nb", "\u202epolicy", "policy\u2028::warning::x"]
)
def test_a_hostile_name_is_printed_inert(keylint: Keylint, name: str) -> None:
    run = keylint("schema", name)
    assert run.exit_code == 2 and run.stdout == ""
    assert run.stderr.startswith("keylint: error: no schema named ")
    assert run.stderr.count("\n") == 1
    assert not any(c in run.stderr for c in "\x1b\u202e\u2028")
    # One line, however the name tries to start another (a workflow command, a new line).
    assert len(run.stderr.splitlines()) == 1
    assert "Traceback" not in run.stderr


def test_check_jsonschema_with_the_printed_schema_agrees_with_keylint(
    keylint: Keylint, tmp_path: Path
) -> None:
    """Offline use, as README shows it: the schema from `keylint schema` in another tool."""
    schema = tmp_path / "policy.schema.json"
    assert keylint("schema", "policy", "-o", str(schema)).exit_code == 0
    good = tmp_path / "good.yaml"
    assert keylint("init", "--state", "examples/state.json", "-o", str(good)).exit_code == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "version: 1\nkeys:\n  - name: bot\n    permissions: [reading]\n    max_age: 0d\n"
    )
    tool = Path(sys.executable).with_name("check-jsonschema")
    for policy, ok in ((good, True), (bad, False)):
        run = subprocess.run(
            [str(tool), "--schemafile", str(schema), str(policy)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert (run.returncode == 0) == ok, run.stdout + run.stderr
        validated = keylint("validate", str(policy), "--format", "json")
        problems = [f for f in json.loads(validated.stdout)["findings"] if f["rule"] == "KL002"]
        assert (problems == []) == ok


@pytest.mark.parametrize("name", NAMES)
def test_every_schema_id_is_versioned_and_names_its_file_in_this_repository(name: str) -> None:
    """An `$id` an editor or a validator can fetch: the file at this version's tag."""
    from keylint import __version__

    schema = json.loads((REPO / "schemas" / f"{name}.schema.json").read_text())
    prefix = f"https://raw.githubusercontent.com/keylint/keylint/v{__version__}/"
    assert schema["$id"] == f"{prefix}schemas/{name}.schema.json"
    assert (REPO / schema["$id"].removeprefix(prefix)).is_file()
