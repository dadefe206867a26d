"""The streamed JSON writer gives json.dumps(indent=2) byte for byte, however the arrays sit
(with hidden characters in their JSON escapes, SPEC §5: the same data)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keylint.inert import json_text
from keylint.reporters import SPOOL_BYTES, JsonArray, write_json

# Strings that have bitten JSON writers: line separators, quotes, escapes, surrogates.
texts = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "a\u2028b", "a\u2029b", 'q"uote', "back\\slash", "\n\r\t", "\ud800", "é"]),
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), texts)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(texts, inner, max_size=4)),
    max_leaves=20,
)


def _expected(document: Any) -> str:
    return json_text(json.dumps(document, indent=2, ensure_ascii=False))


def _streamed(document: Any, arrays: list[tuple[list[str | int], list[Any]]]) -> str:
    """Write `document` with each listed array (a path to it, its items) streamed."""
    out = io.StringIO()
    opened: list[JsonArray] = []
    try:
        for path, items in arrays:
            holder = document
            for step in path[:-1]:
                holder = holder[step]
            streamed = JsonArray(depth=len(path))
            opened.append(streamed)
            streamed.extend(items[:1])  # one item, then the rest at once
            streamed.extend([])
            streamed.extend(items[1:])
            holder[path[-1]] = streamed
        write_json(out, document)
    finally:
        for streamed in opened:
            streamed.__exit__(None, None, None)
    return out.getvalue()


def _check_streamed_arrays(head: dict[str, Any], first: list[Any], second: list[Any]) -> None:
    # The shape of the two reports: arrays at the top level (JSON) and nested (SARIF).
    document = {**head, "files": list(first), "runs": [{"tool": 1, "results": list(second)}]}
    expected = _expected(document)
    streamed = _streamed(
        {**head, "files": None, "runs": [{"tool": 1, "results": None}]},
        [(["files"], first), (["runs", 0, "results"], second)],
    )
    assert streamed == expected


documents = {
    "head": st.dictionaries(texts, values, max_size=4),
    "first": st.lists(values, max_size=5),
    "second": st.lists(values, max_size=5),
}


# Generating the nested values is nearly all the time (15 ms an example): 100 in the default
# suite, a long run under `-m slow`, as tests/hardening/test_fuzz.py does.
@settings(max_examples=100, deadline=None)
@given(**documents)
def test_streamed_arrays_match_json_dumps(
    head: dict[str, Any], first: list[Any], second: list[Any]
) -> None:
    _check_streamed_arrays(head, first, second)


@pytest.mark.slow
@settings(max_examples=3000, deadline=None)
@given(**documents)
def test_streamed_arrays_match_json_dumps_long(
    head: dict[str, Any], first: list[Any], second: list[Any]
) -> None:
    _check_streamed_arrays(head, first, second)


def test_an_array_larger_than_the_spool_goes_through_a_file() -> None:
    items = [{"name": f"key-{n}", "text": "x" * 100} for n in range(3 * SPOOL_BYTES // 100)]
    items[-1]["text"] = "\u2028 \ud800"  # after the spool moved to a file
    assert _streamed({"keys": None}, [(["keys"], items)]) == _expected({"keys": items})


def test_empty_arrays_are_written_as_json_dumps_writes_them() -> None:
    assert _streamed({"a": None, "b": 1}, [(["a"], [])]) == _expected({"a": [], "b": 1})
    assert _streamed({"a": None}, [(["a"], [[], {}])]) == _expected({"a": [[], {}]})
