"""The Vault/OpenBao store's edges that a real dev server will not produce on demand (5xx,
redirects, timeouts, odd answers), through httpx.MockTransport."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import httpx
import pytest

from keylint.store import StoredSecret, StoreError
from keylint.store.vault import VaultStore

T = TypeVar("T")
ADDRESS = "https://vault.example.test:8200"
KV2 = {"data": {"path": "secret/", "type": "kv", "options": {"version": "2"}}}


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


Handler = Callable[[httpx.Request], httpx.Response]


def serve(
    answers: dict[tuple[str, str], httpx.Response | Handler],
) -> tuple[Handler, list[httpx.Request]]:
    """A fake server: (method, path) → response; the mount lookup answers KV v2 by default."""
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        key = (request.method, request.url.path)
        if key in answers:
            answer = answers[key]
            return answer if isinstance(answer, httpx.Response) else answer(request)
        if request.url.path.startswith("/v1/sys/internal/ui/mounts/"):
            return httpx.Response(200, json=KV2)
        return httpx.Response(404, json={"errors": []})

    return handle, seen


def store(handler: Handler, **options: Any) -> VaultStore:
    options.setdefault("token", "hvs." + secrets.token_urlsafe(24))
    return VaultStore(
        address=ADDRESS, timeout=2.0, transport=httpx.MockTransport(handler), **options
    )


def failure(
    vault: VaultStore, call: Callable[[VaultStore], Coroutine[Any, Any, Any]]
) -> StoreError:
    async def go() -> None:
        async with vault:
            await call(vault)

    with pytest.raises(StoreError) as caught:
        run(go())
    return caught.value


# --- what goes on the wire ---------------------------------------------------------------------


def test_token_and_namespace_travel_as_headers_only() -> None:
    token = "hvs." + secrets.token_urlsafe(24)
    handler, seen = serve({})
    vault = store(handler, token=token, namespace="team/eu")
    assert run(_read(vault, "secret/binance/bot")) is None
    assert [r.url.path for r in seen] == [
        "/v1/sys/internal/ui/mounts/secret/binance/bot",
        "/v1/secret/data/binance/bot",
    ]
    for request in seen:
        assert request.headers["X-Vault-Token"] == token
        assert request.headers["X-Vault-Namespace"] == "team/eu"
        assert token not in str(request.url)
    assert token not in repr(vault)


def test_the_mount_is_asked_once() -> None:
    handler, seen = serve({})
    vault = store(handler)

    async def twice() -> None:
        async with vault:
            await vault.read("secret/a")
            await vault.read("secret/b/c")

    run(twice())
    lookups = [r for r in seen if "/sys/internal/ui/mounts/" in r.url.path]
    assert len(lookups) == 1


def test_write_sends_cas_then_the_metadata() -> None:
    handler, seen = serve(
        {
            ("POST", "/v1/secret/data/bot"): httpx.Response(200, json={"data": {"version": 7}}),
            ("POST", "/v1/secret/metadata/bot"): httpx.Response(204),
        }
    )
    vault = store(handler)
    assert run(_write(vault, "secret/bot", {"a": "1"}, custom_metadata={"m": "x"}, cas=6)) == 7
    data, metadata = (json.loads(r.content) for r in seen[1:])
    assert data == {"data": {"a": "1"}, "options": {"cas": 6}}
    assert metadata == {"custom_metadata": {"m": "x"}}


# --- failures ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (503, f"the store at {ADDRESS} answered 503 (sealed or unavailable) on secret/data/bot"),
        (500, f"the store at {ADDRESS} answered 500 on secret/data/bot"),
        (403, f"permission denied on secret/data/bot at {ADDRESS}"),
    ],
)
def test_status_failures_are_one_line(status: int, expected: str) -> None:
    body = {"errors": ["1 error occurred:\n\t* something\n\n"]}
    handler, _ = serve({("GET", "/v1/secret/data/bot"): httpx.Response(status, json=body)})
    reason = failure(store(handler), lambda v: v.read("secret/bot")).reason
    assert reason.startswith(expected) and "\n" not in reason


def test_a_timeout_is_named() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    handler, _ = serve({("GET", "/v1/secret/data/bot"): slow})
    reason = failure(store(handler), lambda v: v.read("secret/bot")).reason
    assert reason == f"the store at {ADDRESS} did not answer GET secret/data/bot within 2 s"


def test_a_redirect_is_not_followed() -> None:
    elsewhere = httpx.Response(307, headers={"Location": "https://evil.example.test/v1/x"})
    handler, seen = serve({("GET", "/v1/secret/data/bot"): elsewhere})
    reason = failure(store(handler), lambda v: v.read("secret/bot")).reason
    assert "redirected secret/data/bot elsewhere (307)" in reason
    assert all(r.url.host == "vault.example.test" for r in seen)


def test_the_stores_words_never_carry_a_written_value() -> None:
    value = secrets.token_urlsafe(30)
    echo = httpx.Response(400, json={"errors": [f"bad value {value} in\n\x1b[31mdata"]})
    handler, _ = serve({("POST", "/v1/secret/data/bot"): echo})
    reason = failure(store(handler), lambda v: v.write("secret/bot", {"k": value})).reason
    assert value not in reason and "(a written value)" in reason
    assert "\x1b" not in reason and "\n" not in reason


def test_a_failed_metadata_write_says_the_version_is_written() -> None:
    handler, _ = serve(
        {
            ("POST", "/v1/secret/data/bot"): httpx.Response(200, json={"data": {"version": 3}}),
            ("POST", "/v1/secret/metadata/bot"): httpx.Response(503),
        }
    )
    error = failure(store(handler), lambda v: v.write("secret/bot", {"a": "1"}, custom_metadata={}))
    assert error.written_version == 3
    assert error.reason.startswith("secret/data/bot version 3 was written but its metadata was not")


def test_an_answer_that_is_not_json_is_named() -> None:
    page = httpx.Response(200, text="<html>proxy login</html>")
    handler, _ = serve({("GET", "/v1/secret/data/bot"): page})
    reason = failure(store(handler), lambda v: v.read("secret/bot")).reason
    assert reason == f"the store at {ADDRESS} answered secret/data/bot with something not JSON"


@pytest.mark.parametrize("path", ["", "/", "secret//x", "secret/../x"])
def test_paths_that_name_no_secret_are_refused(path: str) -> None:
    handler, seen = serve({})
    assert "is not a secret path" in failure(store(handler), lambda v: v.read(path)).reason
    assert seen == []


@pytest.mark.parametrize(
    ("granted", "lacking"),
    [
        ({"secret/data/bot": ["root"], "secret/metadata/bot": ["root"]}, None),
        (
            {"secret/data/bot": ["deny"], "secret/metadata/bot": ["update", "create"]},
            "read, create, update on secret/data/bot",
        ),
        ({"secret/data/bot": ["read", "create", "update"]}, "update on secret/metadata/bot"),
    ],
)
def test_preflight_reads_capabilities(granted: dict[str, list[str]], lacking: str | None) -> None:
    handler, _ = serve(
        {("POST", "/v1/sys/capabilities-self"): httpx.Response(200, json={"data": granted})}
    )
    if lacking is None:
        run(_preflight(store(handler), ["secret/bot"]))
    else:
        assert lacking in failure(store(handler), lambda v: v.preflight(["secret/bot"])).reason


async def _read(vault: VaultStore, path: str) -> StoredSecret | None:
    async with vault:
        return await vault.read(path)


async def _write(vault: VaultStore, path: str, data: dict[str, str], **options: Any) -> int:
    async with vault:
        return await vault.write(path, data, **options)


async def _preflight(vault: VaultStore, paths: list[str]) -> None:
    async with vault:
        await vault.preflight(paths)
