"""Files a run leaves alone: the configuration's `exclude` patterns and what git ignores.

`exclude` holds .gitignore patterns relative to the configuration file's folder, matched by
pathspec (the library black and others use) rather than hand-rolled globbing. They apply to
every file, also one named on the command line: a pre-commit hook names each changed file,
and an excluded folder must stay excluded there too (ruff's `force-exclude`).

What git ignores is asked of git itself (`git ls-files --ignored`), which knows every
.gitignore, `.git/info/exclude` and the user's global excludes. It applies only to files
found by searching a folder: a file named on the command line is linted, as the user asked.
Without git, or outside a repository, nothing is skipped for being ignored (`-v` says so).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from keylint.repo import repository_root


class FileFilter:
    """Decides, for each file and folder discovery meets, whether to skip it, and keeps
    what it skipped and why (for `-v`)."""

    def __init__(self, patterns: Sequence[str] = (), base: Path | None = None) -> None:
        self.base = Path(os.path.abspath(base or Path.cwd()))
        self.patterns = tuple(patterns)
        self._spec = None
        if self.patterns:
            import pathspec

            self._spec = pathspec.GitIgnoreSpec.from_lines(self.patterns)
        self._ignored: tuple[Path, frozenset[str]] | None = None
        self.skipped: list[tuple[str, str]] = []
        self.notes: list[str] = []

    def file(self, path: Path, *, named: bool) -> bool:
        """Skip this file? `named`: the user named it on the command line."""
        if self._excluded(path, folder=False):
            self.skipped.append((str(path), "excluded by the configuration"))
            return True
        if not named and self._git_ignored(path):
            self.skipped.append((str(path), "ignored by git"))
            return True
        return False

    def folder(self, path: Path) -> bool:
        """Skip this folder (found while searching) and everything in it?"""
        if self._excluded(path, folder=True):
            self.skipped.append((str(path) + os.sep, "excluded by the configuration"))
            return True
        if self._git_ignored(path, folder=True):
            self.skipped.append((str(path) + os.sep, "ignored by git"))
            return True
        return False

    def _excluded(self, path: Path, *, folder: bool) -> bool:
        if self._spec is None:
            return False
        relative = _relative(path, self.base)
        if relative is None:
            return False
        return bool(self._spec.match_file(relative + ("/" if folder else "")))

    def _git_ignored(self, path: Path, *, folder: bool = False) -> bool:
        root, ignored = self._git()
        if not ignored:
            return False
        relative = _relative(path, root)
        if relative is None:
            return False
        if (relative + "/" if folder else relative) in ignored:
            return True
        parts = relative.split("/")
        return any("/".join(parts[:n]) + "/" in ignored for n in range(1, len(parts)))

    def _git(self) -> tuple[Path, frozenset[str]]:
        """Every path git ignores in the repository (folders once, with a trailing `/`)."""
        if self._ignored is None:
            self._ignored = (Path("/"), frozenset())
            root = repository_root()
            if root is None:
                self.notes.append("not in a git repository: no file is skipped as ignored")
                return self._ignored
            # core.fsmonitor names a program git runs for ls-files: a repository's own
            # .git/config must not make a lint run execute anything.
            command = ["git", "-c", "core.fsmonitor=false", "-C", str(root), "ls-files", "-z"]
            command += ["--others", "--ignored", "--exclude-standard", "--directory"]
            try:
                done = subprocess.run(command, capture_output=True, timeout=60, check=False)
            except (OSError, subprocess.SubprocessError) as exc:
                self.notes.append(f"git could not be run ({exc}): no file skipped as ignored")
                return self._ignored
            if done.returncode != 0:
                self.notes.append("git could not list ignored files: none skipped as ignored")
                return self._ignored
            names = done.stdout.decode("utf-8", "surrogateescape").split("\0")
            self._ignored = (root, frozenset(name for name in names if name))
        return self._ignored


def _relative(path: Path, base: Path) -> str | None:
    """`path` as a `/`-separated path from `base`, or None outside it."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(base).as_posix()
    except ValueError:
        pass
    try:  # the base may be resolved (a repository root) where the path is not
        return (absolute.parent.resolve() / absolute.name).relative_to(base.resolve()).as_posix()
    except ValueError:
        return None
