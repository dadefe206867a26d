"""`keylint fetch`: the live state of every declared key, into a state file."""

from __future__ import annotations

from keylint.commands.common import file_filter, say
from keylint.options import FetchOptions


def run(options: FetchOptions) -> int:
    from keylint.live import fetch_state
    from keylint.policy.load import load

    outcome = fetch_state(
        load(options.paths, skip=file_filter(options.scope)),
        base_url=options.live.base_url,
        concurrency=options.live.concurrency,
        timeout=options.live.timeout,
        output=options.output,
    )
    for line in outcome.messages:
        say(f"keylint: {line}")
    return outcome.exit_code
