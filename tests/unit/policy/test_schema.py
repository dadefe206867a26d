"""What the policy schema refuses that it once let through (issue 15: addresses, `0d`, rule
ids), said once and in keylint's own words; and the parts keylint leaves to its loader."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from keylint.policy import schema
from keylint.policy.loader import load_policy_file
from keylint.policy.yamlload import parse
from tests.conftest import REPO

FULL = json.loads((REPO / "schemas" / "policy.schema.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("field", "message"),
    [
        (
            "ips: [203.0.113.300]",
            "keys[0].ips[0]: '203.0.113.300' is not an IP address or CIDR range",
        ),
        (
            "ips: ['::ffff:203.0.113.10']",
            "keys[0].ips[0]: '::ffff:203.0.113.10' is an IPv4-mapped IPv6 address, which "
            "Binance never shows: write 203.0.113.10",
        ),
        (
            "ips: [198.51.100.7/28]",
            "keys[0].ips[0]: '198.51.100.7/28' has host bits set; the range is 198.51.100.0/28",
        ),
        ("max_age: 0d", "keys[0].max_age: '0d' must be longer than zero"),
        (
            "waivers: [{rule: KL999, reason: r, expires: 2027-01-31}]",
            "keys[0].waivers[0].rule: waiver names KL999, which is no keylint rule; "
            "`keylint rules` lists them",
        ),
        (
            "waivers: [{rule: KL004, reason: r, expires: 2027-01-31}]",
            "keys[0].waivers[0].rule: KL004 (secret-in-policy) cannot be waived: policy-file "
            "problems are fixed, not waived",
        ),
        (
            "permissions: [reading, enableReading]",
            "keys[0].permissions[1]: permission 'reading' is listed twice ('enableReading' is "
            "another name for it)",
        ),
    ],
    ids=["address", "ipv4-mapped", "host-bits", "zero", "no-rule", "file-rule", "alias"],
)
def test_the_schema_refuses_it_and_keylint_says_it_once(
    tmp_path: Path, field: str, message: str
) -> None:
    lines = ["version: 1", "keys:", "  - name: bot", f"    {field}"]
    if not field.startswith("permissions"):
        lines.insert(3, "    permissions: [reading]")
    policy = tmp_path / "p.yaml"
    policy.write_text("\n".join(lines) + "\n")
    # Editors and check-jsonschema refuse it now (as YAML reads it: dates stay text here)...
    assert not jsonschema.Draft202012Validator(FULL).is_valid(parse(policy.read_text()).data)
    # ...and keylint says it once, at the line, as its loader always said it.
    findings = load_policy_file(policy).findings
    assert [(f.line, f.rule, f.message) for f in findings] == [(len(lines), "KL002", message)]


def test_keylint_leaves_the_loaders_checks_out_of_its_schema_pass() -> None:
    """A check across a key's fields is the loader's to report (with the line it names);
    the schema mirrors it for editors only."""
    bare = schema.reportable(FULL)
    assert '"x-keylint-reports": [' in json.dumps(FULL)
    assert '"x-keylint-reports": [' not in json.dumps(bare)
    assert all(clause == {} for clause in bare["allOf"])  # the checks that read `defaults`
    no_permissions: dict[str, Any] = {"version": 1, "keys": [{"name": "bot"}]}
    assert not jsonschema.Draft202012Validator(FULL).is_valid(no_permissions)
    assert list(schema.schema_problems(no_permissions)) == []


def test_the_compiled_checker_reads_addresses_with_keylints_parser() -> None:
    """The address pattern is 7 kB of regular expression: the compiled checker, imported on
    every run, asks parse_network instead (the same answer, tested in test_loader_schema)."""
    source = (REPO / "keylint" / "policy" / "schema_fast.py").read_text(encoding="utf-8")
    assert schema.FAST_FORMATS["keylint-ip"]("203.0.113.10")
    assert not schema.FAST_FORMATS["keylint-ip"]("203.0.113.300")
    assert 'custom_formats["keylint-ip"]' in source
    assert max(len(line) for line in source.splitlines() if "re.compile" in line) < 1000
