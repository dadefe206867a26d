from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import parse_qsl, unquote

import httpx
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from keylint.binance.signing import (
    BinanceAuth,
    CredentialError,
    Credentials,
    Ed25519Signer,
    HmacSigner,
    RsaSigner,
    load_signer,
)

VECTOR_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
VECTOR_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
TAIL = (
    "&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
    "&recvWindow=5000&timestamp=1499827319559"
)


@pytest.mark.parametrize(
    ("symbol", "expected"),
    [
        ("LTCBTC", "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"),
        (
            "%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96",
            "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3",
        ),
    ],
)
def test_hmac_matches_the_official_vectors(symbol: str, expected: str) -> None:
    payload = f"symbol={symbol}{TAIL}".encode()
    assert load_signer(secret=VECTOR_SECRET).sign(payload) == expected


def _pem(key: PrivateKeyTypes) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def test_ed25519_round_trip_from_inline_pem() -> None:
    private = ed25519.Ed25519PrivateKey.generate()
    signer = load_signer(private_key=_pem(private))
    assert isinstance(signer, Ed25519Signer)
    signature = base64.b64decode(signer.sign(b"a=1&timestamp=2"))
    private.public_key().verify(signature, b"a=1&timestamp=2")
    with pytest.raises(InvalidSignature):
        private.public_key().verify(signature, b"a=1&timestamp=3")


def test_rsa_round_trip_from_pem_file(tmp_path: Path) -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "key.pem"
    path.write_text(_pem(private))
    signer = load_signer(private_key=str(path))
    assert isinstance(signer, RsaSigner)
    signature = base64.b64decode(signer.sign(b"x=1"))
    private.public_key().verify(signature, b"x=1", padding.PKCS1v15(), hashes.SHA256())


BAD_PEM = (
    "-----BEGIN PRIVATE KEY-----\nTUFURVJJQUwtVEhBVC1NVVNULU5PVC1MRUFL\n-----END PRIVATE KEY-----\n"
)


@pytest.mark.parametrize(
    "value",
    [BAD_PEM, "/nonexistent/dir/key.pem", "not a pem\nat all", "  "],
)
def test_bad_private_key_raises_without_echoing_it(value: str) -> None:
    with pytest.raises(CredentialError) as info:
        load_signer(private_key=value)
    text = str(info.value) + repr(info.value)
    assert "TUFURVJJQUwt" not in text and "nonexistent" not in text
    # A chained cryptography/OS error could print the value in a traceback.
    assert info.value.__cause__ is None
    assert info.value.__context__ is None or info.value.__suppress_context__


def test_encrypted_pem_is_a_credential_error() -> None:
    private = ed25519.Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"),
    ).decode()
    with pytest.raises(CredentialError, match="encrypted"):
        load_signer(private_key=pem)


def test_non_binance_key_type_is_refused() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    with pytest.raises(CredentialError, match="neither Ed25519 nor RSA"):
        load_signer(private_key=_pem(ec.generate_private_key(ec.SECP256R1())))


def test_secret_and_key_together_or_neither_are_refused() -> None:
    with pytest.raises(CredentialError):
        load_signer()
    with pytest.raises(CredentialError):
        load_signer(secret="s", private_key=BAD_PEM)
    with pytest.raises(CredentialError, match="empty"):
        load_signer(secret="   ")


def test_reprs_hide_secret_and_full_api_key() -> None:
    creds = Credentials(VECTOR_KEY, HmacSigner(VECTOR_SECRET.encode()))
    auth = BinanceAuth(creds, clock=lambda: 1)
    for text in (repr(creds), str(creds), repr(creds.signer), repr(auth), f"{creds}"):
        assert VECTOR_SECRET not in text
        assert VECTOR_KEY not in text
    assert "vmPUZE6m…" in repr(creds)


def _signed(request: httpx.Request, auth: BinanceAuth) -> httpx.Request:
    flow = auth.sync_auth_flow(request)
    return next(flow)


def test_auth_appends_timestamp_recvwindow_and_signature_last() -> None:
    creds = Credentials(VECTOR_KEY, HmacSigner(VECTOR_SECRET.encode()))
    auth = BinanceAuth(creds, clock=lambda: 1499827319559, recv_window=5000)
    request = httpx.Request(
        "GET",
        "https://api.binance.com/api/v3/order",
        params=[
            ("symbol", "LTCBTC"),
            ("side", "BUY"),
            ("type", "LIMIT"),
            ("timeInForce", "GTC"),
            ("quantity", "1"),
            ("price", "0.1"),
        ],
    )
    signed = _signed(request, auth)
    query = signed.url.query.decode()
    names = [name for name, _ in parse_qsl(query)]
    assert names[-3:] == ["timestamp", "recvWindow", "signature"]
    assert signed.headers["X-MBX-APIKEY"] == VECTOR_KEY
    payload, signature = query.rsplit("&signature=", 1)
    assert signature == HmacSigner(VECTOR_SECRET.encode()).sign(payload.encode())


def test_auth_percent_encodes_base64_signatures() -> None:
    private = ed25519.Ed25519PrivateKey.generate()
    creds = Credentials("k" * 64, Ed25519Signer(private))
    for stamp in range(1, 40):  # some signature will contain '+', '/' or '='

        def clock(s: int = stamp) -> int:
            return s

        signed = _signed(httpx.Request("GET", "https://x/y"), BinanceAuth(creds, clock=clock))
        payload, raw = signed.url.query.decode().rsplit("&signature=", 1)
        assert not set(raw) & set("+/=")
        private.public_key().verify(base64.b64decode(unquote(raw)), payload.encode())


def test_auth_signs_query_plus_body_for_posts() -> None:
    secret = b"s3cr3t"
    creds = Credentials("k" * 64, HmacSigner(secret))
    request = httpx.Request(
        "POST",
        "https://x/y?email=a%40b.c",
        content=b"status=2",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    signed = _signed(request, BinanceAuth(creds, clock=lambda: 7))
    body = signed.content.decode()
    unsigned, signature = body.rsplit("&signature=", 1)
    assert unsigned == "status=2&timestamp=7&recvWindow=5000"
    assert signature == HmacSigner(secret).sign(b"email=a%40b.c" + unsigned.encode())
    assert signed.headers["Content-Length"] == str(len(body))


def test_recv_window_above_binance_maximum_is_refused() -> None:
    with pytest.raises(ValueError):
        BinanceAuth(Credentials("k", HmacSigner(b"s")), clock=lambda: 1, recv_window=60001)
