"""Throughput of fetch_live_state against the emulator at 50 ms latency, per concurrency.

Run with `pytest -m slow tests/integration/test_benchmark.py -s`; it prints keys/s and CPU
seconds, the measurement behind the default --concurrency (client.DEFAULT_CONCURRENCY).
"""

from __future__ import annotations

import time

import pytest

from keylint.testing.emulator import PATH_RESTRICTIONS, Emulator, Fault
from tests.emuhelpers import Fleet, fetch

KEYS = 300


@pytest.mark.slow
@pytest.mark.parametrize("concurrency", [4, 8, 16, 32, 64])
def test_keys_per_second_at_50ms(fleet: Fleet, concurrency: int) -> None:
    for n in range(KEYS):
        fleet.add(f"k{n}", "ed25519" if n % 2 else "hmac")
    with Emulator(fleet.scenario) as emu:
        emu.add_fault(Fault(kind="latency", latency=0.05, path=PATH_RESTRICTIONS))
        wall, cpu = time.perf_counter(), time.process_time()
        state = fetch(fleet, emu, timeout=120.0, concurrency=concurrency)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert all(e["status"] == "ok" for e in state.keys.values())
    # process_time includes the emulator's threads: an upper bound for the client's CPU.
    rate = KEYS / wall
    print(f"\nconcurrency={concurrency:3d}: {rate:6.1f} keys/s, {cpu:.2f} s CPU (with emulator)")
