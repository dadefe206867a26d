"""`keylint plan`: the API calls that would converge sub-account keys, and the manual steps."""

from __future__ import annotations

import sys

from keylint.commands.common import load_policies, review_for, use_color
from keylint.options import PlanOptions, clock


def run(options: PlanOptions) -> int:
    from keylint.output import write_atomic
    from keylint.remediate import plan_now
    from keylint.reporters.plan import render_plan, render_plan_json

    planned = plan_now(
        load_policies(options.scope, options.paths),
        state=options.state,
        base_url=options.live.base_url,
        concurrency=options.live.concurrency,
        timeout=options.live.timeout,
        now=clock(options.now),
        fail_on=options.fail_on,
        review=review_for(options.scope),
    )
    if options.output is not None:
        write_atomic(options.output, render_plan_json(planned.plan))
    if options.output_format == "json":
        sys.stdout.write(render_plan_json(planned.plan))
    else:
        sys.stdout.write(render_plan(planned.plan, color=use_color(sys.stdout)))
    return planned.result.exit_code
