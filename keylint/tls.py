"""The TLS context of every connection keylint opens: Binance, the secret store, GitHub.

Building a verifying context reads the whole CA bundle (about 30 ms a time), and a run used
to build one per client; the suite's keylint processes, which talk plain HTTP to the
emulator and a dev OpenBao, built two or three each for nothing.
"""

from __future__ import annotations

import functools
import ssl
from urllib.parse import urlsplit

import httpx


@functools.cache
def verifying() -> ssl.SSLContext:
    """httpx's own certificate verification (certifi's CAs, or SSL_CERT_FILE / SSL_CERT_DIR),
    built once per process and shared by every client."""
    return httpx.create_ssl_context()


@functools.cache
def trusting_nothing() -> ssl.SSLContext:
    """For an http:// address no TLS is spoken, so no CA bundle needs reading. Should a
    handshake happen all the same (a proxy, a future redirect), this context knows no CA and
    checks host names, so the handshake fails: never an unverified connection."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    return context


def context_for(url: str) -> ssl.SSLContext:
    """The context for a client whose requests all go to `url`'s scheme and host."""
    if urlsplit(url).scheme.lower() == "http":
        return trusting_nothing()
    return verifying()
