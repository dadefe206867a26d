"""The emulator's create endpoint (V1 and V2) over real HTTP, signed by keylint's BinanceAuth:
a created key is listed and signs at once with exactly what was asked; every refusal leaves
the scenario as it was; faults and weight limits act on it as on the other writes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from test_emulator_writes import OTHER, SUB, TRADING, UID_HEADER, World, error, running

from keylint.binance.signing import BinanceAuth, Credentials, load_signer
from keylint.testing.emulator import (
    PATH_RESTRICTIONS,
    PATH_SUB_API,
    PATH_SUB_API_IP,
    PATH_SUB_API_V2,
    ClientSecret,
    EmuSubAccount,
    Fault,
)

CREATES = [PATH_SUB_API, PATH_SUB_API_V2]


@pytest.fixture
def world() -> Iterator[World]:
    with running() as started:
        yield started


def key_pair(kind: str = "ed25519") -> tuple[str, str]:
    """(private PKCS#8 PEM, public SubjectPublicKeyInfo PEM), made now."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    private: Any = (
        ed25519.Ed25519PrivateKey.generate()
        if kind == "ed25519"
        else rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem


def bare(public_pem: str) -> str:
    """The base64 body of a PEM without its armour, as Binance's key generator can show it."""
    return "".join(line for line in public_pem.splitlines() if "-----" not in line)


def create(world: World, path: str = PATH_SUB_API, **params: str) -> httpx.Response:
    values = {"email": SUB, "apiName": "mm-bot-202611240900", "status": "1", **params}
    return world.send("POST", path, values)


def own_restrictions(base_url: str, secret: ClientSecret) -> httpx.Response:
    """The created key asks about itself, signed with its own material."""
    signer = load_signer(secret=secret.secret, private_key=secret.private_pem)
    signed = BinanceAuth(Credentials(secret.api_key, signer), clock=lambda: int(time.time() * 1000))
    with httpx.Client(base_url=base_url, timeout=5.0) as client:
        return client.get(PATH_RESTRICTIONS, auth=signed)


def key_count(world: World) -> int:
    return len(world.emu.scenario.keys)


# --- creating ------------------------------------------------------------------------------


def test_an_ed25519_key_is_created_listed_and_signs_at_once(world: World) -> None:
    private_pem, public_pem = key_pair()
    before = int(time.time() * 1000)
    response = create(
        world,
        status="2",
        ipAddress="127.0.0.1,203.0.113.10",
        canTrade="true",
        canMarginLoanRepay="true",
        publicKey=public_pem,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    api_key = body["apiKey"]
    assert len(api_key) == 64 and api_key.isalnum()
    assert body == {
        "apiName": "mm-bot-202611240900",
        "apiKey": api_key,
        "canTrade": True,
        "canMarginLoanRepay": True,
        "canFuturesTrade": False,
        "canUniversalTransfer": False,
        "canVanillaOptions": False,
        "status": 2,
        "ipList": ["127.0.0.1", "203.0.113.10"],
    }
    # The private key never went to the emulator; the public one signs for the new key.
    own = own_restrictions(
        world.emu.base_url, ClientSecret(api_key, "ed25519", private_pem=private_pem)
    )
    assert own.status_code == 200, own.text
    restrictions = own.json()
    assert restrictions["ipRestrict"] is True
    assert restrictions["enableSpotAndMarginTrading"] and restrictions["enableMargin"]
    assert restrictions["enableReading"] and not restrictions["enableFutures"]
    assert not restrictions["enableFixApiTrade"] and not restrictions["enableWithdrawals"]
    assert before <= restrictions["createTime"] <= int(time.time() * 1000)

    rows = {row["apikey"]: row for row in world.listing()}
    assert rows[api_key]["apiName"] == "mm-bot-202611240900" and rows[api_key]["canTrade"]
    ips = world.send(
        "GET", PATH_SUB_API_IP, {"email": SUB, "subAccountApiKey": api_key}, where="query"
    ).json()
    assert ips["ipRestrict"] == "true" and ips["ipList"] == ["127.0.0.1", "203.0.113.10"]


def test_a_key_bound_elsewhere_is_created_but_refuses_this_host(world: World) -> None:
    private_pem, public_pem = key_pair()
    response = create(world, status="2", ipAddress="203.0.113.10", publicKey=public_pem)
    assert response.status_code == 200, response.text
    secret = ClientSecret(response.json()["apiKey"], "ed25519", private_pem=private_pem)
    assert error(own_restrictions(world.emu.base_url, secret)) == (401, -2015)


@pytest.mark.parametrize("path", CREATES)
def test_the_bare_base64_form_of_the_public_key_is_accepted(world: World, path: str) -> None:
    private_pem, public_pem = key_pair()
    response = create(world, path, publicKey=bare(public_pem))
    assert response.status_code == 200, response.text
    secret = ClientSecret(response.json()["apiKey"], "ed25519", private_pem=private_pem)
    assert own_restrictions(world.emu.base_url, secret).status_code == 200


@pytest.mark.parametrize("path", CREATES)
def test_without_a_public_key_an_hmac_key_and_its_secret_come_back_once(
    world: World, path: str
) -> None:
    response = create(world, path, status="1", ipAddress="203.0.113.10")
    assert response.status_code == 200, response.text
    body = response.json()
    secret = body["secretKey"]
    assert len(secret) == 64 and secret.isalnum()
    assert body["status"] == 1 and body["ipList"] == []  # status 1 ignores ipAddress
    made = ClientSecret(body["apiKey"], "hmac", secret=secret)
    own = own_restrictions(world.emu.base_url, made)
    assert own.status_code == 200 and own.json()["ipRestrict"] is False
    # Neither the listing nor the records ever show the secret or the whole new key again.
    listing = str(world.listing()) if path == PATH_SUB_API else ""
    records = repr(world.emu.requests)
    assert secret not in listing and secret not in records and body["apiKey"] not in records


def test_status_3_binds_the_key_to_the_third_party(world: World) -> None:
    response = create(world, status="3", thirdPartyName="tradingview")
    assert response.status_code == 200, response.text
    assert response.json()["ipList"] == ["tradingview"]
    api_key = response.json()["apiKey"]
    ips = world.send(
        "GET", PATH_SUB_API_IP, {"email": SUB, "subAccountApiKey": api_key}, where="query"
    ).json()
    assert ips == {**ips, "ipRestrict": "true", "ipList": ["tradingview"]}


def test_v2_grants_fix_permissions_to_an_ed25519_key(world: World) -> None:
    private_pem, public_pem = key_pair()
    response = create(
        world,
        PATH_SUB_API_V2,
        publicKey=public_pem,
        canFixApiTrading="true",
        canFixApiReading="true",
    )
    assert response.status_code == 200, response.text
    assert response.json()["canFixApiTrading"] is True
    assert response.json()["canFixApiReading"] is True
    secret = ClientSecret(response.json()["apiKey"], "ed25519", private_pem=private_pem)
    own = own_restrictions(world.emu.base_url, secret).json()
    assert own["enableFixApiTrade"] is True and own["enableFixReadOnly"] is True


def test_v2_accepts_an_rsa_key_v1_does_not(world: World) -> None:
    private_pem, public_pem = key_pair("rsa")
    assert error(create(world, PATH_SUB_API, publicKey=public_pem)) == (400, -1130)
    response = create(world, PATH_SUB_API_V2, publicKey=public_pem)
    assert response.status_code == 200, response.text
    assert "secretKey" not in response.json()
    secret = ClientSecret(response.json()["apiKey"], "rsa", private_pem=private_pem)
    assert own_restrictions(world.emu.base_url, secret).status_code == 200


# --- refusals --------------------------------------------------------------------------------


def _addresses(count: int) -> str:
    return ",".join(f"203.0.113.{n}" for n in range(1, count + 1))


REFUSALS: list[tuple[str, str, dict[str, str], tuple[int, int]]] = [
    ("no email", PATH_SUB_API, {"email": ""}, (400, -1102)),
    ("no apiName", PATH_SUB_API, {"apiName": ""}, (400, -1102)),
    ("no status", PATH_SUB_API, {"status": ""}, (400, -1102)),
    ("status 4", PATH_SUB_API, {"status": "4"}, (400, -1130)),
    ("status 2 without ipAddress", PATH_SUB_API, {"status": "2"}, (400, -1102)),
    ("status 3 without name", PATH_SUB_API, {"status": "3"}, (400, -1102)),
    ("31 addresses", PATH_SUB_API, {"status": "2", "ipAddress": _addresses(31)}, (400, -1130)),
    (
        "over 500 characters",
        PATH_SUB_API,
        {"status": "2", "ipAddress": ",".join(["2001:db8:ffff:ffff:ffff:ffff:ffff:1"] * 15)},
        (400, -1130),
    ),
    ("a name as address", PATH_SUB_API, {"status": "2", "ipAddress": "host"}, (400, -1130)),
    ("flag not boolean", PATH_SUB_API, {"canTrade": "yes"}, (400, -1130)),
    ("not a key", PATH_SUB_API_V2, {"publicKey": "bm90IGEga2V5"}, (400, -1130)),
    ("fix on v1", PATH_SUB_API, {"canFixApiTrading": "true"}, (400, -9000)),
    ("fix on hmac", PATH_SUB_API_V2, {"canFixApiReading": "true"}, (400, -9000)),
    ("unknown sub-account", PATH_SUB_API, {"email": "nobody@example.com"}, (400, -12022)),
]


@pytest.mark.parametrize(
    ("path", "params", "expected"),
    [case[1:] for case in REFUSALS],
    ids=[case[0] for case in REFUSALS],
)
def test_refusals_create_nothing(
    world: World, path: str, params: dict[str, str], expected: tuple[int, int]
) -> None:
    before = key_count(world)
    assert error(create(world, path, **params)) == expected
    assert key_count(world) == before


def test_fix_flags_on_an_rsa_key_are_unsupported(world: World) -> None:
    _, public_pem = key_pair("rsa")
    response = create(world, PATH_SUB_API_V2, publicKey=public_pem, canFixApiTrading="true")
    assert error(response) == (400, -9000) and response.json()["msg"] == "Unsupported operation"


def test_an_asset_management_sub_account_is_unsupported(world: World) -> None:
    world.emu.scenario.sub_accounts.append(
        EmuSubAccount("fund@example.com", sub_user_id=3, is_asset_management_sub_account=True)
    )
    assert error(create(world, email="fund@example.com")) == (400, -9000)


def test_v2_refuses_the_public_key_in_the_query_string(world: World) -> None:
    _, public_pem = key_pair()
    before = key_count(world)
    values = {"email": SUB, "apiName": "mm-bot", "status": "1"}
    response = world.send("POST", PATH_SUB_API_V2, values, query={"publicKey": public_pem})
    assert error(response) == (400, -1130)
    assert "publicKey" in response.json()["msg"] and key_count(world) == before


def test_v1_takes_the_public_key_in_the_query_string(world: World) -> None:
    # The official SDK sends every V1 parameter in the query (test_official_sdk.py).
    private_pem, public_pem = key_pair()
    values = {"email": SUB, "apiName": "mm-bot", "status": "1", "publicKey": public_pem}
    response = world.send("POST", PATH_SUB_API, values, where="query")
    assert response.status_code == 200, response.text
    secret = ClientSecret(response.json()["apiKey"], "ed25519", private_pem=private_pem)
    assert own_restrictions(world.emu.base_url, secret).status_code == 200


@pytest.mark.parametrize("path", CREATES)
def test_only_a_master_with_trading_may_create(world: World, path: str) -> None:
    before = key_count(world)
    for caller in (world.bot, world.elsewhere):
        world.key(caller).permissions = dict(TRADING)
        assert error(
            world.send("POST", path, {"email": SUB, "apiName": "x", "status": "1"}, caller=caller)
        ) == (401, -2015)
    world.key(world.master).permissions = {"enableReading": True}
    assert error(create(world, path)) == (401, -2015)
    assert key_count(world) == before and world.emu.count(path, method="POST", status=401) == 3


# --- weight and faults -------------------------------------------------------------------------


def test_create_costs_3000_uid_weight_and_hits_the_limit(world: World) -> None:
    world.emu.set_weight_limits(uid=6000)
    first, second = create(world), create(world)
    assert first.headers[UID_HEADER] == "3000" and second.headers[UID_HEADER] == "6000"
    third = create(world)
    assert error(third) == (429, -1003) and int(third.headers["Retry-After"]) >= 1
    # V2 has its own budget, as every (method, path) does here.
    assert create(world, PATH_SUB_API_V2).status_code == 200


@pytest.mark.parametrize("path", CREATES)
def test_faults_act_on_create_and_leave_the_listing_alone(world: World, path: str) -> None:
    before = key_count(world)
    world.emu.add_fault(
        Fault(kind="status", status=429, retry_after=7, path=path, method="POST", times=1)
    )
    limited = create(world, path)
    assert error(limited) == (429, -1003) and limited.headers["Retry-After"] == "7"
    # Faults that match one request are all spent on it: add the next one afterwards.
    world.emu.add_fault(Fault(kind="status", status=503, path=path, method="POST", times=1))
    assert error(create(world, path)) == (503, -1001)
    assert world.listing()  # GET on the same V1 path is not faulted
    world.emu.add_fault(Fault(kind="drop", path=path, method="POST", times=1))
    with pytest.raises(httpx.TransportError):
        create(world, path)
    assert key_count(world) == before  # a fault answers instead of Binance
    assert create(world, path).status_code == 200


def test_a_fault_can_answer_minus_9000(world: World) -> None:
    body = b'{"code": -9000, "msg": "Unsupported operation"}'
    world.emu.add_fault(
        Fault(kind="status", status=400, body=body, path=PATH_SUB_API, method="POST")
    )
    assert error(create(world)) == (400, -9000)


def test_created_keys_belong_to_their_sub_account_only(world: World) -> None:
    response = create(world, email=OTHER)
    assert response.status_code == 200
    api_key = response.json()["apiKey"]
    assert api_key not in [row["apikey"] for row in world.listing()]
    sub_key = world.emu.scenario.key(api_key)
    assert sub_key is not None and sub_key.owner == OTHER and sub_key.label == "mm-bot-202611240900"


def test_a_lost_answer_creates_the_key_and_drops_the_connection(world: World) -> None:
    _, public_pem = key_pair()
    before = key_count(world)
    world.emu.add_fault(Fault(kind="lost_answer", path=PATH_SUB_API, method="POST", times=1))
    with pytest.raises(httpx.TransportError):
        create(world, publicKey=public_pem)
    # Unlike "drop", the create happened: only its answer was lost.
    assert key_count(world) == before + 1
    assert [row["apiName"] for row in world.listing()].count("mm-bot-202611240900") == 1
    assert world.emu.count(PATH_SUB_API, method="POST", status=200) == 1
    assert create(world, publicKey=public_pem).status_code == 200  # spent after one
