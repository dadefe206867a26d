"""Recognising secret material, so that keylint can flag it and never repeat it.

`redact` is the one path every message goes through before anyone sees it (findings through
`keylint.rules.stamp`, fatal errors through the CLI, saved-plan differences): whatever a
hostile or careless file puts where a name or a value belongs, a secret is replaced by what
kind of secret it looked like.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from typing import Any

# Binance API keys and HMAC secrets are 64 mixed-case alphanumerics. Requiring both cases and
# a digit keeps hex digests (lower-case only) from being mistaken for them. A longer run is
# one glued to other text (`x` + secret): still a secret.
_TOKEN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{64,}(?![A-Za-z0-9])")
_PEM_PRIVATE = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")
# Base64 without its armour: a PKCS#8 / PKCS#1 body decodes to a DER SEQUENCE (0x30), and a
# body line of a pasted PEM is 64 characters of base64.
_BASE64 = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{40,}={0,2}(?![A-Za-z0-9+/=])")
_PEM_LINE = 64
# Cheap test first: most messages have no run long enough to be any of the above.
_CANDIDATE = re.compile(r"[A-Za-z0-9+/]{40}|-----BEGIN")

KEY_LIKE = "a 64-character Binance API key or secret"
PEM_KEY = "a PEM private key"
KEY_BODY = "private key material (base64)"


def _is_key_like(token: str) -> bool:
    return (
        any(c.isupper() for c in token)
        and any(c.islower() for c in token)
        and any(c.isdigit() for c in token)
    )


def _is_key_body(run: str) -> bool:
    """Base64 that is a DER structure, or a full PEM body line of mixed characters."""
    if len(run) >= _PEM_LINE and _is_key_like(run) and any(c in "+/" for c in run):
        return True
    padded = run + "=" * (-len(run) % 4)
    try:
        der = base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return False
    # SEQUENCE with a short length that fits, or a long-form length (RSA keys).
    return len(der) >= 30 and der[0] == 0x30 and (der[1] == len(der) - 2 or der[1] in (0x81, 0x82))


def find_secret_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, kind) of everything in `text` that looks like secret material."""
    if not _CANDIDATE.search(text):
        return
    for match in _TOKEN.finditer(text):
        if _is_key_like(match.group()):
            yield match.start(), match.end(), KEY_LIKE
    for match in _PEM_PRIVATE.finditer(text):
        yield match.start(), match.end(), PEM_KEY
    for match in _BASE64.finditer(text):
        run = match.group()
        if _is_key_body(run.rstrip("=")):
            yield match.start(), match.end(), KEY_BODY


def find_secrets(text: str) -> Iterator[tuple[int, str]]:
    """(offset, kind) of everything in `text` that looks like secret material."""
    for start, _end, kind in find_secret_spans(text):
        yield start, kind


def looks_like_secret(value: str) -> bool:
    return next(find_secret_spans(value), None) is not None


def redact(text: str) -> str:
    """`text` with every secret-looking span replaced by what it looked like."""
    if not _CANDIDATE.search(text):
        return text  # the common case, and on the path of every finding: keep it cheap
    spans = sorted(find_secret_spans(text))
    if not spans:
        return text
    out, last = [], 0
    for start, end, kind in spans:
        if start < last:
            continue  # overlapping matches of two patterns: the first already covers it
        out.append(text[last:start])
        out.append(f"(redacted: {kind})")
        last = end
    out.append(text[last:])
    return "".join(out)


def redact_value(value: Any) -> Any:
    """`redact` through strings, lists and mappings (keys included), for expected/actual."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list | tuple | dict) and not _CANDIDATE.search(
        json.dumps(value, ensure_ascii=False, default=str)
    ):
        return value  # one scan of the whole structure instead of one call per item
    if isinstance(value, list | tuple):
        return type(value)(redact_value(item) for item in value)
    if isinstance(value, dict):
        return {
            redact(str(k)) if isinstance(k, str) else k: redact_value(v) for k, v in value.items()
        }
    return value


# The most of an API key keylint ever shows, stores or compares across runs (SPEC §2).
PREFIX_LENGTH = 8


def key_prefix(api_key: str) -> str:
    """An API key as reports, state files and plans show it: its first 8 characters and '…'."""
    return api_key[:PREFIX_LENGTH] + "…" if len(api_key) > PREFIX_LENGTH else api_key


def bare_prefix(api_key: str) -> str:
    """The first 8 characters of an API key, or of a shown prefix ('k5V49ldt…'): what the
    store's metadata records and what two prefixes are compared by."""
    return api_key.rstrip("…")[:PREFIX_LENGTH]
