"""The one fatal error type: printed as a single plain line on stderr, never a traceback."""

from __future__ import annotations


class KeylintError(Exception):
    """A problem that stops the run before anything is checked."""

    exit_code = 2
    # One line, whatever a value quoted in it holds (SPEC §5); a subclass whose message lists
    # its causes one a line (each value escaped where it is quoted) says so.
    multiline = False


class UsageError(KeylintError):
    """The command line asks for something that cannot be done (SPEC §3: exit 2)."""
