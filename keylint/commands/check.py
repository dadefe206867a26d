"""`keylint check`: validate, then compare every declared key with its live state."""

from __future__ import annotations

from keylint.commands.common import (
    emit,
    load_policies,
    review_for,
    rewrite_baseline,
    say,
)
from keylint.options import CheckOptions, clock


def run(options: CheckOptions) -> int:
    from keylint.live import run_check

    review = review_for(options.scope)
    result = run_check(
        load_policies(options.scope, options.paths),
        state=options.state,
        base_url=options.live.base_url,
        concurrency=options.live.concurrency,
        timeout=options.live.timeout,
        now=clock(options.now),
        fail_on=options.fail_on,
        review=review,
    )
    if not result.interrupted:  # a partial run must not drop the entries it did not reach
        rewrite_baseline(result, review, options.scope)
    emit(result, options.output_format, options.output, options.reports)
    if result.interrupted:
        say("keylint: interrupted: the report shows the keys read so far")
    return result.exit_code
