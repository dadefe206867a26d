"""A one-line progress display on stderr for long runs on a terminal; silent otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO

# Runs shorter than this finish before a person would look for a progress bar.
SHOW_AFTER_SECONDS = 1.0


class ProgressLine:
    """Shows `keys done/total, unchecked, waiting on rate limit`, rewritten in place."""

    def __init__(self, stream: TextIO | None = None, *, enabled: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.started = time.monotonic()
        self.shown = False

    def __call__(self, done: int, total: int, unchecked: int, waiting: int) -> None:
        if not self.enabled or time.monotonic() - self.started < SHOW_AFTER_SECONDS:
            return
        width = 24
        filled = width * done // total if total else width
        line = f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} keys"
        if unchecked:
            line += f", {unchecked} unchecked"
        if waiting:
            line += f", {waiting} waiting on Binance's rate limit"
        self.stream.write(line + "\x1b[K")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
