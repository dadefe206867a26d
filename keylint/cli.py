"""The command line: parse options into `keylint.options` objects, hand them to the command's
module (`keylint.commands.<name>.run`), and turn what it raises into one line and an exit code.
No command logic lives here."""

from __future__ import annotations

import contextlib
import copy
import enum
import errno
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from keylint import __version__
from keylint.config import Config, load_config
from keylint.errors import KeylintError
from keylint.inert import inert_line, inert_lines
from keylint.options import (
    DEFAULT_CONCURRENCY,
    ApplyOptions,
    CheckOptions,
    CommentOptions,
    FetchOptions,
    InitOptions,
    Live,
    PlanOptions,
    RotateOptions,
    RulesOptions,
    ValidateOptions,
    check_base_url,
    parse_now,
    parse_reports,
    paths_of,
    scope_of,
    severity_setting,
    state_of,
)
from keylint.reporters import FORMATS

app = typer.Typer(
    name="keylint",
    help=(
        "Policy-as-code linter for Binance API keys: declare in YAML what each key may do, "
        "where it may be used from and how old it may get; keylint checks the files and "
        "compares them with Binance."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class OutputFormat(enum.StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"
    markdown = "markdown"
    github = "github"
    junit = "junit"
    gitlab = "gitlab"


class FailOn(enum.StrEnum):
    error = "error"
    warning = "warning"
    info = "info"
    never = "never"


def finite_seconds(value: float | None) -> float | None:
    """--timeout: a number of seconds; `nan` and `inf` are not (click lets them through)."""
    import math

    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a number of seconds")
    return value


def nonempty_path(value: Path | None) -> Path | None:
    """An --output or --state given as "" is a mistake, not the current folder."""
    if value is not None and str(value) in ("", "."):
        raise typer.BadParameter("an empty path")
    return value


def nonempty_paths(values: list[str] | None) -> list[str] | None:
    """PATH given as "" would lint the current folder: a mistake (an unset shell variable)."""
    if values and any(not value.strip() for value in values):
        raise typer.BadParameter("an empty path (an unset shell variable?)")
    return values


PathsArg = Annotated[
    list[str] | None,
    typer.Argument(
        callback=nonempty_paths,
        help="Policy files or folders (searched for *.yaml and *.yml). Default: policies/.",
        show_default=False,
    ),
]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help="Report format.")]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        callback=nonempty_path,
        help="Write the report to FILE (atomically) instead of stdout.",
        dir_okay=False,
        show_default=False,
    ),
]
FailOnOpt = Annotated[
    FailOn | None,
    typer.Option(
        "--fail-on",
        show_default=False,
        help="Exit 1 when a finding at or above this severity remains. Default: the "
        "configuration's fail_on, else error.",
    ),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        dir_okay=False,
        callback=nonempty_path,
        show_default=False,
        help="Read this configuration file. Default: .keylint.yaml in the current folder or "
        "the nearest parent up to the repository root.",
    ),
]
NoConfigOpt = Annotated[
    bool, typer.Option("--no-config", help="Read no configuration file: defaults only.")
]
SelectOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--select",
        metavar="RULES",
        show_default=False,
        help="Run only these rules: ids, id prefixes (KL2) or names, comma-separated or "
        "repeated. KL001-KL004 always run.",
    ),
]
IgnoreOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--ignore",
        metavar="RULES",
        show_default=False,
        help="Turn these rules off: ids, id prefixes or names, comma-separated or repeated.",
    ),
]
BaselineOpt = Annotated[
    Path | None,
    typer.Option(
        "--baseline",
        dir_okay=False,
        callback=nonempty_path,
        show_default=False,
        help="Report the findings this baseline lists as waived (reason: baseline), and its "
        "entries nothing matched as KL007. Default: the configuration's baseline.",
    ),
]
WriteBaselineOpt = Annotated[
    Path | None,
    typer.Option(
        "--write-baseline",
        dir_okay=False,
        callback=nonempty_path,
        show_default=False,
        help="Write the fingerprints of the current findings to FILE (atomically); entries "
        "this run could not check are kept.",
    ),
]
ReportOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--report",
        metavar="FORMAT=FILE",
        show_default=False,
        help="Also write the report in FORMAT to FILE (repeatable): one run, every format.",
    ),
]
QuietOpt = Annotated[
    bool,
    typer.Option(
        "--quiet", "-q", help="Show only what needs attention: no clean keys, no summary."
    ),
]
VerboseOpt = Annotated[
    bool,
    typer.Option(
        "--verbose",
        "-v",
        help="Also say which configuration was read and which files were skipped and why.",
    ),
]


class ColorMode(enum.StrEnum):
    auto = "auto"
    always = "always"
    never = "never"


ColorOpt = Annotated[
    ColorMode | None,
    typer.Option(
        "--color",
        show_default=False,
        help="Colour the text output: auto (a terminal), always, never. Default: auto, or "
        "never with NO_COLOR set, always with FORCE_COLOR set.",
    ),
]


def run_settings(
    quiet: bool, verbose: bool, color: ColorMode | None, config: Path | None, no_config: bool
) -> Config:
    """What every command sets up first: -q, -v and --color for every line written around
    the report, then the configuration its other options default to."""
    from keylint import terminal
    from keylint.errors import UsageError

    if quiet and verbose:
        raise UsageError("--quiet and --verbose contradict each other; give one")
    terminal.configure(quiet=quiet, verbose=verbose, color=color.value if color else None)
    return load_config(config, enabled=not no_config)


LiveOpt = Annotated[
    bool,
    typer.Option("--live", help="Read Binance even when the configuration names a state file."),
]
NowOpt = Annotated[
    str | None,
    typer.Option(
        "--now",
        help="The clock for date rules, ISO 8601 (e.g. 2026-11-24T09:00:00Z); "
        "for reproducible runs. Default: the current time.",
        show_default=False,
    ),
]


BaseUrlOpt = Annotated[
    str,
    typer.Option(
        "--base-url",
        envvar="KEYLINT_BASE_URL",
        help="Binance API address; keylint sends requests nowhere else.",
    ),
]
ConcurrencyOpt = Annotated[
    int, typer.Option("--concurrency", min=1, max=64, help="Requests in flight at once.")
]
TimeoutOpt = Annotated[
    float | None,
    typer.Option(
        "--timeout",
        min=1.0,
        callback=finite_seconds,
        show_default=False,
        help="Seconds the whole fetch may take; keys not read by then are reported "
        "unchecked, never waited on for hours. Default: what reading the keys takes at "
        "Binance's rate limits, plus 60 s.",
    ),
]


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"keylint {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=version_callback,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """Policy-as-code linter for Binance API keys."""


@app.command()
def validate(
    paths: PathsArg = None,
    output_format: FormatOpt = OutputFormat.text,
    output: OutputOpt = None,
    report: ReportOpt = None,
    fail_on: FailOnOpt = None,
    now: NowOpt = None,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    baseline: BaselineOpt = None,
    write_baseline: WriteBaselineOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    color: ColorOpt = None,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
) -> None:
    """Lint policy files offline: YAML, schema and static rules (fast; for pre-commit).

    Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage error.
    """
    from keylint.commands import validate as command

    def run() -> int:
        settings = run_settings(quiet, verbose, color, config, no_config)
        options = ValidateOptions(
            paths_of(paths, settings),
            output_format.value,
            output,
            severity_setting(fail_on, settings.fail_on),
            parse_now(now),
            scope_of(
                settings,
                select=select,
                ignore=ignore,
                baseline=baseline,
                write_baseline=write_baseline,
            ),
            parse_reports(report or (), FORMATS),
        )
        return command.run(options)

    raise typer.Exit(guarded(run))


@app.command()
def check(
    paths: PathsArg = None,
    state: Annotated[
        Path | None,
        typer.Option(
            "--state",
            dir_okay=False,
            callback=nonempty_path,
            show_default=False,
            help="Read live state from this state file (`keylint fetch`) instead of "
            "Binance: for forks and demos without credentials.",
        ),
    ] = None,
    live_flag: LiveOpt = False,
    output_format: FormatOpt = OutputFormat.text,
    output: OutputOpt = None,
    report: ReportOpt = None,
    fail_on: FailOnOpt = None,
    now: NowOpt = None,
    base_url: BaseUrlOpt = "https://api.binance.com",
    concurrency: ConcurrencyOpt = DEFAULT_CONCURRENCY,
    timeout: TimeoutOpt = None,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    baseline: BaselineOpt = None,
    write_baseline: WriteBaselineOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    color: ColorOpt = None,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
) -> None:
    """Compare every declared key with its live state: permissions, trusted IPs, age.

    Runs the static rules, then the live ones against Binance (credentials from the
    environment variables the policies name) or a state file. Exit codes: 0 nothing at or
    above --fail-on, 1 findings at or above it, 3 no such findings but some keys could not be
    checked (each is in the report), 2 usage error.
    """
    from keylint.commands import check as command

    def run() -> int:
        settings = run_settings(quiet, verbose, color, config, no_config)
        live = Live(check_base_url(base_url), concurrency, timeout)
        options = CheckOptions(
            paths_of(paths, settings),
            state_of(state, settings, live=live_flag),
            output_format.value,
            output,
            severity_setting(fail_on, settings.fail_on),
            parse_now(now),
            live,
            scope_of(
                settings,
                select=select,
                ignore=ignore,
                baseline=baseline,
                write_baseline=write_baseline,
            ),
            parse_reports(report or (), FORMATS),
        )
        return command.run(options)

    raise typer.Exit(guarded(run))


@app.command()
def fetch(
    paths: PathsArg = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            dir_okay=False,
            callback=nonempty_path,
            show_default=False,
            help="State file to write (atomically). Default: stdout.",
        ),
    ] = None,
    base_url: BaseUrlOpt = "https://api.binance.com",
    concurrency: ConcurrencyOpt = DEFAULT_CONCURRENCY,
    timeout: TimeoutOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    color: ColorOpt = None,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
) -> None:
    """Read the live state of every declared key from Binance into a state file.

    Credentials come only from the environment variables the policies name. The state file
    holds no secret and no full API key, so `check --state FILE` can run where no credentials
    are. Exit codes: 0 every key read, 3 some keys could not be read (listed on stderr),
    2 usage error.
    """
    from keylint.commands import fetch as command

    def run() -> int:
        settings = run_settings(quiet, verbose, color, config, no_config)
        live = Live(check_base_url(base_url), concurrency, timeout)
        options = FetchOptions(paths_of(paths, settings), output, live, scope_of(settings))
        return command.run(options)

    raise typer.Exit(guarded(run))


EnvOpt = Annotated[str | None, typer.Option(show_default=False, metavar="ENV_VAR")]


@app.command()
def init(
    state: Annotated[
        Path | None,
        typer.Option(
            "--state",
            dir_okay=False,
            callback=nonempty_path,
            show_default=False,
            help="Declare the keys of this state file (and the undeclared keys of its "
            "sub-accounts) instead of reading Binance.",
        ),
    ] = None,
    name: Annotated[str, typer.Option(help="Policy name of the key read with --api-key-env.")] = (
        "my-key"
    ),
    api_key_env: EnvOpt = None,
    secret_env: EnvOpt = None,
    private_key_env: EnvOpt = None,
    sub_account: Annotated[
        str | None,
        typer.Option(
            show_default=False,
            metavar="EMAIL",
            help="Declare every key of this sub-account (read with the master's "
            "credentials, or taken from --state).",
        ),
    ] = None,
    master_api_key_env: EnvOpt = None,
    master_secret_env: EnvOpt = None,
    master_private_key_env: EnvOpt = None,
    output: OutputOpt = None,
    now: NowOpt = None,
    base_url: BaseUrlOpt = "https://api.binance.com",
    timeout: TimeoutOpt = None,
) -> None:
    """Print a policy that matches keys as Binance shows them now: start from zero drift.

    One key by its own credentials (--api-key-env with --secret-env or --private-key-env),
    every key of a sub-account through the master (--sub-account with --master-*), or the keys
    of a state file (--state). Exit codes: 0 written, 3 some keys could not be read (listed on
    stderr), 2 usage error.
    """
    from keylint.commands import init as command

    def run() -> int:
        options = InitOptions(
            state=state,
            name=name,
            api_key_env=api_key_env,
            secret_env=secret_env,
            private_key_env=private_key_env,
            sub_account=sub_account,
            master_api_key_env=master_api_key_env,
            master_secret_env=master_secret_env,
            master_private_key_env=master_private_key_env,
            output=output,
            now=parse_now(now),
            live=Live(check_base_url(base_url), timeout=timeout),
        )
        return command.run(options)

    raise typer.Exit(guarded(run))


@app.command()
def rules(
    rule: Annotated[
        str | None,
        typer.Argument(help="A rule id (KL204) or name (ip-unusable).", show_default=False),
    ] = None,
) -> None:
    """List every rule, or explain one: what it checks, why it matters, an example, the fix."""
    from keylint.commands import rules as command

    raise typer.Exit(guarded(lambda: command.run(RulesOptions(rule))))


@app.command()
def comment(
    paths: PathsArg = None,
    state: Annotated[
        Path | None,
        typer.Option(
            "--state",
            dir_okay=False,
            callback=nonempty_path,
            show_default=False,
            help="Read live state from this state file (`keylint fetch`) instead of Binance.",
        ),
    ] = None,
    validate_only: Annotated[
        bool,
        typer.Option(
            "--validate", help="Report the static rules only, as `keylint validate` does."
        ),
    ] = False,
    repo: Annotated[
        str | None,
        typer.Option(
            "--repo",
            metavar="OWNER/NAME",
            show_default=False,
            help="Repository. Default: $GITHUB_REPOSITORY.",
        ),
    ] = None,
    pr: Annotated[
        int | None,
        typer.Option(
            "--pr",
            min=1,
            metavar="N",
            show_default=False,
            help="Pull request number. Default: the pull request of $GITHUB_EVENT_PATH.",
        ),
    ] = None,
    api_url: Annotated[
        str | None,
        typer.Option(
            "--api-url",
            metavar="URL",
            show_default=False,
            help="GitHub API address (https://HOST/api/v3 for GitHub Enterprise Server). "
            "Default: $GITHUB_API_URL, else https://api.github.com.",
        ),
    ] = None,
    issue: Annotated[
        bool,
        typer.Option(
            "--issue",
            help="Keep one open drift issue instead of a pull-request comment (scheduled "
            "runs): opened or updated while there is drift, closed when it is gone.",
        ),
    ] = False,
    keep_clean: Annotated[
        bool,
        typer.Option(
            "--keep-clean",
            help="When the findings are gone, update the comment to the all-clear report "
            "instead of deleting it.",
        ),
    ] = False,
    author: Annotated[
        str | None,
        typer.Option(
            "--author",
            metavar="LOGIN",
            show_default=False,
            help="The account the token posts as; only its comments (or issues) are "
            "keylint's. Default: the token's user (GET /user), or github-actions[bot] for "
            "a workflow's GITHUB_TOKEN.",
        ),
    ] = None,
    live_flag: LiveOpt = False,
    fail_on: FailOnOpt = None,
    now: NowOpt = None,
    base_url: BaseUrlOpt = "https://api.binance.com",
    concurrency: ConcurrencyOpt = DEFAULT_CONCURRENCY,
    timeout: TimeoutOpt = None,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    baseline: BaselineOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    color: ColorOpt = None,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
) -> None:
    """Post the Markdown report as the one keylint comment of a pull request.

    Runs `check` (or, with --validate, `validate`), prints the Markdown report, then creates
    or updates the comment that carries it, found again by its hidden marker and its author
    (the token's account: others' comments are never changed), and deletes it once there are
    no findings. The token comes only from $GITHUB_TOKEN. Exit codes are the
    check's (0, 1, 3), also when GitHub refuses the comment (a fork's read-only token: one
    line on stderr says so); 2 usage error.
    """
    from keylint.commands import comment as command

    def run() -> int:
        settings = run_settings(quiet, verbose, color, config, no_config)
        options = CommentOptions(
            paths=paths_of(paths, settings),
            state=state_of(state, settings, live=live_flag),
            validate_only=validate_only,
            repo=repo,
            pr=pr,
            api_url=api_url,
            issue=issue,
            keep_clean=keep_clean,
            author=author,
            fail_on=severity_setting(fail_on, settings.fail_on),
            now=parse_now(now),
            live=Live(check_base_url(base_url), concurrency, timeout),
            scope=scope_of(settings, select=select, ignore=ignore, baseline=baseline),
        )
        return command.run(options)

    raise typer.Exit(guarded(run))


class PlanFormat(enum.StrEnum):
    text = "text"
    json = "json"


PlanFormatOpt = Annotated[PlanFormat, typer.Option("--format", "-f", help="Output format.")]
StateOpt = Annotated[
    Path | None,
    typer.Option(
        "--state",
        dir_okay=False,
        callback=nonempty_path,
        show_default=False,
        help="Plan from this state file (`keylint fetch`) instead of Binance; `apply` re-reads "
        "Binance and refuses the plan if it no longer matches.",
    ),
]


@app.command()
def plan(
    paths: PathsArg = None,
    state: StateOpt = None,
    output_format: PlanFormatOpt = PlanFormat.text,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            dir_okay=False,
            callback=nonempty_path,
            show_default=False,
            help="Also save the plan as JSON to FILE (atomically), for `keylint apply --plan`.",
        ),
    ] = None,
    live_flag: LiveOpt = False,
    fail_on: FailOnOpt = None,
    now: NowOpt = None,
    base_url: BaseUrlOpt = "https://api.binance.com",
    concurrency: ConcurrencyOpt = DEFAULT_CONCURRENCY,
    timeout: TimeoutOpt = None,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    baseline: BaselineOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    color: ColorOpt = None,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
) -> None:
    """The API calls that would converge sub-account keys to their policies, and the manual
    steps for the rest. Changes nothing.

    Binance's API lets the master change a sub-account key's IP whitelist and its five
    trading permissions, and delete it; everything else is listed with its remediation hint.
    Exit codes are check's: 0 nothing at or above --fail-on, 1 drift at or above it, 3 some
    keys could not be read, 2 usage error.
    """
    from keylint.commands import plan as command

    def run() -> int:
        settings = run_settings(quiet, verbose, color, config, no_config)
        options = PlanOptions(
            paths=paths_of(paths, settings),
            state=state_of(state, settings, live=live_flag),
            output_format=output_format.value,
            output=output,
            fail_on=severity_setting(fail_on, settings.fail_on),
            now=parse_now(now),
            live=Live(check_base_url(base_url), concurrency, timeout),
            scope=scope_of(settings, select=select, ignore=ignore, baseline=baseline),
        )
        return command.run(options)

    raise typer.Exit(guarded(run))


@app.command()
def apply(
    paths: PathsArg = None,
    plan_file: Annotated[
        Path | None,
        typer.Option(
            "--plan",
            dir_okay=False,
            callback=nonempty_path,
            show_default=False,
            help="Carry out this saved plan (`keylint plan --output`); refused if Binance no "
            "longer matches it. Default: a fresh plan.",
        ),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (automation).")
    ] = False,
    allow_widen: Annotated[
        bool,
        typer.Option(
            "--allow-widen",
            help="Also make changes that widen access: grant permissions, trust more IPs.",
        ),
    ] = False,
    log: Annotated[
        Path | None,
        typer.Option(
            "--log",
            dir_okay=False,
            callback=nonempty_path,
            show_default=False,
            help="Append every change and its outcome to FILE as JSON Lines (no secrets).",
        ),
    ] = None,
    output_format: PlanFormatOpt = PlanFormat.text,
    fail_on: FailOnOpt = None,
    now: NowOpt = None,
    base_url: BaseUrlOpt = "https://api.binance.com",
    concurrency: ConcurrencyOpt = DEFAULT_CONCURRENCY,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            min=1.0,
            callback=finite_seconds,
            help="Seconds each stage may take (reading, the calls, re-reading); Binance allows "
            "about 60 changes a minute per endpoint, so large fleets need more.",
        ),
    ] = 300.0,
    select: SelectOpt = None,
    ignore: IgnoreOpt = None,
    baseline: BaselineOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    color: ColorOpt = None,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
) -> None:
    """Carry out a plan: tightening changes only unless --allow-widen; confirmation on a
    terminal unless --yes.

    Each change's outcome is shown (and logged with --log); a failure stops nothing else.
    Afterwards live state is read again and the remaining drift reported. Exit codes: 0 no
    drift at or above --fail-on remains, 1 drift remains, a change failed or the log is
    incomplete, 3 some keys could not be read, 2 nothing was changed (usage error, stale plan,
    not confirmed), 130/143 stopped by SIGINT/SIGTERM (changes in flight are recorded as
    unknown).
    """
    from keylint.commands import apply as command

    def run() -> int:
        settings = run_settings(quiet, verbose, color, config, no_config)
        options = ApplyOptions(
            paths=paths_of(paths, settings),
            plan_file=plan_file,
            yes=yes,
            allow_widen=allow_widen,
            log=log,
            output_format=output_format.value,
            fail_on=severity_setting(fail_on, settings.fail_on),
            now=parse_now(now),
            live=Live(check_base_url(base_url), concurrency, timeout),
            scope=scope_of(settings, select=select, ignore=ignore, baseline=baseline),
        )
        return command.run(options)

    raise typer.Exit(guarded(run))


@app.command()
def rotate(
    names: Annotated[
        list[str],
        typer.Argument(help="The keys to rotate now (their policy `name`).", show_default=False),
    ],
    policies: Annotated[
        list[str] | None,
        typer.Option(
            "--policies",
            "-p",
            callback=nonempty_paths,
            show_default=False,
            help="Policy files or folders (repeatable). Default: policies/.",
        ),
    ] = None,
    grace: Annotated[
        str | None,
        typer.Option(
            "--grace",
            show_default=False,
            help="How long the replaced key lives once its successor verifies, for this run "
            "(36h, 1d, ...); 0 deletes it in this run. Default: the policy's rotation.grace.",
        ),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (automation).")
    ] = False,
    log: Annotated[
        Path | None,
        typer.Option(
            "--log",
            dir_okay=False,
            callback=nonempty_path,
            show_default=False,
            help="Append every change and its outcome to FILE as JSON Lines (no secrets).",
        ),
    ] = None,
    now: NowOpt = None,
    base_url: BaseUrlOpt = "https://api.binance.com",
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            min=1.0,
            callback=finite_seconds,
            help="Seconds each call to Binance or the secret store may take.",
        ),
    ] = 300.0,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    color: ColorOpt = None,
    config: ConfigOpt = None,
    no_config: NoConfigOpt = False,
) -> None:
    """Rotate the named keys now, whatever their age (a leaked key): a new Ed25519 key with
    exactly the declared restrictions, its credentials written to the secret store, the
    replaced key deleted after the grace (with --grace 0: in this run, once the new key
    verifies). Only keys that declare `rotation:`.

    Exit codes: 0 every key rotated, 1 a change failed or its outcome is unknown (the next
    `apply` or `rotate` completes a half-done rotation), 2 nothing was done (usage error, not
    confirmed), 130/143 stopped by SIGINT/SIGTERM.
    """
    from keylint.commands import rotate as command

    def run() -> int:
        settings = run_settings(quiet, verbose, color, config, no_config)
        options = RotateOptions(
            names=names,
            paths=paths_of(policies, settings),
            grace=command.parse_grace(grace),
            yes=yes,
            now=parse_now(now),
            live=Live(check_base_url(base_url), timeout=timeout),
            log=log,
            scope=scope_of(settings),
        )
        return command.run(options)

    raise typer.Exit(guarded(run))


def guarded(run: Callable[[], int]) -> int:
    """Run a command; a KeylintError is one plain line on stderr, never a traceback."""
    try:
        code = run()
        sys.stdout.flush()  # a full disk or a closed pipe shows here, not at interpreter exit
        return code
    except KeylintError as exc:
        from keylint.secrets import redact

        # The message may quote a file name or a value: no secret, inert, on one line (§5).
        said = f"keylint: error: {redact(str(exc))}"
        typer.echo(inert_lines(said) if exc.multiline else inert_line(said), err=True)
        return exc.exit_code
    except KeyboardInterrupt as stop:
        # Ctrl-C, or SIGTERM (keylint.signals): one line and 130 or 143, where Typer would
        # exit silently before main() could say anything.
        from keylint.signals import Stopped, exit_code

        detail = stop.detail if isinstance(stop, Stopped) and stop.detail else ""
        typer.echo(f"keylint: interrupted{': ' + detail if detail else ''}", err=True)
        return exit_code(stop)
    except OSError as exc:
        if not _is_stdout_failure(exc):
            raise
        return _stdout_failed(exc)


# What writing to stdout fails with when the disk, the quota or the reader is gone.
_STDOUT_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EPIPE, errno.EBADF}
)


def _is_stdout_failure(exc: OSError) -> bool:
    return exc.errno in _STDOUT_ERRNOS and exc.filename is None


def _stdout_failed(exc: OSError) -> int:
    """Exit 2 (not 1, which means findings) with one line, and no second complaint from the
    interpreter when it flushes the same stdout again at exit. A reader that went away
    (`keylint check | head`) is no error: quietly 141, as a shell reports a SIGPIPE."""
    broken_pipe = exc.errno == errno.EPIPE
    if not broken_pipe:
        with contextlib.suppress(OSError):
            sys.stderr.write(f"keylint: error: cannot write to standard output: {exc.strerror}\n")
            sys.stderr.flush()
    devnull = os.open(os.devnull, os.O_WRONLY)
    with contextlib.suppress(OSError, ValueError):
        os.dup2(devnull, sys.stdout.fileno())
    return 128 + signal.SIGPIPE if broken_pipe else 2


def app_for(args: list[str]) -> typer.Typer:
    """`app` with only the command `args` start with, when they start with one.

    Typer builds the click command of every command on each run, reading each function's
    signature and annotations: about 30 ms of a cold start (a pre-commit hook pays it on every
    commit), where the one command run costs 4. Anything else (`--help`, `--version`, no
    command, a misspelt one that gets a suggestion) gets the whole app.
    tests/unit/test_cli.py checks every command's help and errors come out the same.
    """
    if not args:
        return app
    for command in app.registered_commands:
        if command.callback is None:
            continue
        name = command.name or typer.main.get_command_name(command.callback.__name__)
        if name == args[0]:
            one = copy.copy(app)
            one.registered_commands = [command]
            return one
    return app


def main() -> NoReturn:
    """Console-script entry point."""
    from keylint import signals

    signals.install()  # SIGTERM takes Ctrl-C's path: stop cleanly, say so, exit 143
    try:
        app_for(sys.argv[1:])()
    except KeyboardInterrupt as stop:
        sys.stderr.write("keylint: interrupted\n")
        sys.exit(signals.exit_code(stop))
    sys.exit(0)  # pragma: no cover - app() always exits


@app.command()
def schema(
    name: Annotated[
        str,
        typer.Argument(
            help="Which schema: policy, report, state, plan, baseline or config.",
            metavar="[NAME]",
        ),
    ] = "policy",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            callback=nonempty_path,
            help="Write the schema to FILE (atomically) instead of stdout.",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
) -> None:
    """Print a bundled JSON Schema (default: policy), for editors and other tools.

    The output is the file keylint itself validates against, byte for byte; point an editor at
    it for offline use. Exit codes: 0 printed, 2 no such schema.
    """
    from keylint.commands import schema as command
    from keylint.options import SchemaOptions

    raise typer.Exit(guarded(lambda: command.run(SchemaOptions(name, output))))
