"""Typed errors for everything that can go wrong talking to Binance.

Each error carries a `reason` a person can act on (it becomes the key's `error` in the state
file and the report) and a `retryable` flag the client's retry loop reads. Messages never
contain secrets or full API keys.
"""

from __future__ import annotations

import re

from keylint.secrets import key_prefix

# Binance API keys are 64 alphanumerics; anything that long is cut to the usual prefix.
_KEY_LIKE = re.compile(r"[A-Za-z0-9]{64,}")


class BinanceError(Exception):
    """Base of every Binance/network failure; `str()` is the plain-language reason."""

    retryable = False

    def __init__(self, reason: str, *, code: int | None = None, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.status = status

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code}, status={self.status}, {self.reason!r})"


class ClockSkew(BinanceError):
    """-1021: the request's timestamp fell outside recvWindow of Binance's clock."""


class SignatureRejected(BinanceError):
    """-1022: the signature does not verify with the key's secret or public key."""


class KeyFormatInvalid(BinanceError):
    """-2014: Binance does not recognise the string as an API key at all."""


class KeyRejected(BinanceError):
    """-2015: key unknown, caller's IP not whitelisted, or permission missing."""


class RateLimited(BinanceError):
    """429 (or -1003): too much weight; `retry_after` seconds until it may be retried."""

    retryable = True

    def __init__(
        self,
        reason: str,
        *,
        retry_after: float | None = None,
        code: int | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(reason, code=code, status=status)
        self.retry_after = retry_after


class IpBanned(RateLimited):
    """418: the IP is banned for `retry_after` seconds after ignoring 429s."""


class WafBlocked(BinanceError):
    """403: Binance's web application firewall refused the request."""


class WrongUrl(BinanceError):
    """404: no such endpoint at this base URL; asking again cannot help."""


class ServerError(BinanceError):
    """5xx: Binance failed; the outcome of the request is unknown, reads may be retried."""

    retryable = True


class MalformedResponse(BinanceError):
    """The answer is not the JSON the endpoint documents (truncated, HTML, wrong shape)."""

    # A proxy or a half-sent body is often transient; a read is safe to repeat.
    retryable = True


class TransportFailure(BinanceError):
    """No HTTP answer at all: connection refused or dropped, or an attempt timed out."""

    retryable = True


class DeadlineExceeded(BinanceError):
    """The run's overall time budget (--timeout) ran out before an answer came."""


class ApiError(BinanceError):
    """Any other Binance error code, reported with Binance's own message."""


# Binance documents these codes as "request rejected, don't repeat it unchanged".
_KEY_HINT = (
    "Binance rejected the API key (-2015): the key does not exist, or this machine's IP is "
    "not on the key's whitelist, or the key lacks the permission for this call"
)


def error_for_code(code: int, msg: str, *, status: int) -> BinanceError:
    """Map a Binance error body to its typed error."""
    if code == -1021:
        return ClockSkew(
            "clock: the request's timestamp was outside Binance's recvWindow; check this "
            "machine's clock (NTP) and the network latency to Binance",
            code=code,
            status=status,
        )
    if code == -1022:
        return SignatureRejected(
            "signature rejected (-1022): the secret or private key does not belong to this "
            "API key, or the key's type (HMAC/Ed25519/RSA) was mixed up",
            code=code,
            status=status,
        )
    if code == -2014:
        return KeyFormatInvalid(
            "API key format invalid (-2014): the API key value is not a Binance API key; "
            "check the environment variable holding it",
            code=code,
            status=status,
        )
    if code == -2015:
        return KeyRejected(_KEY_HINT, code=code, status=status)
    if code == -1003:
        return RateLimited(
            "rate-limited by Binance (-1003): too much request weight used",
            code=code,
            status=status,
        )
    if code in (-1000, -1001, -1006, -1007, -1008):
        # Documented as internal/unknown/timeout/overload: transient on Binance's side.
        return ServerError(
            f"Binance internal error ({code}): {_short(msg)}; retry later",
            code=code,
            status=status,
        )
    return ApiError(f"Binance error {code}: {_short(msg)}", code=code, status=status)


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    # Binance (or a proxy) may echo the request: never repeat a full API key it quoted.
    text = _KEY_LIKE.sub(lambda m: key_prefix(m.group()), text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
