"""A state file is judged by jsonschema, whatever the compiled checker (keylint/
state_schema_fast.py) says: it may confirm only what jsonschema confirms, and every message and
every rejection stays jsonschema's. A state file may come from a fork's pull request."""

from __future__ import annotations

import copy
import math
import string
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keylint import schema_check, state_schema_fast
from keylint.binance.state import STATE_SCHEMA, LiveState
from keylint.times import format_time
from tests.unit.binance.test_state import SPEC_EXAMPLE


@pytest.fixture(autouse=True)
def fresh_fast_check() -> Iterator[None]:
    """Tests replace the compiled module's parts: nothing they saw stays cached after them."""
    cached = schema_check.fast_check
    cached.cache_clear()
    yield
    cached.cache_clear()


def fast_accepts(document: Any) -> bool:
    check = schema_check.fast_check(STATE_SCHEMA)
    assert check is not None, "state_schema_fast.py is stale: python -m keylint.schema_compile"
    try:
        check(document)
    except Exception:
        return False
    return True


# --- valid state documents, as keylint writes them (LiveState.to_json redacts API keys) ------

# A full API key, made here at run time: no fixture file holds one.
api_keys = st.text(string.ascii_letters + string.digits, min_size=64, max_size=64)
prefixes = st.text(st.characters(blacklist_characters="…"), max_size=8).map(lambda s: s + "…")
texts = st.text(max_size=12)
bools = st.booleans()
timestamps = st.integers(min_value=0, max_value=2**53)
times = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
).map(format_time) | st.sampled_from(
    ["2026-11-24T09:00:00.123456+02:00", "2026-11-24T09:00:00-05:30"]
)
any_json = st.recursive(
    st.none() | bools | st.integers() | st.floats(allow_nan=False) | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=6,
)

restrictions = st.fixed_dictionaries(
    {"ipRestrict": bools, "createTime": timestamps},
    optional={
        "enableReading": bools,
        "enableFutures": bools,
        "permitsUniversalTransfer": bools,
        "tradingAuthorityExpirationTime": timestamps,
        "aFieldBinanceAddsLater": any_json,
    },
)
listing_rows = st.fixed_dictionaries(
    {"apiName": texts, "apikey": api_keys | prefixes},
    optional={
        "canTrade": bools,
        "canMarginLoanRepay": bools,
        "canFuturesTrade": bools,
        "canUniversalTransfer": bools,
        "canVanillaOptions": bools,
        "timestamp": timestamps,
    },
)
ip_restrictions = st.fixed_dictionaries(
    {},
    optional={
        "ipRestrict": bools | st.sampled_from(["true", "false"]),
        "ipList": st.lists(texts, max_size=3),
        "apiKey": api_keys | prefixes,
    },
)
rotations = st.fixed_dictionaries(
    {
        "path": texts,
        "current": st.none() | prefixes,
        "replaced": st.none() | prefixes,
        "retire_after": st.none() | times,
        "pending": st.none() | texts,
    }
)
notes = st.lists(texts, max_size=2)
ok_entries = st.fixed_dictionaries(
    {
        "status": st.just("ok"),
        "restrictions": st.none() | restrictions,
        "listing": st.none() | listing_rows,
        "ip_list": st.none() | st.lists(texts, max_size=3),
    },
    optional={
        "ip_restriction": st.none() | ip_restrictions,
        "unverifiable": st.lists(st.sampled_from(["ips", "permissions", "age"]), unique=True),
        "notes": notes,
        "rotation": rotations,
    },
)
error_entries = st.fixed_dictionaries(
    {"status": st.just("error"), "error": st.text(min_size=1, max_size=20)},
    optional={"listing": st.none() | listing_rows, "notes": notes, "rotation": rotations},
)
missing_entries = st.fixed_dictionaries(
    {"status": st.just("not_found")},
    optional={"reason": texts, "notes": notes, "rotation": rotations},
)
valid_documents = st.builds(
    lambda when, keys, subs: LiveState(when, keys, subs).to_json(),
    st.datetimes(timezones=st.just(UTC)),
    st.dictionaries(texts, ok_entries | error_entries | missing_entries, max_size=4),
    st.dictionaries(texts, st.lists(listing_rows, max_size=2), max_size=2),
) | st.just(SPEC_EXAMPLE)


# --- mutations: what a hand-edited or hostile state file may hold -----------------------------

names = texts | st.sampled_from(
    [
        "status",
        "error",
        "reason",
        "listing",
        "restrictions",
        "ip_list",
        "ip_restriction",
        "rotation",
        "notes",
        "unverifiable",
        "apikey",
        "apiKey",
        "enableSomething",
        "permitsSomething",
        "createTime",
        "ipRestrict",
        "version",
    ]
)
odd_values: st.SearchStrategy[Any] = st.sampled_from(
    [
        None,
        True,
        False,
        0,
        1,
        -1,
        1.0,
        1.5,
        -0.0,
        float("nan"),
        float("inf"),
        2**64,
        "",
        "…",
        "ok",
        "error",
        "not_found",
        "true",
        "2026-11-24T09:00:00Z",
        "2026-11-24T09:00:00Z\n",
        "2026-11-24 09:00:00",
        "abcdefgh…",
        "abcdefghi…",
        "abcd…\n",
        "x" * 300,
        [],
        {},
    ]
)
junk = st.recursive(
    odd_values | st.integers() | st.floats() | texts | api_keys | api_keys.map(lambda k: k + "…"),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(names, inner, max_size=3),
    max_leaves=8,
)


def places(value: Any, depth: int = 0) -> Iterator[tuple[int, Any, Any]]:
    """Every (depth, container, key or index) in a document."""
    if isinstance(value, dict):
        for name, item in value.items():
            yield depth, value, name
            yield from places(item, depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield depth, value, index
            yield from places(item, depth + 1)


def retyped(value: Any) -> list[Any]:
    """The same value as another JSON type, or slightly off: what a careless edit makes."""
    if isinstance(value, bool):
        return [int(value), str(value).lower()]
    if isinstance(value, int):
        return [float(value), bool(value), str(value), -value - 1]
    if isinstance(value, float):
        if not math.isfinite(value):  # NaN and infinity have no integer twin
            return [str(value), None]
        return [int(value)] if value.is_integer() else [round(value)]
    if isinstance(value, str):
        return [value + "\n", value + "x" * 40, value.rstrip("…") + "0" * 64, [value]]
    return [None]


@st.composite
def mutated_documents(draw: st.DrawFn) -> Any:
    document = copy.deepcopy(draw(valid_documents))
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        spots = list(places(document))
        if not spots:
            break
        # A depth first, then a place there: most places are deep, and most checks too.
        depth = draw(st.integers(min_value=0, max_value=max(d for d, _, _ in spots)))
        container, key = draw(st.sampled_from([(c, k) for d, c, k in spots if d == depth]))
        action = draw(st.sampled_from(["delete", "add", "replace", "retype"]))
        if action == "delete":
            del container[key]
        elif action == "add":
            target = container[key] if isinstance(container[key], dict) else document
            target[draw(names)] = draw(junk)
        elif action == "replace":
            container[key] = draw(junk)
        else:
            container[key] = draw(st.sampled_from(retyped(container[key])))
    return document


def without_final_newlines(value: Any) -> Any:
    if isinstance(value, dict):
        return {name: without_final_newlines(item) for name, item in value.items()}
    if isinstance(value, list):
        return [without_final_newlines(item) for item in value]
    if isinstance(value, str) and len(value) > 1 and value.endswith("\n"):
        return value[:-1]
    return value


def judged_by_jsonschema(document: Any) -> None:
    before = copy.deepcopy(document)
    fast = fast_accepts(document)
    full = list(schema_check.jsonschema_problems(document, STATE_SCHEMA))
    assert document == before  # neither check writes into what it reads (no `default`)
    # The outcome, messages and all, is jsonschema's whatever the compiled checker said...
    assert list(schema_check.schema_problems(document, STATE_SCHEMA)) == full
    # ...and it never confirms what jsonschema refuses.
    if fast:
        assert full == [], full
    elif not full:
        # Where they differ, the compiled checker is the stricter: it reads a pattern's `$` as
        # the end of the text, where Python's re (jsonschema) also matches before a final
        # newline. Nothing else may make it refuse a valid document.
        assert fast_accepts(without_final_newlines(document))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_documents())
def test_the_compiled_checker_confirms_only_what_jsonschema_confirms(document: Any) -> None:
    judged_by_jsonschema(document)


@pytest.mark.slow
@settings(max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_documents())
def test_the_compiled_checker_confirms_only_what_jsonschema_confirms_long(document: Any) -> None:
    judged_by_jsonschema(document)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_documents)
def test_the_compiled_checker_confirms_every_state_keylint_writes(document: Any) -> None:
    assert fast_accepts(document)
    assert list(schema_check.jsonschema_problems(document, STATE_SCHEMA)) == []


@pytest.mark.parametrize(
    "document",
    [
        {**SPEC_EXAMPLE, "fetched_at": "2026-11-24T09:00:00Z\n"},
        {**SPEC_EXAMPLE, "sub_accounts": {"m@x": [{"apikey": "abcd…\n"}]}},
    ],
    ids=["time", "prefix"],
)
def test_a_final_newline_is_refused_by_the_compiled_checker_and_judged_by_jsonschema(
    document: dict[str, Any],
) -> None:
    assert not fast_accepts(document)
    assert list(schema_check.schema_problems(document, STATE_SCHEMA)) == []


@pytest.mark.parametrize(
    "document",
    [
        {**SPEC_EXAMPLE, "version": True},  # True == 1 in Python, not in JSON Schema
        {**SPEC_EXAMPLE, "keys": {"x": {"status": "ok", "listing": None, "ip_list": None}}},
        {**SPEC_EXAMPLE, "keys": {"x": {"status": "error", "error": ""}}},
        {**SPEC_EXAMPLE, "sub_accounts": {"m@x": [{"apikey": "abcdefghi…"}]}},
        {
            **SPEC_EXAMPLE,
            "keys": {
                "x": {
                    "status": "ok",
                    "listing": None,
                    "ip_list": None,
                    "restrictions": None,
                    "unverifiable": ["ips", "ips"],
                }
            },
        },
    ],
    ids=["bool-version", "ok-without-restrictions", "empty-error", "long-prefix", "repeated"],
)
def test_what_jsonschema_refuses_the_compiled_checker_refuses(document: dict[str, Any]) -> None:
    assert not fast_accepts(document)
    assert list(schema_check.schema_problems(document, STATE_SCHEMA))


def test_a_valid_state_is_confirmed_without_jsonschema(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_jsonschema(_name: str) -> None:
        raise AssertionError("jsonschema was asked about a valid state")

    monkeypatch.setattr(schema_check, "_validator", no_jsonschema)
    assert list(schema_check.schema_problems(SPEC_EXAMPLE, STATE_SCHEMA)) == []


def test_the_shipped_checker_is_used_while_it_matches_the_schema_file() -> None:
    assert schema_check.schema_digest(STATE_SCHEMA) == state_schema_fast.SCHEMA_SHA256
    assert schema_check.fast_check(STATE_SCHEMA) is state_schema_fast.validate


def test_a_stale_checker_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """The schema file edited and the module not regenerated: jsonschema alone decides."""
    asked: list[Any] = []
    monkeypatch.setattr(state_schema_fast, "SCHEMA_SHA256", "0" * 64)
    monkeypatch.setattr(state_schema_fast, "validate", asked.append)
    assert schema_check.fast_check(STATE_SCHEMA) is None
    assert list(schema_check.schema_problems(SPEC_EXAMPLE, STATE_SCHEMA)) == []
    broken = {**SPEC_EXAMPLE, "version": 0}
    assert list(schema_check.schema_problems(broken, STATE_SCHEMA)) == ["$.version: 1 was expected"]
    assert asked == []


@pytest.mark.parametrize(
    "crash",
    [
        TypeError("unhashable type: 'dict'"),
        RecursionError("maximum recursion depth exceeded"),
        KeyError("status"),
        ValueError("what no schema foresaw"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_whatever_the_compiled_checker_raises_jsonschema_decides(
    monkeypatch: pytest.MonkeyPatch, crash: Exception
) -> None:
    def crashing(_document: Any) -> None:
        raise crash

    monkeypatch.setattr(schema_check, "fast_check", lambda _name: crashing)
    assert list(schema_check.schema_problems(SPEC_EXAMPLE, STATE_SCHEMA)) == []
    broken = {**SPEC_EXAMPLE, "keys": {"x": {"status": "error"}}}
    problems = list(schema_check.schema_problems(broken, STATE_SCHEMA))
    assert problems == list(schema_check.jsonschema_problems(broken, STATE_SCHEMA))
    assert problems == ["$.keys.x: 'error' is a required property"]


def test_the_plan_schema_is_checked_by_jsonschema_alone() -> None:
    assert schema_check.fast_check("plan.schema.json") is None
