"""Reading live state for the declared keys: the glue between policies, Binance and files."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from keylint.engine import Declared, LiveSource, declared_keys
from keylint.progress import ProgressLine

if TYPE_CHECKING:
    from keylint.binance.state import LiveState
from keylint.result import EXIT_OK, EXIT_UNCHECKED


@dataclass
class FetchOutcome:
    """What a fetch did: the exit code, and lines for stderr (never a secret)."""

    exit_code: int
    messages: list[str] = field(default_factory=list)


def fetch_now(declared: Declared, *, base_url: str, concurrency: int, timeout: float) -> LiveState:
    """Read every declared key from Binance, with a progress line on a terminal."""
    from keylint.binance.fetch import fetch_live_state

    progress = ProgressLine()
    try:
        return asyncio.run(
            fetch_live_state(
                declared.keys,
                declared.master,
                base_url=base_url,
                env=os.environ,
                concurrency=concurrency,
                timeout=timeout,
                progress=progress,
            )
        )
    finally:
        progress.close()


def read_live(
    paths: list[str], *, state: Path | None, base_url: str, concurrency: int, timeout: float
) -> LiveSource:
    """Live state for `check`: from a state file, or fetched from Binance now."""
    if state is not None:
        from keylint.binance.state import read_state

        return read_state(state)
    return fetch_now(
        declared_keys(paths), base_url=base_url, concurrency=concurrency, timeout=timeout
    )


def fetch_state(
    declared: Declared, *, base_url: str, concurrency: int, timeout: float, output: Path | None
) -> FetchOutcome:
    """Fetch every declared key's live state and write it as a state file (or to stdout)."""
    from keylint.binance.state import write_state

    state = fetch_now(declared, base_url=base_url, concurrency=concurrency, timeout=timeout)
    if output is not None:
        write_state(output, state)
    else:
        sys.stdout.write(json.dumps(state.to_json(), indent=2) + "\n")
    statuses = [entry.get("status") for entry in state.keys.values()]
    failed = {
        name: entry.get("error", "")
        for name, entry in state.keys.items()
        if entry.get("status") == "error"
    }
    counts = ", ".join(
        f"{statuses.count(s)} {s.replace('_', ' ')}"
        for s in ("ok", "not_found", "error")
        if statuses.count(s)
    )
    where = f" into {output}" if output is not None else ""
    messages = [f"fetched {len(statuses)} keys{where}: {counts or 'none declared'}"]
    messages += [f"  {name}: {reason}" for name, reason in failed.items()]
    messages += [f"skipped {line}" for line in declared.skipped]
    unchecked = bool(failed or declared.skipped)
    return FetchOutcome(EXIT_UNCHECKED if unchecked else EXIT_OK, messages)
