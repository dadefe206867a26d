"""The one output writer: reports, plans, state files and `init` policies go through it.

What `--output PATH` does depends on what PATH is, so that keylint never destroys what a
user pointed it at:

- nothing yet, or a regular file: written atomically (a temporary file in the same folder,
  then a rename), so a reader sees the old file or the new one, never half. A new file's mode
  follows the umask, as any program's does; an existing file keeps its mode (and, for root, its
  owner). A read-only file is refused rather than replaced.
- a symlink: written through to its target, by the same rules (the link stays a link).
- a character device or a FIFO (`/dev/stdout`, `/dev/null`, a pipe a job reads): written
  directly, since it cannot be replaced and renaming over it would destroy it.
- anything else (a folder, a socket, a block device): refused.

Every failure is an `OutputError`: one line, exit 2, and no half-written file left behind.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from keylint.errors import UsageError


class OutputError(UsageError):
    """An output that cannot be written: exit 2, one line, nothing left half-written."""


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` by the rules above."""
    with open_atomic(path) as handle:
        handle.write(text)


@contextlib.contextmanager
def open_atomic(path: Path) -> Iterator[TextIO]:
    """A text stream for `path` that appears whole when the block ends, or not at all."""
    if not str(path):
        raise OutputError("an output path is empty")
    target = _through_links(path)
    try:
        info: os.stat_result | None = target.lstat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}") from None
    if info is not None and (stat.S_ISCHR(info.st_mode) or stat.S_ISFIFO(info.st_mode)):
        with _failing_as(path), open(target, "w", encoding="utf-8", newline="\n") as stream:
            yield stream
        return
    if info is not None and not stat.S_ISREG(info.st_mode):
        what = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise OutputError(f"cannot write {path}: it is {what}")
    if info is not None and not info.st_mode & 0o222:
        # Root may write anyway; a file nobody may write is a statement worth honouring.
        raise OutputError(f"cannot write {path}: it is read-only (mode {info.st_mode & 0o777:o})")
    with _replacing(path, target, info) as stream:
        yield stream


def _through_links(path: Path) -> Path:
    """Where a symlink (or a chain of them) points; `path` itself when it is no link."""
    if not path.is_symlink():
        return path
    try:
        return Path(os.path.realpath(path, strict=True))
    except FileNotFoundError:
        return Path(os.path.realpath(path))  # a dangling link: create its target
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or 'a symlink loop'}") from None


@contextlib.contextmanager
def _replacing(shown: Path, target: Path, info: os.stat_result | None) -> Iterator[TextIO]:
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"cannot write {shown}: folder {folder} does not exist")
    temp = folder / f".{target.name}.{secrets.token_hex(4)}.tmp"
    # 0o666 and the umask give a new file the mode any program would; an existing file's own
    # mode is restored below. No process-wide umask is read or changed.
    with _failing_as(shown):
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with _failing_as(shown), os.fdopen(fd, "w", encoding="utf-8", newline="\n") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
            if info is not None:
                os.chmod(temp, stat.S_IMODE(info.st_mode))
                if os.geteuid() == 0 and (info.st_uid, info.st_gid) != (0, 0):
                    os.chown(temp, info.st_uid, info.st_gid)
        with _failing_as(shown):
            os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def _failing_as(path: Path) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
