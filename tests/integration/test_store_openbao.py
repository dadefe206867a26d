"""The Vault/OpenBao store against a REAL OpenBao dev server (tests/store_fixtures.py): versions,
metadata, check-and-set, destroy, capabilities, KV v1, namespaces, TLS, and no leaks."""

from __future__ import annotations

import asyncio
import logging
import secrets
import socket
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest

from keylint.store import SecretStore, StoreConflict, StoredSecret, StoreError, store_from_env
from tests.certificates import self_signed
from tests.store_fixtures import OpenBao

T = TypeVar("T")
TIMEOUT = 5.0
# What rotation asks of a token (SPEC §7): read and write `path` and `<path>.pending`, and
# destroy the pending one; exactly this, and no more, must pass preflight.
ROTATION_POLICY = {
    "secret/data/{p}": ["read", "create", "update"],
    "secret/metadata/{p}": ["update"],
    "secret/data/{p}.pending": ["read", "create", "update"],
    "secret/metadata/{p}.pending": ["update", "delete"],
}


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def unique(prefix: str = "binance") -> str:
    """A secret path of its own for each test: the server is shared by the session."""
    return f"{prefix}/t-{secrets.token_hex(6)}"


def private_value() -> str:
    """A secret-shaped value made at run time, to grep for."""
    return (
        "-----BEGIN PRIVATE KEY-----\n" + secrets.token_urlsafe(48) + "\n-----END PRIVATE KEY-----"
    )


async def with_store(
    env: dict[str, str], action: Callable[[SecretStore], Awaitable[T]], *, timeout: float = TIMEOUT
) -> T:
    async with store_from_env(env, timeout=timeout) as store:
        return await action(store)


def store_error(env: dict[str, str], action: Callable[[SecretStore], Awaitable[Any]]) -> str:
    with pytest.raises(StoreError) as caught:
        run(with_store(env, action))
    return caught.value.reason


# --- versions, metadata, check-and-set, destroy ---------------------------------------------


def test_each_write_is_a_new_version_and_metadata_names_the_latest(openbao: OpenBao) -> None:
    path = f"secret/{unique()}"
    first = {"api_key": secrets.token_hex(8), "private_key": private_value()}
    second = {"api_key": secrets.token_hex(8), "private_key": private_value()}

    async def story(store: SecretStore) -> tuple[int, int, StoredSecret | None]:
        v1 = await store.write(path, first, custom_metadata={"replaced": "aaaa1111"}, cas=0)
        v2 = await store.write(path, second, custom_metadata={"replaced": "bbbb2222"}, cas=v1)
        return v1, v2, await store.read(path)

    v1, v2, latest = run(with_store(openbao.env(), story))
    assert (v1, v2) == (1, 2)
    assert latest is not None
    assert latest.data == second and latest.version == 2
    # KV v2 keeps one metadata map per secret: the latest write's.
    assert latest.custom_metadata == {"replaced": "bbbb2222"}
    # The first version is still in the store, as its own version.
    old = openbao.api("GET", f"secret/data/{path.removeprefix('secret/')}?version=1").json()
    assert old["data"]["data"] == first


def test_write_without_metadata_leaves_the_metadata(openbao: OpenBao) -> None:
    path = f"secret/{unique()}"

    async def story(store: SecretStore) -> StoredSecret | None:
        await store.write(path, {"a": "1"}, custom_metadata={"replaced": "cccc3333"})
        await store.write(path, {"a": "2"})
        return await store.read(path)

    latest = run(with_store(openbao.env(), story))
    assert latest is not None and latest.data == {"a": "2"} and latest.version == 2
    assert latest.custom_metadata == {"replaced": "cccc3333"}


def test_check_and_set_conflict_is_a_store_conflict(openbao: OpenBao) -> None:
    path = f"secret/{unique()}"

    async def story(store: SecretStore) -> None:
        await store.write(path, {"a": "1"}, cas=0)
        await store.write(path, {"a": "2"}, cas=0)

    with pytest.raises(StoreConflict) as caught:
        run(with_store(openbao.env(), story))
    reason = caught.value.reason
    assert "check-and-set" in reason and path.replace("secret/", "secret/data/") in reason
    assert openbao.address in reason

    async def stale(store: SecretStore) -> None:
        await store.write(path, {"a": "3"}, cas=5)

    with pytest.raises(StoreConflict, match="version 5"):
        run(with_store(openbao.env(), stale))
    latest = run(with_store(openbao.env(), lambda store: store.read(path)))
    assert latest is not None and latest.data == {"a": "1"} and latest.version == 1


def test_destroy_removes_every_version_and_the_metadata(openbao: OpenBao) -> None:
    path = f"secret/{unique()}.pending"

    async def story(store: SecretStore) -> tuple[StoredSecret | None, int]:
        await store.write(path, {"private_key": private_value()}, custom_metadata={"k": "v"})
        await store.write(path, {"private_key": private_value()})
        await store.destroy(path)
        gone = await store.read(path)
        # Nothing is left: a create-only write (cas=0) starts again at version 1.
        again = await store.write(path, {"private_key": "x"}, cas=0)
        await store.destroy(path)
        await store.destroy(path)  # absent: not an error
        return gone, again

    gone, again = run(with_store(openbao.env(), story))
    assert gone is None and again == 1
    inner = path.removeprefix("secret/")
    with pytest.raises(AssertionError, match="404"):
        openbao.api("GET", f"secret/metadata/{inner}")


def test_read_of_a_missing_or_deleted_secret_is_none(openbao: OpenBao) -> None:
    path = f"secret/{unique()}"
    assert run(with_store(openbao.env(), lambda store: store.read(path))) is None
    run(with_store(openbao.env(), lambda store: store.write(path, {"a": "1"})))
    # Soft-delete the latest version (as `bao kv delete` does): the secret has no current value.
    openbao.api("DELETE", f"secret/data/{path.removeprefix('secret/')}")
    assert run(with_store(openbao.env(), lambda store: store.read(path))) is None


def test_a_mount_other_than_the_first_segment_is_found(openbao: OpenBao) -> None:
    mount = f"kv-{secrets.token_hex(4)}/prod"
    openbao.api("POST", f"sys/mounts/{mount}", {"type": "kv", "options": {"version": "2"}})
    path = f"{mount}/binance/bot"
    run(with_store(openbao.env(), lambda store: store.write(path, {"a": "1"})))
    written = openbao.api("GET", f"{mount}/data/binance/bot").json()
    assert written["data"]["data"] == {"a": "1"}


# --- capabilities ----------------------------------------------------------------------------


def test_read_only_token_fails_preflight_naming_path_and_capability(openbao: OpenBao) -> None:
    inner = unique()
    openbao.policy(f"ro-{inner.replace('/', '-')}", {f"secret/data/{inner}": ["read"]})
    token = openbao.token(f"ro-{inner.replace('/', '-')}")
    env = openbao.env(token)
    path = f"secret/{inner}"

    reason = store_error(env, lambda store: store.preflight([path]))
    assert f"create, update on secret/data/{inner}" in reason
    assert f"update on secret/metadata/{inner}" in reason
    assert f"on secret/data/{inner}" in reason and "read," not in reason

    reason = store_error(env, lambda store: store.write(path, {"a": "1"}))
    assert reason.startswith(f"permission denied on secret/data/{inner} at {openbao.address}")
    assert token not in reason


def test_exactly_the_rotation_capabilities_pass_preflight_and_suffice(openbao: OpenBao) -> None:
    inner = unique()
    name = f"rot-{inner.replace('/', '-')}"
    openbao.policy(name, {k.format(p=inner): v for k, v in ROTATION_POLICY.items()})
    env = openbao.env(openbao.token(name))
    path, pending = f"secret/{inner}", f"secret/{inner}.pending"

    async def rotation(store: SecretStore) -> StoredSecret | None:
        await store.preflight([path], destroy=[pending])
        await store.write(pending, {"private_key": private_value()}, cas=0)
        current = await store.read(path)
        await store.write(
            path,
            {"api_key": "k", "private_key": private_value()},
            custom_metadata={"replaced": "dddd4444"},
            cas=current.version if current else 0,
        )
        await store.destroy(pending)
        assert await store.read(pending) is None
        return await store.read(path)

    latest = run(with_store(env, rotation))
    assert latest is not None and latest.custom_metadata == {"replaced": "dddd4444"}


def test_preflight_names_a_missing_delete_on_the_pending_secret(openbao: OpenBao) -> None:
    inner = unique()
    name = f"nodel-{inner.replace('/', '-')}"
    rules = {k.format(p=inner): v for k, v in ROTATION_POLICY.items()}
    rules[f"secret/metadata/{inner}.pending"] = ["update"]
    openbao.policy(name, rules)
    env = openbao.env(openbao.token(name))
    reason = store_error(
        env, lambda store: store.preflight([f"secret/{inner}"], destroy=[f"secret/{inner}.pending"])
    )
    assert reason.count(" on ") == 1 and f"delete on secret/metadata/{inner}.pending" in reason


def test_a_token_with_nothing_under_the_mount_is_told_so(openbao: OpenBao) -> None:
    env = openbao.env(openbao.token("default"))
    reason = store_error(env, lambda store: store.read("secret/binance/x"))
    assert reason.startswith(f"permission denied on secret/binance/x at {openbao.address}")


def test_an_unknown_token_is_permission_denied_and_not_shown(openbao: OpenBao) -> None:
    token = "s." + secrets.token_urlsafe(24)
    reason = store_error(openbao.env(token), lambda store: store.read("secret/binance/x"))
    assert "permission denied" in reason and token not in reason


# --- refusals ----------------------------------------------------------------------------------


def test_a_kv_version_1_mount_is_refused_before_anything_is_written(openbao: OpenBao) -> None:
    mount = f"kv1-{secrets.token_hex(4)}"
    openbao.api("POST", f"sys/mounts/{mount}", {"type": "kv", "options": {"version": "1"}})
    path = f"{mount}/binance/bot"
    reason = store_error(openbao.env(), lambda store: store.write(path, {"a": "1"}))
    assert reason == (
        f"{mount}/ at {openbao.address} is a KV version 1 mount; keylint needs KV version 2: "
        f"`bao kv enable-versioning {mount}/` (or `vault kv enable-versioning`)"
    )
    with pytest.raises(AssertionError, match="404"):
        openbao.api("GET", f"{mount}/binance/bot")


def test_a_path_naming_the_mount_itself_is_refused(openbao: OpenBao) -> None:
    reason = store_error(openbao.env(), lambda store: store.read("secret"))
    assert "names the mount secret/ itself" in reason


def test_a_store_that_is_down_is_unreachable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {"VAULT_ADDR": f"http://127.0.0.1:{port}", "VAULT_TOKEN": "t-" + secrets.token_hex(8)}
    reason = store_error(env, lambda store: store.read("secret/binance/x"))
    assert reason.startswith(f"the store at http://127.0.0.1:{port} is unreachable (")
    assert env["VAULT_TOKEN"] not in reason and "\n" not in reason


# --- namespaces and TLS ------------------------------------------------------------------------


def test_vault_namespace_is_sent(openbao: OpenBao) -> None:
    namespace = f"team{secrets.token_hex(3)}"
    openbao.api("POST", f"sys/namespaces/{namespace}", {})
    openbao.api(
        "POST",
        "sys/mounts/secret",
        {"type": "kv", "options": {"version": "2"}},
        namespace=namespace,
    )
    path = f"secret/{unique()}"
    env = openbao.env(VAULT_NAMESPACE=namespace)
    run(with_store(env, lambda store: store.write(path, {"where": namespace})))
    inside = run(with_store(env, lambda store: store.read(path)))
    assert inside is not None and inside.data == {"where": namespace}
    # The root namespace's secret/ never saw it.
    assert run(with_store(openbao.env(), lambda store: store.read(path))) is None


def test_tls_with_vault_cacert(openbao_tls: OpenBao) -> None:
    path = f"secret/{unique()}"
    run(with_store(openbao_tls.env(), lambda store: store.write(path, {"a": "1"})))
    latest = run(with_store(openbao_tls.env(), lambda store: store.read(path)))
    assert latest is not None and latest.data == {"a": "1"}


def test_tls_without_the_ca_names_vault_cacert(openbao_tls: OpenBao) -> None:
    env = openbao_tls.env()
    del env["VAULT_CACERT"]
    reason = store_error(env, lambda store: store.read("secret/binance/x"))
    assert reason.startswith(f"TLS verification of {openbao_tls.address} failed (")
    assert reason.endswith("set VAULT_CACERT to the CA bundle that signed the store's certificate")


def test_tls_with_another_ca_names_vault_cacert(openbao_tls: OpenBao, tmp_path: Path) -> None:
    other = tmp_path / "other-ca.pem"
    other.write_bytes(self_signed("another CA")[0])
    env = openbao_tls.env(VAULT_CACERT=str(other))
    reason = store_error(env, lambda store: store.read("secret/binance/x"))
    assert f"not signed by a CA in VAULT_CACERT={other}" in reason


def test_an_unreadable_vault_cacert_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.pem"
    env = {"VAULT_ADDR": "https://127.0.0.1:1", "VAULT_TOKEN": "t", "VAULT_CACERT": str(missing)}
    with pytest.raises(StoreError, match=f"VAULT_CACERT={missing} cannot be read"):
        store_from_env(env, timeout=TIMEOUT)


# --- nothing leaks -----------------------------------------------------------------------------


def test_no_token_or_secret_value_in_any_error_or_log(
    openbao: OpenBao, caplog: pytest.LogCaptureFixture
) -> None:
    inner = unique()
    name = f"leak-{inner.replace('/', '-')}"
    openbao.policy(name, {f"secret/data/{inner}": ["read"]})
    weak = openbao.token(name)
    value = private_value()
    api_key = secrets.token_urlsafe(32)
    path = f"secret/{inner}"
    reasons: list[str] = []

    async def attempt(env: dict[str, str], action: Callable[[SecretStore], Awaitable[Any]]) -> None:
        try:
            await with_store(env, action)
        except StoreError as exc:
            reasons.extend([exc.reason, str(exc), repr(exc)])

    async def everything() -> None:
        await attempt(openbao.env(), lambda s: s.write(path, {"private_key": value, "k": api_key}))
        await attempt(
            openbao.env(), lambda s: s.write(path, {"private_key": value, "k": api_key}, cas=0)
        )
        await attempt(openbao.env(weak), lambda s: s.write(path, {"private_key": value}))
        await attempt(openbao.env(weak), lambda s: s.preflight([path], destroy=[path]))
        await attempt(openbao.env(weak), lambda s: s.destroy(path))
        await attempt(openbao.env("bogus-" + api_key), lambda s: s.read(path))
        store = store_from_env(openbao.env(weak), timeout=TIMEOUT)
        async with store:
            secret = await store.read(path)
            reasons.extend([repr(store), repr(secret), str(secret)])

    with caplog.at_level(logging.DEBUG):
        run(everything())
    assert len(reasons) >= 6 * 3
    shown = "\n".join(reasons) + "\n" + "\n".join(r.getMessage() for r in caplog.records)
    assert caplog.records, "expected httpx and keylint.store debug records to check"
    for needle in (openbao.root_token, weak, value, api_key, *value.splitlines()[1:2]):
        assert needle not in shown
