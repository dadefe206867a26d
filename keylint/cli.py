"""The command line: parse options, wire the stages, return an exit code. Nothing else."""

from __future__ import annotations

import contextlib
import enum
import errno
import os
import signal
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from keylint import __version__
from keylint.errors import KeylintError, UsageError
from keylint.findings import Severity
from keylint.inert import inert_line, inert_lines

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


class FailOn(enum.StrEnum):
    error = "error"
    warning = "warning"
    info = "info"
    never = "never"


def finite_seconds(value: float) -> float:
    """--timeout: a number of seconds; `nan` and `inf` are not (click lets them through)."""
    import math

    if not math.isfinite(value):
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
    FailOn,
    typer.Option("--fail-on", help="Exit 1 when a finding at or above this severity remains."),
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
# Mirrors keylint.binance.client.DEFAULT_CONCURRENCY, which validate must not import.
DEFAULT_CONCURRENCY = 32
ConcurrencyOpt = Annotated[
    int, typer.Option("--concurrency", min=1, max=64, help="Requests in flight at once.")
]
TimeoutOpt = Annotated[
    float,
    typer.Option(
        "--timeout",
        min=1.0,
        callback=finite_seconds,
        help="Seconds the whole fetch may take; keys not read "
        "by then are reported unchecked, never waited on for hours.",
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
    fail_on: FailOnOpt = FailOn.error,
    now: NowOpt = None,
) -> None:
    """Lint policy files offline: YAML, schema and static rules (fast; for pre-commit).

    Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage error.
    """
    from keylint import engine

    def run() -> int:
        # Streamed: each file is linted as the reporter writes it, so memory stays flat.
        result = engine.validate(
            paths or ["policies"],
            now=parse_now(now),
            fail_on=severity_threshold(fail_on),
            stream=True,
        )
        emit(result, output_format, output)
        return result.exit_code

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
    output_format: FormatOpt = OutputFormat.text,
    output: OutputOpt = None,
    fail_on: FailOnOpt = FailOn.error,
    now: NowOpt = None,
    base_url: BaseUrlOpt = "https://api.binance.com",
    concurrency: ConcurrencyOpt = DEFAULT_CONCURRENCY,
    timeout: TimeoutOpt = 60.0,
) -> None:
    """Compare every declared key with its live state: permissions, trusted IPs, age.

    Runs the static rules, then the live ones against Binance (credentials from the
    environment variables the policies name) or a state file. Exit codes: 0 nothing at or
    above --fail-on, 1 findings at or above it, 3 no such findings but some keys could not be
    checked (each is in the report), 2 usage error.
    """

    def run() -> int:
        from keylint.live import run_check

        result = run_check(
            paths or ["policies"],
            state=state,
            base_url=check_base_url(base_url),
            concurrency=concurrency,
            timeout=timeout,
            now=parse_now(now),
            fail_on=severity_threshold(fail_on),
        )
        emit(result, output_format, output)
        if result.interrupted:
            typer.echo("keylint: interrupted: the report shows the keys read so far", err=True)
        return result.exit_code

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
    timeout: TimeoutOpt = 60.0,
) -> None:
    """Read the live state of every declared key from Binance into a state file.

    Credentials come only from the environment variables the policies name. The state file
    holds no secret and no full API key, so `check --state FILE` can run where no credentials
    are. Exit codes: 0 every key read, 3 some keys could not be read (listed on stderr),
    2 usage error.
    """

    def run() -> int:
        from keylint import engine
        from keylint.live import fetch_state

        declared = engine.declared_keys(paths or ["policies"])
        outcome = fetch_state(
            declared,
            base_url=check_base_url(base_url),
            concurrency=concurrency,
            timeout=timeout,
            output=output,
        )
        for line in outcome.messages:
            typer.echo(inert_line(f"keylint: {line}"), err=True)
        return outcome.exit_code

    raise typer.Exit(guarded(run))


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
    timeout: TimeoutOpt = 60.0,
) -> None:
    """Print a policy that matches keys as Binance shows them now: start from zero drift.

    One key by its own credentials (--api-key-env with --secret-env or --private-key-env),
    every key of a sub-account through the master (--sub-account with --master-*), or the keys
    of a state file (--state). Exit codes: 0 written, 3 some keys could not be read (listed on
    stderr), 2 usage error.
    """

    def run() -> int:
        from keylint.adopt import check_names, render_policy
        from keylint.live import KeyRequest, MasterRequest, adopt_from_binance, adopt_from_state
        from keylint.output import write_atomic

        clock = parse_now(now)
        check_names(
            name,
            {
                "--api-key-env": api_key_env,
                "--secret-env": secret_env,
                "--private-key-env": private_key_env,
                "--master-api-key-env": master_api_key_env,
                "--master-secret-env": master_secret_env,
                "--master-private-key-env": master_private_key_env,
            },
        )
        problems: list[str] = []
        master = None
        if master_api_key_env:
            master = MasterRequest(master_api_key_env, master_secret_env, master_private_key_env)
        if state is not None:
            from keylint.binance.state import read_state

            keys = adopt_from_state(read_state(state), sub_account)
            source = str(state)
        else:
            own = None
            if api_key_env:
                if not (secret_env or private_key_env):
                    raise UsageError("--api-key-env needs --secret-env or --private-key-env")
                own = KeyRequest(
                    name,
                    api_key_env=api_key_env,
                    secret_env=secret_env,
                    private_key_env=private_key_env,
                )
            if sub_account and master is None:
                raise UsageError(
                    "--sub-account needs the master's credentials "
                    "(--master-api-key-env with --master-private-key-env or "
                    "--master-secret-env), or --state"
                )
            if own is None and sub_account is None:
                raise UsageError(
                    "say which keys to declare: --api-key-env, --sub-account or "
                    "--state (see `keylint init --help`)"
                )
            keys, problems = adopt_from_binance(
                own, master, sub_account, base_url=check_base_url(base_url), timeout=timeout
            )
            source = check_base_url(base_url)
        master_fields = None
        if master is not None:
            master_fields = {
                k: v
                for k, v in (
                    ("api_key_env", master.api_key_env),
                    ("secret_env", master.secret_env),
                    ("private_key_env", master.private_key_env),
                )
                if v
            }
        if not keys:
            # An empty `keys:` is no policy `validate` accepts: say why instead of printing one.
            why = "; ".join(problems) or (
                f"no keys of sub-account {sub_account!r} in {source}"
                if sub_account
                else f"no keys in {source}"
            )
            raise UsageError(f"nothing to declare: {why}")
        text = render_policy(keys, now=clock, source=source, master=master_fields)
        if output is not None:
            write_atomic(output, text)
        else:
            typer.echo(text, nl=False)
        for line in problems:
            typer.echo(inert_line(f"keylint: not declared, could not be read: {line}"), err=True)
        return 3 if problems else 0

    raise typer.Exit(guarded(run))


@app.command()
def rules(
    rule: Annotated[
        str | None,
        typer.Argument(help="A rule id (KL204) or name (ip-unusable).", show_default=False),
    ] = None,
) -> None:
    """List every rule, or explain one: what it checks, why it matters, an example, the fix."""
    from keylint.reporters.rules import render_rule, render_rule_list
    from keylint.rules import all_rules, get

    def run() -> int:
        if rule is None:
            typer.echo(render_rule_list(all_rules()))
        else:
            typer.echo(render_rule(get(rule)))
        return 0

    raise typer.Exit(guarded(run))


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
    fail_on: FailOnOpt = FailOn.error,
    now: NowOpt = None,
    base_url: BaseUrlOpt = "https://api.binance.com",
    concurrency: ConcurrencyOpt = DEFAULT_CONCURRENCY,
    timeout: TimeoutOpt = 60.0,
) -> None:
    """Post the Markdown report as the one keylint comment of a pull request.

    Runs `check` (or, with --validate, `validate`), prints the Markdown report, then creates
    or updates the comment that carries it, found again by its hidden marker and its author
    (the token's account: others' comments are never changed), and deletes it once there are
    no findings. The token comes only from $GITHUB_TOKEN. Exit codes are the
    check's (0, 1, 3), also when GitHub refuses the comment (a fork's read-only token: one
    line on stderr says so); 2 usage error.
    """

    def run() -> int:
        from keylint import engine, github
        from keylint.live import run_check
        from keylint.reporters.markdown import render

        target = github.resolve_target(
            repo=repo, pr=pr, api_url=api_url, issue=issue, env=os.environ, author=author
        )
        targets = paths or ["policies"]
        clock, threshold = parse_now(now), severity_threshold(fail_on)
        if validate_only:
            result = engine.validate(targets, now=clock, fail_on=threshold)
        else:
            result = run_check(
                targets,
                state=state,
                base_url=check_base_url(base_url),
                concurrency=concurrency,
                timeout=timeout,
                now=clock,
                fail_on=threshold,
            )
        body = render(result)
        sys.stdout.write(body)
        sys.stdout.flush()
        outcome = github.publish(target, body, clean=github.is_clean(result), keep_clean=keep_clean)
        said = f"keylint: {'' if outcome.ok else 'error: '}{outcome.message}"
        typer.echo(inert_line(said), err=True)
        for note in outcome.notes:
            typer.echo(inert_line(f"keylint: {note}"), err=True)
        return result.exit_code

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
    fail_on: FailOnOpt = FailOn.error,
    now: NowOpt = None,
    base_url: BaseUrlOpt = "https://api.binance.com",
    concurrency: ConcurrencyOpt = DEFAULT_CONCURRENCY,
    timeout: TimeoutOpt = 60.0,
) -> None:
    """The API calls that would converge sub-account keys to their policies, and the manual
    steps for the rest. Changes nothing.

    Binance's API lets the master change a sub-account key's IP whitelist and its five
    trading permissions, and delete it; everything else is listed with its remediation hint.
    Exit codes are check's: 0 nothing at or above --fail-on, 1 drift at or above it, 3 some
    keys could not be read, 2 usage error.
    """

    def run() -> int:
        from keylint.output import write_atomic
        from keylint.remediate import plan_now
        from keylint.reporters.plan import render_plan, render_plan_json

        planned = plan_now(
            paths or ["policies"],
            state=state,
            base_url=check_base_url(base_url),
            concurrency=concurrency,
            timeout=timeout,
            now=parse_now(now),
            fail_on=severity_threshold(fail_on),
        )
        if output is not None:
            write_atomic(output, render_plan_json(planned.plan))
        if output_format is PlanFormat.json:
            sys.stdout.write(render_plan_json(planned.plan))
        else:
            sys.stdout.write(render_plan(planned.plan, color=use_color(sys.stdout)))
        return planned.result.exit_code

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
    fail_on: FailOnOpt = FailOn.error,
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

    def run() -> int:
        from keylint.apply import ChangeOutcome
        from keylint.plan import Plan
        from keylint.remediate import apply_plan
        from keylint.reporters import get_reporter
        from keylint.reporters.plan import (
            render_apply_json,
            render_outcome,
            render_plan,
            render_tally,
        )

        text = output_format is PlanFormat.text
        color = use_color(sys.stdout)

        def show_plan(plan: Plan) -> None:
            if text:
                sys.stdout.write(render_plan(plan, color=color))
                sys.stdout.flush()

        def confirm(plan: Plan) -> bool:
            if yes:
                return True
            if not sys.stdin.isatty():
                raise UsageError(
                    "apply changes keys at Binance and asks first: run it on a terminal, or "
                    "pass --yes (for automation); nothing was changed"
                )
            widening = "" if allow_widen else " (changes that widen access are skipped)"
            return ask(f"\nMake these changes at Binance{widening}?")

        shown: list[ChangeOutcome] = []

        def show(outcome: ChangeOutcome) -> None:
            if text:
                if not shown:
                    sys.stdout.write("\nApplying:\n")
                sys.stdout.write(render_outcome(outcome, color=color))
                sys.stdout.flush()
            shown.append(outcome)

        applied = apply_plan(
            paths or ["policies"],
            plan_file=plan_file,
            base_url=check_base_url(base_url),
            concurrency=concurrency,
            timeout=timeout,
            now=parse_now(now),
            fail_on=severity_threshold(fail_on),
            allow_widen=allow_widen,
            confirm=confirm,
            log=log,
            on_plan=show_plan,
            on_outcome=show,
        )
        if applied.declined:
            typer.echo("keylint: nothing was changed", err=True)
        if applied.stopped is not None:
            typer.echo(
                f"keylint: interrupted ({applied.stopped.name}): no further change was sent; "
                "changes in flight are recorded as unknown (never re-sent) and live state was "
                "not read again",
                err=True,
            )
        if not text:
            import json

            after = applied.after or applied.before
            # Stopped: live state was not read again, and the state before is not the after.
            document = None if applied.stopped else json.loads(get_reporter("json")(after))
            sys.stdout.write(
                render_apply_json(applied.plan, applied.outcomes, document, applied.exit_code)
            )
        else:
            if applied.outcomes:
                sys.stdout.write(render_tally(applied.outcomes) + "\n")
            if applied.after is not None:
                sys.stdout.write("\nLive state after the changes:\n\n")
                sys.stdout.write(get_reporter("text")(applied.after, color=color))
        if applied.log_error is not None:
            sys.stdout.flush()
            typer.echo(
                f"keylint: error: --log {applied.log_error}: the log is incomplete; every "
                "outcome is printed above",
                err=True,
            )
        return applied.exit_code

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
) -> None:
    """Rotate the named keys now, whatever their age (a leaked key): a new Ed25519 key with
    exactly the declared restrictions, its credentials written to the secret store, the
    replaced key deleted after the grace (with --grace 0: in this run, once the new key
    verifies). Only keys that declare `rotation:`.

    Exit codes: 0 every key rotated, 1 a change failed or its outcome is unknown (the next
    `apply` or `rotate` completes a half-done rotation), 2 nothing was done (usage error, not
    confirmed), 130/143 stopped by SIGINT/SIGTERM.
    """

    def run() -> int:
        from keylint.apply import ChangeOutcome
        from keylint.commands import rotate as command
        from keylint.plan import Plan
        from keylint.reporters.plan import render_outcome, render_plan, render_tally

        color = use_color(sys.stdout)

        def show_plan(plan: Plan) -> None:
            sys.stdout.write(render_plan(plan, color=color))
            sys.stdout.flush()

        def confirm(plan: Plan) -> bool:
            if yes:
                return True
            if not sys.stdin.isatty():
                raise UsageError(
                    "rotate creates and deletes keys at Binance and asks first: run it on a "
                    "terminal, or pass --yes (for automation); nothing was rotated"
                )
            return ask("\nRotate these keys now?")

        shown: list[ChangeOutcome] = []

        def show(outcome: ChangeOutcome) -> None:
            if not shown:
                sys.stdout.write("\nRotating:\n")
            sys.stdout.write(render_outcome(outcome, color=color))
            sys.stdout.flush()
            shown.append(outcome)

        options = command.RotateOptions(
            names=names,
            paths=policies or ["policies"],
            grace=command.parse_grace(grace),
            yes=yes,
            now=parse_now(now),
            base_url=check_base_url(base_url),
            timeout=timeout,
            log=log,
        )
        done = command.run(options, confirm=confirm, on_plan=show_plan, on_outcome=show)
        if done.exit_code == 2 and not done.outcomes:
            typer.echo("keylint: nothing was rotated", err=True)
        if done.outcomes:
            sys.stdout.write(render_tally(done.outcomes) + "\n")
        if done.log_error is not None:
            sys.stdout.flush()
            typer.echo(
                f"keylint: error: --log {done.log_error}: the log is incomplete; every "
                "outcome is printed above",
                err=True,
            )
        return done.exit_code

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


def parse_now(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC).replace(microsecond=0)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"--now {value!r} is not an ISO 8601 time (e.g. 2026-11-24T09:00:00Z)"
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def severity_threshold(fail_on: FailOn) -> Severity | None:
    return None if fail_on is FailOn.never else Severity(fail_on.value)


def emit(result: object, output_format: OutputFormat, output: Path | None) -> None:
    """Write the report to stdout or, atomically, to --output, file by file as it is read."""
    from keylint.output import open_atomic
    from keylint.reporters import get_writer

    write = get_writer(output_format.value)
    if output is not None:
        with open_atomic(output) as handle:
            write(result, handle, color=False)
        return
    write(result, sys.stdout, color=use_color(sys.stdout))
    sys.stdout.flush()


def use_color(stream: object) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def main() -> NoReturn:
    """Console-script entry point."""
    from keylint import signals

    signals.install()  # SIGTERM takes Ctrl-C's path: stop cleanly, say so, exit 143
    try:
        app()
    except KeyboardInterrupt as stop:
        sys.stderr.write("keylint: interrupted\n")
        sys.exit(signals.exit_code(stop))
    sys.exit(0)  # pragma: no cover - app() always exits
