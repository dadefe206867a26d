from __future__ import annotations

import contextlib
import json
import os
import secrets
import string
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keylint.binance.state import LiveState, StateFileError, read_state, redact, write_state
from keylint.errors import KeylintError

# A full-length API key made at run time (no full key sits in a test file), with the prefix
# SPEC_EXAMPLE's entry shows.
FULL_KEY = "k5V49ldt" + "".join(
    secrets.choice(string.ascii_letters + string.digits) for _ in range(56)
)

SPEC_EXAMPLE = {
    "version": 1,
    "fetched_at": "2026-11-24T09:00:00Z",
    "keys": {
        "market-maker": {
            "status": "ok",
            "restrictions": {
                "ipRestrict": True,
                "createTime": 1698645219000,
                "enableReading": True,
            },
            "listing": None,
            "ip_list": ["203.0.113.10"],
        },
        "old-bot": {"status": "not_found"},
        "broken": {"status": "error", "error": "timeout after 3 attempts"},
    },
    "sub_accounts": {
        "mm@example.com": [
            {
                "apiName": "mm-bot-eu",
                "apikey": "k5V49ldt…",
                "canTrade": True,
                "canMarginLoanRepay": False,
                "canFuturesTrade": False,
                "canUniversalTransfer": False,
                "canVanillaOptions": False,
                "timestamp": 1698645219000,
            }
        ]
    },
}


def test_spec_example_is_read(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text(json.dumps(SPEC_EXAMPLE))
    state = read_state(path)
    assert state.fetched_at == datetime(2026, 11, 24, 9, tzinfo=UTC)
    assert state.keys["broken"]["error"] == "timeout after 3 attempts"
    assert state.sub_accounts["mm@example.com"][0]["apiName"] == "mm-bot-eu"


def test_round_trip_redacts_full_api_keys(tmp_path: Path) -> None:
    state = LiveState(
        fetched_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        keys={
            "a": {
                "status": "ok",
                "restrictions": None,
                "ip_list": None,
                "listing": {"apiName": "a", "apikey": FULL_KEY},
                "ip_restriction": {"ipRestrict": "true", "ipList": [], "apiKey": FULL_KEY},
            }
        },
        sub_accounts={"s@x": [{"apiName": "a", "apikey": FULL_KEY}]},
    )
    path = tmp_path / "out" / "state.json"
    path.parent.mkdir()
    write_state(path, state)
    text = path.read_text()
    assert FULL_KEY not in text and "k5V49ldt…" in text
    again = read_state(path)
    assert again.to_json() == state.to_json()
    assert json.loads(text)["fetched_at"] == "2026-01-02T03:04:05Z"
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]  # no temp file left


def test_write_is_atomic_when_it_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "state.json"
    path.write_text(json.dumps(SPEC_EXAMPLE))

    def boom(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    # The one output writer's error: exit 2, one line naming the file.
    with pytest.raises(KeylintError, match=r"state\.json: No space left"):
        write_state(path, LiveState(fetched_at=datetime.now(UTC)))
    assert json.loads(path.read_text()) == SPEC_EXAMPLE  # the old file is intact
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("{", "state.json:1:2: not valid JSON"),
        ("[]", "state.json: $: "),
        (json.dumps({**SPEC_EXAMPLE, "version": 0}), "$.version"),
        (json.dumps({**SPEC_EXAMPLE, "version": 2}), "state.json: written by a newer keylint"),
        (json.dumps({**SPEC_EXAMPLE, "fetched_at": "yesterday"}), "$.fetched_at"),
        (json.dumps({**SPEC_EXAMPLE, "keys": {"x": {"status": "error"}}}), "$.keys.x"),
        (
            json.dumps(
                {
                    **SPEC_EXAMPLE,
                    "keys": {
                        "x": {
                            "status": "ok",
                            "listing": None,
                            "ip_list": None,
                            "restrictions": {"enableReading": "yes"},
                        }
                    },
                }
            ),
            "$.keys.x.restrictions",
        ),
        (
            json.dumps({**SPEC_EXAMPLE, "sub_accounts": {"m@x": [{"apikey": FULL_KEY}]}}),
            '$.sub_accounts["m@x"][0].apikey',
        ),
    ],
)
def test_broken_files_name_file_and_json_path(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "state.json"
    path.write_text(text)
    with pytest.raises(StateFileError) as info:
        read_state(path)
    assert where in str(info.value)
    assert FULL_KEY not in str(info.value)


def test_missing_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(StateFileError, match="cannot be read"):
        read_state(tmp_path / "nope.json")
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(StateFileError, match="UTF-8"):
        read_state(tmp_path / "bin.json")
    with pytest.raises(StateFileError):
        read_state(tmp_path)  # a directory


@settings(max_examples=150, deadline=None)
@given(
    st.binary(max_size=300)
    | st.text(max_size=300).map(str.encode)
    | st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=10),
        lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c, max_size=4),
        max_leaves=20,
    ).map(lambda v: json.dumps(v).encode())
)
def test_reading_never_raises_anything_but_state_file_error(
    tmp_path_factory: pytest.TempPathFactory, raw: bytes
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "s.json"
    path.write_bytes(raw)
    with contextlib.suppress(StateFileError):
        read_state(path)


def test_deeply_nested_json_is_a_state_file_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100000 + "]" * 100000)
    with pytest.raises(StateFileError):
        read_state(path)


def test_redact_reaches_every_nesting_level() -> None:
    assert redact({"a": [{"b": {"apiKey": FULL_KEY, "x": FULL_KEY}}]}) == {
        "a": [{"b": {"apiKey": "k5V49ldt…", "x": FULL_KEY}}]
    }


def test_a_state_file_holds_no_raw_hidden_character_or_workflow_command(tmp_path: Path) -> None:
    """Labels, whitelist entries and Binance's error text are data: written escaped, read back
    the same, so `cat state.json` in a CI log is inert too."""
    hostile = "bot\u2028::error::x\u202e##[warning]y\x7f"
    state = LiveState(
        fetched_at=datetime(2026, 11, 24, 9, tzinfo=UTC),
        keys={"bot": {"status": "error", "error": hostile}},
    )
    path = tmp_path / "state.json"
    write_state(path, state)
    text = path.read_text()
    assert all(c not in text for c in ("\u2028", "\u202e", "\x7f")) and "##[" not in text
    assert read_state(path).keys["bot"]["error"] == hostile
