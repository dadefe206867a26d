"""`-q`, `-v`, `--color` (with NO_COLOR and FORCE_COLOR) and `-` for standard input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, FIXED_NOW, REPO, Keylint

FLEET = str(EXAMPLES / "fleet.yaml")


def test_quiet_shows_only_what_needs_attention(keylint: Keylint) -> None:
    full = keylint("validate", FLEET, "--now", FIXED_NOW)
    quiet = keylint("validate", FLEET, "--now", FIXED_NOW, "-q")
    assert quiet.exit_code == full.exit_code == 1
    assert "market-maker" in full.stdout and "market-maker" not in quiet.stdout  # clean key
    assert "✖" in full.stdout and "✖" not in quiet.stdout  # no verdict
    assert "KL103" in quiet.stdout and "KL204" in quiet.stdout
    clean = keylint("validate", "policies", "-q")
    assert (clean.exit_code, clean.stdout) == (0, "")


def test_quiet_leaves_machine_formats_whole(keylint: Keylint) -> None:
    for fmt in ("json", "sarif"):
        assert (
            keylint("validate", FLEET, "-f", fmt, "--now", FIXED_NOW, "-q").stdout
            == keylint("validate", FLEET, "-f", fmt, "--now", FIXED_NOW).stdout
        )


def test_verbose_names_the_configuration_and_every_skipped_file(
    keylint: Keylint, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "policies" / "old").mkdir(parents=True)
    (tmp_path / "policies" / "old" / "a.yaml").write_text("keys: [\n")
    (tmp_path / "policies" / "b.yaml").write_text("version: 1\nkeys: []\n")
    (tmp_path / ".keylint.yaml").write_text("exclude: [policies/old/]\nrules: {KL308: off}\n")
    monkeypatch.chdir(tmp_path)
    run = keylint("validate", "-v")
    assert run.exit_code == 0, run
    assert run.stderr.splitlines()[:3] == [
        "keylint: configuration: .keylint.yaml",
        "keylint: KL308: off (configuration)",
        "keylint: skipped policies/old/: excluded by the configuration",
    ]
    assert keylint("validate").stderr == ""
    assert keylint("validate", "-q", "-v").exit_code == 2


@pytest.mark.parametrize(
    ("options", "env", "colored"),
    [
        ((), {}, False),  # not a terminal
        (("--color", "always"), {}, True),
        ((), {"FORCE_COLOR": "1"}, True),
        ((), {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
        (("--color", "always"), {"NO_COLOR": "1"}, True),  # the command line wins
        (("--color", "never"), {"FORCE_COLOR": "1"}, False),
    ],
)
def test_color_follows_the_option_then_no_color_then_force_color(
    keylint: Keylint, options: tuple[str, ...], env: dict[str, str], colored: bool
) -> None:
    base = {"NO_COLOR": "", "FORCE_COLOR": ""} | env
    run = keylint("validate", FLEET, "--now", FIXED_NOW, *options, env=base)
    assert ("\x1b[" in run.stdout) is colored
    # Files are never coloured, whatever is asked.
    assert "\x1b" not in keylint("validate", FLEET, "-f", "sarif", *options, env=base).stdout


def test_a_policy_on_standard_input_is_linted_as_stdin() -> None:
    text = (EXAMPLES / "fleet.yaml").read_bytes()
    run = subprocess.run(
        [sys.executable, "-m", "keylint", "validate", "-", "--now", FIXED_NOW, "-f", "json"],
        input=text, capture_output=True, cwd=REPO, timeout=60,
    )  # fmt: skip
    assert run.returncode == 1
    assert b'"file": "<stdin>"' in run.stdout
    assert b"fleet.yaml" not in run.stdout
    binary = subprocess.run(
        [sys.executable, "-m", "keylint", "validate", "-"],
        input=b"\x00" * 10 + b"x" * (3 * 1024 * 1024), capture_output=True, cwd=REPO, timeout=60,
    )  # fmt: skip
    assert binary.returncode == 1
    assert b"over the 2,097,152-byte limit" in binary.stdout or b"binary" in binary.stdout
    assert b"Traceback" not in binary.stderr
