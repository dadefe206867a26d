"""One module per command, each `run(options) -> exit code`, testable without Typer.

A command loads its policies once (`keylint.policy.load`), reads live state once, and hands
both to the stages it runs; `keylint.cli` only parses options and maps errors to exit codes.
"""
