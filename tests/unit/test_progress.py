"""The progress line: only on a terminal, only for runs over a second, cleared at the end."""

from __future__ import annotations

import io

import pytest

from keylint import progress
from keylint.progress import ProgressLine


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_silent_when_piped() -> None:
    stream = io.StringIO()
    line = ProgressLine(stream)
    line.started -= 5
    line(1, 2, 0, 0)
    line.close()
    assert stream.getvalue() == ""


def test_silent_for_short_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = FakeTty()
    line = ProgressLine(stream)
    line(1, 2, 0, 0)
    assert stream.getvalue() == ""


def test_shows_keys_unchecked_and_rate_limit_waits_then_clears() -> None:
    stream = FakeTty()
    line = ProgressLine(stream)
    line.started -= progress.SHOW_AFTER_SECONDS + 1
    line(3, 4, 1, 2)
    shown = stream.getvalue()
    assert "3/4 keys, 1 unchecked, 2 waiting on Binance's rate limit" in shown
    assert shown.startswith("\r[##################......]")
    line.close()
    assert stream.getvalue().endswith("\r\x1b[K")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_time_left_follows_the_pace_and_never_undercuts_the_limits_floor() -> None:
    stream, clock = FakeTty(), Clock()
    line = ProgressLine(stream, clock=clock)
    line.expect(62.0)  # 80 keys through the master: one more window at Binance's limit
    clock.now += 2
    line(60, 80, 0, 20)
    # The pace alone says 1 s; the 20 waiting keys cannot be read before the window turns.
    assert stream.getvalue().endswith(
        "60/80 keys, 20 waiting on Binance's rate limit, about 1 min 0 s left\x1b[K"
    )
    clock.now += 30
    line(79, 80, 0, 1)
    assert stream.getvalue().endswith("about 30 s left\x1b[K")
    clock.now += 31
    line(79, 80, 0, 0)  # under a second left: no countdown to flicker
    assert stream.getvalue().endswith("79/80 keys\x1b[K")


def test_no_time_left_is_guessed_before_the_first_key() -> None:
    stream, clock = FakeTty(), Clock()
    line = ProgressLine(stream, clock=clock)
    clock.now += 5
    line(0, 10, 0, 0)
    assert "left" not in stream.getvalue()
