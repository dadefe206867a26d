"""`keylint rotate NAME...`: rotate the named keys now, whatever their age (SPEC §3, §7).

For a key that leaked: the same sequence `apply` runs for a `rotate` change (a half-done
rotation is completed first), without waiting for KL301/KL302. `--grace` shortens the replaced
key's life for this run; with `--grace 0` the replaced key is deleted in the same run, once the
new key has verified through the master.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, cast, get_args

from keylint.commands.common import (
    OutcomeLines,
    confirm,
    load_policies,
    say,
    say_log_incomplete,
    use_color,
)
from keylint.errors import UsageError
from keylint.options import STAGE_TIMEOUT, RotateOptions, clock
from keylint.outcomes import Outcome
from keylint.plan import Change, KeyPlan, Plan, retire_change, rotate_change
from keylint.policy.durations import DurationError, parse_duration
from keylint.policy.model import KeyPolicy
from keylint.result import EXIT_FINDINGS, EXIT_USAGE

if TYPE_CHECKING:  # the HTTP stack loads only when a rotation runs
    from keylint.apply import ChangeOutcome, Recorder
    from keylint.rotation import Rotator

ZERO = timedelta(0)


def parse_grace(text: str | None) -> timedelta | None:
    """`--grace`: a policy duration, or 0 (retire in this run); None keeps the policy's."""
    if text is None:
        return None
    if text.strip() in ("0", "0s", "0h", "0d", "PT0S"):
        return ZERO
    try:
        return parse_duration(text)
    except DurationError as exc:
        raise UsageError(f"--grace: {exc}, or 0 to retire the replaced key in this run") from None


def chosen_keys(names: list[str], keys: list[KeyPolicy], skipped: list[str]) -> list[KeyPolicy]:
    """The named keys, each declaring `rotation`; a usage error names every one that is not."""
    by_name = {key.name: key for key in keys}
    problems = []
    for name in dict.fromkeys(names):
        key = by_name.get(name)
        if key is None:
            left_out = [line for line in skipped if f"key {name!r}" in line]
            problems.append(left_out[0] if left_out else f"no policy declares a key {name!r}")
        elif key.rotation is None:
            problems.append(
                f"{key.file}:{key.pos.line}: key {name!r} declares no `rotation:`, so keylint "
                "does not hold its credentials: rotate it in Binance's API Management"
            )
        elif key.retired:
            problems.append(f"{key.file}:{key.pos.line}: key {name!r} is retired")
    if problems:
        raise UsageError("nothing was rotated: " + "; ".join(problems))
    return [by_name[name] for name in dict.fromkeys(names)]


def changes_for(key: KeyPolicy, grace: timedelta | None) -> KeyPlan:
    """What `rotate` does to one key, as plan entries: shown, logged and reported like
    `apply`'s changes."""
    assert key.sub_account is not None
    changes: list[Change] = [rotate_change(key, "asked for by `keylint rotate`", grace=grace)]
    if grace == ZERO:
        changes.append(retire_change(None, now=True))
    return KeyPlan(
        name=key.name,
        file=key.file,
        line=key.pos.line,
        sub_account=key.sub_account,
        api_key_prefix=None,
        live_digest="0" * 16,
        changes=tuple(changes),
    )


@dataclass
class Rotated:
    exit_code: int
    outcomes: list[ChangeOutcome] = field(default_factory=list)
    log_error: str | None = None  # why --log is incomplete


def run(options: RotateOptions) -> int:
    """`keylint rotate` on a terminal or in CI: the plan, a confirmation, each outcome."""
    from keylint.reporters.plan import render_plan, render_tally

    def show_plan(plan: Plan) -> None:
        sys.stdout.write(render_plan(plan, color=use_color(sys.stdout)))
        sys.stdout.flush()

    def ask_first(plan: Plan) -> bool:
        return confirm(
            options.yes,
            "\nRotate these keys now?",
            refusal="rotate creates and deletes keys at Binance and asks first: run it on a "
            "terminal, or pass --yes (for automation); nothing was rotated",
        )

    done = rotate_keys(
        options, confirm=ask_first, on_plan=show_plan, on_outcome=OutcomeLines("Rotating:")
    )
    if done.exit_code == EXIT_USAGE and not done.outcomes:
        say("keylint: nothing was rotated")
    if done.outcomes:
        sys.stdout.write(render_tally(done.outcomes) + "\n")
    if done.log_error is not None:
        say_log_incomplete(done.log_error)
    return done.exit_code


def rotate_keys(
    options: RotateOptions,
    *,
    confirm: Callable[[Plan], bool],
    on_plan: Callable[[Plan], None],
    on_outcome: Callable[[ChangeOutcome], None],
) -> Rotated:
    """Rotate. Exit code: 0 every key rotated (and, with --grace 0, its replaced key deleted),
    1 a change failed or is unknown or the log is incomplete, 2 nothing was done (usage, not
    confirmed); a signal raises `Stopped` once every change has its outcome."""
    from keylint import signals
    from keylint.apply import AuditLog, ChangeOutcome, Recorder
    from keylint.binance.client import BinanceClient
    from keylint.binance.errors import BinanceError
    from keylint.binance.fetch import credentials_from_env
    from keylint.binance.signing import CredentialError
    from keylint.rotation import Rotator
    from keylint.store import configured_store

    declared = load_policies(options.scope, options.paths)
    now = clock(options.now)
    timeout = options.live.timeout or STAGE_TIMEOUT
    chosen = chosen_keys(options.names, declared.keys, declared.skipped)
    if declared.master is None:
        raise UsageError("the policies declare no `master:`, and only the master can rotate")
    try:
        master = credentials_from_env(declared.master, os.environ)
    except CredentialError as exc:
        raise UsageError(f"master credentials: {exc.reason}; nothing was rotated") from None
    plan = Plan(generated_at=now, source="live", base_url=options.live.base_url)
    plan.keys = [changes_for(key, options.grace) for key in chosen]
    on_plan(plan)
    in_flight: list[tuple[KeyPlan, Change]] = []

    async def carry_out(rotator: Rotator, key: KeyPlan, change: Change) -> tuple[Outcome, str]:
        in_flight[:] = [(key, change)]
        act = rotator.rotate if change.action == "rotate" else rotator.retire
        outcome, reason = await act(key.name)
        in_flight.clear()
        known = outcome in get_args(Outcome)
        return cast("Outcome", outcome if known else "unknown"), reason

    async def rotate_all(record: Recorder) -> None:
        async with contextlib.AsyncExitStack() as stack:
            client = await stack.enter_async_context(
                BinanceClient(base_url=options.live.base_url, timeout=timeout)
            )
            with contextlib.suppress(BinanceError):
                await client.sync_clock()
            store, problem = configured_store(os.environ, timeout=timeout)
            if store is not None:
                await stack.enter_async_context(store)
            policies = {key.name: key for key in chosen}
            rotator = Rotator(policies, master, client, store, problem, now, options.grace)
            # One key after another: a leak is a handful of keys, and each line is read.
            for key in plan.keys:
                rotated = False
                for change in key.changes:
                    if change.action == "retire" and not rotated:
                        why = "the new key is not verified, so the replaced key stays"
                        record(ChangeOutcome(key, change, "not_attempted", why))
                        continue
                    outcome, reason = await carry_out(rotator, key, change)
                    rotated = outcome == "applied"
                    record(ChangeOutcome(key, change, outcome, reason))

    with contextlib.ExitStack() as stack:
        # The log is opened before anyone is asked: a log that cannot be written stops the
        # run while nothing has been changed.
        audit = None
        if options.log is not None:
            try:
                audit = stack.enter_context(AuditLog(options.log, "keylint rotate"))
            except OSError as exc:
                raise UsageError(
                    f"--log {options.log}: cannot be opened ({exc.strerror}); nothing was rotated"
                ) from None
        if not confirm(plan):
            return Rotated(EXIT_USAGE)
        record = Recorder(audit, on_outcome)
        try:
            signals.run(rotate_all(record))
        except signals.Stopped:
            # Every change gets its outcome before the stop goes on: the one in flight is
            # unknown (the next apply or rotate completes it), the rest were not started.
            record.settle_unreached(
                plan.changes,
                allow_widen=True,
                in_flight=lambda key, change: any(k is key and c is change for k, c in in_flight),
            )
            raise
    settled = all(o.outcome == "applied" for o in record.outcomes)
    code = 0 if settled and record.log_error is None else EXIT_FINDINGS
    return Rotated(code, record.outcomes, record.log_error)
