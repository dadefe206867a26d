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
from keylint.reporters.json import as_dict
from tests.conftest import EXAMPLES
from tests.unit.helpers import NOW


def _report(paths: list[str]) -> dict[str, Any]:
    result = engine.validate(paths, now=NOW, fail_on=None)
    return as_dict(result)


def test_process_pool_and_fast_schema_change_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for copy in range(70):
        folder = tmp_path / f"team{copy:02}"
        shutil.copytree(EXAMPLES, folder)
    monkeypatch.setattr(engine, "PARALLEL_MIN_FILES", 10**9)
    monkeypatch.setattr(engine, "FAST_PATH_MIN_FILES", 10**9)
    plain = _report([str(tmp_path)])
    monkeypatch.setattr(engine, "PARALLEL_MIN_FILES", 1)
    monkeypatch.setattr(engine, "FAST_PATH_MIN_FILES", 1)
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

    full = list(schema.schema_problems(document))
    try:
        schema.fast_policy_check()(document)
        fast_valid = True
    except fastjsonschema.JsonSchemaValueException:
        fast_valid = False
    assert fast_valid == (full == []), full


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_fast_and_full_schema_agree_on_examples(path: Path) -> None:
    from keylint.policy.loader import load_policy_file

    slow = load_policy_file(path, fast_schema=False)
    fast = load_policy_file(path, fast_schema=True)
    assert slow.findings == fast.findings
