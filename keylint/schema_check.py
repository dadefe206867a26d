"""The bundled JSON Schemas (schemas/): where they are, and checking a document keylint reads
back against one (a state file, a saved plan) with messages that never quote a long value."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from keylint.errors import KeylintError


class SchemaMissing(KeylintError):
    """A bundled schema is not where the package keeps it: an incomplete install."""


def schema_dir() -> Path:
    """Where the JSON Schemas are: inside an installed wheel, or at the top of a checkout."""
    package = Path(__file__).resolve().parent
    for candidate in (package / "schemas", package.parent / "schemas"):
        if candidate.is_dir():
            return candidate
    raise SchemaMissing("schemas/ not found: keylint is installed incompletely")


def schema_path(name: str) -> Path:
    path = schema_dir() / name
    if not path.is_file():
        raise SchemaMissing(f"{name} not found: keylint is installed incompletely")
    return path


@cache
def _validator(name: str) -> Any:
    from jsonschema import Draft202012Validator

    schema = json.loads(schema_path(name).read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def schema_problems(data: Any, schema: str) -> Iterator[str]:
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
