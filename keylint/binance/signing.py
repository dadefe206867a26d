"""Request signing for Binance: HMAC-SHA256, Ed25519 and RSA, I/O-free.

Binance signs "the query string exactly as sent, concatenated with the body", so the signer
works on the text that goes on the wire, never on a re-encoded dict. The client encodes a
call's parameters once and signs that string (`signed_params`); `BinanceAuth` does the same
for any other httpx user (the emulator's tests), on the request httpx built.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import stat
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import quote

import httpx

from keylint.secrets import key_prefix

DEFAULT_RECV_WINDOW = 5000
MAX_RECV_WINDOW = 60000


class CredentialError(Exception):
    """Credentials could not be loaded; the message never contains the secret or PEM."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Signer(Protocol):
    @property
    def kind(self) -> str: ...

    def sign(self, payload: bytes) -> str: ...


# repr=False everywhere below: a dataclass repr would print the key material.
@dataclass(frozen=True, repr=False)
class HmacSigner:
    secret: bytes = field(repr=False)
    kind: str = "hmac"

    def sign(self, payload: bytes) -> str:
        return hmac.new(self.secret, payload, hashlib.sha256).hexdigest()

    def __repr__(self) -> str:
        return "HmacSigner(<secret hidden>)"


@dataclass(frozen=True, repr=False)
class Ed25519Signer:
    private_key: object = field(repr=False)  # cryptography Ed25519PrivateKey
    kind: str = "ed25519"

    def sign(self, payload: bytes) -> str:
        return base64.b64encode(self.private_key.sign(payload)).decode("ascii")  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return "Ed25519Signer(<private key hidden>)"


@dataclass(frozen=True, repr=False)
class RsaSigner:
    private_key: object = field(repr=False)  # cryptography RSAPrivateKey
    kind: str = "rsa"

    def sign(self, payload: bytes) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        signature = self.private_key.sign(payload, padding.PKCS1v15(), hashes.SHA256())  # type: ignore[attr-defined]
        return base64.b64encode(signature).decode("ascii")

    def __repr__(self) -> str:
        return "RsaSigner(<private key hidden>)"


@dataclass(frozen=True, repr=False)
class Credentials:
    """An API key with its signer; safe to print."""

    api_key: str
    signer: Signer

    def __repr__(self) -> str:
        return f"Credentials(api_key={key_prefix(self.api_key)!r}, kind={self.signer.kind!r})"

    __str__ = __repr__


def load_signer(secret: str | None = None, private_key: str | None = None) -> Signer:
    """Build a signer from an HMAC secret, or a PEM private key given as a path or as text."""
    if secret and private_key:
        raise CredentialError("give either an HMAC secret or a private key, not both")
    if secret is not None:
        if not secret.strip():
            raise CredentialError("the HMAC secret is empty")
        return HmacSigner(secret.strip().encode("utf-8"))
    if private_key is None or not private_key.strip():
        raise CredentialError("no secret and no private key given")
    return _load_private_key(_pem_bytes(private_key.strip()))


# A PEM private key is a few KiB (RSA 4096: about 3.3 KiB). Anything much larger is not one,
# and reading it whole (a variable pointing at /dev/zero) would only eat memory.
MAX_PEM_BYTES = 64 * 1024


def _pem_bytes(value: str) -> bytes:
    # Inline PEM text starts with its armour; anything else is taken as a file path.
    if value.startswith("-----BEGIN"):
        return value.encode("ascii", errors="replace")
    if "\n" in value or len(value) > 4096:
        raise CredentialError("the private key is neither PEM text nor a file path")
    return _read_key_file(os.path.expanduser(value))


def _read_key_file(path: str) -> bytes:
    """A regular file of at most MAX_PEM_BYTES; never blocks on a FIFO or reads a device."""
    try:
        # O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever, past any
        # --timeout. The type check below refuses it right after.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise CredentialError("the private key file does not exist") from None
    except OSError as exc:
        raise CredentialError(f"the private key file cannot be read ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise CredentialError("the private key path is not a regular file")
        try:
            pem = handle.read(MAX_PEM_BYTES + 1)
        except OSError as exc:
            raise CredentialError(f"the private key file cannot be read ({exc.strerror})") from None
    if len(pem) > MAX_PEM_BYTES:
        raise CredentialError(
            f"the private key file is larger than {MAX_PEM_BYTES // 1024} KiB: not a PEM key"
        )
    return pem


def _load_private_key(pem: bytes) -> Signer:
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    # `from None` everywhere: a chained cryptography exception could echo key bytes.
    try:
        key = load_pem_private_key(pem, password=None)
    except TypeError:
        raise CredentialError("the private key is encrypted; give an unencrypted PEM") from None
    except (ValueError, Exception):
        raise CredentialError(
            "the private key is not a readable PEM private key (Ed25519 or RSA, PKCS#8)"
        ) from None
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return Ed25519Signer(key)
    if isinstance(key, rsa.RSAPrivateKey):
        return RsaSigner(key)
    raise CredentialError("the private key is neither Ed25519 nor RSA; Binance accepts only those")


def signed_params(
    params: str, signer: Signer, *, timestamp: int, recv_window: int, prefix: str = ""
) -> str:
    """Append timestamp, recvWindow and the signature (last) to already-encoded params.

    `prefix` is the query string when the params travel in a body: Binance signs
    query + body as one string.
    """
    sep = "&" if params else ""
    unsigned = f"{params}{sep}timestamp={timestamp}&recvWindow={recv_window}"
    signature = signer.sign((prefix + unsigned).encode("ascii"))
    return f"{unsigned}&signature={quote(signature, safe='')}"


class BinanceAuth(httpx.Auth):
    """Signs each request with the key's signer; `clock` gives Binance time in ms."""

    requires_request_body = True

    def __init__(
        self,
        credentials: Credentials,
        *,
        clock: Callable[[], int],
        recv_window: int = DEFAULT_RECV_WINDOW,
    ) -> None:
        if not 0 < recv_window <= MAX_RECV_WINDOW:
            raise ValueError(f"recvWindow must be within 1..{MAX_RECV_WINDOW} ms")
        self._credentials = credentials
        self._clock = clock
        self._recv_window = recv_window

    def __repr__(self) -> str:
        return f"BinanceAuth({self._credentials!r})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        query = request.url.query.decode("ascii")
        timestamp, window = self._clock(), self._recv_window
        signer = self._credentials.signer
        if request.content:
            # POST/DELETE: the signed parameters go in the form body, after the query.
            body = signed_params(
                request.content.decode("ascii"),
                signer,
                prefix=query,
                timestamp=timestamp,
                recv_window=window,
            )
            headers = request.headers.copy()
            headers.pop("Content-Length", None)
            request = httpx.Request(
                request.method,
                request.url,
                headers=headers,
                content=body.encode("ascii"),
                extensions=request.extensions,
            )
        else:
            full = signed_params(query, signer, timestamp=timestamp, recv_window=window)
            request.url = request.url.copy_with(query=full.encode("ascii"))
        request.headers["X-MBX-APIKEY"] = self._credentials.api_key
        yield request
