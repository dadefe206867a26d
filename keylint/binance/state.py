"""The live state of declared keys, and its state file (SPEC §2).

A state file lets `check --state FILE` run where no credentials are, so it is public by
design: no secret and no full API key may ever reach it. `redact` enforces that on every
write, and the schema rejects a file that breaks it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from keylint.errors import KeylintError
from keylint.secrets import key_prefix

STATE_VERSION = 1
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


def format_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


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
    problems = list(schema_problems(document))
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
    for problem in schema_problems(data):
        raise StateFileError(f"{source}: {problem}")
    try:
        return LiveState.from_json(data)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise StateFileError(f"{source}: $.fetched_at: not a valid time ({exc})") from None


def schema_path(name: str = "state.schema.json") -> Path:
    """A schema of schemas/: inside the package when installed, at the repo top in a checkout."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "schemas", package.parent / "schemas"):
        path = candidate / name
        if path.is_file():
            return path
    raise StateFileError(f"{name} not found: keylint is installed incompletely")


@cache
def _validator(name: str) -> Any:
    from jsonschema import Draft202012Validator

    schema = json.loads(schema_path(name).read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def schema_problems(data: Any, schema: str = "state.schema.json") -> Iterator[str]:
    """Schema violations of a document keylint reads back (a state file, a saved plan), each
    as `$.path: what is wrong`, never quoting a long value."""
    try:
        errors = sorted(_validator(schema).iter_errors(data), key=lambda e: list(e.absolute_path))
    except RecursionError:
        yield "$: nested too deeply"
        return
    for error in errors:
        yield f"{_json_path(error.absolute_path)}: {_describe(error)}"


def _json_path(parts: Any) -> str:
    path = "$"
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif str(part).isidentifier():
            path += f".{part}"
        else:
            path += f"[{json.dumps(str(part), ensure_ascii=False)}]"
    return path


def _describe(error: Any) -> str:
    # jsonschema's own messages quote the offending value, which could be a full API key
    # someone pasted in: describe the rule broken instead, with short values only.
    if error.validator == "pattern" and error.schema.get("description", "").startswith("At most"):
        return "must be an API key prefix (at most 8 characters, then '…'), never a full key"
    if error.validator in ("oneOf", "anyOf", "if", "then", "allOf"):
        best = _deepest(error)
        if best is not error:
            where = _json_path(best.relative_path) if best.relative_path else ""
            return f"{where} {_describe(best)}".strip()
    instance = error.instance
    if isinstance(instance, str) and len(instance) > 24:
        return f"{error.validator} {json.dumps(error.validator_value)[:80]} not satisfied"
    return str(error.message)[:200]


def _deepest(error: Any) -> Any:
    context = list(error.context or [])
    if not context:
        return error
    return max(context, key=lambda e: len(list(e.absolute_path)))
