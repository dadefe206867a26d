"""A one-line progress display on stderr for long runs on a terminal; silent otherwise."""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from typing import TextIO

# Runs shorter than this finish before a person would look for a progress bar.
SHOW_AFTER_SECONDS = 1.0


class ProgressLine:
    """Shows `keys done/total, unchecked, waiting on rate limit, time left`, rewritten in
    place."""

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        enabled: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._clock = clock
        self.started = clock()
        self.shown = False
        self.at_least = 0.0  # seconds Binance's limits make the whole run take, at least

    def expect(self, seconds: float) -> None:
        """The run cannot end sooner than this (keylint.binance.fetch.Budget.floor)."""
        self.at_least = max(0.0, seconds)

    def left(self, done: int, total: int) -> float | None:
        """Seconds left: the pace so far, or the limits' floor when that is later; None
        before anything is known."""
        elapsed = self._clock() - self.started
        by_floor = self.at_least - elapsed
        if done <= 0 or done >= total:
            return by_floor if by_floor > 0 else None
        by_pace = elapsed / done * (total - done)
        return max(by_pace, by_floor)

    def __call__(self, done: int, total: int, unchecked: int, waiting: int) -> None:
        if not self.enabled or self._clock() - self.started < SHOW_AFTER_SECONDS:
            return
        width = 24
        filled = width * done // total if total else width
        line = f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} keys"
        if unchecked:
            line += f", {unchecked} unchecked"
        if waiting:
            line += f", {waiting} waiting on Binance's rate limit"
        left = self.left(done, total)
        if left is not None and left >= 1:
            line += f", about {format_seconds(left)} left"
        self.stream.write(line + "\x1b[K")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def format_seconds(seconds: float) -> str:
    """`1 min 2 s`, `45 s`: a wait as a person reads it (rounded up)."""
    whole = math.ceil(seconds)
    minutes, rest = divmod(whole, 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"
