"""The engine's speed paths give exactly the answers of the plain path."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keylint import engine
from keylint.policy import schema
from keylint.reporters.json_report import as_dict
from tests.conftest import EXAMPLES
from tests.unit.helpers import NOW


def _report(paths: list[str]) -> dict[str, Any]:
    result = engine.validate(paths, now=NOW, fail_on=None)
    return as_dict(result)


def test_the_process_pool_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for copy in range(70):
        folder = tmp_path / f"team{copy:02}"
        shutil.copytree(EXAMPLES, folder)
    monkeypatch.setattr(engine, "PARALLEL_MIN_FILES", 10**9)
    plain = _report([str(tmp_path)])
    monkeypatch.setattr(engine, "PARALLEL_MIN_FILES", 1)
    fast = _report([str(tmp_path)])
    assert json.dumps(plain) == json.dumps(fast)
    # KL003 still sees across files: every copy after the first repeats every key name.
    assert sum(1 for f in fast["findings"] if f["rule"] == "KL003") > 69 * 5


field_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 3),
    st.sampled_from(
        [
            "reading",
            "withdrawl",
            "90d",
            "3 months",
            "P90D",
            "a",
            "A b",
            "203.0.113.1",
            "KL205",
            "2027-01-01",
            "2027-13-01",
            "active",
            "retired",
            "",
        ]
    ),
    st.lists(st.sampled_from(["reading", "enableFutures", "nope", "203.0.113.1"]), max_size=3),
)
key_fields = st.sampled_from(
    [
        "name",
        "permissions",
        "ips",
        "ip_restrict",
        "max_age",
        "status",
        "secret_env",
        "private_key_env",
        "waivers",
        "permisions",
        "owner",
    ]
)
documents = st.fixed_dictionaries(
    {"version": st.sampled_from([1, 1, 1, 2, "1"])},
    optional={
        "keys": st.lists(st.dictionaries(key_fields, field_values, max_size=6), max_size=3),
        "defaults": st.dictionaries(key_fields, field_values, max_size=3),
        "extra": st.integers(),
    },
)


@settings(max_examples=400, deadline=None)
@given(documents)
def test_fast_schema_check_never_passes_what_jsonschema_rejects(document: dict[str, Any]) -> None:
    import fastjsonschema

    full = list(schema.policy_validator().iter_errors(document))
    try:
        schema.fast_policy_check()(document)
        fast_valid = True
    except fastjsonschema.JsonSchemaValueException:
        fast_valid = False
    assert fast_valid == (full == []), full


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_fast_and_full_schema_agree_on_examples(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fastjsonschema

    from keylint.policy.loader import load_policy_file

    fast = load_policy_file(path)

    def never_sure(_document: object) -> None:
        raise fastjsonschema.JsonSchemaValueException("take the full path")

    # Every document walked by jsonschema, as before the compiled checker existed.
    monkeypatch.setattr(schema, "fast_policy_check", lambda: never_sure)
    slow = load_policy_file(path)
    assert slow.findings == fast.findings


def test_the_shipped_fast_checker_is_the_current_schema_compiled() -> None:
    """Edit schemas/policy.schema.json, and this fails until schema_fast.py is regenerated
    (keylint.policy.schema.write_fast_module); keylint itself compiles a stale one afresh."""
    from keylint.policy import schema_fast

    assert schema.schema_digest() == schema_fast.SCHEMA_SHA256
    assert schema.fast_policy_check() is schema_fast.validate


def test_a_stale_fast_checker_is_replaced_by_a_fresh_compile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from keylint.policy import schema_fast

    monkeypatch.setattr(schema_fast, "SCHEMA_SHA256", "0" * 64)
    schema.fast_policy_check.cache_clear()
    try:
        fresh = schema.fast_policy_check()
        assert fresh is not schema_fast.validate
        assert list(schema.schema_problems({"version": 1, "keys": []})) == []
        assert list(schema.schema_problems({"version": 2, "keys": []}))
    finally:
        schema.fast_policy_check.cache_clear()
