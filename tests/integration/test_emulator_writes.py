"""The emulator's sub-account key writes over real HTTP, signed by keylint's own BinanceAuth:
each write's effect as the reads show it, where parameters may travel, and every refusal."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from keylint.binance.signing import BinanceAuth, Credentials, load_signer
from keylint.testing.emulator import (
    PATH_RESTRICTIONS,
    PATH_SUB_API,
    PATH_SUB_API_IP,
    PATH_SUB_API_IP_ADD,
    PATH_SUB_API_IP_LIST,
    PATH_SUB_API_PERMISSION,
    ClientSecret,
    EmuKey,
    Emulator,
    EmuSubAccount,
    Fault,
    Scenario,
    Signing,
    generate_key,
    random_api_key,
)

SUB = "mm+desk@example.com"  # `+` and `@` must survive both encodings
OTHER = "other@example.com"
TRADING = {"enableReading": True, "enableSpotAndMarginTrading": True}
BOT_PERMS = {"enableReading": True, "enableSpotAndMarginTrading": True, "enableMargin": True}
UID_HEADER = "X-SAPI-USED-UID-WEIGHT-1M"
# Both ways a write's parameters may travel: a form body (BinanceAuth signs query + body)
# or the query string alone (BinanceAuth signs the query; the official SDKs send this).
WHERE = ["body", "query"]


@dataclass
class World:
    emu: Emulator
    client: httpx.Client
    master: ClientSecret
    bot: ClientSecret
    elsewhere: ClientSecret

    def key(self, secret: ClientSecret) -> EmuKey:
        found = self.emu.scenario.key(secret.api_key)
        assert found is not None
        return found

    def send(
        self,
        method: str,
        path: str,
        params: dict[str, str] | None = None,
        *,
        where: str = "body",
        caller: ClientSecret | None = None,
        query: dict[str, str] | None = None,
    ) -> httpx.Response:
        """A signed call; `params` go where `where` says, `query` always in the query."""
        body = params if where == "body" and params else None
        in_query = {**(query or {}), **(params if where == "query" and params else {})}
        return self.client.request(
            method,
            path,
            params=in_query or None,
            data=body,
            auth=auth(caller or self.master),
        )

    def ips(self) -> dict[str, Any]:
        """The bot key's IP restriction as the master reads it."""
        response = self.send("GET", PATH_SUB_API_IP, about(self), where="query")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def listing(self) -> list[dict[str, Any]]:
        response = self.send("GET", PATH_SUB_API, {"email": SUB}, where="query")
        assert response.status_code == 200, response.text
        return list(response.json()["rows"])


def auth(secret: ClientSecret) -> BinanceAuth:
    signer = load_signer(secret=secret.secret, private_key=secret.private_pem)
    return BinanceAuth(Credentials(secret.api_key, signer), clock=lambda: int(time.time() * 1000))


def error(response: httpx.Response) -> tuple[int, int]:
    return response.status_code, int(response.json()["code"])


@contextmanager
def running(master_signing: Signing = "hmac") -> Iterator[World]:
    """A master with Spot & Margin Trading, a key on SUB and one on OTHER, all generated."""
    master_key, master = generate_key(master_signing, permissions=dict(TRADING))
    bot_key, bot = generate_key("ed25519", owner=SUB, label="mm-bot", permissions=dict(BOT_PERMS))
    other_key, elsewhere = generate_key("hmac", owner=OTHER, label="elsewhere")
    scenario = Scenario(
        keys=[master_key, bot_key, other_key],
        sub_accounts=[EmuSubAccount(SUB, sub_user_id=1), EmuSubAccount(OTHER, sub_user_id=2)],
        master_api_key=master.api_key,
    )
    with Emulator(scenario) as emu, httpx.Client(base_url=emu.base_url, timeout=5.0) as client:
        yield World(emu, client, master, bot, elsewhere)


@pytest.fixture
def world() -> Iterator[World]:
    with running() as started:
        yield started


def about(world: World, **extra: str) -> dict[str, str]:
    """Parameters naming the bot key; `extra` adds or overrides."""
    return {"email": SUB, "subAccountApiKey": world.bot.api_key, **extra}


# --- happy paths ---------------------------------------------------------------------------


@pytest.mark.parametrize("where", WHERE)
def test_add_ip_restriction_appends_deduplicated(world: World, where: str) -> None:
    first = world.send(
        "POST",
        PATH_SUB_API_IP_ADD,
        about(world, status="2", ipAddress="127.0.0.1,203.0.113.10"),
        where=where,
    )
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["status"] == "2" and body["ipList"] == ["127.0.0.1", "203.0.113.10"]
    assert body["apiKey"] == world.bot.api_key and isinstance(body["updateTime"], int)

    second = world.send(
        "POST",
        PATH_SUB_API_IP_ADD,
        about(world, status="2", ipAddress="203.0.113.10,2001:DB8::1,198.51.100.7"),
        where=where,
    )
    assert second.status_code == 200, second.text
    expected = ["127.0.0.1", "203.0.113.10", "2001:db8::1", "198.51.100.7"]
    assert second.json()["ipList"] == expected
    shown = world.ips()
    assert shown["ipRestrict"] == "true" and shown["ipList"] == expected
    assert shown["updateTime"] == second.json()["updateTime"] >= body["updateTime"]
    # The key still works from 127.0.0.1, and now says it is restricted.
    own = world.send("GET", PATH_RESTRICTIONS, caller=world.bot)
    assert own.status_code == 200 and own.json()["ipRestrict"] is True


def test_a_restriction_without_this_host_locks_the_key_out(world: World) -> None:
    response = world.send(
        "POST", PATH_SUB_API_IP_ADD, about(world, status="2", ipAddress="203.0.113.10")
    )
    assert response.status_code == 200, response.text
    assert error(world.send("GET", PATH_RESTRICTIONS, caller=world.bot)) == (401, -2015)


@pytest.mark.parametrize("where", WHERE)
def test_status_1_lifts_the_restriction_and_clears_the_list(world: World, where: str) -> None:
    key = world.key(world.bot)
    key.ip_restrict, key.ip_list = True, ["127.0.0.1", "203.0.113.10"]
    response = world.send(
        "POST", PATH_SUB_API_IP_ADD, about(world, status="1", ipAddress="192.0.2.1"), where=where
    )
    assert response.status_code == 200, response.text
    # Docs: `ipList` comes back only when trusted IPs are on and some were added.
    assert response.json()["status"] == "1" and "ipList" not in response.json()
    shown = world.ips()
    assert shown["ipRestrict"] == "false" and shown["ipList"] == []


@pytest.mark.parametrize("where", WHERE)
def test_delete_ip_list_removes_the_present_addresses(world: World, where: str) -> None:
    key = world.key(world.bot)
    key.ip_restrict, key.ip_list = True, ["127.0.0.1", "203.0.113.10", "partner-3"]
    response = world.send(
        "DELETE",
        PATH_SUB_API_IP_LIST,
        about(world, ipAddress="203.0.113.10,192.0.2.99"),  # the second is not on the list
        where=where,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ipRestrict"] == "true" and body["ipList"] == ["127.0.0.1", "partner-3"]
    assert body["apiKey"] == world.bot.api_key
    shown = world.ips()
    assert shown["ipList"] == ["127.0.0.1", "partner-3"]
    assert shown["updateTime"] == body["updateTime"] != key.create_time


@pytest.mark.parametrize("where", WHERE)
def test_modify_permissions_changes_only_the_given_flags(world: World, where: str) -> None:
    before = {row["apikey"]: row for row in world.listing()}[world.bot.api_key]
    assert before["canTrade"] and before["canMarginLoanRepay"] and not before["canFuturesTrade"]
    response = world.send(
        "POST",
        PATH_SUB_API_PERMISSION,
        about(world, canTrade="false", canFuturesTrade="true", canVanillaOptions="false"),
        where=where,
    )
    assert response.status_code == 200, response.text
    row = response.json()
    # The documented answer: the listing row without `email`, timestamp = the update.
    assert set(row) == {
        "apiName",
        "apikey",
        "canTrade",
        "canMarginLoanRepay",
        "canFuturesTrade",
        "canUniversalTransfer",
        "canVanillaOptions",
        "timestamp",
    }
    assert (row["canTrade"], row["canMarginLoanRepay"], row["canFuturesTrade"]) == (
        False,
        True,
        True,
    )
    assert row["timestamp"] == world.ips()["updateTime"]
    after = {r["apikey"]: r for r in world.listing()}[world.bot.api_key]
    assert {k: v for k, v in after.items() if k != "timestamp"} == {
        "email": SUB,
        **{k: v for k, v in row.items() if k != "timestamp"},
    }
    own = world.send("GET", PATH_RESTRICTIONS, caller=world.bot).json()
    assert own["enableSpotAndMarginTrading"] is False and own["enableFutures"] is True
    assert own["enableMargin"] is True and own["enableReading"] is True


@pytest.mark.parametrize("where", WHERE)
def test_deleting_a_key_ends_it(world: World, where: str) -> None:
    assert world.send("GET", PATH_RESTRICTIONS, caller=world.bot).status_code == 200
    response = world.send("DELETE", PATH_SUB_API, about(world), where=where)
    assert response.status_code == 200 and response.json() == {}
    assert error(world.send("GET", PATH_RESTRICTIONS, caller=world.bot)) == (401, -2015)
    assert world.bot.api_key not in [row["apikey"] for row in world.listing()]
    gone = world.send("GET", PATH_SUB_API_IP, about(world), where="query")
    assert error(gone) == (400, -12022)
    again = world.send("DELETE", PATH_SUB_API, about(world), where=where)
    assert error(again) == (400, -12022)


@pytest.mark.parametrize("signing", ["ed25519", "rsa"])
def test_asymmetric_masters_sign_writes_both_ways(signing: Signing) -> None:
    with running(signing) as world:
        for where in WHERE:
            response = world.send(
                "POST", PATH_SUB_API_PERMISSION, about(world, canFuturesTrade="true"), where=where
            )
            assert response.status_code == 200, (where, response.text)


def test_params_split_between_query_and_body(world: World) -> None:
    # The signature covers query + body with no separator; a query value beats the body's.
    response = world.send(
        "POST",
        PATH_SUB_API_IP_ADD,
        {"subAccountApiKey": world.bot.api_key, "status": "1", "ipAddress": "192.0.2.1"},
        query={"email": SUB, "status": "2"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "2" and response.json()["ipList"] == ["192.0.2.1"]


def test_concurrent_appends_lose_no_address(world: World) -> None:
    # The server answers each connection on its own thread: appends must not overwrite.
    addresses = [f"198.51.100.{n}" for n in range(1, 13)]

    def add(address: str) -> int:
        with httpx.Client(base_url=world.emu.base_url, timeout=5.0) as client:
            response = client.post(
                PATH_SUB_API_IP_ADD,
                data=about(world, status="2", ipAddress=address),
                auth=auth(world.master),
            )
        return response.status_code

    with ThreadPoolExecutor(max_workers=len(addresses)) as pool:
        assert list(pool.map(add, addresses)) == [200] * len(addresses)
    assert sorted(world.ips()["ipList"]) == sorted(addresses)


# --- refusals ------------------------------------------------------------------------------


def signed(world: World, method: str, path: str, **kwargs: Any) -> httpx.Request:
    """The request exactly as BinanceAuth would send it, to be tampered with."""
    request = world.client.build_request(method, path, **kwargs)
    return next(auth(world.master).auth_flow(request))


def resend(world: World, request: httpx.Request, **changes: Any) -> httpx.Response:
    headers = request.headers.copy()
    headers.pop("Content-Length", None)
    fresh = httpx.Request(
        request.method,
        changes.get("url", request.url),
        headers=headers,
        content=changes.get("content", request.content),
    )
    return world.client.send(fresh)


def test_a_tampered_body_or_query_is_a_signature_error(world: World) -> None:
    request = signed(world, "POST", PATH_SUB_API_IP_ADD, data=about(world, status="2"))
    assert b"status=2" in request.content
    tampered = resend(world, request, content=request.content.replace(b"status=2", b"status=1"))
    assert error(tampered) == (400, -1022)
    # The query is part of the payload even when the signature rides in the body.
    request = signed(
        world,
        "POST",
        PATH_SUB_API_IP_ADD,
        params={"email": SUB},
        data={"subAccountApiKey": world.bot.api_key, "status": "1"},
    )
    moved = resend(world, request, url=request.url.copy_with(query=f"email={OTHER}".encode()))
    assert error(moved) == (400, -1022)
    assert world.ips()["updateTime"] == world.key(world.bot).create_time  # nothing changed


def test_writes_need_a_master_with_spot_and_margin_trading(world: World) -> None:
    key = world.key(world.bot)
    key.ip_restrict, key.ip_list = True, ["127.0.0.1"]
    world.key(world.master).permissions = {"enableReading": True}
    refused = [
        world.send("POST", PATH_SUB_API_IP_ADD, about(world, status="1")),
        world.send("DELETE", PATH_SUB_API_IP_LIST, about(world, ipAddress="127.0.0.1")),
        world.send("DELETE", PATH_SUB_API, about(world)),
    ]
    assert [error(r) for r in refused] == [(401, -2015)] * 3
    assert world.ips()["ipList"] == ["127.0.0.1"] and world.ips()["ipRestrict"] == "true"
    assert world.bot.api_key in [row["apikey"] for row in world.listing()]
    # No such rule is documented for the permission change.
    response = world.send("POST", PATH_SUB_API_PERMISSION, about(world, canTrade="false"))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("method", "path", "extra"),
    [
        ("POST", PATH_SUB_API_IP_ADD, {"status": "1"}),
        ("DELETE", PATH_SUB_API_IP_LIST, {"ipAddress": "127.0.0.1"}),
        ("POST", PATH_SUB_API_PERMISSION, {"canTrade": "false"}),
        ("DELETE", PATH_SUB_API, {}),
    ],
)
def test_writes_refuse_a_key_that_is_not_the_master(
    world: World, method: str, path: str, extra: dict[str, str]
) -> None:
    for caller in (world.bot, world.elsewhere):
        world.key(caller).permissions = dict(TRADING)  # trading alone does not make a master
        response = world.send(method, path, about(world, **extra), caller=caller)
        assert error(response) == (401, -2015)
    assert world.key(world.bot).permissions == TRADING  # set above; untouched by the calls
    assert world.emu.count(path, method=method, status=401) == 2


@pytest.mark.parametrize(
    ("method", "path", "extra"),
    [
        ("POST", PATH_SUB_API_IP_ADD, {"status": "1"}),
        ("DELETE", PATH_SUB_API_IP_LIST, {"ipAddress": "127.0.0.1"}),
        ("POST", PATH_SUB_API_PERMISSION, {"canTrade": "false"}),
        ("DELETE", PATH_SUB_API, {}),
    ],
)
def test_a_key_of_another_sub_account_or_none_is_12022(
    world: World, method: str, path: str, extra: dict[str, str]
) -> None:
    wrong_owner = {"email": SUB, "subAccountApiKey": world.elsewhere.api_key, **extra}
    no_such_key = {"email": SUB, "subAccountApiKey": random_api_key(), **extra}
    for params in (wrong_owner, no_such_key):
        assert error(world.send(method, path, params)) == (400, -12022)
    unknown_sub = world.send(method, path, about(world, email="nobody@example.com", **extra))
    assert error(unknown_sub) == (400, -12022)
    assert unknown_sub.json()["msg"] == "Sub-account does not exist."
    assert world.elsewhere.api_key in [k.api_key for k in world.emu.scenario.keys]


@pytest.mark.parametrize(
    ("method", "path", "extra", "named"),
    [
        ("POST", PATH_SUB_API_IP_ADD, {"status": "3"}, "status"),
        ("POST", PATH_SUB_API_IP_ADD, {"status": "2", "ipAddress": "10.0.0.0/8"}, "ipAddress"),
        ("POST", PATH_SUB_API_IP_ADD, {"status": "2", "ipAddress": "1.2.3.4,x"}, "ipAddress"),
        ("POST", PATH_SUB_API_IP_ADD, {"status": "2", "ipAddress": "1.2.3.4,"}, "ipAddress"),
        ("DELETE", PATH_SUB_API_IP_LIST, {"ipAddress": "300.1.1.1"}, "ipAddress"),
        ("POST", PATH_SUB_API_PERMISSION, {"canTrade": "yes"}, "canTrade"),
        ("POST", PATH_SUB_API_PERMISSION, {"canVanillaOptions": "True"}, "canVanillaOptions"),
    ],
)
def test_bad_values_are_1130_and_change_nothing(
    world: World, method: str, path: str, extra: dict[str, str], named: str
) -> None:
    response = world.send(method, path, about(world, **extra))
    assert error(response) == (400, -1130)
    assert response.json()["msg"] == f"Data sent for parameter '{named}' is not valid."
    assert world.ips()["updateTime"] == world.key(world.bot).create_time


def test_more_than_30_trusted_ips_is_refused(world: World) -> None:
    key = world.key(world.bot)
    key.ip_restrict, key.ip_list = True, [f"192.0.2.{n}" for n in range(1, 29)]
    full = world.send(
        "POST",
        PATH_SUB_API_IP_ADD,
        about(world, status="2", ipAddress="127.0.0.1,192.0.2.1,192.0.2.29"),
    )
    assert full.status_code == 200 and len(full.json()["ipList"]) == 30
    over = world.send("POST", PATH_SUB_API_IP_ADD, about(world, status="2", ipAddress="192.0.2.30"))
    assert error(over) == (400, -1130)
    assert len(world.ips()["ipList"]) == 30


@pytest.mark.parametrize(
    ("method", "path", "params", "missing"),
    [
        ("DELETE", PATH_SUB_API_IP_LIST, {}, "ipAddress"),
        ("DELETE", PATH_SUB_API_IP_LIST, {"ipAddress": ""}, "ipAddress"),
        ("POST", PATH_SUB_API_IP_ADD, {}, "status"),
    ],
)
def test_missing_parameters_are_1102(
    world: World, method: str, path: str, params: dict[str, str], missing: str
) -> None:
    response = world.send(method, path, about(world, **params))
    assert error(response) == (400, -1102)
    assert f"'{missing}'" in response.json()["msg"]
    without_email = world.send(method, path, {"subAccountApiKey": world.bot.api_key, **params})
    assert error(without_email) == (400, -1102) and "'email'" in without_email.json()["msg"]


def test_routes_are_method_and_path(world: World) -> None:
    # The listing and the deletion share a path; other pairs are unknown.
    assert world.send("GET", PATH_SUB_API, {"email": SUB}, where="query").status_code == 200
    for method, path in [
        ("GET", PATH_SUB_API_IP_ADD),
        ("POST", PATH_SUB_API_IP),
        ("GET", PATH_SUB_API_PERMISSION),
        ("POST", PATH_RESTRICTIONS),
    ]:
        assert error(world.send(method, path, about(world))) == (404, -1000), (method, path)
    assert world.bot.api_key in [row["apikey"] for row in world.listing()]


# --- limits, faults, records -----------------------------------------------------------------


def test_each_write_spends_3000_of_its_own_uid_budget(world: World) -> None:
    used = [
        world.send("POST", PATH_SUB_API_IP_ADD, about(world, status="1")).headers[UID_HEADER]
        for _ in range(2)
    ]
    assert used == ["3000", "6000"]
    listing = world.send("GET", PATH_SUB_API, {"email": SUB}, where="query")
    assert listing.headers[UID_HEADER] == "3000"
    deletion = world.send("DELETE", PATH_SUB_API, about(world))
    assert deletion.status_code == 200 and deletion.headers[UID_HEADER] == "3000"


def test_a_tiny_uid_limit_answers_429_and_changes_nothing(world: World) -> None:
    world.emu.set_weight_limits(uid=1000)
    response = world.send("POST", PATH_SUB_API_PERMISSION, about(world, canFuturesTrade="true"))
    assert error(response) == (429, -1003)
    assert int(response.headers["Retry-After"]) >= 1
    assert world.key(world.bot).permissions == BOT_PERMS
    assert world.key(world.bot).update_time is None


def test_faults_hit_the_write_paths(world: World) -> None:
    world.emu.add_fault(Fault(kind="status", status=500, path=PATH_SUB_API_PERMISSION, times=1))
    failed = world.send("POST", PATH_SUB_API_PERMISSION, about(world, canFuturesTrade="true"))
    assert error(failed) == (500, -1001)
    assert world.key(world.bot).permissions == BOT_PERMS  # the fault answered instead
    retried = world.send("POST", PATH_SUB_API_PERMISSION, about(world, canFuturesTrade="true"))
    assert retried.status_code == 200 and retried.json()["canFuturesTrade"] is True

    # A fault may name the method: the deletion drops, the listing on its path still answers.
    world.emu.add_fault(Fault(kind="drop", path=PATH_SUB_API, method="DELETE"))
    with pytest.raises(httpx.TransportError):
        world.send("DELETE", PATH_SUB_API, about(world))
    assert world.bot.api_key in [row["apikey"] for row in world.listing()]


def test_records_count_writes_without_secrets(world: World) -> None:
    world.send("POST", PATH_SUB_API_IP_ADD, about(world, status="2", ipAddress="127.0.0.1"))
    world.send("DELETE", PATH_SUB_API_IP_LIST, about(world, ipAddress="127.0.0.1"), where="query")
    world.listing()
    assert world.emu.count(method="POST") == 1 and world.emu.count(method="DELETE") == 1
    assert world.emu.count(PATH_SUB_API, method="GET") == 1
    first = world.emu.requests[0]
    assert (first.method, first.path, first.status) == ("POST", PATH_SUB_API_IP_ADD, 200)
    assert first.params["email"] == SUB and first.params["ipAddress"] == "127.0.0.1"
    assert first.params["subAccountApiKey"] == world.bot.api_key[:8] + "…"
    assert first.api_key == world.master.api_key[:8] + "…"
    text = repr(world.emu.requests)
    assert "signature" not in text
    for secret in (world.master, world.bot):
        assert secret.api_key not in text


def test_the_official_sdk_writes_and_parses_the_answers(caplog: pytest.LogCaptureFixture) -> None:
    # The SDK signs writes in the query string and parses answers with strict models; it logs
    # a warning when an answer does not fit its model.
    pytest.importorskip("binance_sdk_sub_account")
    from binance_common.configuration import ConfigurationRestAPI
    from binance_sdk_sub_account import SubAccount

    with running() as world:
        config = ConfigurationRestAPI(
            api_key=world.master.api_key,
            api_secret=world.master.secret,
            base_path=world.emu.base_url,
            timeout=5000,
            retries=0,
        )
        api = SubAccount(config_rest_api=config).rest_api
        bot = world.bot.api_key
        try:
            added = api.add_ip_restriction_for_sub_account_api_key(
                email=SUB, sub_account_api_key=bot, status=2, ip_address="127.0.0.1,192.0.2.7"
            ).data()
            removed = api.delete_ip_list_for_a_sub_account_api_key(
                email=SUB, sub_account_api_key=bot, ip_address="192.0.2.7"
            ).data()
            changed = api.modify_sub_account_api_key_permission(
                email=SUB, sub_account_api_key=bot, can_futures_trade=True
            ).data()
            api.delete_sub_account_api_key(email=SUB, sub_account_api_key=bot)
        finally:
            api._session.close()
        assert added.ip_list == ["127.0.0.1", "192.0.2.7"] and added.additional_properties == {}
        assert removed.ip_list == ["127.0.0.1"] and removed.ip_restrict == "true"
        assert changed.can_futures_trade is True and changed.additional_properties == {}
        assert world.emu.scenario.key(bot) is None
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    # The deletion's model is `object`, which the SDK cannot validate whatever the answer.
    assert [w for w in warnings if "into object (type object 'object'" not in w] == []
