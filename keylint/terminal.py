"""How much keylint says besides its report, and whether it colours: `-q`, `-v`, `--color`.

Set once per run, before the command runs (cli), and read by the helpers that write to the
terminal: a report never changes with these, only what surrounds it.

- `-q`: the text report shows only files and keys with something to say (no verdict line,
  no clean keys), and informational lines on stderr are left out. Errors and warnings
  (a key left unchecked, an interrupted run) are always said.
- `-v`: also says which configuration was read, which rules are off, and which files were
  skipped and why.
- `--color auto|always|never`: auto colours a terminal only. Without the option,
  NO_COLOR (no-color.org) turns colour off and FORCE_COLOR (force-color.org) on, NO_COLOR
  first: a log that asked for no escape codes gets none.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

QUIET, NORMAL, VERBOSE = -1, 0, 1
COLOR_MODES = ("auto", "always", "never")


@dataclass
class Terminal:
    level: int = NORMAL
    color: str | None = None  # auto | always | never; None: from the environment, else auto


SETTINGS = Terminal()


def configure(*, quiet: bool = False, verbose: bool = False, color: str | None = None) -> None:
    """The run's settings; `-q` with `-v` is a contradiction the CLI refuses before this."""
    SETTINGS.level = QUIET if quiet else VERBOSE if verbose else NORMAL
    SETTINGS.color = color


def quiet() -> bool:
    return SETTINGS.level <= QUIET


def verbose() -> bool:
    return SETTINGS.level >= VERBOSE


def use_color(stream: object) -> bool:
    """Colour on this stream? `--color` wins; then NO_COLOR, FORCE_COLOR; then a terminal
    that is not `TERM=dumb`."""
    mode = SETTINGS.color
    if mode is None:
        if os.environ.get("NO_COLOR"):
            return False
        if os.environ.get("FORCE_COLOR"):
            return True
        mode = "auto"
    if mode != "auto":
        return mode == "always"
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
