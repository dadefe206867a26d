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
