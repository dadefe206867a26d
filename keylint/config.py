"""`.keylint.yaml`: the defaults every command reads before its options (SPEC §8).

Found in the current folder or the nearest parent up to the repository root (never above
it: a stray file in a home folder must not change what a repository's CI checks), or named
with `--config`; `--no-config` reads none. Paths in it are relative to the file's own folder,
as ruff and pre-commit read theirs, and are turned here into paths from the current folder,
which is how every report names files.

A broken configuration is a usage error (exit 2): nothing is checked under settings the
user did not mean.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from keylint.errors import UsageError
from keylint.inert import inert
from keylint.repo import repository_root

CONFIG_NAME = ".keylint.yaml"
# A configuration is a few lines; anything this large is not one (and is not parsed).
MAX_CONFIG_BYTES = 256 * 1024


@dataclass(frozen=True)
class Config:
    """What a configuration file says; every field optional (None or empty: not set)."""

    source: Path | None = None  # the file read, as found; None: no configuration
    paths: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    # The folder `exclude` patterns are relative to: the configuration file's own.
    base: Path = field(default_factory=Path)
    fail_on: str | None = None
    rules: dict[str, str] = field(default_factory=dict)  # rule id -> error|warning|info|off
    baseline: Path | None = None
    state: Path | None = None


NO_CONFIG = Config()


def find_config(start: Path | None = None) -> Path | None:
    """`.keylint.yaml` in `start` (default: the current folder) or the nearest parent up to
    the repository root; outside a repository, only `start` itself is looked at."""
    here = Path.cwd() if start is None else start
    absolute = Path(os.path.abspath(here))
    root = repository_root(absolute)
    folders = [absolute]
    if root is not None:
        resolved = absolute.resolve()
        for parent in resolved.parents:
            if not parent.is_relative_to(root):
                break
            folders.append(parent)
    for folder in folders:
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return _shown(candidate)
    return None


def load_config(path: Path | None = None, *, enabled: bool = True) -> Config:
    """The configuration `--config PATH` names, else the one `find_config` finds; none with
    `enabled` False (`--no-config`)."""
    if not enabled:
        if path is not None:
            raise UsageError("--config and --no-config contradict each other; give one")
        return NO_CONFIG
    if path is None:
        path = find_config()
        if path is None:
            return NO_CONFIG
    elif not path.is_file():
        raise UsageError(f"--config {inert(str(path))}: no such file")
    return read_config(path)


def read_config(path: Path) -> Config:
    """Parse and check one configuration file; any problem is a UsageError naming the file,
    line and column."""
    from keylint.policy.yamlload import YamlError, decode, parse
    from keylint.schema_check import schema_problems

    shown = inert(str(path))
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"{shown}: cannot read the configuration: {exc.strerror}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise UsageError(
            f"{shown}: over {MAX_CONFIG_BYTES // 1024} KiB: not a keylint configuration"
        )
    try:
        document = parse(decode(raw))
    except YamlError as exc:
        said = (
            exc.message
            if exc.message.startswith("invalid YAML")
            else f"invalid YAML: {exc.message}"
        )
        raise UsageError(f"{shown}:{exc.pos.line}:{exc.pos.column}: {said}") from None
    if document.problems:
        problem = document.problems[0]
        raise UsageError(f"{shown}:{problem.pos.line}:{problem.pos.column}: {problem.message}")
    data = {} if document.data is None else document.data
    rules = data.get("rules") if isinstance(data, dict) else None
    if isinstance(rules, dict):
        _check_rule_ids(path, rules, document)
        # YAML 1.1 (PyYAML, and so keylint) reads a bare `off` as false: it means off.
        data["rules"] = {k: "off" if v is False else v for k, v in rules.items()}
    for violation in schema_problems(data, "config.schema.json"):
        where, _, what = violation.partition(": ")
        pos = document.pos(_path_of(where))
        raise UsageError(f"{shown}:{pos.line}:{pos.column}: {where}: {what}")
    return _config(path, data, document)


def _check_rule_ids(path: Path, rules: dict[Any, Any], document: Any) -> None:
    """An unknown rule id under `rules:` is named with the rule the user probably meant."""
    from keylint.catalog import CATALOG, did_you_mean

    for rule_id in rules:
        if rule_id not in CATALOG:
            pos = document.pos(("rules", rule_id), prefer_key=True)
            raise UsageError(
                f"{inert(str(path))}:{pos.line}:{pos.column}: rules: no rule "
                f"{inert(repr(str(rule_id)))};{did_you_mean(str(rule_id))} `keylint rules` "
                "lists them all"
            )


def _check_patterns(path: Path, patterns: list[str], document: Any) -> None:
    """Each `exclude` pattern must be one pathspec can match, said at its line."""
    import pathspec

    for index, pattern in enumerate(patterns):
        try:
            pathspec.GitIgnoreSpec.from_lines([pattern])
        except Exception as exc:  # re.error, pathspec's own errors, ValueError...
            pos = document.pos(("exclude", index))
            raise UsageError(
                f"{inert(str(path))}:{pos.line}:{pos.column}: exclude: "
                f"{inert(repr(pattern))} is not a .gitignore pattern ({inert(str(exc))})"
            ) from None


def _config(path: Path, data: dict[str, Any], document: Any) -> Config:
    _check_patterns(path, list(data.get("exclude") or ()), document)
    base = path.parent
    rules: dict[str, str] = dict(data.get("rules") or {})
    return Config(
        source=path,
        paths=tuple(_from_here(base, p) for p in data.get("paths") or ()),
        exclude=tuple(data.get("exclude") or ()),
        base=base,
        fail_on=data.get("fail_on"),
        rules=rules,
        baseline=Path(_from_here(base, data["baseline"])) if data.get("baseline") else None,
        state=Path(_from_here(base, data["state"])) if data.get("state") else None,
    )


def _from_here(base: Path, value: str) -> str:
    """A path the configuration gives (relative to its folder) as a path from the current
    folder, the way reports name files: `policies` stays `policies` when the file is here,
    and becomes `../policies` when it was found one folder up."""
    if os.path.isabs(value):
        return value
    return os.path.relpath(os.path.normpath(base / value))


def _shown(candidate: Path) -> Path:
    """A found file named from the current folder (`.keylint.yaml`, `../.keylint.yaml`)."""
    return Path(os.path.relpath(candidate))


def _path_of(where: str) -> tuple[Any, ...]:
    """`$.rules.KL308` or `$.paths[0]` (schema_check's notation) as a document path."""
    import json
    import re

    parts: list[Any] = []
    pattern = r'\.([^.\[]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]'
    for name, index, quoted in re.findall(pattern, where.removeprefix("$")):
        parts.append(int(index) if index else json.loads(quoted) if quoted else name)
    return tuple(parts)
