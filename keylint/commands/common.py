"""What every command does at its edges: write the report, colour it, ask, say a line."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from keylint.errors import UsageError
from keylint.inert import inert_line

if TYPE_CHECKING:
    from keylint.outcomes import ChangeOutcome


def say(line: str) -> None:
    """One line on stderr, escaped: it may carry a file name or Binance's text (SPEC §5)."""
    sys.stderr.write(inert_line(line) + "\n")
    sys.stderr.flush()


def emit(result: object, output_format: str, output: Path | None) -> None:
    """Write the report to stdout or, atomically, to --output, file by file as it is read."""
    from keylint.output import open_atomic
    from keylint.repo import repository_root
    from keylint.reporters import get_writer

    write = get_writer(output_format)
    # The formats a forge reads place findings by their path from the repository root.
    root = repository_root()
    if output is not None:
        with open_atomic(output) as handle:
            write(result, handle, color=False, root=root)
        return
    write(result, sys.stdout, color=use_color(sys.stdout), root=root)
    sys.stdout.flush()


def use_color(stream: object) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def ask(question: str) -> bool:
    """Yes or no on the terminal (default no). Ctrl-C stops the run (130) and end of input
    (Ctrl-D) answers no, where click's own prompt turns both into an exit 1 ("Aborted!")."""
    from keylint.signals import Stopped, signum_of

    while True:
        sys.stderr.write(f"{question} [y/N]: ")
        sys.stderr.flush()
        try:
            answer = sys.stdin.readline()
        except KeyboardInterrupt as stop:
            sys.stderr.write("\n")
            raise Stopped(signum_of(stop), "nothing was changed") from None
        if not answer:  # end of input
            sys.stderr.write("\n")
            return False
        answer = answer.strip().lower()
        if answer in ("y", "yes"):
            return True
        if answer in ("", "n", "no"):
            return False


def confirm(yes: bool, question: str, *, refusal: str) -> bool:
    """`--yes`, or a yes on the terminal; without a terminal, `refusal` (a usage error): a
    command that changes keys never goes ahead unasked."""
    if yes:
        return True
    if not sys.stdin.isatty():
        raise UsageError(refusal)
    return ask(question)


class OutcomeLines:
    """Prints each change's outcome the moment it is known, under `heading` (text output)."""

    def __init__(self, heading: str, *, shown: bool = True) -> None:
        self.heading = heading
        self.shown = shown
        self.color = use_color(sys.stdout)
        self.count = 0

    def __call__(self, outcome: ChangeOutcome) -> None:
        from keylint.reporters.plan import render_outcome

        if self.shown:
            if not self.count:
                sys.stdout.write(f"\n{self.heading}\n")
            sys.stdout.write(render_outcome(outcome, color=self.color))
            sys.stdout.flush()
        self.count += 1


def say_log_incomplete(log_error: str) -> None:
    """A --log write failed: the outcomes above are the whole record (SPEC §6)."""
    sys.stdout.flush()
    say(f"keylint: error: --log {log_error}: the log is incomplete; every outcome is printed above")
