"""The rotation library's pure decisions (keylint.rotation): labels, the create call, what
counts as verified, the pending record. The I/O sequence is tested against the emulator and a
real OpenBao in tests/integration/test_rotation_engine.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from keylint.binance.protocol import IpRestriction
from keylint.endpoints import PATH_SUB_API
from keylint.policy.model import in_label_family
from keylint.rotation import (
    Pending,
    RotationError,
    RotationTarget,
    create_call,
    differences,
    generate_key_pair,
    new_label,
    parse_pending,
    public_pem_of,
)
from keylint.store import StoredSecret

TARGET = RotationTarget(
    email="mm@example.com",
    api_name="mm-bot",
    path="secret/binance/mm",
    grace=timedelta(hours=24),
    ips=("203.0.113.10", "2001:db8::1"),
    can_trade=True,
    can_futures_trade=True,
)
ROW = {
    "apiName": "mm-bot-202611240900",
    "canTrade": True,
    "canMarginLoanRepay": False,
    "canFuturesTrade": True,
    "canUniversalTransfer": False,
    "canVanillaOptions": False,
}


def test_the_label_is_the_api_name_and_the_utc_minute() -> None:
    berlin = timezone(timedelta(hours=1))
    assert new_label("mm-bot", datetime(2026, 11, 24, 10, 5, 59, tzinfo=berlin)) == (
        "mm-bot-202611240905"
    )


@pytest.mark.parametrize(
    ("label", "family"),
    [
        ("mm-bot", True),
        ("mm-bot-202611240900", True),
        ("mm-bot-2026112409", False),
        ("mm-bot-eu", False),
        ("mm-bot-202611240900x", False),
        ("xmm-bot", False),
    ],
)
def test_the_label_family(label: str, family: bool) -> None:
    assert in_label_family(label, "mm-bot") is family


def test_the_create_call_carries_exactly_the_declared_restrictions() -> None:
    call = create_call(TARGET, "mm-bot-202611240900", "PUBLIC PEM")
    assert call.path == PATH_SUB_API and call.method == "POST" and call.writes
    assert dict(call.params) == {
        "email": "mm@example.com",
        "apiName": "mm-bot-202611240900",
        "status": "2",
        "canTrade": "true",
        "canMarginLoanRepay": "false",
        "canFuturesTrade": "true",
        "canUniversalTransfer": "false",
        "canVanillaOptions": "false",
        "ipAddress": "203.0.113.10,2001:db8::1",
        "publicKey": "PUBLIC PEM",
    }


def test_without_ips_the_key_is_created_unrestricted() -> None:
    bare = RotationTarget(email="e", api_name="a", path="p", grace=timedelta(0))
    params = dict(create_call(bare, "a-1", "PEM").params)
    assert params["status"] == "1" and "ipAddress" not in params
    assert not any(v == "true" for v in params.values())


def test_a_key_matching_the_target_verifies() -> None:
    restriction = IpRestriction(True, ["2001:0db8::0001", "203.0.113.10"], None)
    assert differences(TARGET, ROW, restriction) == []


@pytest.mark.parametrize(
    ("row", "restriction", "subject"),
    [
        (
            {**ROW, "canTrade": False},
            IpRestriction(True, ["203.0.113.10", "2001:db8::1"], None),
            "canTrade",
        ),
        (
            {**ROW, "canVanillaOptions": True},
            IpRestriction(True, ["203.0.113.10", "2001:db8::1"], None),
            "canVanillaOptions",
        ),
        (
            {k: v for k, v in ROW.items() if k != "canFuturesTrade"},
            IpRestriction(True, ["203.0.113.10", "2001:db8::1"], None),
            "canFuturesTrade",
        ),
        (ROW, IpRestriction(False, ["203.0.113.10", "2001:db8::1"], None), "ipRestrict"),
        (ROW, IpRestriction(True, ["203.0.113.10"], None), "IP whitelist"),
        (
            ROW,
            IpRestriction(True, ["203.0.113.10", "2001:db8::1", "198.51.100.1"], None),
            "IP whitelist",
        ),
    ],
)
def test_any_difference_fails_verification(
    row: dict[str, object], restriction: IpRestriction, subject: str
) -> None:
    found = differences(TARGET, row, restriction)
    assert len(found) == 1 and found[0].startswith(subject)


def test_an_unrestricted_target_wants_an_unrestricted_key() -> None:
    bare = RotationTarget(email="e", api_name="a", path="p", grace=timedelta(0))
    flags = dict.fromkeys(ROW, False)
    assert differences(bare, flags, IpRestriction(False, [], None)) == []
    assert differences(bare, flags, IpRestriction(True, ["203.0.113.1"], None))


def test_the_pending_record_round_trips_and_hides_its_key() -> None:
    private_pem, public_pem = generate_key_pair()
    assert private_pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert public_pem_of(private_pem) == public_pem
    pending = Pending(private_pem, "mm-bot-202611240900", "AbCd1234", "2026-11-24T09:00:00Z")
    assert parse_pending(StoredSecret(pending.data(), 1)) == pending
    assert private_pem.splitlines()[1] not in repr(pending)
    first = Pending(private_pem, "mm-bot-202611240900", None, "2026-11-24T09:00:00Z")
    assert "replaces" not in first.data() and parse_pending(StoredSecret(first.data(), 1)) == first


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"label": "x"},
        {"private_key": "-----BEGIN PRIVATE KEY-----\n"},
        {"private_key": "x", "label": "y"},
    ],
)
def test_a_pending_record_without_key_or_label_stops_for_a_person(data: dict[str, str]) -> None:
    with pytest.raises(RotationError):
        parse_pending(StoredSecret(data, 1))


def test_a_pending_key_that_is_not_ed25519_is_refused() -> None:
    with pytest.raises(RotationError) as caught:
        public_pem_of("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    assert "AAAA" not in str(caught.value)


def test_the_clock_must_be_timezone_aware() -> None:
    from keylint.rotation import _now

    with pytest.raises(ValueError):
        _now(datetime(2026, 11, 24, 9, 0))
    assert _now(datetime(2026, 11, 24, 9, 0, tzinfo=UTC)).tzinfo is UTC
