"""One-line rule tests: policy text in, sorted (line, rule id) pairs out (yamllint's style)."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from keylint import engine
from keylint.binance.state import LiveState
from keylint.findings import Severity
from keylint.policy.load import load
from keylint.result import Result

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def lint_files(tmp_path: Path, files: dict[str, str]) -> Result:
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return engine.validate([str(tmp_path)], now=NOW, fail_on=Severity.ERROR)


def lint(tmp_path: Path, text: str) -> list[tuple[int, str]]:
    result = lint_files(tmp_path, {"policy.yaml": text})
    return sorted((f.line, f.rule) for f in result.findings)


def key(body: str, *, name: str = "bot", header: str = "") -> str:
    """A one-key policy file; `body` is the key's fields, one per line, from line 4 on."""
    fields = textwrap.indent(textwrap.dedent(body).strip(), "    ")
    return f"version: 1\n{header}keys:\n  - name: {name}\n{fields}\n"


def State(
    keys: dict[str, Any] | None = None, sub_accounts: dict[str, Any] | None = None
) -> LiveState:
    """Live state as a state file holds it (SPEC §2), read at NOW, for rule tests."""
    return LiveState(NOW, keys or {}, sub_accounts or {})


def check_files(tmp_path: Path, files: dict[str, str], state: LiveState) -> Result:
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return engine.check(load([str(tmp_path)]), live=state, now=NOW, fail_on=Severity.ERROR)


def check(tmp_path: Path, text: str, entry: dict[str, Any], **subs: Any) -> list[tuple[int, str]]:
    """One key `bot` against one live entry: sorted (line, rule) of the findings."""
    state = State(keys={"bot": entry}, sub_accounts=subs.get("sub_accounts", {}))
    result = check_files(tmp_path, {"policy.yaml": text}, state)
    return sorted((f.line, f.rule) for f in result.findings)
