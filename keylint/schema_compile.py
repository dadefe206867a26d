"""Bundled JSON Schemas compiled into Python ahead of time by fastjsonschema, so that a valid
document is confirmed without jsonschema and without compiling anything at run time.

Each compiled module records the SHA-256 of the schema file it was generated from: keylint
uses it only while the two match. `python -m keylint.schema_compile` writes the state schema's
(`keylint/state_schema_fast.py`); `python -m keylint.policy.schema_source` writes the policy's
after the policy schema itself.

fastjsonschema knows no draft 2020-12, the draft the schemas are written in and jsonschema and
editors read them as: a schema is compiled as draft-07, which is sound only where each keyword
means the same in both. `draft7_differences` says where it would not, and the generator refuses
such a schema rather than ship a checker that quietly ignores a keyword.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from keylint.schema_check import FAST_MODULES, schema_digest, schema_path

DRAFT7 = "http://json-schema.org/draft-07/schema#"
STATE_SCHEMA = "state.schema.json"

# Words for people and editors: they check nothing, and fastjsonschema would copy them into
# every error it raises. Keywords named x-... are keylint's own notes, ignored the same way.
ANNOTATIONS = frozenset(
    {
        "$comment",
        "title",
        "description",
        "examples",
        "default",
        "errorMessage",
        "patternErrorMessage",
        "enumDescriptions",
    }
)

# Keywords whose meaning draft-07 and 2020-12 share, as far as the bundled schemas use them,
# each checked against fastjsonschema's code: a keyword is added here only after that check.
# (const and enum: fastjsonschema compares as JSON does, True is not 1; test_schema_check.py
# holds the shipped state checker to that.)
# Left out on purpose: `format` (an annotation in 2020-12 unless the validator is told to
# assert it, always asserted by fastjsonschema: allowed only where keylint asserts it on both
# paths), `dependencies`/`dependentRequired`, `prefixItems`, `unevaluated*`, `$anchor`,
# `$dynamicRef`, `minContains`/`maxContains` (2020-12 only, or spelt otherwise in draft-07).
SAME_IN_DRAFT7 = frozenset(
    {
        "$schema",
        "$id",
        "$ref",
        "$defs",
        "type",
        "const",
        "enum",
        "required",
        "properties",
        "patternProperties",
        "additionalProperties",
        "items",
        "contains",
        "uniqueItems",
        "minimum",
        "minLength",
        "maxLength",
        "pattern",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "if",
        "then",
        "else",
    }
)
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs"})
_SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf"})
_SUBSCHEMAS = frozenset({"items", "contains", "additionalProperties", "not", "if", "then", "else"})


def _is_annotation(keyword: str) -> bool:
    return keyword in ANNOTATIONS or keyword.startswith("x-")


def checks_only(schema: Any) -> Any:
    """The schema without its annotations: what a compiled checker needs."""
    if isinstance(schema, list):
        return [checks_only(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for name, value in schema.items():
        if _is_annotation(name):
            continue
        if name in _SCHEMA_MAPS:
            out[name] = {field: checks_only(sub) for field, sub in value.items()}
        elif name in _SUBSCHEMAS or name in _SCHEMA_LISTS:
            out[name] = checks_only(value)
        else:
            out[name] = value
    return out


def draft7_differences(schema: Any, *, formats: bool = False, where: str = "#") -> Iterator[str]:
    """Where fastjsonschema, reading `schema` (2020-12) as draft-07, would check otherwise
    than jsonschema: a keyword not in SAME_IN_DRAFT7, `items` as a list (a tuple in draft-07),
    keywords beside `$ref` (draft-07 ignores them), a `$ref` out of the file (the compiler
    would download it), `$id`/`$schema` below the top. `formats`: keylint asserts `format`
    on both paths (the policy schema's own formats), so it reads alike."""
    if isinstance(schema, bool):
        return
    if not isinstance(schema, dict):
        yield f"{where}: a schema must be an object or a boolean"
        return
    allowed = SAME_IN_DRAFT7 | {"format"} if formats else SAME_IN_DRAFT7
    for name, value in schema.items():
        at = f"{where}/{name}"
        if _is_annotation(name):
            continue
        if name not in allowed:
            yield f"{at}: {name} is not known to mean the same in draft-07 (SAME_IN_DRAFT7)"
        elif name in ("$id", "$schema") and where != "#":
            yield f"{at}: {name} below the top changes how references resolve"
        elif name == "items" and not isinstance(value, dict | bool):
            yield f"{at}: items as a list is a tuple in draft-07, prefixItems in 2020-12"
        elif name in _SCHEMA_MAPS:
            for field, sub in value.items():
                yield from draft7_differences(sub, formats=formats, where=f"{at}/{field}")
        elif name in _SCHEMA_LISTS:
            for index, sub in enumerate(value):
                yield from draft7_differences(sub, formats=formats, where=f"{at}/{index}")
        elif name in _SUBSCHEMAS:
            yield from draft7_differences(value, formats=formats, where=at)
    if "$ref" in schema:
        beside = sorted(name for name in schema if name != "$ref" and not _is_annotation(name))
        if beside:
            yield f"{where}: draft-07 ignores {', '.join(beside)} beside $ref"
        if not str(schema["$ref"]).startswith("#/"):
            yield f"{where}/$ref: only references inside the file are compiled"


def as_draft7(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema without annotations, marked draft-07 for fastjsonschema."""
    return {**checks_only(schema), "$schema": DRAFT7}


def fast_module_source(
    schema: dict[str, Any],
    *,
    schema_file: str,
    generator: str,
    summary: str,
    formats: str | None = None,
) -> str:
    """The source of a module shipping `schema` (2020-12) compiled: a header naming what it
    was generated from and by, that schema file's SHA-256, fastjsonschema's code and
    `validate(data)`, which raises at the first error and returns when there is none.
    `formats` ("module:NAME") names the custom formats the compiled code calls."""
    import fastjsonschema

    module, _, name = (formats or "").partition(":")
    custom: dict[str, Any] = getattr(importlib.import_module(module), name) if formats else {}
    differences = list(draft7_differences(schema, formats=formats is not None))
    if differences:
        raise ValueError(
            f"schemas/{schema_file} cannot be compiled as draft-07: " + "; ".join(differences)
        )
    # use_default=False: a `default` the compiler sees would be written into the data.
    code = fastjsonschema.compile_to_code(as_draft7(schema), formats=custom, use_default=False)
    entry = re.search(r"^def (\w+)\(", code, re.M)
    assert entry is not None
    header = (
        "# ruff: noqa\n# mypy: ignore-errors\n"
        f'"""GENERATED from schemas/{schema_file} by {generator}:\ndo not edit.\n\n{summary}\n'
        '"""\n\n'
        f'SCHEMA_SHA256 = "{schema_digest(schema_file)}"\n\n'
    )
    if formats is None:
        return f"{header}{code}\n\n\ndef validate(data):\n    return {entry.group(1)}(data)\n"
    return (
        f"{header}{code}\n\n"
        f"from {module} import {name}\n\n\n"
        f"def validate(data):\n    return {entry.group(1)}(data, custom_formats={name})\n"
    )


def state_fast_module() -> str:
    """The source of keylint/state_schema_fast.py, from schemas/state.schema.json."""
    return fast_module_source(
        json.loads(schema_path(STATE_SCHEMA).read_text(encoding="utf-8")),
        schema_file=STATE_SCHEMA,
        generator="keylint.schema_compile.state_fast_module",
        summary="The state schema compiled by fastjsonschema as draft-07, shipped so that "
        "reading a valid\nstate file neither walks it with jsonschema nor compiles anything.",
    )


def write_state_fast_module() -> Path:
    target = Path(__file__).with_name(FAST_MODULES[STATE_SCHEMA].rpartition(".")[2] + ".py")
    target.write_text(state_fast_module(), encoding="utf-8")
    return target


if __name__ == "__main__":
    print(f"wrote {write_state_fast_module()}")
