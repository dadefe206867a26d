"""`keylint apply`: carry out a fresh plan, or a saved one still true to Binance."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

from keylint.commands.common import (
    OutcomeLines,
    confirm,
    load_policies,
    review_for,
    say,
    say_log_incomplete,
    use_color,
)
from keylint.options import STAGE_TIMEOUT, ApplyOptions, clock

if TYPE_CHECKING:
    from keylint.plan import Plan


def run(options: ApplyOptions) -> int:
    from keylint.remediate import apply_plan
    from keylint.reporters import get_reporter
    from keylint.reporters.plan import render_apply_json, render_plan, render_tally

    text = options.output_format == "text"
    color = use_color(sys.stdout)

    def show_plan(plan: Plan) -> None:
        if text:
            sys.stdout.write(render_plan(plan, color=color))
            sys.stdout.flush()

    def ask_first(plan: Plan) -> bool:
        widening = "" if options.allow_widen else " (changes that widen access are skipped)"
        return confirm(
            options.yes,
            f"\nMake these changes at Binance{widening}?",
            refusal="apply changes keys at Binance and asks first: run it on a terminal, or "
            "pass --yes (for automation); nothing was changed",
        )

    applied = apply_plan(
        load_policies(options.scope, options.paths),
        plan_file=options.plan_file,
        base_url=options.live.base_url,
        concurrency=options.live.concurrency,
        timeout=options.live.timeout or STAGE_TIMEOUT,
        now=clock(options.now),
        fail_on=options.fail_on,
        allow_widen=options.allow_widen,
        review=review_for(options.scope),
        confirm=ask_first,
        log=options.log,
        on_plan=show_plan,
        on_outcome=OutcomeLines("Applying:", shown=text),
    )
    if applied.declined:
        say("keylint: nothing was changed")
    if applied.stopped is not None:
        say(
            f"keylint: interrupted ({applied.stopped.name}): no further change was sent; "
            "changes in flight are recorded as unknown (never re-sent) and live state was "
            "not read again"
        )
    if not text:
        after = applied.after or applied.before
        # Stopped: live state was not read again, and the state before is not the after.
        document = None if applied.stopped else json.loads(get_reporter("json")(after))
        sys.stdout.write(
            render_apply_json(applied.plan, applied.outcomes, document, applied.exit_code)
        )
    else:
        if applied.outcomes:
            sys.stdout.write(render_tally(applied.outcomes) + "\n")
        if applied.after is not None:
            sys.stdout.write("\nLive state after the changes:\n\n")
            sys.stdout.write(get_reporter("text")(applied.after, color=color))
    if applied.log_error is not None:
        say_log_incomplete(applied.log_error)
    return applied.exit_code
