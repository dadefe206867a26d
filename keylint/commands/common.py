"""What every command does at its edges: write the report, colour it, ask, say a line."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from keylint.errors import UsageError
from keylint.inert import inert_line

if TYPE_CHECKING:
    from collections.abc import Sequence

    from keylint.exclude import FileFilter
    from keylint.options import Scope
    from keylint.outcomes import ChangeOutcome
    from keylint.policy.load import Policies
    from keylint.result import Result
    from keylint.selection import Review


def say(line: str) -> None:
    """One line on stderr, escaped: it may carry a file name or Binance's text (SPEC §5)."""
    sys.stderr.write(inert_line(line) + "\n")
    sys.stderr.flush()


def emit(
    result: Result,
    output_format: str,
    output: Path | None,
    extra: Sequence[tuple[str, Path]] = (),
) -> None:
    """Write each `--report FORMAT=FILE`, then the report to stdout or, atomically, to
    --output, file by file as it is read (a run with `--report`s is not streamed: every
    writer reads the whole result)."""
    from keylint.output import open_atomic
    from keylint.repo import repository_root
    from keylint.reporters import get_writer

    # The formats a forge reads place findings by their path from the repository root.
    root = repository_root()
    # The extra files first: one that cannot be written (no such folder) stops the run
    # before its report is printed, rather than after, half-done.
    for name, path in extra:
        with open_atomic(path) as handle:
            get_writer(name)(result, handle, color=False, root=root)
    write = get_writer(output_format)
    if output is not None:
        with open_atomic(output) as handle:
            write(result, handle, color=False, root=root, quiet=_quiet())
    else:
        write(result, sys.stdout, color=use_color(sys.stdout), root=root, quiet=_quiet())
        sys.stdout.flush()


def _quiet() -> bool:
    from keylint import terminal

    return terminal.quiet()


def review_for(scope: Scope) -> Review:
    """The selection and baseline a run judges its findings by (`--write-baseline`'s file
    stands in for `--baseline`: the run is judged by the baseline it rewrites)."""
    from keylint.selection import Review, selection

    origin = str(scope.config) if scope.config is not None else ".keylint.yaml"
    chosen = selection(scope.rules, scope.select, scope.ignore, origin=origin)
    if scope.baseline is None and scope.write_baseline is None:
        return Review(chosen)
    from keylint import baseline as baselines  # only a run with a baseline pays for it

    target = scope.write_baseline
    if target is not None:
        if scope.baseline is not None and os.path.abspath(scope.baseline) != os.path.abspath(
            target
        ):
            raise UsageError(
                "--baseline and --write-baseline name different files: a baseline is "
                "rewritten in place (give the same file, or --write-baseline alone)"
            )
        found = target.is_file()
        return Review(chosen, baselines.read_baseline(target) if found else baselines.empty(target))
    assert scope.baseline is not None
    return Review(chosen, baselines.read_baseline(scope.baseline))


def load_policies(scope: Scope, paths: Sequence[str]) -> Policies:
    """Every policy file under `paths` that the scope does not leave alone, read once."""
    from keylint.policy.load import load

    files = file_filter(scope)
    policies = load(paths, skip=files)
    explain(scope, files)
    return policies


def file_filter(scope: Scope) -> FileFilter:
    """What the run leaves alone: the configuration's `exclude`, and what git ignores."""
    from keylint.exclude import FileFilter

    return FileFilter(scope.exclude, scope.exclude_base)


def rewrite_baseline(result: Result, review: Review, scope: Scope) -> None:
    """`--write-baseline FILE`: write it from this run's findings, and say so."""
    if scope.write_baseline is None or review.baseline is None:
        return
    from keylint.baseline import rewrite

    count = rewrite(result, review.baseline, review.chosen)
    noun = "finding" if count == 1 else "findings"
    note(
        f"keylint: wrote {count} {noun} to {scope.write_baseline}; with --baseline they are "
        "reported as waived (reason: baseline)"
    )


def use_color(stream: object) -> bool:
    """Colour on this stream (keylint.terminal: --color, NO_COLOR, FORCE_COLOR, a tty)."""
    from keylint import terminal

    return terminal.use_color(stream)


def note(line: str) -> None:
    """An informational line on stderr: left out with -q."""
    from keylint import terminal

    if not terminal.quiet():
        say(line)


def detail(line: str) -> None:
    """A line only -v asks for; file names in it go through the one redaction path too."""
    from keylint import terminal
    from keylint.secrets import redact

    if terminal.verbose():
        say(redact(line))


def explain(scope: Scope, files: FileFilter) -> None:
    """-v: the configuration read, the rules off or re-rated, the files skipped and why."""
    from keylint import terminal

    if not terminal.verbose():
        return
    detail(f"keylint: configuration: {scope.config if scope.config else 'none'}")
    for rule_id, setting in sorted(scope.rules.items()):
        detail(f"keylint: {rule_id}: {setting} (configuration)")
    for option, values in (("--select", scope.select), ("--ignore", scope.ignore)):
        if values:
            detail(f"keylint: {option} {','.join(values)}")
    if scope.baseline or scope.write_baseline:
        detail(f"keylint: baseline: {scope.write_baseline or scope.baseline}")
    for path, why in files.skipped:
        detail(f"keylint: skipped {path}: {why}")
    for line in files.notes:
        detail(f"keylint: {line}")


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
