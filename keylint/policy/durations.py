"""Durations as policies write them: 36h, 90d, 12w, or ISO 8601 (P90D, PT36H, P12W, P1DT12H)."""

from __future__ import annotations

import re
from datetime import timedelta

# Digits are ASCII ([0-9], not Python's \d, which takes any script's): the policy schema's
# patterns are ECMA-262, where \d is [0-9], and keylint reads what an editor accepts.
_SHORT = re.compile(r"^([0-9]{1,6})([hdw])$")
_ISO = re.compile(
    r"^P(?!$)(?:(?P<weeks>[0-9]{1,6})W)?(?:(?P<days>[0-9]{1,6})D)?(?:T(?=[0-9])"
    r"(?:(?P<hours>[0-9]{1,6})H)?(?:(?P<minutes>[0-9]{1,6})M)?(?:(?P<seconds>[0-9]{1,6})S)?)?$"
)
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}
# The schema's pattern allows 6 digits (keylint.policy.schema_source builds it from this
# module, and tests hold the two to the same answers); longer numbers are not typos but values
# too large to mean anything, and the message says so.
MAX_DIGITS = 6
_UNBOUNDED_SHORT = re.compile(r"^[0-9]+[hdw]$")
_UNBOUNDED_ISO = re.compile(
    r"^P(?!$)([0-9]+W)?([0-9]+D)?(T(?=[0-9])([0-9]+H)?([0-9]+M)?([0-9]+S)?)?$"
)


class DurationError(ValueError):
    """A duration that keylint cannot read, with a message that says how to write it."""


def parse_duration(text: str) -> timedelta:
    """Parse a policy duration; months and years are refused as they have no fixed length."""
    text = text.strip()
    short = _SHORT.match(text)
    if short:
        value = timedelta(**{_UNITS[short.group(2)]: int(short.group(1))})
    else:
        iso = _ISO.match(text)
        if iso is None:
            largest = _largest_for(text)
            if largest:
                raise DurationError(
                    f"{_quoted(text)} is too large: a duration's number has at most {MAX_DIGITS} "
                    f"digits (the largest accepted is {largest})"
                )
            if re.match(r"^P[^T]*[YM]", text):
                raise DurationError(
                    f"{_quoted(text)}: months and years have no fixed length; write days, "
                    "e.g. 90d or P90D"
                )
            raise DurationError(
                f"{_quoted(text)} is not a duration; write e.g. 36h, 90d, 12w or P90D"
            )
        value = timedelta(**{unit: int(n) for unit, n in iso.groupdict().items() if n})
    if value <= timedelta(0):
        raise DurationError(f"{_quoted(text)} must be longer than zero")
    return value


def _quoted(text: str) -> str:
    # A message quotes at most 32 characters: a pasted blob is not repeated in every report.
    quoted = repr(text)
    return quoted if len(quoted) <= 32 else quoted[:29] + "..."


def _largest_for(text: str) -> str | None:
    """For a duration that is well formed but for a number past MAX_DIGITS, the largest
    accepted value in the same unit and spelling (999999d, P999999D, PT999999H); else None."""
    if not (_UNBOUNDED_SHORT.match(text) or _UNBOUNDED_ISO.match(text)):
        return None
    long = re.search(rf"[0-9]{{{MAX_DIGITS + 1},}}(?P<unit>[hdwWDHMS])", text)
    if long is None:
        return None
    unit = long.group("unit")
    nines = "9" * MAX_DIGITS
    if unit in "hdw":
        return f"{nines}{unit}"
    return f"P{nines}{unit}" if unit in "WD" else f"PT{nines}{unit}"


def format_duration(value: timedelta) -> str:
    """The shortest of keylint's own spellings for a duration (90d, 36h)."""
    hours = int(value.total_seconds() // 3600)
    if hours % 24 == 0:
        return f"{hours // 24}d"
    return f"{hours}h"
