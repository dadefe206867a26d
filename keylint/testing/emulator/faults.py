"""Runtime misbehaviour and the request log: a `Fault` says what to break for which requests,
`_status_body` what a "status" fault answers, and `RecordedRequest` is one request as the
emulator saw it (no secret, no signature). The server applies and records them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

FaultKind = Literal[
    "latency", "status", "malformed", "truncated", "content_type", "hang", "drop", "lost_answer"
]


@dataclass
class Fault:
    """A misbehaviour for matching requests: `path`/`api_key`/`method` None match any.

    `api_key` matches the caller's X-MBX-APIKEY or the `subAccountApiKey` parameter, so a
    fault can target one sub-account key even when the master asks about it.
    `times`: only the first N matching requests (None: all). `lasts`: only for this many
    seconds after the first matching request (None: for good), as Binance keeps answering
    429 while another client spends the same budget, whatever its Retry-After said.
    "lost_answer" lets the request take effect, then drops the connection without an answer.
    """

    kind: FaultKind
    path: str | None = None
    api_key: str | None = None
    times: int | None = None
    latency: float = 0.0  # "latency": seconds before the request is processed
    status: int = 503  # "status": the HTTP status to answer
    retry_after: int | None = None
    body: bytes | None = None
    # GET and DELETE share /sapi/v1/sub-account/subAccountApi: fail one, not the other.
    method: str | None = None
    lasts: float | None = None
    hits: int = 0
    first_hit: float | None = None  # time.monotonic() of the first match

    def matches(
        self, path: str, api_key: str, params: Mapping[str, str], method: str = "GET"
    ) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if (
            self.lasts is not None
            and self.first_hit is not None
            and time.monotonic() > self.first_hit + self.lasts
        ):
            return False
        if self.path is not None and self.path != path:
            return False
        if self.method is not None and self.method.upper() != method:
            return False
        return self.api_key is None or self.api_key in (api_key, params.get("subAccountApiKey"))


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the emulator saw it: no secret, no signature, a key prefix only."""

    path: str
    params: dict[str, str]
    api_key: str  # 8-character prefix + "…", or "" when absent
    status: int
    at: float
    method: str = "GET"


def _status_body(status: int) -> bytes:
    if status == 429:
        return json.dumps(
            {
                "code": -1003,
                "msg": "Too much request weight used; current limit "
                "is 180000 request weight per 1 MINUTE.",
            }
        ).encode()
    if status == 418:
        until = int(time.time() * 1000) + 120000
        return json.dumps(
            {
                "code": -1003,
                "msg": "Way too much request weight used; IP banned "
                f"until {until}. Please use WebSocket Streams for live updates to "
                "avoid bans.",
            }
        ).encode()
    if status == 403:
        return b"<html><body><h1>403 Forbidden</h1>Request blocked.</body></html>"
    if status >= 500:
        return json.dumps(
            {
                "code": -1001,
                "msg": "Internal error; unable to process your request. Please try again.",
            }
        ).encode()
    return json.dumps({"code": -1000, "msg": "An unknown error occurred."}).encode()
