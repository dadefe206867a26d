"""The policy schema's duration pattern is keylint.policy.durations.PATTERN, and the loader
reads what it accepts: an editor checking against the schema and `keylint validate` agree."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from keylint.policy.durations import PATTERN, DurationError, parse_duration
from tests.conftest import REPO

DURATION_FIELDS = {"max_age", "rotate_warning", "grace"}


def duration_patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for name, value in node.items():
            if name in DURATION_FIELDS and isinstance(value, dict):
                yield value["pattern"]
            yield from duration_patterns(value)
    elif isinstance(node, list):
        for item in node:
            yield from duration_patterns(item)


def test_the_schema_uses_the_loaders_pattern() -> None:
    schema = json.loads((REPO / "schemas" / "policy.schema.json").read_text(encoding="utf-8"))
    patterns = list(duration_patterns(schema))
    assert len(patterns) == 5  # max_age and rotate_warning twice (defaults, key), grace
    assert set(patterns) == {PATTERN}


# Zero (refused by the loader with its own message) and blanks (stripped) left aside.
@pytest.mark.parametrize(
    "text",
    [
        "36h", "90d", "12w", "999999d", "1234567d", "P90D", "PT36H", "P12W", "P1DT12H",
        "PT30M", "PT45S", "P1W2D", "P", "PT", "P1DT", "90", "90D", "3m", "P1M", "P1Y", "1.5d",
        "d", "-1d", "P-1D", "P1D1W",
    ],
)  # fmt: skip
def test_the_pattern_accepts_what_the_loader_reads(text: str) -> None:
    try:
        parse_duration(text)
        read = True
    except DurationError:
        read = False
    assert (re.match(PATTERN, text) is not None) == read
