"""Reading live state for the declared keys: the glue between policies, Binance and files."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from keylint.engine import LiveSource, check
from keylint.findings import Severity
from keylint.policy.load import Policies
from keylint.progress import ProgressLine
from keylint.result import Result
from keylint.selection import PLAIN, Review
from keylint.signals import Stopped, describe, signum_of

if TYPE_CHECKING:
    from keylint.binance.fetch import Budget, KeySpec, MasterSpec
    from keylint.binance.state import LiveState
from keylint.result import EXIT_OK, EXIT_UNCHECKED


@dataclass
class FetchOutcome:
    """What a fetch did: the exit code, and lines for stderr (never a secret)."""

    exit_code: int
    messages: list[str] = field(default_factory=list)


def not_reached(signum: int) -> str:
    """Why a key was not read: "interrupted (Ctrl-C) before this key was read"."""
    return f"interrupted ({describe(signum)}) before this key was read"


class Interrupted(Stopped):
    """SIGINT or SIGTERM during a fetch, carrying the live state of the keys read before it."""

    def __init__(self, state: LiveState, signum: int) -> None:
        super().__init__(signum)
        self.state = state


def fetch_now(
    keys: Sequence[KeySpec],
    master: MasterSpec | None,
    *,
    base_url: str,
    concurrency: int,
    timeout: float | None,
    api_keys: dict[str, str] | None = None,
) -> LiveState:
    """Read every declared key from Binance, with a progress line on a terminal; `api_keys`
    receives the full API keys the master's listing shows (for `apply`, memory only)."""
    from keylint import signals
    from keylint.binance.fetch import fetch_live_state
    from keylint.binance.state import LiveState

    progress = ProgressLine()
    reached: dict[str, dict[str, Any]] = {}
    started = datetime.now(UTC)
    try:
        return signals.run(
            fetch_live_state(
                keys,
                master,
                base_url=base_url,
                env=os.environ,
                concurrency=concurrency,
                timeout=timeout,
                progress=progress,
                reached=reached,
                api_keys=api_keys,
                announce=lambda budget: _announce(budget, progress),
            )
        )
    except KeyboardInterrupt as stop:
        signum = signum_of(stop)
        missing = {k.name: {"status": "error", "error": not_reached(signum)} for k in keys}
        raise Interrupted(LiveState(started, {**missing, **reached}, {}), signum) from None
    finally:
        progress.close()


def _announce(budget: Budget, progress: ProgressLine) -> None:
    """Say, before the first request, when Binance's limits make the run wait (a fleet audit
    through the master), so a job that takes minutes does not look hung; the progress line
    counts down from that floor."""
    from keylint import terminal

    progress.expect(budget.floor)
    line = budget.line()
    if line is not None and not terminal.quiet():
        sys.stderr.write(f"keylint: {line}\n")
        sys.stderr.flush()


def read_live(
    policies: Policies,
    *,
    state: Path | None,
    base_url: str,
    concurrency: int,
    timeout: float | None,
    api_keys: dict[str, str] | None = None,
) -> LiveSource:
    """Live state for `check` and `plan`: from a state file, or fetched from Binance now (then
    `api_keys` receives the full keys the master's listing shows, as in `fetch_now`)."""
    if state is not None:
        from keylint.binance.state import read_state

        return read_state(state)
    return fetch_now(
        policies.keys,
        policies.master,
        base_url=base_url,
        concurrency=concurrency,
        timeout=timeout,
        api_keys=api_keys,
    )


def run_check(
    policies: Policies,
    *,
    state: Path | None,
    base_url: str,
    concurrency: int,
    timeout: float | None,
    now: datetime,
    fail_on: Severity | None,
    review: Review = PLAIN,
) -> Result:
    """`keylint check` (also behind `comment`): live state from a file or Binance, then rules."""
    try:
        live = read_live(
            policies, state=state, base_url=base_url, concurrency=concurrency, timeout=timeout
        )
    except Interrupted as stop:
        # SIGINT or SIGTERM: report what was read, and which keys were not reached (exit 130
        # or 143).
        result = check(policies, live=stop.state, now=now, fail_on=fail_on, review=review)
        result.interrupted = stop.signum
        return result
    return check(policies, live=live, now=now, fail_on=fail_on, review=review)


def fetch_state(
    declared: Policies,
    *,
    base_url: str,
    concurrency: int,
    timeout: float | None,
    output: Path | None,
) -> FetchOutcome:
    """Fetch every declared key's live state and write it as a state file (or to stdout)."""
    from keylint.binance.state import render_state, write_state

    try:
        state = fetch_now(
            declared.keys,
            declared.master,
            base_url=base_url,
            concurrency=concurrency,
            timeout=timeout,
        )
    except Interrupted as stop:
        # A partial state file would replace a complete one that `check --state` relies on.
        reason = not_reached(stop.signum)
        read = sum(1 for entry in stop.state.keys.values() if entry.get("error") != reason)
        total = len(declared.keys)
        line = (
            f"interrupted ({stop.name}) after reading {read} of {total} keys: nothing was written"
        )
        return FetchOutcome(stop.exit_code, [line])
    if output is not None:
        write_state(output, state)
    else:
        sys.stdout.write(render_state(state))
    statuses = [entry.get("status") for entry in state.keys.values()]
    failed = {
        name: entry.get("error", "")
        for name, entry in state.keys.items()
        if entry.get("status") == "error"
    }
    where = f" into {output}" if output is not None else ""
    # Keys with policy errors (or declared twice) are declared but never read: they count.
    declared_count = len(statuses) + len(declared.skipped)
    unread = statuses.count("error") + len(declared.skipped)
    if not declared_count:
        messages = [f"fetched 0 keys{where}: none declared"]
    else:
        seen = ", ".join(
            f"{statuses.count(s)} {s.replace('_', ' ')}"
            for s in ("ok", "not_found")
            if statuses.count(s)
        )
        messages = [
            f"fetched {declared_count - unread} of {declared_count} keys{where}"
            + (f" ({seen})" if seen else "")
            + (f"; {unread} could not be read" if unread else "")
        ]
    messages += [f"  {name}: {reason}" for name, reason in failed.items()]
    messages += [f"skipped {line}" for line in declared.skipped]
    unchecked = bool(failed or declared.skipped)
    return FetchOutcome(EXIT_UNCHECKED if unchecked else EXIT_OK, messages)
