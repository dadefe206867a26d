"""The bundled JSON Schemas (schemas/): where they are, and checking a document keylint reads
back against one (a state file, a saved plan) with messages that never quote a long value.

A state file is first given to the state schema compiled ahead of time (FAST_MODULES, written
by keylint.schema_compile): 5,000 keys in ~0.15 s of CPU where jsonschema takes ~2.2 s. That
checker is trusted only to say "valid", by returning. Whatever it raises, the first error it
found or a crash on data it did not expect, leaves the verdict and every message to jsonschema,
and so does a module compiled from another version of the schema file (edited, not
regenerated): a state file may come from a fork's pull request.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from collections.abc import Callable, Iterator
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


# The schemas shipped compiled (keylint.schema_compile), by file: the plan schema is not, plans
# being small, and would be added here once it is.
FAST_MODULES = {"state.schema.json": "keylint.state_schema_fast"}


def schema_digest(name: str) -> str:
    """A bundled schema's SHA-256: a compiled module records the one it was generated from."""
    return hashlib.sha256(schema_path(name).read_bytes()).hexdigest()


@cache
def fast_check(name: str) -> Callable[[Any], object] | None:
    """The compiled checker shipped for this schema, or None: none is, or it was compiled
    from another version of the schema file."""
    module_name = FAST_MODULES.get(name)
    if module_name is None:
        return None
    module = importlib.import_module(module_name)
    if schema_digest(name) != module.SCHEMA_SHA256:
        return None
    check: Callable[[Any], object] = module.validate
    return check


def _passes_fast_check(data: Any, schema: str) -> bool:
    check = fast_check(schema)
    if check is None:
        return False
    try:
        check(data)
    except Exception:
        # Its errors (JsonSchemaValueException) and its crashes (a TypeError, a RecursionError
        # on data no schema foresaw) alike: only jsonschema's verdict counts then.
        return False
    return True


@cache
def _validator(name: str) -> Any:
    from jsonschema import Draft202012Validator

    schema = json.loads(schema_path(name).read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def schema_problems(data: Any, schema: str) -> Iterator[str]:
    """Schema violations of a document keylint reads back (a state file, a saved plan), each
    as `$.path: what is wrong`, never quoting a long value."""
    if _passes_fast_check(data, schema):
        return
    yield from jsonschema_problems(data, schema)


def jsonschema_problems(data: Any, schema: str) -> Iterator[str]:
    """What jsonschema finds wrong with the document, the compiled checker not asked."""
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
