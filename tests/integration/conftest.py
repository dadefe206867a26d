"""Fixtures for tests that talk real HTTP to the Binance emulator on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from keylint.testing.emulator import Emulator
from tests.emuhelpers import Fleet


@pytest.fixture
def fleet(tmp_path: Path) -> Fleet:
    return Fleet(tmp_path)


@pytest.fixture
def emulator(fleet: Fleet) -> Iterator[Emulator]:
    """The emulator serving `fleet.scenario` on a free loopback port (add keys before use)."""
    with Emulator(fleet.scenario) as emu:
        yield emu
