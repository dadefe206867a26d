"""Request signatures checked as Binance checks them: HMAC-SHA256, Ed25519 and RSA
(PKCS#1 v1.5, SHA-256) over the query string concatenated with the body.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import unquote

from keylint.testing.emulator.scenario import EmuKey


def _signature_valid(key: EmuKey, raw_query: str, raw_body: str = "") -> bool:
    # Binance signs the query exactly as sent concatenated with the body, no separator;
    # `signature` must be the last parameter of whichever part carries it.
    body_split = _split_signature(raw_body)
    if body_split is not None:
        unsigned, signature = raw_query + body_split[0], body_split[1]
    else:
        query_split = _split_signature(raw_query)
        if query_split is None:
            return False
        unsigned, signature = query_split[0] + raw_body, query_split[1]
    payload = unsigned.encode("ascii", errors="replace")
    signature = unquote(signature)
    if "&" in signature:
        return False
    if key.signing == "hmac":
        if key.secret is None:
            return False
        expected = hmac.new(key.secret.encode(), payload, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature.lower())
    return _verify_asymmetric(key, payload, signature)


def _split_signature(part: str) -> tuple[str, str] | None:
    """(the part without its signature, the raw signature), or None if it has none."""
    if part.startswith("signature="):
        return "", part[len("signature=") :]
    cut = part.rfind("&signature=")
    if cut < 0:
        return None
    return part[:cut], part[cut + len("&signature=") :]


def _verify_asymmetric(key: EmuKey, payload: bytes, signature: str) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    if key.public_key is None:
        return False
    try:
        raw = base64.b64decode(signature, validate=True)
        public = load_pem_public_key(key.public_key.encode("ascii"))
        if key.signing == "ed25519" and isinstance(public, ed25519.Ed25519PublicKey):
            public.verify(raw, payload)
            return True
        if key.signing == "rsa" and isinstance(public, rsa.RSAPublicKey):
            public.verify(raw, payload, padding.PKCS1v15(), hashes.SHA256())
            return True
    except (InvalidSignature, ValueError):
        return False
    return False
