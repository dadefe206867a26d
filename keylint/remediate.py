"""`plan` and `apply` end to end: live state, drift, the plan, the calls, the second look.

The stages are the ones `check` uses (engine.check on live state), followed by
keylint.plan (what to change) and keylint.apply (changing it). This module only wires them
and decides when to refuse: a stale saved plan, a plan for another Binance, no confirmation.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from keylint.engine import LiveSource, check
from keylint.errors import KeylintError
from keylint.findings import Severity
from keylint.plan import ROTATION_ACTIONS, Plan, approval_differences, make_plan, show_saved
from keylint.policy.load import Policies
from keylint.result import EXIT_FINDINGS, EXIT_UNCHECKED, EXIT_USAGE, Result
from keylint.selection import PLAIN, Review
from keylint.signals import Stopped

if TYPE_CHECKING:  # apply imports httpx: a plan from a state file does not need it
    from keylint.apply import ChangeOutcome, Recorder


class PlanRefused(KeylintError):
    """A saved plan `apply` must not carry out: stale, unreadable, or for another Binance."""

    multiline = True  # one line per difference, values escaped by show_saved


@dataclass
class Planned:
    """A plan and the check it came from; `api_keys` (memory only) when read from Binance."""

    plan: Plan
    result: Result
    policies: Policies
    live: LiveSource
    api_keys: dict[str, str] = field(default_factory=dict, repr=False)


def plan_now(
    policies: Policies,
    *,
    state: Path | None,
    base_url: str,
    concurrency: int,
    timeout: float | None,
    now: datetime,
    fail_on: Severity | None,
    review: Review = PLAIN,
) -> Planned:
    """Check the declared keys against live state (Binance, or a state file), then plan."""
    from keylint.live import read_live

    api_keys: dict[str, str] = {}
    live = read_live(
        policies,
        state=state,
        base_url=base_url,
        concurrency=concurrency,
        timeout=timeout,
        api_keys=api_keys,
    )
    result = check(policies, live=live, now=now, fail_on=fail_on, review=review.fresh())
    plan = make_plan(
        result,
        policies.keys,
        policies.master,
        live,
        source="state" if state is not None else "live",
        base_url=None if state is not None else base_url,
    )
    return Planned(plan, result, policies, live, api_keys)


def read_plan(path: Path) -> dict[str, Any]:
    """A plan saved by `keylint plan --output`, checked against schemas/plan.schema.json. It is
    only ever compared with a fresh plan: nothing in it is sent."""
    from keylint.schema_check import schema_problems

    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise PlanRefused(f"{path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise PlanRefused(f"{path}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise PlanRefused(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg})") from None
    except (ValueError, RecursionError):
        raise PlanRefused(f"{path}: not valid JSON") from None
    for problem in schema_problems(data, "plan.schema.json"):
        raise PlanRefused(f"{path}: not a keylint plan: {problem}")
    return data  # type: ignore[no-any-return]


def check_plan_target(saved: dict[str, Any], *, path: Path, base_url: str) -> None:
    """Refuse a plan made against another Binance address than the one `apply` would call."""
    made_at = saved["base_url"]
    if made_at is not None and made_at.rstrip("/") != base_url.rstrip("/"):
        raise PlanRefused(
            f"{path} was made against {show_saved(made_at)}, not {base_url}: nothing was changed"
        )


def check_saved_plan(saved: dict[str, Any], fresh: Planned, *, path: Path) -> None:
    """Refuse a saved plan whose calls are not exactly the fresh plan's: whether Binance moved
    or the file was edited, what a reviewer approved is no longer what would be sent."""
    problems = approval_differences(saved, fresh.plan, fresh.live)
    if problems:
        listed = "\n".join(f"  {line}" for line in problems)
        raise PlanRefused(
            f"{path} does not match a fresh plan, so nothing was changed: apply carries out a "
            "saved plan only when the policies and Binance still call for exactly its changes. "
            f"Run `keylint plan` again and review the new plan.\n{listed}"
        )


@dataclass
class Applied:
    plan: Plan
    before: Result
    outcomes: list[ChangeOutcome]
    after: Result | None  # live state re-read after the calls; None when nothing was sent
    exit_code: int
    declined: bool = False  # the person answered no at the prompt
    log_error: str | None = None  # why --log is incomplete: a write failed (a full disk)
    stopped: Stopped | None = None  # SIGINT or SIGTERM stopped the changes


def apply_plan(
    policies: Policies,
    *,
    plan_file: Path | None,
    base_url: str,
    concurrency: int,
    timeout: float,
    now: datetime,
    fail_on: Severity | None,
    allow_widen: bool,
    review: Review = PLAIN,
    confirm: Callable[[Plan], bool],
    log: Path | None,
    on_plan: Callable[[Plan], None] = lambda _p: None,
    on_outcome: Callable[[ChangeOutcome], None] = lambda _o: None,
) -> Applied:
    """`keylint apply`: a fresh plan, or a saved one still true to Binance; confirmed; carried
    out; then live state read again to show what drift remains."""
    from keylint import signals
    from keylint.apply import AuditLog, Recorder, execute
    from keylint.binance.client import BinanceClient
    from keylint.binance.errors import BinanceError
    from keylint.binance.fetch import credentials_from_env
    from keylint.binance.signing import CredentialError
    from keylint.rotation import Rotator
    from keylint.store import configured_store

    def read() -> Planned:
        return plan_now(
            policies,
            state=None,
            base_url=base_url,
            concurrency=concurrency,
            timeout=timeout,
            now=now,
            fail_on=fail_on,
            review=review,
        )

    # A saved plan is read first: an unreadable one is refused before Binance is asked.
    saved = read_plan(plan_file) if plan_file is not None else None
    if saved is not None and plan_file is not None:
        check_plan_target(saved, path=plan_file, base_url=base_url)
    fresh = read()
    if saved is not None and plan_file is not None:
        check_saved_plan(saved, fresh, path=plan_file)
    # Always the fresh plan's calls: a saved plan that passed the comparison asks for the same
    # ones, and its own parameters are never sent.
    plan = fresh.plan
    on_plan(plan)
    if not plan.keys:
        return Applied(plan, fresh.result, [], None, fresh.result.exit_code)
    master = policies.master
    if master is None:
        raise PlanRefused("the policies declare no `master:`, and only the master can apply")
    try:
        credentials = credentials_from_env(master, os.environ)
    except CredentialError as exc:
        raise PlanRefused(f"master credentials: {exc.reason}; nothing was changed") from None

    async def _carry_out(record: Recorder) -> list[ChangeOutcome]:
        async with contextlib.AsyncExitStack() as stack:
            client = await stack.enter_async_context(
                BinanceClient(base_url=base_url, timeout=timeout, concurrency=concurrency)
            )
            # Not fatal: every signed call resyncs on -1021 and reports its own error.
            with contextlib.suppress(BinanceError):
                await client.sync_clock()
            rotator = None
            if any(change.action in ROTATION_ACTIONS for _, change in plan.changes):
                # No store stops each rotation before Binance is asked to create anything.
                store, store_problem = configured_store(os.environ, timeout=timeout)
                if store is not None:
                    await stack.enter_async_context(store)
                rotator = Rotator(
                    policies.by_name(), credentials, client, store, store_problem, now
                )
            return await execute(
                plan.keys,
                api_keys=fresh.api_keys,
                master=credentials,
                allow_widen=allow_widen,
                client=client,
                record=record,
                rotator=rotator,
            )

    sending = any(allow_widen or not change.widens for _, change in plan.changes)
    with contextlib.ExitStack() as stack:
        # The log is opened before anyone is asked: a log that cannot be written stops the
        # run while nothing has been changed.
        audit = None
        if log is not None:
            source = str(plan_file) if plan_file is not None else "fresh"
            try:
                audit = stack.enter_context(AuditLog(log, source))
            except OSError as exc:
                raise PlanRefused(
                    f"--log {log}: cannot be opened ({exc.strerror}); nothing was changed"
                ) from None
        if sending and not confirm(plan):
            return Applied(plan, fresh.result, [], None, EXIT_USAGE, declined=True)
        record = Recorder(audit, on_outcome)
        stopped: Stopped | None = None
        try:
            outcomes = signals.run(_carry_out(record))
        except Stopped as stop:
            # Every outcome is recorded: execute() settled the changes it had begun; the
            # ones it never reached (stopped before it started) were not sent.
            stopped = stop
            record.settle_unreached(plan.changes, allow_widen)
            by_change = {(id(o.key), id(o.change)): o for o in record.outcomes}
            outcomes = [by_change[id(key), id(change)] for key, change in plan.changes]

    log_error = record.log_error
    after = None
    if stopped is None and sending:
        try:
            after = read().result
        except Stopped as stop:
            stopped = stop
    if stopped is not None:
        # Stopping means stopping: live state is not read (again), and the exit code is the
        # signal's, whatever else happened.
        code = stopped.exit_code
        return Applied(
            plan, fresh.result, outcomes, after, code, log_error=log_error, stopped=stopped
        )
    code = (after or fresh.result).exit_code
    if any(o.outcome in ("failed", "unknown", "not_attempted") for o in outcomes):
        code = EXIT_FINDINGS if code in (0, EXIT_UNCHECKED) else code
    if log_error is not None:
        # The record of what was changed is incomplete: that alone fails the run (SPEC §6).
        code = EXIT_FINDINGS
    return Applied(plan, fresh.result, outcomes, after, code, log_error=log_error)
