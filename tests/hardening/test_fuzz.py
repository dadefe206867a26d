"""Fuzzing the readers of untrusted input: state files, Binance answers, state entries.

Each property runs in a fast profile in the default suite and a long one under `-m slow`.
The contract under test: a typed error (`StateFileError`, `BinanceError`) or a result,
never an unhandled exception.
"""

from __future__ import annotations

import contextlib
import json
import math
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from keylint.binance import protocol
from keylint.binance.errors import BinanceError
from keylint.binance.state import LiveState, StateFileError, read_state
from keylint.engine import check
from keylint.livekey import LiveKey, live_key
from keylint.policy.load import load

FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
# Field names the readers look at, so that fuzzed objects reach past the first isinstance.
NAMES = [
    "version", "fetched_at", "keys", "sub_accounts", "status", "error", "reason",
    "restrictions", "listing", "ip_list", "ip_restriction", "unverifiable", "notes",
    "ipRestrict", "ipList", "createTime", "tradingAuthorityExpirationTime", "enableReading",
    "enableWithdrawals", "enableFutures", "enableSomethingNew", "permitsUniversalTransfer",
    "canTrade", "apiName", "apikey", "apiKey", "rows", "list", "total", "serverTime",
    "subAccounts", "code", "msg", "updateTime",
]  # fmt: skip
names = st.sampled_from(NAMES) | st.text(max_size=12)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(names, children, max_size=6),
    max_leaves=30,
)
statuses = st.sampled_from(["ok", "not_found", "error"]) | json_values
entries = st.fixed_dictionaries(
    {"status": statuses},
    optional={
        "restrictions": json_values,
        "listing": json_values,
        "ip_list": json_values,
        "ip_restriction": json_values,
        "unverifiable": json_values,
        "error": json_values,
        "reason": json_values,
        "notes": json_values,
    },
)
# Pattern-valid but often impossible times ("2026-13-45T99:61:00Z") reach parse_time.
times = st.from_regex(r"\A\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})\Z")
state_documents = st.fixed_dictionaries(
    {
        "version": st.just(1) | json_values,
        "fetched_at": times | json_values,
        "keys": st.dictionaries(st.text(max_size=10), entries | json_values, max_size=4),
        "sub_accounts": st.dictionaries(
            st.text(max_size=10), st.lists(json_values, max_size=3) | json_values, max_size=3
        ),
    }
)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def read_state_only_raises_state_file_error(folder: Path, content: bytes) -> None:
    path = folder / f"{uuid.uuid4().hex}.json"
    path.write_bytes(content)
    try:
        state = read_state(path)
    except StateFileError:
        return
    finally:
        path.unlink()
    assert isinstance(state, LiveState)


def dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


# --- (a) read_state ---------------------------------------------------------------------------


@FAST
@given(value=json_values | state_documents)
def test_state_reader_on_any_json(scratch: Path, value: Any) -> None:
    read_state_only_raises_state_file_error(scratch, dumps(value))


@FAST
@given(content=st.binary(max_size=300))
def test_state_reader_on_any_bytes(scratch: Path, content: bytes) -> None:
    read_state_only_raises_state_file_error(scratch, content)


@pytest.mark.slow
@SLOW
@given(value=json_values | state_documents, content=st.binary(max_size=2000))
def test_state_reader_long(scratch: Path, value: Any, content: bytes) -> None:
    read_state_only_raises_state_file_error(scratch, dumps(value))
    read_state_only_raises_state_file_error(scratch, content)


# --- (b) the Binance answer parsers -------------------------------------------------------------

header_names = st.sampled_from(
    ["Content-Type", "content-type", "Retry-After", "x-sapi-used-ip-weight-1m",
     "X-SAPI-USED-UID-WEIGHT-1M", "x-mbx-used-weight-1m"]
) | st.text(max_size=10)  # fmt: skip
header_values = (
    st.sampled_from(["application/json", "application/json; charset=utf-8", "text/html", ""])
    | st.integers().map(str)
    | st.floats().map(str)
    | st.text(max_size=30)
)
headers = st.dictionaries(header_names, header_values, max_size=5)
http_statuses = st.sampled_from([200, 400, 401, 403, 404, 418, 429, 500, 502, 503]) | st.integers(
    min_value=-1000, max_value=1000
)
bodies = (
    st.binary(max_size=200)
    | json_values.map(dumps)
    | st.builds(
        lambda code, msg: dumps({"code": code, "msg": msg}),
        st.integers() | json_values,
        json_values,
    )
)
PARSERS = [
    protocol.parse_server_time,
    protocol.parse_restrictions,
    protocol.parse_sub_account_api,
    protocol.parse_ip_restriction,
    protocol.parse_sub_account_list,
]


def parsers_only_raise_binance_errors(
    status: int, head: dict[str, str], body: bytes, data: Any
) -> None:
    try:
        decoded = protocol.parse_response(status, head, body)
    except BinanceError as exc:
        assert isinstance(exc.reason, str) and exc.reason
    else:
        assert status < 400
        data = decoded  # also feed what a real answer decoded to
    error = protocol.error_for_response(status, head, body)
    assert isinstance(error, BinanceError)
    weights = protocol.read_weights(head)
    assert all(v is None or isinstance(v, int) for v in vars(weights).values())
    wait = protocol.retry_after(head)
    assert wait is None or (math.isfinite(wait) and wait >= 0)
    for parse in PARSERS:
        with contextlib.suppress(BinanceError):
            parse(data)
    if isinstance(data, dict):
        assert isinstance(protocol.row_api_key(data), str)


@FAST
@given(status=http_statuses, head=headers, body=bodies, data=json_values)
def test_answer_parsers_raise_only_typed_errors(
    status: int, head: dict[str, str], body: bytes, data: Any
) -> None:
    parsers_only_raise_binance_errors(status, head, body, data)


@pytest.mark.slow
@SLOW
@given(status=http_statuses, head=headers, body=bodies, data=json_values)
def test_answer_parsers_long(status: int, head: dict[str, str], body: bytes, data: Any) -> None:
    parsers_only_raise_binance_errors(status, head, body, data)


@pytest.mark.parametrize("status", [200, 400, 500])
@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"a":' * 100_000])
def test_deeply_nested_answer_is_a_typed_error(status: int, body: bytes) -> None:
    """A hostile --base-url answering 100,000 open brackets: hypothesis rarely gets there."""
    with pytest.raises(BinanceError):
        protocol.parse_response(status, {"Content-Type": "application/json"}, body)
    assert isinstance(protocol.error_for_response(500, {}, body), BinanceError)


# --- (c) live_key -------------------------------------------------------------------------------


@FAST
@given(entry=entries | st.dictionaries(names, json_values, max_size=8))
@example(entry={"status": "ok", "restrictions": True, "ip_list": 3, "unverifiable": 1})
def test_live_key_never_raises(entry: dict[str, Any]) -> None:
    assert isinstance(live_key(entry), LiveKey)


@pytest.mark.slow
@SLOW
@given(entry=entries | st.dictionaries(names, json_values, max_size=8))
def test_live_key_long(entry: dict[str, Any]) -> None:
    assert isinstance(live_key(entry), LiveKey)


# --- (d) engine.check on a fuzzed state ---------------------------------------------------------

POLICY = """\
version: 1
defaults: {max_age: 90d, rotate_warning: 14d}
keys:
  - name: alpha
    sub_account: mm@example.com
    api_name: alpha
    api_key_env: ALPHA_API_KEY
    secret_env: ALPHA_SECRET
    permissions: [reading, spot_and_margin_trading]
    ips: [127.0.0.1, 203.0.113.0/28, "2001:db8::1"]
  - name: bravo
    api_key_env: BRAVO_API_KEY
    private_key_env: BRAVO_PEM
    permissions: [reading, futures]
    ips: [198.51.100.7]
    waivers:
      - {rule: KL201, reason: fuzz, expires: 2030-01-01}
  - name: charlie
    status: retired
    api_key_env: CHARLIE_API_KEY
    secret_env: CHARLIE_SECRET
    permissions: []
"""
NAMES_IN_POLICY = ("alpha", "bravo", "charlie")
NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)


@pytest.fixture(scope="module")
def policy(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("policy") / "fleet.yaml"
    path.write_text(POLICY)
    return str(path)


fleet_keys = st.dictionaries(
    st.sampled_from([*NAMES_IN_POLICY, "stranger"]), entries | json_values, max_size=4
)
fleet_subs = st.dictionaries(
    st.sampled_from(["mm@example.com", "other@example.com"]),
    st.lists(st.dictionaries(names, json_values, max_size=6), max_size=3) | json_values,
    max_size=2,
)


def check_gives_every_key_a_status(policy: str, keys: Any, subs: Any) -> None:
    result = check(load([policy]), live=LiveState(NOW, keys, subs), now=NOW, fail_on=None)
    (report,) = result.files
    statuses = {k.name: k.status for k in report.keys}
    assert set(statuses) == set(NAMES_IN_POLICY), statuses
    assert set(statuses.values()) <= {"ok", "drift", "unchecked"}, statuses
    assert isinstance(result.exit_code, int)


@FAST
@given(keys=fleet_keys, subs=fleet_subs)
@example(keys={"alpha": {"status": "ok", "listing": {"apiName": [None]}}}, subs={})
@example(keys={"alpha": []}, subs={"mm@example.com": [None]})
def test_check_on_fuzzed_state_gives_every_key_a_status(policy: str, keys: Any, subs: Any) -> None:
    check_gives_every_key_a_status(policy, keys, subs)


@pytest.mark.slow
@SLOW
@given(keys=fleet_keys, subs=fleet_subs)
def test_check_on_fuzzed_state_long(policy: str, keys: Any, subs: Any) -> None:
    check_gives_every_key_a_status(policy, keys, subs)
