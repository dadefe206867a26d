"""The repository root and paths from it (keylint.repo)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from keylint.repo import from_root, repository_root


def test_the_nearest_folder_holding_git_is_the_root(tmp_path: Path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    deep = tmp_path / "repo" / "infra" / "keys"
    deep.mkdir(parents=True)
    assert repository_root(deep) == (tmp_path / "repo").resolve()
    # A worktree's or submodule's .git is a file.
    (deep / ".git").write_text("gitdir: elsewhere\n")
    assert repository_root(deep) == deep.resolve()


def test_no_root_outside_a_repository(tmp_path: Path) -> None:
    if any((folder / ".git").exists() for folder in tmp_path.resolve().parents):
        pytest.skip("the temporary folder lies inside a repository")
    assert repository_root(tmp_path) is None


def test_paths_are_made_relative_to_the_root_from_a_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    (root / "infra" / "policies").mkdir(parents=True)
    monkeypatch.chdir(root / "infra")
    assert from_root("policies/mm.yaml", root.resolve()) == "infra/policies/mm.yaml"
    assert from_root("../README.md", root.resolve()) == "README.md"
    # Outside the root, or without one: as given.
    assert from_root("../../x.yaml", root.resolve()) == "../../x.yaml"
    assert from_root("policies/mm.yaml", None) == "policies/mm.yaml"


def test_a_linked_folder_is_resolved_like_the_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    (root / "policies").mkdir(parents=True)
    os.symlink(root, tmp_path / "link")
    monkeypatch.chdir(tmp_path / "link")
    assert from_root("policies/mm.yaml", root.resolve()) == "policies/mm.yaml"
