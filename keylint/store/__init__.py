"""Secret stores: where rotation (SPEC §7) writes a new key's credentials for its service.

One interface, `SecretStore`, so that stores other than HashiCorp Vault / OpenBao can follow;
`store_from_env` builds the one configured in the environment, reading the variables the
Vault and OpenBao CLIs read. Nothing here ever puts a token or a secret value in a message,
a log record or a repr: errors name the store's address and the secret's path only.

This module imports nothing heavy (httpx loads only when a store is built), so that commands
which never rotate pay nothing for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Protocol

from keylint.errors import KeylintError

__all__ = [
    "SecretStore",
    "StoreConflict",
    "StoreError",
    "StoredSecret",
    "configured_store",
    "store_from_env",
]


class StoreError(KeylintError):
    """A secret-store failure; `reason` is one line naming the address and the path.

    `written_version` is set when a write's data landed (as that version) but a later step of
    the same call failed, so that a caller can tell "nothing written" from "written, metadata
    missing" and finish the job rather than write a second version.
    """

    def __init__(self, reason: str, *, written_version: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.written_version = written_version


class StoreConflict(StoreError):
    """A check-and-set write found the secret at another version than the one expected."""


@dataclass(frozen=True, repr=False)
class StoredSecret:
    """The latest version of a secret: its fields, version number and the secret's metadata.

    `custom_metadata` belongs to the secret, not to the version (KV version 2 keeps one map per
    secret): it describes whatever the latest write said, which for rotation is the latest
    replaced key.
    """

    data: dict[str, str]
    version: int
    custom_metadata: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        # The field names help a debugging session; the values are the secret.
        return (
            f"StoredSecret(fields={sorted(self.data)}, version={self.version}, "
            f"custom_metadata={self.custom_metadata!r})"
        )


class SecretStore(Protocol):
    """A key/value secret store addressed by `<mount>/<path>` strings (SPEC §7 `rotation.path`).

    Use as `async with store:`; every method raises `StoreError` (never an httpx error).
    """

    async def read(self, path: str) -> StoredSecret | None:
        """The latest version, or None when there is none or it is deleted or destroyed."""
        ...

    async def write(
        self,
        path: str,
        data: Mapping[str, str],
        *,
        custom_metadata: Mapping[str, str] | None = None,
        cas: int | None = None,
    ) -> int:
        """Write a new version and return its number.

        `cas`: write only if the secret's current version is this one (0: only if it does not
        exist yet), else raise `StoreConflict`. `custom_metadata` replaces the secret's
        metadata map after the data is written (None leaves it as it is).
        """
        ...

    async def destroy(self, path: str) -> None:
        """Delete the secret with all its versions and metadata; absent is not an error."""
        ...

    async def preflight(self, paths: Iterable[str], *, destroy: Iterable[str] = ()) -> None:
        """Raise `StoreError` naming each path and missing capability unless the token may
        read and write every path in `paths` and `destroy`, and destroy those in `destroy`."""
        ...

    async def aclose(self) -> None:
        """Close the connections."""
        ...

    async def __aenter__(self) -> SecretStore: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...


def _first(env: Mapping[str, str], *names: str) -> str:
    for name in names:
        value = env.get(name, "").strip()
        if value:
            return value
    return ""


def store_from_env(env: Mapping[str, str], *, timeout: float) -> SecretStore:
    """The Vault / OpenBao store that `VAULT_ADDR`, `VAULT_TOKEN`, `VAULT_NAMESPACE` and
    `VAULT_CACERT` describe (`BAO_*` as fallbacks, as the OpenBao CLI reads them)."""
    address = _first(env, "VAULT_ADDR", "BAO_ADDR")
    if not address:
        raise StoreError(
            "VAULT_ADDR is not set: export the secret store's address "
            "(https://vault.example.com:8200) as the Vault and OpenBao CLIs read it"
        )
    token = _first(env, "VAULT_TOKEN", "BAO_TOKEN")
    if not token:
        raise StoreError(
            "VAULT_TOKEN is not set: export a token that may read and write the rotation paths"
        )
    from keylint.store.vault import VaultStore

    return VaultStore(
        address=address,
        token=token,
        namespace=_first(env, "VAULT_NAMESPACE", "BAO_NAMESPACE") or None,
        ca_cert=_first(env, "VAULT_CACERT", "BAO_CACERT") or None,
        timeout=timeout,
    )


def configured_store(env: Mapping[str, str], *, timeout: float) -> tuple[SecretStore | None, str]:
    """`store_from_env`, or None and the one-line reason there is no store."""
    try:
        return store_from_env(env, timeout=timeout), ""
    except StoreError as exc:
        return None, exc.reason
