"""The differential test: the same policy documents go to the policy schema (as an editor or
check-jsonschema reads it) and to keylint's loader, and both must call the same ones valid.

keylint reports most of what the schema mirrors from the schema itself, so comparing the
schema with keylint would compare it with itself. The loader here runs on the schema with
every `x-keylint-mirrors` keyword taken out: the loader's own code (parse_network,
parse_duration, the catalog, date.fromisoformat, the rotation checks) then decides, and the
full schema must agree with it. What JSON Schema cannot say (schema_source.NOT_EXPRESSED)
is the documented difference.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fastjsonschema
import jsonschema
import pytest
import regress
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from keylint.findings import Finding
from keylint.policy import schema
from keylint.policy.loader import load_policy_file
from keylint.policy.schema_source import MERGED
from tests.conftest import REPO

FULL: dict[str, Any] = json.loads((REPO / "schemas" / "policy.schema.json").read_text("utf-8"))


def without_mirrors(node: Any) -> Any:
    """The schema as it was before it mirrored keylint's parsers: the loader's code decides."""
    if isinstance(node, dict):
        mirrored = set(node.get(schema.MIRRORS, ()))
        return {k: without_mirrors(v) for k, v in node.items() if k not in mirrored}
    if isinstance(node, list):
        return [without_mirrors(item) for item in node]
    return node


STRICT = jsonschema.Draft202012Validator(
    FULL, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)
LOOSE = jsonschema.Draft202012Validator(
    schema.reportable(without_mirrors(FULL)),
    format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
)
_ECMA: dict[str, Any] = {}


def _ecma_pattern(
    validator: Any, pattern: str, instance: Any, _schema: Any
) -> Iterator[jsonschema.ValidationError]:
    if validator.is_type(instance, "string"):
        compiled = _ECMA.get(pattern) or _ECMA.setdefault(pattern, regress.Regex(pattern, "u"))
        if compiled.find(instance) is None:
            yield jsonschema.ValidationError(f"does not match {pattern[:40]}")


# As an editor reads the schema: ECMA-262 patterns (the `u` flag, as yaml-language-server),
# formats as annotations only.
ECMA = jsonschema.validators.extend(jsonschema.Draft202012Validator, {"pattern": _ecma_pattern})(
    FULL
)


def not_expressed(finding: Finding) -> bool:
    host_bits = re.search(r"'([^']*)' has host bits set", finding.message)
    if host_bits:
        return ":" in host_bits.group(1)  # IPv6 only
    return "must be shorter than max_age" in finding.message


IPS = [
    "203.0.113.10",
    "203.0.113.11",
    "198.51.100.0/28",
    "198.51.100.7/28",
    "10.0.0.0/255.0.0.0",
    " 192.0.2.1 ",
    "2001:db8::/32",
    "2001:db8::1/32",
    "::ffff:203.0.113.10",
    "fe80::1%eth0",
    "300.1.1.1",
    "x",
]
DURATIONS = ["90d", "14d", "7d", "100d", "36h", "PT1S", "0d", "P0D", "P1M", "1234567d", " 7d", "P"]
RULES = ["KL205", "KL301", "KL103", "KL001", "KL006", "KL999", "kl205", "ip-unusable"]
DATES = ["2027-01-31", "2028-02-29", "2027-02-30", "2100-02-29", "0000-01-01", "2027-1-1"]
PATHS = ["secret/binance/a", "kv/x", "secret/../a", "secret/a.pending", "a/./b", "/a", "a"]
PERMISSIONS = [
    "reading",
    "enableReading",
    "spot_and_margin_trading",
    "futures",
    "european_options",
    "withdrawals",
    "enableWithdrawals",
    "fix_api_trade",
    "teleport",
]

waiver = st.fixed_dictionaries(
    {"rule": st.sampled_from(RULES), "reason": st.just("r"), "expires": st.sampled_from(DATES)}
)
MERGED_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "owner": st.just("@team"),
    "sub_account": st.just("mm@example.com"),
    "permissions": st.lists(st.sampled_from(PERMISSIONS), max_size=3),
    "ip_restrict": st.booleans(),
    "ips": st.lists(st.sampled_from(IPS), max_size=3),
    "max_age": st.sampled_from(DURATIONS),
    "rotate_warning": st.sampled_from(DURATIONS),
    "status": st.sampled_from(["active", "retired"]),
    "waivers": st.lists(waiver, max_size=2),
}
assert set(MERGED_FIELDS) == set(MERGED)
KEY_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    **MERGED_FIELDS,
    "api_name": st.just("bot"),
    "api_key_env": st.just("BOT_KEY"),
    "secret_env": st.just("BOT_SECRET"),
    "private_key_env": st.just("BOT_PEM"),
    "rotation": st.fixed_dictionaries(
        {"store": st.just("vault"), "path": st.sampled_from(PATHS)},
        optional={"grace": st.sampled_from(DURATIONS)},
    ),
}


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    defaults = draw(st.fixed_dictionaries({}, optional=MERGED_FIELDS))
    keys = draw(st.lists(st.fixed_dictionaries({}, optional=KEY_FIELDS), min_size=1, max_size=3))
    # The first key takes every default: the loader reads a default only through a key.
    keys[0] = {name: value for name, value in keys[0].items() if name not in defaults}
    named = [{"name": f"k{i}", **key} for i, key in enumerate(keys)]
    document: dict[str, Any] = {"version": 1, "keys": named}
    empty_defaults = draw(st.booleans())
    if defaults or empty_defaults:
        document["defaults"] = defaults
    return document


def policy(keys: list[dict[str, Any]], defaults: dict[str, Any] | None = None) -> dict[str, Any]:
    named = [{"name": f"k{i}", **key} for i, key in enumerate(keys)]
    return {"version": 1, "keys": named, **({"defaults": defaults} if defaults else {})}


def read(document: dict[str, Any], folder: Path) -> list[Finding]:
    path = folder / "policy.yaml"
    path.write_text(json.dumps(document), encoding="utf-8")
    return load_policy_file(path).findings


def read_loosely(document: dict[str, Any], folder: Path) -> list[Finding]:
    """keylint's loader, judging by its own code what the full schema mirrors."""

    def undecided(_data: object) -> None:
        raise fastjsonschema.JsonSchemaValueException("decide with the loose schema")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(schema, "fast_policy_check", lambda: undecided)
        patch.setattr(schema, "policy_validator", lambda: LOOSE)
        return read(document, folder)


def file_problems(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.rule in ("KL001", "KL002", "KL004")]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
@example(policy([{"permissions": ["reading"], "max_age": "0d"}]))
@example(policy([{"permissions": []}], defaults={"ips": ["10.0.0.1/8"]}))
@example(policy([{"permissions": ["reading", "enableReading"]}]))
@example(policy([{"permissions": [], "ips": ["203.0.113.10"]}], defaults={"ip_restrict": False}))
@example(
    policy(
        [
            {
                "permissions": [],
                "waivers": [{"rule": "KL001", "reason": "r", "expires": "2027-01-31"}],
            }
        ]
    )
)
def test_the_schema_and_the_loader_agree(document: dict[str, Any]) -> None:
    schema_and_loader_agree(document)


@pytest.mark.slow
@settings(max_examples=4000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_the_schema_and_the_loader_agree_on_thousands(document: dict[str, Any]) -> None:
    """The same property at forty times the examples (the default suite runs 100 and the
    pinned ones above); run with `-m slow` after changing the schema or the loader."""
    schema_and_loader_agree(document)


def schema_and_loader_agree(document: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        loose = read_loosely(document, Path(folder))
        real = read(document, Path(folder))
    by_loader = file_problems(loose)
    expressed = [f for f in by_loader if not not_expressed(f)]
    strict_ok = STRICT.is_valid(document)
    # The schema refuses exactly what keylint's own code refuses, bar NOT_EXPRESSED.
    assert strict_ok == (expressed == []), [f.message for f in expressed]
    # An editor (ECMA-262 patterns) says the same as a Python validator.
    assert ECMA.is_valid(document) == strict_ok
    # keylint's verdict did not move, nor any message: what it now reports from the schema
    # is what its loader says of the same value, at the same place. (Either may say more:
    # the loader stops at a waiver's first problem, the schema skips a key it refused.)
    assert (file_problems(real) == []) == (by_loader == [])
    said: dict[tuple[str, int, int], list[dict[str, Any]]] = {}
    for f in loose:  # every field: Finding's == compares only the position and the rule
        said.setdefault((f.subject, f.line, f.column), []).append(vars(f))
    for finding in real:
        same_place = said.get((finding.subject, finding.line, finding.column), [])
        assert not same_place or vars(finding) in same_place, (same_place, finding)
    # The compiled checker never passes what jsonschema refuses (it may refuse IPv6 host
    # bits, read by keylint's parser: jsonschema then decides, and the loader reports them).
    fast_ok = True
    try:
        schema.fast_policy_check()(document)
    except fastjsonschema.JsonSchemaValueException:
        fast_ok = False
    slow_ok = schema.policy_validator().is_valid(document)
    assert fast_ok <= slow_ok
    if not any("has host bits set" in f.message for f in by_loader):
        assert fast_ok == slow_ok
