"""`keylint check`: validate, then compare every declared key with its live state."""

from __future__ import annotations

from keylint.commands.common import emit, say
from keylint.options import CheckOptions, clock


def run(options: CheckOptions) -> int:
    from keylint.live import run_check
    from keylint.policy.load import load

    result = run_check(
        load(options.paths),
        state=options.state,
        base_url=options.live.base_url,
        concurrency=options.live.concurrency,
        timeout=options.live.timeout,
        now=clock(options.now),
        fail_on=options.fail_on,
    )
    emit(result, options.output_format, options.output)
    if result.interrupted:
        say("keylint: interrupted: the report shows the keys read so far")
    return result.exit_code
