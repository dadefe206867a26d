"""One module per command, each `run(options) -> exit code`, testable without Typer.

`rotate` is the first command written this way; the others still live in cli.py and move here
with the redesign (issue 14).
"""
