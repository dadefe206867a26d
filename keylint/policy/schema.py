"""The policy JSON Schema: a document checked against it, and its errors turned into located
messages.

A valid document (nearly every one in pre-commit) is confirmed by `schema_fast`, the schema
compiled ahead of time into Python by fastjsonschema and shipped with the package: importing
it costs a few milliseconds, where jsonschema's import and validator cost ~150. Only an
invalid document brings in jsonschema, which reports every error with its path.

Both check the schema without what its `x-keylint-reports` keywords mark (`reportable`): the
loader checks those itself and reports them with its own messages (schema_source explains).
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from keylint import schema_check
from keylint.catalog import CATALOG, Kind, did_you_mean, suggestions
from keylint.policy import permissions as perms
from keylint.policy.codepoints import non_ascii_note
from keylint.policy.durations import DurationError, parse_duration
from keylint.policy.ips import IPError, parse_network
from keylint.policy.model import PENDING_SUFFIX
from keylint.policy.yamlload import Path as DataPath
from keylint.schema_check import schema_dir
from keylint.secrets import looks_like_secret

if TYPE_CHECKING:
    import jsonschema

POLICY_SCHEMA = "policy.schema.json"
# github.com/<REPOSITORY> is the project's home (pyproject's [project.urls]; a test checks).
REPOSITORY = "keylint/keylint"
# Marks the keywords of a subschema that mirror a check the loader makes and reports itself.
REPORTS = "x-keylint-reports"
# Names, for each keyword it marks, the keylint code that makes the same check on one value.
MIRRORS = "x-keylint-mirrors"


def schema_url(version: str | None = None) -> str:
    """The policy schema's `$id`: the file as tagged in the repository for this version, so
    the URL `init` writes resolves to the schema of the keylint that wrote it."""
    from keylint import __version__

    return (
        f"https://raw.githubusercontent.com/{REPOSITORY}/v{version or __version__}/"
        "schemas/policy.schema.json"
    )


@functools.cache
def load_schema(name: str) -> dict[str, Any]:
    with (schema_dir() / name).open(encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)
    return schema


def reportable(schema: Any) -> Any:
    """The schema without the keywords marked `x-keylint-reports`: what keylint reports from
    the schema (KL002), the loader's own checks left to the loader."""
    if isinstance(schema, dict):
        mirrored = set(schema.get(REPORTS, ()))
        return {
            name: reportable(value)
            for name, value in schema.items()
            if name not in mirrored and name != REPORTS
        }
    if isinstance(schema, list):
        return [reportable(item) for item in schema]
    return schema


@functools.cache
def policy_validator() -> jsonschema.Draft202012Validator:
    """Compiled once per process: building a validator costs more than using one."""
    import jsonschema

    return jsonschema.Draft202012Validator(
        reportable(load_schema(POLICY_SCHEMA)),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )


def schema_digest() -> str:
    """The policy schema's SHA-256: `schema_fast` records the one it was generated from."""
    return schema_check.schema_digest(POLICY_SCHEMA)


def generate_fast_module() -> str:
    """The source of `keylint/policy/schema_fast.py`: `python -m keylint.policy.schema_source`
    writes it after the schema (or `write_fast_module()` alone, after the schema file)."""
    from keylint.schema_compile import fast_module_source

    return fast_module_source(
        _fast_schema(),
        schema_file=POLICY_SCHEMA,
        generator="keylint.policy.schema.generate_fast_module",
        summary="The policy schema (its reportable part) compiled by fastjsonschema, shipped "
        "so that checking\na valid policy file imports neither jsonschema nor a compiler.",
        formats="keylint.policy.schema:FAST_FORMATS",
    )


def write_fast_module() -> None:
    from pathlib import Path

    Path(__file__).with_name("schema_fast.py").write_text(generate_fast_module(), encoding="utf-8")


@functools.cache
def fast_policy_check() -> Any:
    """The ahead-of-time compiled checker: it raises at the first error and says nothing more.
    A stale one (the schema edited, the module not regenerated) is compiled afresh instead."""
    from keylint.policy import schema_fast

    if schema_digest() == schema_fast.SCHEMA_SHA256:
        return schema_fast.validate
    import fastjsonschema

    from keylint.schema_compile import as_draft7

    return fastjsonschema.compile(as_draft7(_fast_schema()), formats=FAST_FORMATS)


def _fast_schema() -> Any:
    """What the compiled checker checks: the reportable schema, with keylint's own parser
    where a pattern mirrors it (FAST_FORMATS)."""
    return _with_fast_formats(reportable(load_schema(POLICY_SCHEMA)))


def _is_network(text: str) -> bool:
    try:
        parse_network(text)
    except IPError:
        return False
    return True


# The compiled checker asks keylint's own parser where the schema's pattern mirrors it: the
# address pattern is 7 kB of regular expression that Python would compile on every run.
# parse_network refuses a little more (IPv6 host bits, NOT_EXPRESSED): such a file takes the
# jsonschema path, which uses the pattern, and the loader reports it.
FAST_FORMATS = {"keylint-ip": _is_network}
_FAST_FORMAT_OF = {"keylint.policy.ips.parse_network": "keylint-ip"}


def _with_fast_formats(schema: Any) -> Any:
    if isinstance(schema, dict):
        out = {name: _with_fast_formats(value) for name, value in schema.items()}
        source = schema.get(MIRRORS, {}).get("pattern")
        if source in _FAST_FORMAT_OF:
            del out["pattern"]
            out["format"] = _FAST_FORMAT_OF[source]
        return out
    if isinstance(schema, list):
        return [_with_fast_formats(item) for item in schema]
    return schema


# --- what keylint's own parsers say of one value: the loader's messages, and the schema's
# where it mirrors them (schema_source), so a problem reads the same whichever finds it.

DURATION_HINT = (
    "Write the duration as a number of hours, days or weeks (36h, 90d, 12w) or in ISO 8601 (P90D)."
)


def ip_hint(exc: IPError) -> str:
    if exc.fix:
        return f"Write {exc.fix}: addresses are written as Binance lists them."
    return (
        "Write a single IPv4/IPv6 address (203.0.113.10) or a range by its network address "
        "(198.51.100.0/28)."
    )


def waiver_rule_problem(rule_id: str) -> str | None:
    """Why a waiver cannot name this rule id (well formed, KL and three digits), or None."""
    target = CATALOG.get(rule_id)
    if target is None:
        return f"waiver names {rule_id}, which is no keylint rule; `keylint rules` lists them"
    if target.kind is Kind.FILE:
        return (
            f"{rule_id} ({target.name}) cannot be waived: policy-file problems are fixed, "
            "not waived"
        )
    return None


def store_path_problems(path: str) -> list[str]:
    """What is wrong with a well-formed rotation.path (<kv mount>/<secret path>), if anything."""
    found = []
    if any(segment in (".", "..") for segment in path.split("/")):
        found.append(
            "rotation.path has a '.' or '..' segment; write the secret's path as the store "
            "shows it: <kv mount>/<secret path>"
        )
    if path.endswith(PENDING_SUFFIX):
        found.append(
            f"rotation.path ends in {PENDING_SUFFIX!r}, which keylint keeps for a rotation "
            "in progress; choose another path"
        )
    return found


def repeated_permission(canonical: str, name: str) -> str:
    return f"permission {canonical!r} is listed twice ({name!r} is another name for it)"


@dataclass(frozen=True)
class SchemaProblem:
    """One schema error: the data path it points at, and a message a person can act on."""

    path: DataPath
    message: str
    key_level: bool = False  # point at the mapping key (an unexpected field) not the value
    hint: str | None = None  # a specific fix; the loader falls back to a general one


def schema_problems(data: Any) -> Iterator[SchemaProblem]:
    """Every schema error of a document, most specific first, with readable messages.

    A valid document is confirmed by the compiled checker alone; only an invalid one is walked
    by jsonschema, which reports every error with its path.
    """
    from fastjsonschema import JsonSchemaValueException

    try:
        fast_policy_check()(data)
        return
    except JsonSchemaValueException:
        pass
    errors = sorted(policy_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    judged: set[DataPath] = set()
    for error in errors:
        # One message per bad value: a date that breaks both `format` and `pattern` is one
        # mistake. Checks on a mapping (missing or unknown fields) each name their own field.
        if error.validator in _VALUE_CHECKS:
            where = tuple(error.absolute_path)
            if where in judged:
                continue
            judged.add(where)
        yield from _describe(error)


_VALUE_CHECKS = frozenset(
    {
        "type",
        "enum",
        "const",
        "pattern",
        "format",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "uniqueItems",
        "not",
    }
)


def dotted(path: DataPath) -> str:
    """A JSON path as people write it: keys[2].permissions[0]."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


def _describe(error: jsonschema.ValidationError) -> Iterator[SchemaProblem]:
    path = tuple(error.absolute_path)
    where = dotted(path)
    instance = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    mirrored = list(_parsers_say(error, path, where))
    if mirrored:
        yield from mirrored
        return
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        allowed = sorted(schema.get("properties", {}))
        patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
        extras = {
            k for k in instance if k not in allowed and not any(p.search(k) for p in patterns)
        }
        for extra in sorted(extras):
            hint = difflib.get_close_matches(extra, allowed, n=1)
            suggestion = (
                f"; did you mean {hint[0]!r}?" if hint else f"; allowed: {', '.join(allowed)}"
            )
            place = f" in {where}" if path else " at the top level"
            fix = (
                f"Rename `{extra}` to `{hint[0]}`."
                if hint
                else f"Delete `{extra}`, or rename it to one of: {', '.join(allowed)}."
            )
            yield SchemaProblem(
                (*path, extra),
                f"unknown field {extra!r}{non_ascii_note(extra)}{place}{suggestion}",
                key_level=True,
                hint=fix,
            )
        return
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        yield SchemaProblem(path, f"{where} is missing the required field {missing!r}")
        return
    if error.validator == "enum" and isinstance(instance, str):
        choices = [str(choice) for choice in error.validator_value]
        hint = difflib.get_close_matches(instance, choices, n=1)
        suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
        canonical = [c for c in choices if not c.startswith(("enable", "permits"))]
        yield SchemaProblem(
            path,
            f"{where}: {_short(instance)}{non_ascii_note(instance)} is not a known value"
            f"{suggestion}",
            hint=f"Use one of: {', '.join(canonical)}.",
        )
        return
    if error.validator == "pattern" and path and path[-1] == "expires":
        # The pattern spells out the calendar that `format: date` names: one message.
        yield SchemaProblem(path, f"{where}: {_short(instance)} is not a valid date")
        return
    if error.validator == "pattern" and path[-2:] == ("rotation", "path"):
        yield SchemaProblem(
            path,
            f"{where}: {_short(instance)} is not <kv mount>/<secret path> (no leading or trailing "
            "'/', no blank)",
            hint="Write the path as the Vault or OpenBao CLI takes it, e.g. "
            "secret/binance/mm-bot-eu: the KV mount, then the secret's path.",
        )
        return
    if error.validator == "pattern" and path[-3:-2] == ("waivers",) and path[-1] == "rule":
        # `kl205` or a rule's name: a did-you-mean, not a guess: the format is `rule: KL205`,
        # which other tools (and a grep for the id) read too.
        found = suggestions(str(instance))
        yield SchemaProblem(
            path,
            f"{where}: {_short(instance)} is not a rule id;"
            f"{did_you_mean(str(instance)) or ' rule ids are KL and three digits, e.g. KL205'}",
            hint=f"Write `rule: {found[0].id}`."
            if len(found) == 1
            else "Name the rule by its id, KL and three digits (`keylint rules` lists them).",
        )
        return
    if error.validator == "pattern" and path and path[-1] == "name":
        yield SchemaProblem(
            path,
            f"{where}: {_short(instance)}{non_ascii_note(str(instance))} is not a valid key "
            "name; use lower-case letters, "
            "digits, '.', '_' and '-', starting with a letter or digit",
            hint=f"Rename the key, e.g. to {_suggest_name(instance)!r}; names are unique across "
            "all policy files.",
        )
        return
    if error.validator == "not" and isinstance(instance, dict):
        yield SchemaProblem(
            path,
            f"{where} sets both secret_env and private_key_env; a key signs either with an "
            "HMAC secret or with an Ed25519/RSA private key",
        )
        return
    if error.validator == "type":
        yield SchemaProblem(
            path, f"{where}: expected {_type_name(error.validator_value)}, got {_short(instance)}"
        )
        return
    if error.validator == "uniqueItems":
        yield SchemaProblem(path, f"{where} lists the same entry twice")
        return
    if error.validator == "const":
        yield SchemaProblem(
            path, f"{where}: must be {error.validator_value!r}, got {_short(instance)}"
        )
        return
    if error.validator == "pattern":
        yield SchemaProblem(
            path, f"{where}: {_short(instance)} does not match {error.validator_value}"
        )
        return
    if error.validator == "format":
        yield SchemaProblem(
            path, f"{where}: {_short(instance)} is not a valid {error.validator_value}"
        )
        return
    # jsonschema's own messages quote the whole value; the validator's name is enough here.
    yield SchemaProblem(path, f"{where}: fails the schema's {error.validator!r} constraint")


def _parsers_say(
    error: jsonschema.ValidationError, path: DataPath, where: str
) -> Iterator[SchemaProblem]:
    """For a value the schema refuses where it mirrors keylint's own parser, what that parser
    says (the loader's message and fix, word for word); nothing for any other error."""
    instance = error.instance
    if error.validator == "pattern" and isinstance(instance, str):
        if len(path) >= 2 and path[-2] == "ips":
            try:
                parse_network(instance)
            except IPError as exc:
                yield SchemaProblem(path, f"{where}: {exc}", hint=ip_hint(exc))
        elif path and path[-1] in ("max_age", "rotate_warning", "grace"):
            try:
                parse_duration(instance)
            except DurationError as exc:
                yield SchemaProblem(path, f"{where}: {exc}", hint=DURATION_HINT)
    elif (
        error.validator == "enum"
        and path[-3:-2] == ("waivers",)
        and path[-1] == "rule"
        and re.fullmatch(r"KL[0-9]{3}", str(instance))  # else the pattern's message says it
    ):
        problem = waiver_rule_problem(str(instance))
        if problem:
            yield SchemaProblem(path, f"{where}: {problem}")
    elif error.validator == "not" and path[-2:] == ("rotation", "path"):
        for problem in store_path_problems(str(instance)):
            yield SchemaProblem(path, f"{where}: {problem}")
    elif error.validator == "not" and path[-1:] == ("permissions",) and isinstance(instance, list):
        seen: set[str] = set()
        for i, name in enumerate(instance):
            canonical = perms.canonical(name) if isinstance(name, str) else None
            if canonical is None:
                continue
            if canonical in seen:
                at = (*path, i)
                yield SchemaProblem(at, f"{dotted(at)}: {repeated_permission(canonical, name)}")
            seen.add(canonical)


def _suggest_name(value: Any) -> str:
    name = re.sub(r"[^a-z0-9._-]+", "-", str(value).lower()).strip("-._")
    return name or "my-key"


def _type_name(value: Any) -> str:
    names = {
        "object": "a mapping",
        "array": "a list",
        "string": "a string",
        "boolean": "true or false",
        "integer": "a whole number",
        "number": "a number",
    }
    if isinstance(value, list):
        return " or ".join(names.get(v, str(v)) for v in value)
    return names.get(value, str(value))


def _short(value: Any) -> str:
    """A value for a message, cut short: a schema error must not print a whole pasted blob."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str) and looks_like_secret(value):
        return "a value that looks like a secret (not shown)"
    text = repr(value)
    return text if len(text) <= 32 else text[:29] + "..."
