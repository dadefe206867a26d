"""`keylint fetch`: the live state of every declared key, into a state file."""

from __future__ import annotations

from keylint.commands.common import load_policies, say
from keylint.options import FetchOptions


def run(options: FetchOptions) -> int:
    from keylint.live import fetch_state

    outcome = fetch_state(
        load_policies(options.scope, options.paths),
        base_url=options.live.base_url,
        concurrency=options.live.concurrency,
        timeout=options.live.timeout,
        output=options.output,
    )
    for line in outcome.messages:
        say(f"keylint: {line}")
    return outcome.exit_code
