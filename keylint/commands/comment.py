"""`keylint comment`: the one pull-request comment (or drift issue) carrying the report."""

from __future__ import annotations

import os
import sys

from keylint.commands.common import explain, file_filter, load_policies, review_for, say
from keylint.options import CommentOptions, clock


def run(options: CommentOptions) -> int:
    from keylint import engine, github
    from keylint.live import run_check
    from keylint.reporters.markdown import render

    target = github.resolve_target(
        repo=options.repo,
        pr=options.pr,
        api_url=options.api_url,
        issue=options.issue,
        env=os.environ,
        author=options.author,
    )
    now = clock(options.now)
    review = review_for(options.scope)
    if options.validate_only:
        files = file_filter(options.scope)
        result = engine.validate(
            options.paths, now=now, fail_on=options.fail_on, review=review, skip=files
        )
        explain(options.scope, files)
    else:
        result = run_check(
            load_policies(options.scope, options.paths),
            state=options.state,
            base_url=options.live.base_url,
            concurrency=options.live.concurrency,
            timeout=options.live.timeout,
            now=now,
            fail_on=options.fail_on,
            review=review,
        )
    body = render(result)
    sys.stdout.write(body)
    sys.stdout.flush()
    clean = github.is_clean(result)
    outcome = github.publish(target, body, clean=clean, keep_clean=options.keep_clean)
    say(f"keylint: {'' if outcome.ok else 'error: '}{outcome.message}")
    for note in outcome.notes:
        say(f"keylint: {note}")
    return result.exit_code
