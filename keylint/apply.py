"""`keylint apply`: carry out a plan's API calls, each paced, reported and logged.

Keys are changed concurrently, a key's own changes one after another in plan order (narrowing
first). A failed call stops nothing else. A write is never re-sent after an answer that leaves
its outcome unknown (5xx, a dropped connection): it is reported as such, and the re-read of
live state that follows shows what actually happened.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

from keylint.binance import protocol
from keylint.binance.client import BinanceClient
from keylint.binance.errors import (
    BinanceError,
    DeadlineExceeded,
    MalformedResponse,
    RateLimited,
    ServerError,
    TransportFailure,
)
from keylint.binance.signing import Credentials
from keylint.inert import json_text

# The outcome types and words live in keylint.outcomes, which reporters import without the
# network stack; `as` names them here too, for callers that import them from apply.
from keylint.outcomes import OUTCOME_WORDS as OUTCOME_WORDS
from keylint.outcomes import ChangeOutcome as ChangeOutcome
from keylint.outcomes import Outcome as Outcome
from keylint.plan import ROTATION_ACTIONS, Change, KeyPlan
from keylint.rotation import Rotator
from keylint.times import format_time

# Why a change has the outcome it has when SIGINT or SIGTERM stopped the run (SPEC §6).
IN_FLIGHT = "interrupted in flight: never re-sent"
NOT_STARTED = "interrupted before it was sent"


class AuditLog:
    """JSON Lines, appended one line per change: what was asked, what happened.
    Never a secret: the API key appears as its 8-character prefix, like everywhere else."""

    def __init__(self, path: Path, plan_source: str) -> None:
        self.path = path
        self.plan_source = plan_source
        self._fd: int | None = None

    def __enter__(self) -> AuditLog:
        # 0o600: the log names keys and sub-accounts, which is nobody else's business.
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def write(self, outcome: ChangeOutcome, when: datetime) -> None:
        """Append one line; raises OSError (a full disk) with nothing left buffered to fail
        again later: each line goes straight to the file."""
        if self._fd is None:
            raise RuntimeError("AuditLog used outside 'with'")
        key, change = outcome.key, outcome.change
        record = {
            "time": format_time(when),
            "key": key.name,
            "file": key.file,
            "sub_account": key.sub_account,
            "api_key": key.api_key_prefix,
            "change": change.action,
            "summary": change.summary,
            "widens": change.widens,
            "request": {
                "method": change.method,
                "path": change.path,
                "params": dict(change.request(key.sub_account, key.api_key_prefix)),
            },
            "rules": list(change.rules),
            "outcome": outcome.outcome,
            "error": outcome.reason,
            "plan": self.plan_source,
        }
        # Names and summaries are data, but the log may be `cat`ed in a job: no raw hidden
        # character or workflow command in it (keylint.inert).
        data = (json_text(json.dumps(record, ensure_ascii=False)) + "\n").encode("utf-8")
        while data:
            data = data[os.write(self._fd, data) :]


class Recorder:
    """Every outcome of a run, each once: kept in order, appended to the audit log (if any)
    and handed to `on_outcome` to print.

    Never raises for the log: a change in flight must still be printed and its key's next
    change still sent. After a failed write the log is not written again, so it ends at the
    failure instead of having holes; `log_error` says why it is incomplete.
    """

    def __init__(self, audit: AuditLog | None, on_outcome: Callable[[ChangeOutcome], None]) -> None:
        self.audit = audit
        self.on_outcome = on_outcome
        self.outcomes: list[ChangeOutcome] = []
        self.log_error: str | None = None

    def __call__(self, outcome: ChangeOutcome) -> None:
        self.outcomes.append(outcome)
        if self.audit is not None and self.log_error is None:
            try:
                self.audit.write(outcome, now_utc())
            except OSError as exc:
                self.log_error = f"{self.audit.path}: {exc.strerror or exc}"
        self.on_outcome(outcome)

    def settle_unreached(
        self,
        changes: Iterable[tuple[KeyPlan, Change]],
        allow_widen: bool,
        in_flight: Callable[[KeyPlan, Change], bool] = lambda _key, _change: False,
    ) -> None:
        """After a stop: an outcome for every change not recorded yet (`unreached`)."""
        seen = {(id(o.key), id(o.change)) for o in self.outcomes}
        for key, change in changes:
            if (id(key), id(change)) not in seen:
                flying = in_flight(key, change)
                self(unreached(key, change, allow_widen, in_flight=flying))


async def execute(
    keys: list[KeyPlan],
    *,
    api_keys: Mapping[str, str],
    master: Credentials,
    allow_widen: bool,
    client: BinanceClient,
    record: Callable[[ChangeOutcome], None],
    rotator: Rotator | None = None,
) -> list[ChangeOutcome]:
    """Make every change of `keys` through `client`; `record` sees each outcome as it comes.

    Cancelled midway (SIGINT, SIGTERM), it records each change whose request may have left as
    `unknown` and each one not started as `not_attempted`, then lets the cancellation go on:
    every change of `keys` has been recorded exactly once by then.
    """
    settled: dict[tuple[int, int], ChangeOutcome] = {}
    sent: set[tuple[int, int]] = set()

    def settle(at: tuple[int, int], outcome: ChangeOutcome) -> None:
        settled[at] = outcome
        record(outcome)

    async def run_key(index: int, key: KeyPlan) -> None:
        for number, change in enumerate(key.changes):
            at = (index, number)
            settle(at, await _run_change(key, change, on_send=functools.partial(sent.add, at)))

    async def _run_change(
        key: KeyPlan, change: Change, *, on_send: Callable[[], None]
    ) -> ChangeOutcome:
        if change.widens and not allow_widen:
            return ChangeOutcome(key, change, "refused", "it widens access: run with --allow-widen")
        if change.action in ROTATION_ACTIONS:
            if rotator is None:
                return ChangeOutcome(key, change, "not_attempted", "no rotation was set up")
            # From here on a stop leaves the rotation `unknown`: the next apply resumes it.
            on_send()
            act = rotator.rotate if change.action == "rotate" else rotator.retire
            outcome, reason = await act(key.name)
            return ChangeOutcome(key, change, cast(Outcome, outcome), reason)
        api_key = api_keys.get(key.name)
        if not api_key:
            return ChangeOutcome(
                key,
                change,
                "not_attempted",
                f"the master's listing of {key.sub_account} no longer shows the key",
            )
        call = protocol.master_write(
            change.method, change.path, change.request(key.sub_account, api_key)
        )
        try:
            await client.call(call, master, on_send=on_send)
        except DeadlineExceeded as exc:
            return ChangeOutcome(key, change, "not_attempted", exc.reason)
        except (ServerError, TransportFailure, MalformedResponse) as exc:
            return ChangeOutcome(key, change, "unknown", exc.reason)
        except RateLimited as exc:
            return ChangeOutcome(key, change, "failed", exc.reason)
        except BinanceError as exc:
            return ChangeOutcome(key, change, "failed", _explain(change, exc))
        return ChangeOutcome(key, change, "applied")

    try:
        # Owned tasks: none outlives execute(), and a failure in one is not lost.
        async with asyncio.TaskGroup() as group:
            for index, key in enumerate(keys):
                group.create_task(run_key(index, key))
    except BaseException:
        # Stopped (or a bug): what was in flight may have reached Binance, and is never sent
        # again; what had not started was not sent. Both are recorded before going on.
        for index, key in enumerate(keys):
            for number, change in enumerate(key.changes):
                at = (index, number)
                if at not in settled:
                    settle(at, unreached(key, change, allow_widen, in_flight=at in sent))
        raise
    return [settled[i, n] for i, key in enumerate(keys) for n in range(len(key.changes))]


def unreached(
    key: KeyPlan, change: Change, allow_widen: bool, *, in_flight: bool = False
) -> ChangeOutcome:
    """The outcome of a change the run was stopped before it finished."""
    if in_flight:
        return ChangeOutcome(key, change, "unknown", IN_FLIGHT)
    if change.widens and not allow_widen:
        return ChangeOutcome(key, change, "refused", "it widens access: run with --allow-widen")
    return ChangeOutcome(key, change, "not_attempted", NOT_STARTED)


def _explain(change: Change, error: BinanceError) -> str:
    if error.code == -2015 and change.action != "revoke_permissions":
        # Binance's docs: IP-whitelist changes and key deletion need the calling key to trade.
        return (
            f"{error.reason}; for this call Binance requires 'Enable Spot & Margin Trading' on "
            "the master's key, and the master's key must accept this machine's IP"
        )
    return error.reason


def now_utc() -> datetime:
    return datetime.now(UTC)
