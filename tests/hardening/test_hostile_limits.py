"""Hostile input at sizes the acceptance corpus does not reach: 30 MB, 20,000 levels of
nesting, a state file nested past the recursion limit, and 50,000 keys of live state."""

from __future__ import annotations

import json
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from keylint.policy.loader import load_policy_file
from tests.conftest import Keylint

GOOD = (
    "version: 1\nkeys:\n  - name: good\n    permissions: [reading]\n    ips: [10.0.0.1]\n"
    "    max_age: 30d\n    api_key_env: GOOD_API_KEY\n    secret_env: GOOD_SECRET\n"
)
FETCHED = "2026-11-24T08:00:00Z"
NOW = "2026-11-24T09:00:00Z"
LEVELS = 20_000
CREATED = int((datetime(2026, 11, 24, 9, tzinfo=UTC) - timedelta(days=3)).timestamp() * 1000)


def kl001(report: dict[str, object], name: str) -> list[dict[str, object]]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return [f for f in findings if f["file"].endswith(name) and f["rule"] == "KL001"]


def test_30_megabyte_policy_is_refused_quickly_without_reading_it_whole(tmp_path: Path) -> None:
    huge = tmp_path / "huge.yaml"
    with huge.open("wb") as handle:
        handle.write(b"version: 1\nkeys:\n")
        chunk = b"  - {name: k, permissions: [reading]}  # " + b"x" * 1000 + b"\n"
        while handle.tell() < 30 * 1024 * 1024:
            handle.write(chunk)
    tracemalloc.start()
    try:
        started = time.monotonic()
        policy = load_policy_file(huge)
        elapsed = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [f.rule for f in policy.findings] == ["KL001"]
    assert "limit" in policy.findings[0].message
    assert elapsed < 5.0
    # The 2 MiB head it reads, decoded, is fine; a copy of the 30 MB file is not.
    assert peak < 12 * 1024 * 1024, f"peak traced allocation {peak:,} bytes"


def test_30_megabyte_policy_through_the_cli(keylint: Keylint, tmp_path: Path) -> None:
    (tmp_path / "a-huge.yaml").write_bytes(b"version: 1\n#" + b"x" * (30 * 1024 * 1024) + b"\n")
    (tmp_path / "z-good.yaml").write_text(GOOD)
    started = time.monotonic()
    run = keylint("validate", str(tmp_path), "--format", "json")
    assert time.monotonic() - started < 10.0
    report = json.loads(run.stdout)
    assert len(kl001(report, "a-huge.yaml")) == 1
    assert [k["name"] for k in report["keys"]] == ["good"]
    assert run.exit_code == 1


NESTED = [
    ("flow-sequence", b"version: 1\nkeys: " + b"[" * LEVELS + b"]" * LEVELS + b"\n"),
    ("flow-mapping", b"version: 1\nkeys: " + b"{a: " * LEVELS + b"1" + b"}" * LEVELS + b"\n"),
    ("flow-unclosed", b"version: 1\nkeys: " + b"[" * LEVELS + b"\n"),
    # Compact block sequences nest one level per "- " on a single line: 20,000 in 40 KB.
    ("block-sequence", b"version: 1\nkeys:\n" + b"- " * LEVELS + b"x\n"),
    ("block-mapping", b"version: 1\nkeys:\n  - " + b"a: " * LEVELS + b"x\n"),
    (
        # Indented block mappings grow quadratically: as deep as fits under the 2 MiB limit.
        "block-indented",
        b"version: 1\nx-deep:\n"
        + b"".join(b" " * i + b"k:\n" for i in range(1, 1400))
        + b"keys: []\n",
    ),
]


@pytest.mark.parametrize("content", [n[1] for n in NESTED], ids=[n[0] for n in NESTED])
def test_20000_levels_of_nesting_is_a_finding(
    keylint: Keylint, tmp_path: Path, content: bytes
) -> None:
    (tmp_path / "a-deep.yaml").write_bytes(content)
    (tmp_path / "z-good.yaml").write_text(GOOD)
    run = keylint("validate", str(tmp_path), "--format", "json")
    assert "Traceback" not in run.stdout + run.stderr
    assert "RecursionError" not in run.stdout + run.stderr
    report = json.loads(run.stdout)
    findings = [f for f in report["findings"] if f["file"].endswith("a-deep.yaml")]
    assert findings, "the deep file produced no finding"
    assert findings[0]["rule"] == "KL001", findings[0]
    assert [k["name"] for k in report["keys"]] == ["good"]


def state_text(keys: str) -> str:
    return f'{{"version": 1, "fetched_at": "{FETCHED}", "keys": {keys}, "sub_accounts": {{}}}}'


DEEP_STATES = [
    ("json-parser", state_text('{"good": ' + "[" * 100_000 + "]" * 100_000 + "}")),
    (
        # Parses (under the json module's limit) but nests past what the schema walk allows.
        "schema-walk",
        state_text(
            '{"good": {"status": "ok", "listing": null, "ip_list": null, "restrictions": '
            '{"x": ' + "[" * 950 + "]" * 950 + "}}}"
        ),
    ),
    ("unclosed", state_text('{"good": ' + '{"a": ' * 100_000)),
]


@pytest.mark.parametrize("text", [d[1] for d in DEEP_STATES], ids=[d[0] for d in DEEP_STATES])
def test_deeply_nested_state_file_is_a_usage_error(
    keylint: Keylint, tmp_path: Path, text: str
) -> None:
    from keylint.binance.state import StateFileError, read_state

    state = tmp_path / "state.json"
    state.write_text(text)
    with pytest.raises(StateFileError):
        read_state(state)
    policy = tmp_path / "p.yaml"
    policy.write_text(GOOD)
    run = keylint("check", str(policy), "--state", str(state), "--now", NOW)
    assert run.exit_code == 2
    assert "Traceback" not in run.stderr and "RecursionError" not in run.stderr
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("keylint: error:")


@pytest.mark.parametrize(
    "count", [5_000, pytest.param(50_000, marks=pytest.mark.slow)], ids=["5000", "50000"]
)
def test_state_file_with_many_keys(keylint: Keylint, tmp_path: Path, count: int) -> None:
    """A huge state file is read whole and every undeclared listing row still reported; the
    50,000-key run (about 30 s) is a soak test behind the `slow` marker."""
    entry = {
        "status": "ok",
        "restrictions": {"ipRestrict": True, "enableReading": True, "createTime": CREATED},
        "listing": None,
        "ip_list": ["10.0.0.1"],
        "unverifiable": [],
    }
    keys = {f"key-{n:05}": entry for n in range(count)}
    keys["good"] = entry
    listed = count // 25  # 2,000 listed keys beside 50,000 state entries in the soak run
    rows = [{"apiName": f"row-{n}", "apikey": f"{n:08}…"} for n in range(listed)]
    document = {"version": 1, "fetched_at": FETCHED, "keys": keys, "sub_accounts": {}}
    document["sub_accounts"] = {"mm@example.com": rows}
    state = tmp_path / "state.json"
    state.write_text(json.dumps(document))
    policy = tmp_path / "p.yaml"
    policy.write_text(
        GOOD + "  - name: sub\n    sub_account: mm@example.com\n    api_name: row-1\n"
        "    permissions: [reading]\n    ips: [10.0.0.1]\n    max_age: 30d\n"
    )
    run = keylint("check", str(policy), "--state", str(state), "--now", NOW, "--format", "json")
    assert run.stderr == ""
    report = json.loads(run.stdout)
    statuses = {k["name"]: k["status"] for k in report["keys"]}
    assert statuses == {"good": "ok", "sub": "unchecked"}
    undeclared = [f for f in report["findings"] if f["rule"] == "KL307"]
    assert len(undeclared) == listed - 1
