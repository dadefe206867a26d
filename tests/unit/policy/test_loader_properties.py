"""Property tests: no input, however mangled, makes the loader raise."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keylint.policy.loader import load_policy_file

VALID = (
    "version: 1\ndefaults:\n  max_age: 90d\nkeys:\n  - name: a\n    permissions: [reading]\n"
    "    ips: [203.0.113.1, '2001:db8::/32']\n    waivers:\n      - {rule: KL205, reason: r, "
    "expires: 2027-01-01}\n"
)

yamlish = st.text(
    alphabet=st.sampled_from(list("ab:-[]{}&*!|>'\"#%@`,?\n\t .019Pdh/")), max_size=300
)


def _load(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.yaml"
        path.write_bytes(content)
        loaded = load_policy_file(path)
        for finding in loaded.findings:
            assert finding.line >= 1 and finding.column >= 1
            assert finding.rule.startswith("KL0")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(yamlish)
def test_yaml_ish_text_never_crashes(text: str) -> None:
    _load(text.encode())


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=len(VALID) - 1), st.text(max_size=20))
def test_a_valid_file_mutated_anywhere_never_crashes(position: int, insert: str) -> None:
    _load((VALID[:position] + insert + VALID[position:]).encode("utf-8", "surrogatepass"))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_never_crash(content: bytes) -> None:
    _load(content)


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=8), children, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_any_json_shaped_document_never_crashes(value: object) -> None:
    import json

    _load(json.dumps({"version": 1, "keys": [value], "defaults": value}).encode())
