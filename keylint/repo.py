"""The repository the policy files live in: its root, and a file's path from that root.

Code scanning (SARIF), GitLab Code Quality and GitHub annotations place a finding by its path
from the repository root, while keylint names files as the user gave them (relative to the
current folder). A step with `working-directory:` makes the two differ, so every format
that a forge reads converts with `from_root`.
"""

from __future__ import annotations

import os
from pathlib import Path


def repository_root(start: Path | None = None) -> Path | None:
    """The nearest folder at or above `start` (default: the current folder) that holds
    `.git` (a folder, or a file in a worktree or submodule); None outside a repository."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return None


def from_root(file: str, root: Path | None) -> str:
    """`file` (as keylint names it) as a `/`-separated path from `root`; unchanged when there
    is no root or the file lies outside it (a path a forge cannot place anyway)."""
    if root is None:
        return file
    # The folder is resolved as the root is (symlinks, /private on macOS); the file itself is
    # not, so a policy file that is a link is still named by its own path.
    absolute = Path(os.path.abspath(file))
    absolute = absolute.parent.resolve() / absolute.name
    try:
        relative = absolute.relative_to(root)
    except ValueError:
        return file
    return relative.as_posix()
