"""The options of each command, as plain objects: what `cli` parses and `commands` run on.

Parsing helpers for values the command line gives as text (`--now`, `--fail-on`,
`--base-url`) live here too, so a command built without Typer (a test, another tool) gets
the same checks.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from keylint.config import Config
from keylint.errors import UsageError
from keylint.findings import Severity

DEFAULT_PATHS = ("policies",)
DEFAULT_BASE_URL = "https://api.binance.com"
# Mirrors keylint.binance.client.DEFAULT_CONCURRENCY, which validate must not import.
DEFAULT_CONCURRENCY = 64
# apply's and rotate's --timeout: each stage (reading, the changes, re-reading) may take this long.
STAGE_TIMEOUT = 300.0


@dataclass(frozen=True)
class Live:
    """How to reach Binance: commands that read or change live state."""

    base_url: str = DEFAULT_BASE_URL
    concurrency: int = DEFAULT_CONCURRENCY
    # None: what the reads take at Binance's rate limits, plus 60 s (keylint.binance.fetch).
    timeout: float | None = None


@dataclass(frozen=True)
class Scope:
    """Which files and rules a run covers and how it judges findings: the configuration's
    `exclude`, `rules` and `baseline`, with `--select`, `--ignore` and `--baseline` (SPEC §8)."""

    config: Path | None = None  # the configuration file read, if any
    rules: Mapping[str, str] = field(default_factory=dict)  # .keylint.yaml's `rules:`
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    baseline: Path | None = None
    write_baseline: Path | None = None
    exclude: tuple[str, ...] = ()
    exclude_base: Path | None = None  # the folder `exclude` patterns are relative to


@dataclass(frozen=True)
class ValidateOptions:
    paths: list[str]
    output_format: str = "text"
    output: Path | None = None
    fail_on: Severity | None = Severity.ERROR
    now: datetime | None = None
    scope: Scope = Scope()
    reports: tuple[tuple[str, Path], ...] = ()


@dataclass(frozen=True)
class CheckOptions:
    paths: list[str]
    state: Path | None = None
    output_format: str = "text"
    output: Path | None = None
    fail_on: Severity | None = Severity.ERROR
    now: datetime | None = None
    live: Live = Live()
    scope: Scope = Scope()
    reports: tuple[tuple[str, Path], ...] = ()


@dataclass(frozen=True)
class FetchOptions:
    paths: list[str]
    output: Path | None = None
    live: Live = Live()
    scope: Scope = Scope()


@dataclass(frozen=True)
class InitOptions:
    state: Path | None = None
    name: str = "my-key"
    api_key_env: str | None = None
    secret_env: str | None = None
    private_key_env: str | None = None
    sub_account: str | None = None
    master_api_key_env: str | None = None
    master_secret_env: str | None = None
    master_private_key_env: str | None = None
    output: Path | None = None
    now: datetime | None = None
    live: Live = Live()


@dataclass(frozen=True)
class RulesOptions:
    rule: str | None = None


@dataclass(frozen=True)
class CommentOptions:
    paths: list[str]
    state: Path | None = None
    validate_only: bool = False
    repo: str | None = None
    pr: int | None = None
    api_url: str | None = None
    issue: bool = False
    keep_clean: bool = False
    author: str | None = None
    fail_on: Severity | None = Severity.ERROR
    now: datetime | None = None
    live: Live = Live()
    scope: Scope = Scope()


@dataclass(frozen=True)
class PlanOptions:
    paths: list[str]
    state: Path | None = None
    output_format: str = "text"  # text | json
    output: Path | None = None
    fail_on: Severity | None = Severity.ERROR
    now: datetime | None = None
    live: Live = Live()
    scope: Scope = Scope()


@dataclass(frozen=True)
class ApplyOptions:
    paths: list[str]
    plan_file: Path | None = None
    yes: bool = False
    allow_widen: bool = False
    log: Path | None = None
    output_format: str = "text"  # text | json
    fail_on: Severity | None = Severity.ERROR
    now: datetime | None = None
    live: Live = Live(timeout=STAGE_TIMEOUT)
    scope: Scope = Scope()


@dataclass(frozen=True)
class RotateOptions:
    names: list[str]
    paths: list[str]
    grace: timedelta | None = None  # None: each policy's rotation.grace
    yes: bool = False
    now: datetime | None = None
    live: Live = Live(timeout=STAGE_TIMEOUT)
    log: Path | None = None
    scope: Scope = Scope()


def clock(now: datetime | None) -> datetime:
    """The run's clock: `--now`, or the current time (to the second)."""
    return now if now is not None else datetime.now(UTC).replace(microsecond=0)


def parse_now(value: str | None) -> datetime | None:
    """`--now`: an ISO 8601 time (UTC when it names no zone), or None for the current time."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"--now {value!r} is not an ISO 8601 time (e.g. 2026-11-24T09:00:00Z)"
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def severity_threshold(fail_on: str) -> Severity | None:
    """`--fail-on`: error | warning | info, or never (None)."""
    return None if fail_on == "never" else Severity(fail_on)


def check_base_url(url: str) -> str:
    """The API address, which must be a plain http(s) URL: it receives signed requests, and it
    is written into plans and `init` output, so it may not carry a user name or password."""
    from urllib.parse import urlsplit

    example = "(e.g. https://api.binance.com)"
    try:
        parts = urlsplit(url)
        port = parts.port  # raises for a port out of range
    except ValueError as exc:
        raise UsageError(f"--base-url is not a usable URL ({exc}) {example}") from None
    if parts.username is not None or parts.password is not None:
        # Never echoed: the point is that the password goes nowhere.
        raise UsageError(
            "--base-url must not carry a user name or password: keylint writes the address "
            "into plans and policies"
        )
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UsageError(f"--base-url {url!r} is not an http(s) URL {example}")
    if parts.query or parts.fragment or port == 0:
        raise UsageError(f"--base-url {url!r} must be a plain address {example}")
    return url.rstrip("/")


def parse_reports(values: Sequence[str], formats: Sequence[str]) -> tuple[tuple[str, Path], ...]:
    """`--report FORMAT=FILE`, repeatable: each format to its own file, written atomically."""
    reports: list[tuple[str, Path]] = []
    for value in values:
        name, sep, file = value.partition("=")
        if not sep or not file.strip():
            raise UsageError(f"--report {value!r}: give FORMAT=FILE (e.g. sarif=keylint.sarif)")
        if name not in formats:
            raise UsageError(
                f"--report {value!r}: no format {name!r}; formats: {', '.join(formats)}"
            )
        if file in (".", ""):
            raise UsageError(f"--report {value!r}: an empty path")
        path = Path(file)
        if any(os.path.abspath(path) == os.path.abspath(p) for _, p in reports):
            raise UsageError(f"--report {value!r}: {file} is written twice")
        reports.append((name, path))
    return tuple(reports)


def severity_setting(value: str | None, config_value: str | None) -> Severity | None:
    """`--fail-on` as given, else the configuration's `fail_on`, else error."""
    return severity_threshold(value or config_value or "error")


def scope_of(
    config: Config,
    *,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    baseline: Path | None = None,
    write_baseline: Path | None = None,
) -> Scope:
    """The run's scope: the configuration's, with the command line's options on top."""
    return Scope(
        config=config.source,
        rules=config.rules,
        select=tuple(select or ()),
        ignore=tuple(ignore or ()),
        baseline=baseline or config.baseline,
        write_baseline=write_baseline,
        exclude=config.exclude,
        exclude_base=config.base if config.source is not None else None,
    )


def paths_of(paths: Sequence[str] | None, config: Config) -> list[str]:
    """PATHs as given, else the configuration's `paths`, else policies/."""
    return list(paths or config.paths or DEFAULT_PATHS)


def state_of(state: Path | None, config: Config, *, live: bool) -> Path | None:
    """`--state` as given, else the configuration's `state` unless `--live` asks for Binance."""
    if state is not None and live:
        raise UsageError("--state and --live contradict each other; give one")
    return state if state is not None or live else config.state


@dataclass(frozen=True)
class SchemaOptions:
    name: str = "policy"
    output: Path | None = None
