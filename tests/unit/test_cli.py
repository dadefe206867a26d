"""keylint.cli: a run builds only the command it runs (app_for), and says exactly what the
whole app would: every command's help, option errors and argument errors."""

from __future__ import annotations

import pytest
import typer.main
from typer.testing import CliRunner

from keylint.cli import app, app_for

NAMES = sorted(
    command.name or typer.main.get_command_name(command.callback.__name__)
    for command in app.registered_commands
    if command.callback is not None
)


def test_every_command_is_found_by_its_name() -> None:
    assert {"validate", "check", "fetch", "plan", "apply", "rotate", "init"} <= set(NAMES)
    for name in NAMES:
        one = app_for([name, "x"])
        assert one is not app and len(one.registered_commands) == 1, name
    assert len(app.registered_commands) == len(NAMES)  # the whole app is left as it was


@pytest.mark.parametrize(
    "args", [[], ["--help"], ["--version"], ["valdate", "x"], ["-v", "validate"], ["--"]]
)
def test_anything_but_a_command_name_first_gets_the_whole_app(args: list[str]) -> None:
    assert app_for(args) is app


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    "extra",
    [["--help"], ["--no-such-option"], ["--format", "bogus", "."], ["a", "b", "c", "d", "e"]],
    ids=["help", "unknown-option", "bad-choice", "extra-arguments"],
)
def test_one_command_app_answers_as_the_whole_app(name: str, extra: list[str]) -> None:
    runner = CliRunner()
    whole = runner.invoke(app, [name, *extra], prog_name="keylint", env={"NO_COLOR": "1"})
    alone = runner.invoke(
        app_for([name, *extra]), [name, *extra], prog_name="keylint", env={"NO_COLOR": "1"}
    )
    assert (alone.exit_code, alone.stdout, alone.stderr) == (
        whole.exit_code,
        whole.stdout,
        whole.stderr,
    )
    if extra == ["--help"]:
        assert alone.exit_code == 0 and f"Usage: keylint {name}" in alone.stdout
