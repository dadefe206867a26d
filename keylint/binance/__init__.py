"""Binance live state: signing, the sans-I/O protocol, the httpx adapter and the state file.

Names are imported lazily so that reading a state file does not pull in httpx.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "BinanceError": "keylint.binance.errors",
    "CredentialError": "keylint.binance.signing",
    "Credentials": "keylint.binance.signing",
    "load_signer": "keylint.binance.signing",
    "fetch_live_state": "keylint.binance.fetch",
    "LiveState": "keylint.binance.state",
    "StateFileError": "keylint.binance.state",
    "read_state": "keylint.binance.state",
    "write_state": "keylint.binance.state",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
