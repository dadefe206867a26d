"""The one fatal error type: printed as a single plain line on stderr, never a traceback."""

from __future__ import annotations


class KeylintError(Exception):
    """A problem that stops the run before anything is checked."""

    exit_code = 2


class UsageError(KeylintError):
    """The command line asks for something that cannot be done (SPEC §3: exit 2)."""
