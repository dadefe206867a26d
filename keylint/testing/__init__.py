"""Test support: a Binance REST emulator (see `keylint.testing.emulator`)."""

from __future__ import annotations

from keylint.testing.emulator import (
    ClientSecret,
    EmuKey,
    Emulator,
    EmuSubAccount,
    Fault,
    RecordedRequest,
    Scenario,
    generate_key,
    random_api_key,
)

__all__ = [
    "ClientSecret",
    "EmuKey",
    "EmuSubAccount",
    "Emulator",
    "Fault",
    "RecordedRequest",
    "Scenario",
    "generate_key",
    "random_api_key",
]
