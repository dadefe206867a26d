"""Durations as policies write them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from keylint.policy.durations import DurationError, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "days", "hours"),
    [
        ("36h", 1, 12),
        ("90d", 90, 0),
        ("12w", 84, 0),
        ("P90D", 90, 0),
        ("PT36H", 1, 12),
        ("P2W", 14, 0),
        ("P1DT12H", 1, 12),
    ],
)
def test_durations(text: str, days: int, hours: int) -> None:
    assert parse_duration(text) == timedelta(days=days, hours=hours)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("P1Y", "months and years"),
        ("P3M", "months and years"),
        ("90", "not a duration"),
        ("0d", "longer than zero"),
        ("PT", "not a duration"),
        ("p90d", "not a duration"),
    ],
)
def test_bad_durations(text: str, words: str) -> None:
    with pytest.raises(DurationError, match=words):
        parse_duration(text)


def test_format_duration() -> None:
    assert (format_duration(timedelta(days=90)), format_duration(timedelta(hours=36))) == (
        "90d",
        "36h",
    )
