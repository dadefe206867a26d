"""HashiCorp Vault / OpenBao KV version 2 over httpx: the `SecretStore` rotation writes to.

A path is `<kv mount>/<secret path>` (SPEC §7: `secret/binance/mm-bot-eu`). The mount and
its KV version are asked of the server (`sys/internal/ui/mounts/<path>`, which answers any
token with a capability under the mount) rather than guessed from the first segment, so
mounts such as `kv/prod/` work and a KV version 1 mount is refused before anything is written.

Versions and metadata: every write is a new version of `<mount>/data/<path>`; custom metadata
lives at `<mount>/metadata/<path>`, ONE map per secret rather than per version, so it is
written after each data write and always describes the latest write (for rotation: the
latest replaced key and its deadline). The two requests are not atomic: when the second
fails, the `StoreError` carries `written_version`.

The token travels only in the `X-Vault-Token` header. No message, log record or repr holds it
or a secret value: errors name the address and the path, and any text the store sends back
is cut to one line with the values of the write in hand removed.
"""

from __future__ import annotations

import json
import logging
import re
import ssl
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from keylint.secrets import redact
from keylint.store import StoreConflict, StoredSecret, StoreError
from keylint.tls import context_for

log = logging.getLogger("keylint.store")

# What rotation does with a path (SPEC §7): read the current key, write a new version
# (create for a new secret, update for an existing one), then replace the secret's metadata
# (update: it exists once the data is written). `.pending` secrets are also destroyed.
_DATA_CAPABILITIES = ("read", "create", "update")
_METADATA_CAPABILITIES = ("update",)
_DESTROY_CAPABILITIES = ("delete",)
_ORDER = ("read", "create", "update", "delete")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Vault wraps single errors as "1 error occurred:\n\t* permission denied\n\n".
_MULTIERROR = re.compile(r"^\d+ errors? occurred:\s*\*\s*", re.IGNORECASE)


def _inert(text: str) -> str:
    """One line, no control characters: safe in a terminal and a CI log."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _clean_path(path: str) -> str:
    clean = path.strip().strip("/")
    segments = clean.split("/")
    if not clean or any(part in ("", ".", "..") for part in segments):
        raise StoreError(f"{_inert(path)!r} is not a secret path: write <kv mount>/<secret path>")
    return clean


class VaultStore:
    """A Vault or OpenBao server's KV version 2 secrets; build it with `store_from_env`."""

    def __init__(
        self,
        *,
        address: str,
        token: str,
        namespace: str | None = None,
        ca_cert: str | None = None,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.address = _shown_address(address)
        self.namespace = namespace
        self.ca_cert = ca_cert
        self.timeout = timeout
        if not token.isascii() or not token.isprintable():
            # Usually a line break copied along from a file; the token itself is never shown.
            raise StoreError("VAULT_TOKEN holds characters no token has (a line break?)")
        headers = {"X-Vault-Token": token, "X-Vault-Request": "true"}
        if namespace:
            if not namespace.isascii() or not namespace.isprintable():
                raise StoreError(f"VAULT_NAMESPACE={_inert(namespace)!r} is not a namespace path")
            headers["X-Vault-Namespace"] = namespace
        verify = context_for(address)
        if ca_cert:
            try:
                verify = ssl.create_default_context(cafile=ca_cert)
            except (OSError, ssl.SSLError) as exc:
                detail = getattr(exc, "strerror", None) or type(exc).__name__
                raise StoreError(
                    f"VAULT_CACERT={_inert(ca_cert)} cannot be read as a CA bundle ({detail})"
                ) from None
        self._mounts: set[str] = set()
        # Redirects are not followed: a standby node's 307 would carry the token to whatever
        # host it names, and Vault's own client refuses that across hosts too.
        self._http = httpx.AsyncClient(
            base_url=address.rstrip("/") + "/v1/",
            headers=headers,
            verify=verify,
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"VaultStore({self.address}, namespace={self.namespace!r})"

    # lifecycle -------------------------------------------------------------------------------
    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> VaultStore:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    # the SecretStore interface ---------------------------------------------------------------
    async def read(self, path: str) -> StoredSecret | None:
        """The latest version, or None when there is none or it is deleted or destroyed."""
        mount, rest = await self._split(path)
        what = f"{mount}/data/{rest}"
        response = await self._send("GET", what)
        # KV v2 answers 404 both for a missing secret and for a deleted latest version.
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise self._failure(response, what)
        body = _json_object(response, what, self.address).get("data") or {}
        values, metadata = body.get("data"), body.get("metadata") or {}
        if values is None:
            return None
        if not isinstance(values, dict) or not isinstance(metadata, dict):
            raise StoreError(f"the store at {self.address} answered {what} with an unknown shape")
        try:
            version = int(metadata["version"])
        except (KeyError, TypeError, ValueError):
            raise StoreError(
                f"the store at {self.address} answered {what} without a version number"
            ) from None
        return StoredSecret(
            data={str(k): v if isinstance(v, str) else json.dumps(v) for k, v in values.items()},
            version=version,
            custom_metadata={
                str(k): str(v) for k, v in (metadata.get("custom_metadata") or {}).items()
            },
        )

    async def write(
        self,
        path: str,
        data: Mapping[str, str],
        *,
        custom_metadata: Mapping[str, str] | None = None,
        cas: int | None = None,
    ) -> int:
        """Write a new version (check-and-set with `cas`), then the secret's custom metadata."""
        mount, rest = await self._split(path)
        what = f"{mount}/data/{rest}"
        payload: dict[str, Any] = {"data": dict(data)}
        if cas is not None:
            payload["options"] = {"cas": cas}
        hidden = list(data.values())
        response = await self._send("POST", what, payload, hidden=hidden)
        if response.status_code != 200:
            if response.status_code == 400 and "check-and-set" in _store_says(response, hidden):
                expected = "not to exist yet" if cas == 0 else f"to be at version {cas}"
                raise StoreConflict(
                    f"check-and-set conflict on {what} at {self.address}: the secret was "
                    f"expected {expected}, and another write got there first"
                )
            raise self._failure(response, what, hidden)
        try:
            version = int(_json_object(response, what, self.address)["data"]["version"])
        except (KeyError, TypeError, ValueError):
            raise StoreError(
                f"the store at {self.address} accepted {what} but named no version"
            ) from None
        if custom_metadata is not None:
            await self._write_metadata(mount, rest, custom_metadata, version)
        return version

    async def destroy(self, path: str) -> None:
        """Delete the secret, all its versions and its metadata (`DELETE <mount>/metadata/…`)."""
        mount, rest = await self._split(path)
        what = f"{mount}/metadata/{rest}"
        response = await self._send("DELETE", what)
        if response.status_code not in (200, 204, 404):
            raise self._failure(response, what)

    async def preflight(self, paths: Iterable[str], *, destroy: Iterable[str] = ()) -> None:
        """Raise unless the token may read and write every path (and destroy `destroy`),
        asking `sys/capabilities-self` rather than trying: nothing is written."""
        needed: dict[str, set[str]] = {}
        doomed = list(destroy)
        for path in [*paths, *doomed]:
            mount, rest = await self._split(path)
            needed.setdefault(f"{mount}/data/{rest}", set()).update(_DATA_CAPABILITIES)
            needed.setdefault(f"{mount}/metadata/{rest}", set()).update(_METADATA_CAPABILITIES)
        for path in doomed:
            mount, rest = await self._split(path)
            needed[f"{mount}/metadata/{rest}"].update(_DESTROY_CAPABILITIES)
        if not needed:
            return
        what = "sys/capabilities-self"
        response = await self._send("POST", what, {"paths": list(needed)})
        if response.status_code == 403:
            raise StoreError(
                f"permission denied on {what} at {self.address}: the token cannot list its own "
                "capabilities (Vault's and OpenBao's `default` policy allows it)"
            )
        if response.status_code != 200:
            raise self._failure(response, what)
        body = _json_object(response, what, self.address)
        # Both Vault and OpenBao answer with the map at the top level and again under `data`.
        data = body.get("data")
        granted: dict[str, Any] = data if isinstance(data, dict) else body
        lacking: list[str] = []
        for api_path, wanted in needed.items():
            have = set(granted.get(api_path) or [])
            if "root" in have:
                continue
            if "deny" in have:
                have = set()
            missing = [cap for cap in _ORDER if cap in wanted and cap not in have]
            if missing:
                lacking.append(f"{', '.join(missing)} on {api_path}")
        if lacking:
            raise StoreError(
                f"the token for {self.address} lacks " + "; ".join(lacking) + " (rotation "
                "reads and writes each secret and its metadata, and destroys its .pending secret)"
            )

    # internals -------------------------------------------------------------------------------
    async def _split(self, path: str) -> tuple[str, str]:
        """(mount, path inside it), the mount asked of the server once and then remembered."""
        clean = _clean_path(path)
        for mount in self._mounts:
            if clean.startswith(mount + "/"):
                return mount, clean[len(mount) + 1 :]
        what = f"sys/internal/ui/mounts/{clean}"
        response = await self._send("GET", what)
        if response.status_code in (403, 404):
            # OpenBao answers 403 for a path under no mount, even to a root token.
            raise StoreError(
                f"permission denied on {clean} at {self.address}: the token may use nothing "
                "there, or no secrets engine is mounted there"
            )
        if response.status_code != 200:
            raise self._failure(response, what)
        info = _json_object(response, what, self.address).get("data") or {}
        mount = str(info.get("path") or "").strip("/")
        kind = str(info.get("type") or "")
        version = str((info.get("options") or {}).get("version") or "1")
        if not mount:
            raise StoreError(f"the store at {self.address} named no mount for {clean}")
        if kind not in ("kv", "generic"):
            raise StoreError(
                f"{mount}/ at {self.address} is a {_inert(kind)!r} secrets engine; keylint "
                "needs a KV version 2 mount"
            )
        if version != "2":
            raise StoreError(
                f"{mount}/ at {self.address} is a KV version 1 mount; keylint needs KV version "
                f"2: `bao kv enable-versioning {mount}/` (or `vault kv enable-versioning`)"
            )
        if not clean.startswith(mount + "/"):
            raise StoreError(f"{clean} names the mount {mount}/ itself, not a secret in it")
        self._mounts.add(mount)
        return mount, clean[len(mount) + 1 :]

    async def _write_metadata(
        self, mount: str, rest: str, custom_metadata: Mapping[str, str], version: int
    ) -> None:
        what = f"{mount}/metadata/{rest}"
        hidden = list(custom_metadata.values())
        try:
            response = await self._send(
                "POST", what, {"custom_metadata": dict(custom_metadata)}, hidden=hidden
            )
            if response.status_code not in (200, 204):
                raise self._failure(response, what, hidden)
        except StoreError as exc:
            raise StoreError(
                f"{mount}/data/{rest} version {version} was written but its metadata was not: "
                f"{exc.reason}",
                written_version=version,
            ) from None

    async def _send(
        self, method: str, what: str, payload: Any = None, *, hidden: Iterable[str] = ()
    ) -> httpx.Response:
        """One request to `/v1/<what>`; transport failures become one-line StoreErrors."""
        try:
            response = await self._http.request(method, quote(what, safe="/"), json=payload)
        except httpx.TimeoutException:
            raise StoreError(
                f"the store at {self.address} did not answer {method} {what} within "
                f"{self.timeout:g} s"
            ) from None
        except httpx.RemoteProtocolError:
            raise StoreError(
                f"the store at {self.address} dropped the connection during {method} {what}"
            ) from None
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from None
        log.debug("%s %s -> %d", method, what, response.status_code)
        if 300 <= response.status_code < 400:
            raise StoreError(
                f"the store at {self.address} redirected {what} elsewhere "
                f"({response.status_code}); set VAULT_ADDR to the address it names"
            )
        return response

    def _unreachable(self, exc: httpx.TransportError) -> StoreError:
        # The socket layer's words tell DNS from a closed port; they hold no credential.
        detail = _inert(" ".join(str(exc).split()))[:120] or type(exc).__name__
        if _is_certificate_failure(exc):
            hint = (
                f"its certificate is not signed by a CA in VAULT_CACERT={_inert(self.ca_cert)}, "
                "or names another host"
                if self.ca_cert
                else "set VAULT_CACERT to the CA bundle that signed the store's certificate"
            )
            return StoreError(f"TLS verification of {self.address} failed ({detail}): {hint}")
        if _cause(exc, ssl.SSLError) is not None:
            return StoreError(
                f"the TLS handshake with {self.address} failed ({detail}): does the store "
                "speak TLS at that port?"
            )
        return StoreError(f"the store at {self.address} is unreachable ({detail})")

    def _failure(
        self, response: httpx.Response, what: str, hidden: Iterable[str] = ()
    ) -> StoreError:
        status = response.status_code
        if status == 403:
            return StoreError(
                f"permission denied on {what} at {self.address}: the token lacks the "
                "capability, or has expired"
            )
        if status >= 500:
            # 503 is also how a sealed Vault answers.
            sealed = " (sealed or unavailable)" if status == 503 else ""
            return StoreError(f"the store at {self.address} answered {status}{sealed} on {what}")
        said = _store_says(response, hidden)
        return StoreError(
            f"the store at {self.address} refused {what} ({status})" + (f": {said}" if said else "")
        )


def _shown_address(address: str) -> str:
    """scheme://host:port[/path] of VAULT_ADDR, without any user:password part."""
    try:
        url = httpx.URL(address)
    except (httpx.InvalidURL, TypeError):
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        shown = "" if "@" in address else f"={_inert(address)!r}"
        raise StoreError(f"VAULT_ADDR{shown} is not an http:// or https:// address")
    host = f"[{url.host}]" if ":" in url.host else url.host
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{host}{port}{url.path.rstrip('/')}"


def _json_object(response: httpx.Response, what: str, address: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise StoreError(f"the store at {address} answered {what} with something not JSON")
    return body


def _store_says(response: httpx.Response, hidden: Iterable[str] = ()) -> str:
    """The store's own error words, one line, short, without any value we sent."""
    try:
        errors = response.json().get("errors") or []
    except (ValueError, AttributeError):
        return ""
    text = "; ".join(_MULTIERROR.sub("", str(item)).strip() for item in errors)
    # Vault's messages do not echo written values; this keeps it so if one ever did.
    for value in hidden:
        if value and len(value) >= 4:
            text = text.replace(value, "(a written value)")
    return redact(_inert(" ".join(text.split())))[:200]


def _cause(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, kind):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _is_certificate_failure(exc: BaseException) -> bool:
    return _cause(
        exc, ssl.SSLCertVerificationError
    ) is not None or "CERTIFICATE_VERIFY_FAILED" in str(exc)
