"""The official Binance SDKs against the emulator: if they can talk to it, it speaks Binance.

`binance-sdk-wallet` and `binance-sdk-sub-account` come with the `test` extra (so CI runs this
module); where they are missing the module skips.

The clients get the emulator's URL as `base_path`, sign with keys generated at test time (HMAC,
Ed25519, RSA) and parse the answers with their own strict pydantic models. Every socket they
open is checked to go to loopback only.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from keylint.testing.emulator import (
    PATH_RESTRICTIONS,
    PATH_SUB_API,
    PATH_SUB_API_IP,
    ClientSecret,
    EmuKey,
    Emulator,
    random_api_key,
)
from tests.emuhelpers import Fleet

wallet_sdk = pytest.importorskip("binance_sdk_wallet")
sub_account_sdk = pytest.importorskip("binance_sdk_sub_account")
sdk_config = pytest.importorskip("binance_common.configuration")

SIGNINGS = ["hmac", "ed25519", "rsa"]

# Every flag GET /sapi/v1/account/apiRestrictions answers (SDK GetApiKeyPermissionResponse).
RESTRICTION_FLAGS = {
    "enableReading": "enable_reading",
    "enableWithdrawals": "enable_withdrawals",
    "enableInternalTransfer": "enable_internal_transfer",
    "enableMargin": "enable_margin",
    "enableFutures": "enable_futures",
    "permitsUniversalTransfer": "permits_universal_transfer",
    "enableVanillaOptions": "enable_vanilla_options",
    "enableFixApiTrade": "enable_fix_api_trade",
    "enableFixReadOnly": "enable_fix_read_only",
    "enableSpotAndMarginTrading": "enable_spot_and_margin_trading",
    "enablePortfolioMarginTrading": "enable_portfolio_margin_trading",
}
# Listing field (SDK QuerySubAccountApiKeyResponseRowsInner) ← the key's permission it shows.
LISTING_FLAGS = {
    "can_trade": "enableSpotAndMarginTrading",
    "can_margin_loan_repay": "enableMargin",
    "can_futures_trade": "enableFutures",
    "can_universal_transfer": "permitsUniversalTransfer",
    "can_vanilla_options": "enableVanillaOptions",
}
# A mix of on and off, so a flag read from the wrong field shows.
PERMS = {
    "enableReading": True,
    "enableSpotAndMarginTrading": True,
    "enableFutures": True,
    "enableFixReadOnly": True,
    "enableWithdrawals": False,
}
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}
# `+` and `@` must survive the SDK's percent-encoding of the signed query.
SUB_EMAIL = "mm+desk@example.com"


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Refuse (and report) any name lookup or connection the SDK makes beyond 127.0.0.1."""
    attempts: list[str] = []
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in _LOOPBACK:
            attempts.append(f"getaddrinfo({host!r})")
            raise socket.gaierror(socket.EAI_NONAME, "blocked by the test: not loopback")
        return real_getaddrinfo(host, *args, **kwargs)

    def connect(self: socket.socket, address: Any) -> None:
        if isinstance(address, tuple) and address[0] not in _LOOPBACK:
            attempts.append(f"connect({address!r})")
            raise OSError("blocked by the test: not loopback")
        real_connect(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    yield
    assert attempts == [], f"the SDK tried to leave the loopback: {attempts}"


@pytest.fixture(autouse=True)
def no_sdk_warnings(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """The SDK logs a warning, then relaxes its model or returns raw JSON, when an answer does
    not fit the model's strict types: any such warning is an incompatibility."""
    yield
    records = caplog.get_records("call")  # `caplog.records` would be the teardown's
    warnings = [r.getMessage() for r in records if r.levelno >= logging.WARNING]
    assert warnings == []


def _config(base_url: str, secret: ClientSecret) -> Any:
    return sdk_config.ConfigurationRestAPI(
        api_key=secret.api_key,
        api_secret=secret.secret,  # HMAC; None for the others
        private_key=secret.private_pem,  # PEM text (or a path); the SDK tells RSA from Ed25519
        base_path=base_url,
        timeout=5000,  # ms
        retries=0,  # an error must show at once, not after backoff sleeps
    )


def _close(rest_api: Any) -> None:
    # Ends the keep-alive connection, so the emulator's handler thread ends with the test.
    session = getattr(rest_api, "_session", None)
    if session is not None:
        session.close()


def _read_restrictions(api: Any) -> Any:
    return api.get_api_key_permission()


def _list_sub_keys(api: Any) -> Any:
    return api.query_sub_account_api_key(email=SUB_EMAIL)


def _emu_key(fleet: Fleet, secret: ClientSecret) -> EmuKey:
    key = fleet.scenario.key(secret.api_key)
    assert key is not None
    return key


@pytest.mark.parametrize("signing", SIGNINGS)
def test_wallet_sdk_reads_a_keys_own_restrictions(fleet: Fleet, signing: str) -> None:
    secret = fleet.add(
        "bot",
        signing,
        permissions=PERMS,
        ip_restrict=True,
        ip_list=["127.0.0.1"],
        create_time=1712345678901,
    )
    key = _emu_key(fleet, secret)
    with Emulator(fleet.scenario) as emu:
        api = wallet_sdk.Wallet(config_rest_api=_config(emu.base_url, secret)).rest_api
        try:
            response = api.get_api_key_permission(recv_window=10000)
        finally:
            _close(api)
        requests = emu.requests
    data = response.data()
    assert response.status == 200
    assert type(data).__name__ == "GetApiKeyPermissionResponse"
    assert data.ip_restrict is True
    assert data.create_time == key.create_time
    for flag, attr in RESTRICTION_FLAGS.items():
        assert getattr(data, attr) is key.permissions.get(flag, False), flag
    assert data.additional_properties == {}
    assert [(r.path, r.status) for r in requests] == [(PATH_RESTRICTIONS, 200)]
    assert requests[0].params["recvWindow"] == "10000"
    assert requests[0].api_key == secret.api_key[:8] + "…"


@pytest.mark.parametrize("master_signing", SIGNINGS)
def test_sub_account_sdk_lists_keys_and_reads_an_ip_restriction(
    fleet: Fleet, master_signing: str
) -> None:
    fleet.sub(SUB_EMAIL)
    fleet.sub("other@example.com")
    fleet.add_master(master_signing)
    fenced = fleet.add(
        "mm-bot",
        "ed25519",
        owner=SUB_EMAIL,
        permissions=PERMS,
        ip_restrict=True,
        ip_list=["127.0.0.1", "203.0.113.10", "partner-3"],  # a third-party name (status 3)
        create_time=1700000000000,
    )
    open_key = fleet.add(
        "reader", "hmac", owner=SUB_EMAIL, permissions={"enableReading": True, "enableMargin": True}
    )
    fleet.add("elsewhere", "hmac", owner="other@example.com")
    keys = [_emu_key(fleet, fenced), _emu_key(fleet, open_key)]
    assert fleet.master is not None
    master = fleet.secrets["master"]

    with Emulator(fleet.scenario) as emu:
        api = sub_account_sdk.SubAccount(config_rest_api=_config(emu.base_url, master)).rest_api
        try:
            listing = api.query_sub_account_api_key(email=SUB_EMAIL).data()
            second_page = api.query_sub_account_api_key(email=SUB_EMAIL, page=2, size=1).data()
            exact = api.query_sub_account_api_key(
                email=SUB_EMAIL, sub_account_api_key=open_key.api_key
            ).data()
            fenced_ips = api.get_ip_restriction_for_a_sub_account_api_key(
                email=SUB_EMAIL, sub_account_api_key=fenced.api_key
            ).data()
            open_ips = api.get_ip_restriction_for_a_sub_account_api_key(
                email=SUB_EMAIL, sub_account_api_key=open_key.api_key
            ).data()
        finally:
            _close(api)
        requests = emu.requests

    assert type(listing).__name__ == "QuerySubAccountApiKeyResponse"
    assert listing.total == 2 and listing.additional_properties == {}
    assert listing.rows is not None
    assert [row.apikey for row in listing.rows] == [k.api_key for k in keys]
    for row, key in zip(listing.rows, keys, strict=True):
        assert row.email == SUB_EMAIL
        assert row.api_name == key.label
        assert row.timestamp == key.create_time
        for attr, flag in LISTING_FLAGS.items():
            assert getattr(row, attr) is key.permissions.get(flag, False), attr
        assert row.additional_properties == {}
    assert second_page.total == 2
    assert [row.apikey for row in second_page.rows] == [open_key.api_key]
    assert exact.total == 1 and [row.apikey for row in exact.rows] == [open_key.api_key]

    assert type(fenced_ips).__name__ == "GetIpRestrictionForASubAccountApiKeyResponse"
    assert fenced_ips.ip_restrict == "true"  # a string on this endpoint, as on Binance
    assert fenced_ips.ip_list == keys[0].ip_list
    assert fenced_ips.api_key == fenced.api_key
    assert fenced_ips.update_time == keys[0].create_time
    assert fenced_ips.additional_properties == {}
    assert (open_ips.ip_restrict, open_ips.ip_list) == ("false", [])

    assert [(r.path, r.status) for r in requests] == [(PATH_SUB_API, 200)] * 3 + [
        (PATH_SUB_API_IP, 200)
    ] * 2
    assert {r.params["email"] for r in requests} == {SUB_EMAIL}
    assert {r.api_key for r in requests} == {master.api_key[:8] + "…"}


def test_sdk_maps_the_emulators_error_bodies(fleet: Fleet) -> None:
    """Binance's {"code", "msg"} error bodies reach the SDK's typed errors intact."""
    fleet.sub(SUB_EMAIL)
    master = fleet.add_master("hmac")
    bot = fleet.add("bot", "ed25519")
    forged = ClientSecret(master.api_key, "hmac", secret="x" * 64)
    stranger = ClientSecret(random_api_key(), "hmac", secret="y" * 64)
    cases = [
        (forged, wallet_sdk.Wallet, _read_restrictions, wallet_sdk.BadRequestError, -1022),
        (stranger, wallet_sdk.Wallet, _read_restrictions, wallet_sdk.UnauthorizedError, -2015),
        # A sub-account endpoint called by a key that is not the master's.
        (bot, sub_account_sdk.SubAccount, _list_sub_keys, sub_account_sdk.UnauthorizedError, -2015),
    ]
    with Emulator(fleet.scenario) as emu:
        for secret, client, call, error, code in cases:
            api = client(config_rest_api=_config(emu.base_url, secret)).rest_api
            try:
                with pytest.raises(error) as caught:
                    call(api)
            finally:
                _close(api)
            assert caught.value.status_code == code  # the SDK's name for Binance's `code`
            assert caught.value.error_message

        # A real rate limit (UID weight 3000 per call): 429, -1003 and Retry-After in seconds.
        emu.set_weight_limits(uid=3000, window=3600)  # no window edge between calls
        api = sub_account_sdk.SubAccount(config_rest_api=_config(emu.base_url, master)).rest_api
        try:
            api.query_sub_account_api_key(email=SUB_EMAIL)
            with pytest.raises(sub_account_sdk.TooManyRequestsError) as limited:
                api.query_sub_account_api_key(email=SUB_EMAIL)
        finally:
            _close(api)
    assert limited.value.status_code == -1003
    assert limited.value.retry_after is not None and limited.value.retry_after >= 1


def test_sub_account_sdk_creates_an_ed25519_key_that_signs(fleet: Fleet) -> None:
    fleet.sub(SUB_EMAIL)
    master = fleet.add_master("ed25519")
    _emu_key(fleet, master).permissions = {
        "enableReading": True,
        "enableSpotAndMarginTrading": True,
    }
    private_pem, public_pem = _ed25519_pair()
    with Emulator(fleet.scenario) as emu:
        api = sub_account_sdk.SubAccount(config_rest_api=_config(emu.base_url, master)).rest_api
        try:
            created = api.create_sub_account_api_key(
                email=SUB_EMAIL,
                api_name="mm-bot-202611240900",
                status=2,
                can_trade=True,
                ip_address="127.0.0.1",
                public_key=public_pem,
            ).data()
        finally:
            _close(api)
        made = ClientSecret(created.api_key, "ed25519", private_pem=private_pem)
        wallet = wallet_sdk.Wallet(config_rest_api=_config(emu.base_url, made)).rest_api
        try:
            own = wallet.get_api_key_permission().data()
        finally:
            _close(wallet)
    assert type(created).__name__ == "CreateSubAccountApiKeyResponse"
    assert created.additional_properties == {}
    assert (created.status, created.ip_list, created.secret_key) == (2, ["127.0.0.1"], None)
    assert created.can_trade is True and created.can_futures_trade is False
    assert own.ip_restrict is True and own.enable_spot_and_margin_trading is True
    listed = _emu_key(fleet, made)
    assert (listed.owner, listed.label) == (SUB_EMAIL, "mm-bot-202611240900")


def _ed25519_pair() -> tuple[str, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    private = ed25519.Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem
