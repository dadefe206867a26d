"""What a run leaves alone (keylint.exclude): `exclude` patterns and git-ignored files."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from keylint.exclude import FileFilter


def test_patterns_are_relative_to_their_base_and_match_as_gitignore(tmp_path: Path) -> None:
    files = FileFilter(["policies/archive/**", "*.draft.yaml"], base=tmp_path)
    assert files.file(tmp_path / "policies" / "archive" / "x" / "a.yaml", named=True)
    assert files.file(tmp_path / "elsewhere" / "b.draft.yaml", named=False)
    assert not files.file(tmp_path / "policies" / "a.yaml", named=False)
    assert not files.file(tmp_path.parent / "outside.yaml", named=True)  # not under the base
    assert files.skipped[0][1] == "excluded by the configuration"


def test_git_ignored_files_are_skipped_only_when_found_by_searching(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "x.yaml").write_text("x")
    (tmp_path / "tmp.yaml").write_text("x")
    (tmp_path / ".gitignore").write_text("vendor/\ntmp.yaml\n")
    monkeypatch.chdir(tmp_path)
    files = FileFilter()
    assert files.folder(Path("vendor"))
    assert files.file(Path("tmp.yaml"), named=False)
    assert not files.file(Path("tmp.yaml"), named=True)  # the user named it
    assert not files.folder(Path("policies"))


def test_outside_a_repository_nothing_is_ignored_and_v_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if any((folder / ".git").exists() for folder in tmp_path.resolve().parents):
        pytest.skip("the temporary folder lies inside a repository")
    monkeypatch.chdir(tmp_path)
    files = FileFilter()
    assert not files.file(Path("a.yaml"), named=False)
    assert files.notes == ["not in a git repository: no file is skipped as ignored"]


def test_asking_git_runs_no_program_the_repository_configures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """core.fsmonitor in .git/config names a program `git ls-files` would run: a lint run
    in a repository someone else prepared must execute nothing of theirs."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    marker = tmp_path / "ran"
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
    hook.chmod(0o755)
    subprocess.run(["git", "-C", str(tmp_path), "config", "core.fsmonitor", str(hook)], check=True)
    (tmp_path / ".gitignore").write_text("vendor/\n")
    (tmp_path / "vendor").mkdir()
    monkeypatch.chdir(tmp_path)
    subprocess.run(["git", "ls-files", "--others"], capture_output=True, check=True)
    assert marker.exists()  # the hook is real: plain git runs it
    marker.unlink()
    files = FileFilter()
    assert files.folder(Path("vendor"))  # git was asked, and answered
    assert not marker.exists()
