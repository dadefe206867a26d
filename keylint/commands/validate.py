"""`keylint validate`: parse, schema-check and statically lint policy files (offline)."""

from __future__ import annotations

from keylint.commands.common import emit, explain, file_filter, review_for, rewrite_baseline
from keylint.options import ValidateOptions, clock


def run(options: ValidateOptions) -> int:
    from keylint import engine

    review = review_for(options.scope)
    # Streamed (each file linted as the reporter writes it, so memory stays flat) unless the
    # whole result is needed first: several reports, or a baseline to write.
    whole = bool(options.reports) or options.scope.write_baseline is not None
    files = file_filter(options.scope)
    result = engine.validate(
        options.paths,
        now=clock(options.now),
        fail_on=options.fail_on,
        stream=not whole,
        review=review,
        skip=files,
    )
    explain(options.scope, files)
    rewrite_baseline(result, review, options.scope)
    emit(result, options.output_format, options.output, options.reports)
    return result.exit_code
