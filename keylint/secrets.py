"""Recognising secret material, so that keylint can flag it and never repeat it."""

from __future__ import annotations

import re
from collections.abc import Iterator

# Binance API keys and HMAC secrets are 64 mixed-case alphanumerics. Requiring both cases and
# a digit keeps hex digests (lower-case only) from being mistaken for them.
_TOKEN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{64}(?![A-Za-z0-9])")
_PEM_PRIVATE = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")


def _is_key_like(token: str) -> bool:
    return (
        any(c.isupper() for c in token)
        and any(c.islower() for c in token)
        and any(c.isdigit() for c in token)
    )


def find_secrets(text: str) -> Iterator[tuple[int, str]]:
    """(offset, kind) of everything in `text` that looks like secret material."""
    for match in _TOKEN.finditer(text):
        if _is_key_like(match.group()):
            yield match.start(), "a 64-character Binance API key or secret"
    for match in _PEM_PRIVATE.finditer(text):
        yield match.start(), "a PEM private key"


def looks_like_secret(value: str) -> bool:
    return next(find_secrets(value), None) is not None


def key_prefix(api_key: str) -> str:
    """The most of an API key keylint ever shows: its first 8 characters."""
    return api_key[:8] + "…" if len(api_key) > 8 else api_key
