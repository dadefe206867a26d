"""`keylint validate`: parse, schema-check and statically lint policy files (offline)."""

from __future__ import annotations

from keylint.commands.common import emit
from keylint.options import ValidateOptions, clock


def run(options: ValidateOptions) -> int:
    from keylint import engine

    # Streamed: each file is linted as the reporter writes it, so memory stays flat.
    result = engine.validate(
        options.paths, now=clock(options.now), fail_on=options.fail_on, stream=True
    )
    emit(result, options.output_format, options.output)
    return result.exit_code
