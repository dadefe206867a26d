"""`store_from_env`: the Vault / OpenBao store the environment describes; and what a stored
secret shows of itself."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest

from keylint.store import StoredSecret, StoreError, store_from_env
from keylint.store.vault import VaultStore

T = TypeVar("T")
ADDRESS = "https://vault.example.test:8200"


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"VAULT_TOKEN": "t"}, "VAULT_ADDR is not set"),
        ({"VAULT_ADDR": ADDRESS}, "VAULT_TOKEN is not set"),
        ({"VAULT_ADDR": "  ", "VAULT_TOKEN": "t"}, "VAULT_ADDR is not set"),
        ({"VAULT_ADDR": "vault:8200", "VAULT_TOKEN": "t"}, "is not an http:// or https://"),
    ],
)
def test_missing_or_bad_variables_are_named(env: dict[str, str], named: str) -> None:
    with pytest.raises(StoreError, match=named):
        store_from_env(env, timeout=1.0)


def test_bao_variables_are_fallbacks() -> None:
    built = store_from_env(
        {"BAO_ADDR": "http://127.0.0.1:8200", "BAO_TOKEN": "t", "BAO_NAMESPACE": "team"},
        timeout=1.0,
    )
    assert isinstance(built, VaultStore)
    assert built.address == "http://127.0.0.1:8200" and built.namespace == "team"
    run(built.aclose())


def test_the_address_is_shown_without_credentials_in_it() -> None:
    built = store_from_env(
        {"VAULT_ADDR": "https://user:pa55word@vault.example.test:8200/", "VAULT_TOKEN": "t"},
        timeout=1.0,
    )
    assert isinstance(built, VaultStore)
    assert built.address == "https://vault.example.test:8200"
    assert "pa55word" not in repr(built)
    run(built.aclose())


def test_a_token_with_a_line_break_is_refused_without_showing_it() -> None:
    token = secrets.token_urlsafe(20)
    with pytest.raises(StoreError) as caught:
        store_from_env({"VAULT_ADDR": ADDRESS, "VAULT_TOKEN": token + "\nx"}, timeout=1.0)
    assert "line break" in caught.value.reason and token not in caught.value.reason


def test_stored_secret_repr_hides_the_values() -> None:
    value = secrets.token_urlsafe(30)
    secret = StoredSecret({"private_key": value}, 2, {"replaced": "abcd1234"})
    assert value not in repr(secret) and value not in str(secret)
    assert "private_key" in repr(secret) and "abcd1234" in repr(secret)
