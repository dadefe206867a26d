"""The live state of declared keys, and its state file (SPEC §2).

A state file lets `check --state FILE` run where no credentials are, so it is public by
design: no secret and no full API key may ever reach it. `redact` enforces that on every
write, and the schema rejects a file that breaks it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from keylint.errors import KeylintError
from keylint.livekey import LiveKey, live_key
from keylint.schema_check import schema_problems
from keylint.secrets import key_prefix
from keylint.times import format_time, parse_time

STATE_VERSION = 1
STATE_SCHEMA = "state.schema.json"
_API_KEY_FIELDS = frozenset({"apikey", "apiKey", "subAccountApiKey"})


class StateFileError(KeylintError):
    """A state file cannot be read or written; the message names the file and JSON path."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class LiveState:
    """What Binance showed for each declared key (`keys`) and each named sub-account."""

    fetched_at: datetime
    keys: dict[str, dict[str, Any]] = field(default_factory=dict)
    sub_accounts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _views: dict[str, LiveKey] = field(default_factory=dict, repr=False, compare=False)

    def view(self, name: str) -> LiveKey | None:
        """The typed view of a key's entry (built once), or None when the state has no entry
        for it. An entry that is no object (never from a schema-checked file) is an error."""
        found = self._views.get(name)
        if found is None:
            entry = self.keys.get(name)
            if entry is None:
                return None
            if not isinstance(entry, dict):
                found = LiveKey("error", reason="the live state of this key is not an object")
            else:
                found = live_key(entry, seen_at=self.fetched_at)
            self._views[name] = found
        return found

    def to_json(self) -> dict[str, Any]:
        """The state file's JSON document, redacted."""
        document: dict[str, Any] = redact(
            {
                "version": STATE_VERSION,
                "fetched_at": format_time(self.fetched_at),
                "keys": self.keys,
                "sub_accounts": self.sub_accounts,
            }
        )
        return document

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LiveState:
        """Build from an already validated document."""
        return cls(
            fetched_at=parse_time(data["fetched_at"]),
            keys=dict(data["keys"]),
            sub_accounts={email: list(rows) for email, rows in data["sub_accounts"].items()},
        )


def redact(value: Any) -> Any:
    """A copy of `value` with every API key field cut to its 8-character prefix."""
    if isinstance(value, dict):
        return {
            name: _redact_key(item) if name in _API_KEY_FIELDS else redact(item)
            for name, item in value.items()
        }
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value


def _redact_key(value: Any) -> Any:
    if not isinstance(value, str) or (len(value) <= 9 and value.endswith("…")):
        return value
    return key_prefix(value)


def render_state(state: LiveState) -> str:
    """The state file's text: JSON whose strings (labels, whitelist entries, Binance's error
    text) hold no raw hidden character or workflow command when someone `cat`s it in CI."""
    return _state_text(state.to_json())


def _state_text(document: dict[str, Any]) -> str:
    from keylint.inert import json_text

    return json_text(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"


def write_state(path: str | os.PathLike[str], state: LiveState) -> None:
    """Write the state file through the one output writer (atomic; links, devices and modes
    handled as for every other output)."""
    from keylint.output import write_atomic

    target = Path(path)
    document = state.to_json()
    problems = list(schema_problems(document, STATE_SCHEMA))
    if problems:
        # Only a bug can get here: refuse to write a file `--state` would reject.
        raise StateFileError(f"{target}: refusing to write an invalid state: {problems[0]}")
    write_atomic(target, _state_text(document))


def read_state(path: str | os.PathLike[str]) -> LiveState:
    """Read and validate a state file; any problem is a `StateFileError`, nothing else."""
    source = Path(path)
    try:
        raw = source.read_bytes()
    except OSError as exc:
        raise StateFileError(f"{source}: cannot be read ({exc.strerror})") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise StateFileError(f"{source}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise StateFileError(
            f"{source}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg})"
        ) from None
    except (ValueError, RecursionError):
        raise StateFileError(f"{source}: not valid JSON") from None
    version = data.get("version") if isinstance(data, dict) else None
    if isinstance(version, int) and not isinstance(version, bool) and version > STATE_VERSION:
        # Not a broken file: a newer format this keylint cannot know the rules of.
        raise StateFileError(
            f"{source}: written by a newer keylint (state format {version}; this keylint reads "
            f"{STATE_VERSION}): upgrade keylint"
        )
    for problem in schema_problems(data, STATE_SCHEMA):
        raise StateFileError(f"{source}: {problem}")
    try:
        return LiveState.from_json(data)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise StateFileError(f"{source}: $.fetched_at: not a valid time ({exc})") from None
