"""fetch_live_state over real HTTP against the emulator: signing, sources, statuses."""

from __future__ import annotations

import asyncio

import pytest

from keylint.binance.fetch import IP_NOT_WHITELISTED, fetch_live_state
from keylint.testing.emulator import (
    PATH_SUB_API,
    PATH_SUB_API_IP,
    PATH_TIME,
    Emulator,
    random_api_key,
)
from tests.emuhelpers import Fleet, fetch

PERMS = {"enableReading": True, "enableSpotAndMarginTrading": True, "enableWithdrawals": False}


@pytest.mark.parametrize(
    ("signing", "inline"),
    [("hmac", False), ("ed25519", False), ("ed25519", True), ("rsa", False), ("rsa", True)],
)
def test_every_signing_method_reads_its_restrictions(
    fleet: Fleet, signing: str, inline: bool
) -> None:
    fleet.add(
        "bot",
        signing,
        inline_pem=inline,
        permissions=PERMS,
        ip_restrict=True,
        ip_list=["127.0.0.1"],
    )
    with Emulator(fleet.scenario) as emu:
        state = fetch(fleet, emu)
    entry = state.keys["bot"]
    assert entry["status"] == "ok", entry
    assert entry["restrictions"]["enableSpotAndMarginTrading"] is True
    assert entry["restrictions"]["ipRestrict"] is True
    assert entry["listing"] is None and entry["ip_list"] is None
    # A master-account key: no source shows its IP list; everything else is shown.
    assert entry["unverifiable"] == ["ips"]


def test_wrong_secret_is_a_signature_error(fleet: Fleet) -> None:
    fleet.add("bot", "hmac")
    fleet.env["BOT_SECRET"] = "x" * 64
    with Emulator(fleet.scenario) as emu:
        entry = fetch(fleet, emu).keys["bot"]
    assert entry["status"] == "error" and "-1022" in entry["error"]


def test_sub_account_keys_merge_own_and_master_sources(fleet: Fleet) -> None:
    fleet.sub("mm@example.com")
    fleet.add_master()
    fleet.add(
        "mm",
        "ed25519",
        owner="mm@example.com",
        permissions=PERMS,
        ip_restrict=True,
        ip_list=["127.0.0.1", "203.0.113.10", "partner-3"],
    )
    with Emulator(fleet.scenario) as emu:
        state = fetch(fleet, emu)
    entry = state.keys["mm"]
    assert entry["status"] == "ok"
    assert entry["ip_list"] == ["127.0.0.1", "203.0.113.10", "partner-3"]
    assert entry["listing"]["apiName"] == "mm" and entry["listing"]["canTrade"] is True
    assert entry["unverifiable"] == []
    assert [row["apiName"] for row in state.sub_accounts["mm@example.com"]] == ["mm"]


def test_ip_not_whitelisted_is_told_apart_from_a_gone_key(fleet: Fleet) -> None:
    fleet.sub("mm@example.com")
    fleet.add_master()
    fleet.add("fenced", owner="mm@example.com", ip_restrict=True, ip_list=["203.0.113.10"])
    fleet.add("gone", owner="mm@example.com")
    fleet.add("gone-top")
    fleet.scenario.keys = [k for k in fleet.scenario.keys if k.label not in ("gone", "gone-top")]
    with Emulator(fleet.scenario) as emu:
        state = fetch(fleet, emu)
    assert state.keys["fenced"] == {"status": "error", "error": IP_NOT_WHITELISTED}
    assert state.keys["gone"]["status"] == "not_found"
    assert "does not show it" in state.keys["gone"]["reason"]
    # Without a listing Binance cannot tell "gone" from "IP not whitelisted": say both.
    assert state.keys["gone-top"]["status"] == "not_found"
    assert (
        "IP" in state.keys["gone-top"]["reason"]
        and "does not exist" in state.keys["gone-top"]["reason"]
    )


def test_malformed_api_key_is_not_found(fleet: Fleet) -> None:
    fleet.add("typo")
    fleet.env["TYPO_API_KEY"] = "short-key"
    with Emulator(fleet.scenario) as emu:
        entry = fetch(fleet, emu).keys["typo"]
    assert entry["status"] == "not_found" and "-2014" in entry["reason"]


def test_missing_env_and_bad_pem_name_the_variable_only(fleet: Fleet) -> None:
    fleet.add("no-secret")
    fleet.add("bad-pem", "ed25519")
    fleet.add("fine")
    del fleet.env["NO_SECRET_SECRET"]
    fleet.env["BAD_PEM_PEM"] = (
        "-----BEGIN PRIVATE KEY-----\nQUJDREVGR0g=\n-----END PRIVATE KEY-----"
    )
    with Emulator(fleet.scenario) as emu:
        state = fetch(fleet, emu)
        assert emu.count("/sapi/v1/account/apiRestrictions") == 1  # nothing sent for broken ones
    assert state.keys["no-secret"] == {
        "status": "error",
        "error": "environment variable NO_SECRET_SECRET is not set",
    }
    assert state.keys["bad-pem"]["status"] == "error"
    assert state.keys["bad-pem"]["error"].startswith("BAD_PEM_PEM: ")
    assert "QUJDREVGR0g" not in state.keys["bad-pem"]["error"]
    assert state.keys["fine"]["status"] == "ok"


def test_fleet_is_audited_with_master_credentials_alone(fleet: Fleet) -> None:
    fleet.sub("mm@example.com")
    fleet.sub("arb@example.com")
    fleet.add_master("rsa")
    for n in range(3):
        fleet.add(
            f"mm-{n}",
            owner="mm@example.com",
            permissions=PERMS,
            ip_restrict=True,
            ip_list=["203.0.113.10"],
        )
    fleet.add("arb", "ed25519", owner="arb@example.com", permissions={"enableFutures": True})
    fleet.add("leftover", owner="arb@example.com", declare=False)
    with Emulator(fleet.scenario) as emu:
        state = fetch(fleet, emu, env=fleet.master_only_env())
        assert emu.count("/sapi/v1/account/apiRestrictions") == 0
    for name in ("mm-0", "mm-1", "mm-2", "arb"):
        entry = state.keys[name]
        assert entry["status"] == "ok", entry
        assert entry["restrictions"] is None and entry["listing"]["apiName"] == name
        assert (
            "permissions.withdrawals" in entry["unverifiable"]
            and "max_age" in entry["unverifiable"]
        )
        assert "permissions.futures" not in entry["unverifiable"]
        assert any("not set" in note for note in entry["notes"])
    assert state.keys["mm-1"]["ip_list"] == ["203.0.113.10"]
    assert state.keys["arb"]["listing"]["canFuturesTrade"] is True
    # The undeclared key is in the state so KL307 can find it without Binance.
    assert sorted(r["apiName"] for r in state.sub_accounts["arb@example.com"]) == [
        "arb",
        "leftover",
    ]


def test_master_listing_is_paged_and_legacy_list_shape_is_read(fleet: Fleet) -> None:
    fleet.sub("big@example.com")
    fleet.add_master()
    fleet.scenario.listing_field = "list"
    fleet.add("wanted", owner="big@example.com", own_credentials=False)
    for n in range(130):
        fleet.add(f"k{n}", owner="big@example.com", declare=False, own_credentials=False)
    with Emulator(fleet.scenario) as emu:
        state = fetch(fleet, emu)
        pages = [r.params.get("page") for r in emu.requests if r.path == PATH_SUB_API]
    assert pages == ["1", "2"]
    assert len(state.sub_accounts["big@example.com"]) == 131
    assert state.keys["wanted"]["status"] == "ok"


def test_sub_account_list_is_paged_past_its_default_of_one(fleet: Fleet) -> None:
    for n in range(205):
        fleet.sub(f"s{n}@example.com")
    fleet.add_master()
    fleet.add("late", owner="s204@example.com", own_credentials=False)
    with Emulator(fleet.scenario) as emu:
        state = fetch(fleet, emu)
    assert state.keys["late"]["status"] == "ok", state.keys["late"]


def test_key_without_credentials_or_listing_is_an_error(fleet: Fleet) -> None:
    fleet.sub("mm@example.com")
    fleet.add_master()
    fleet.add("nolabel", owner="mm@example.com", own_credentials=False)
    fleet.specs[0].api_name = "not-on-binance"
    fleet.add("ghost-sub", own_credentials=False, owner="nobody@example.com")
    with Emulator(fleet.scenario) as emu:
        state = fetch(fleet, emu)
    assert state.keys["nolabel"]["status"] == "not_found"
    assert state.keys["ghost-sub"]["status"] == "error"
    assert "not a sub-account of the master" in state.keys["ghost-sub"]["error"]


def test_clock_is_synced_once_at_start(fleet: Fleet) -> None:
    for n in range(5):
        fleet.add(f"k{n}")
    with Emulator(fleet.scenario) as emu:
        fetch(fleet, emu)
        assert emu.count(PATH_TIME) == 1


def test_progress_reports_every_key(fleet: Fleet, emulator: Emulator) -> None:
    # The fixture's emulator serves the fleet's scenario live: keys added now are known.
    fleet.add("a")
    fleet.add("b")
    del fleet.env["B_SECRET"]
    calls: list[tuple[int, int, int, int]] = []
    fetch(fleet, emulator, progress=lambda *args: calls.append(args))
    assert calls[-1] == (2, 2, 1, 0)
    assert sorted(c[0] for c in calls) == [1, 2]


def test_random_api_keys_look_like_binance_keys() -> None:
    key = random_api_key()
    assert len(key) == 64 and key.isalnum()


def test_ip_restriction_is_asked_for_the_listed_key(fleet: Fleet) -> None:
    fleet.sub("mm@example.com")
    fleet.add_master()
    secret = fleet.add("mm", owner="mm@example.com")
    with Emulator(fleet.scenario) as emu:
        fetch(fleet, emu)
        asked = [r.params["subAccountApiKey"] for r in emu.requests if r.path == PATH_SUB_API_IP]
    assert asked == [secret.api_key[:8] + "…"]  # recorded as a prefix only


def test_a_proxy_named_in_the_environment_carries_the_requests(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HTTP_PROXY is honoured as httpx always honoured it: the emulator stands in for the proxy
    (it reads the absolute-form target a proxy receives), Binance's host is never resolved."""
    fleet.add("bot", "ed25519", permissions=PERMS)
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    with Emulator(fleet.scenario) as emu:
        monkeypatch.setenv("HTTP_PROXY", emu.base_url)
        state = asyncio.run(
            fetch_live_state(
                fleet.specs, None, base_url="http://binance.invalid", env=fleet.env, timeout=5.0
            )
        )
        assert {r.path for r in emu.requests} == {PATH_TIME, "/sapi/v1/account/apiRestrictions"}
    assert state.keys["bot"]["status"] == "ok", state.keys["bot"]
