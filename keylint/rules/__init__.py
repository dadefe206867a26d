"""The rule registry: every rule of SPEC §4, each a small unit with an id, a name and docs.

A rule's docstring is its documentation (`keylint rules KL204`, SARIF help, Markdown), with
the fixed headings What it checks / Why it matters / Example / Fix.
"""

from __future__ import annotations

import difflib
import enum
import inspect
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from keylint.errors import UsageError
from keylint.findings import Finding, Layer, Problem, Severity
from keylint.livekey import LiveKey
from keylint.policy.model import KeyPolicy
from keylint.policy.yamlload import Pos
from keylint.secrets import redact, redact_value


class Kind(enum.Enum):
    """When a rule can run: on the file alone, on a key's policy alone, or against live state."""

    FILE = "file"  # produced while loading policy files (KL001-KL006)
    STATIC = "static"  # a key's declaration alone; runs in `validate`
    LIVE = "live"  # a key's declaration against its live state; runs in `check`


@dataclass(frozen=True)
class Context:
    """What a key rule sees: the key's policy, the run's clock and, for live rules, the state."""

    key: KeyPolicy
    now: datetime
    live: LiveKey | None = None

    @property
    def shown(self) -> LiveKey:
        """The live state of a live rule's key (the engine runs live rules only with one)."""
        assert self.live is not None
        return self.live


def listed_while_unbound(key: KeyPolicy, group: Iterable[str]) -> Iterator[tuple[str, Pos]]:
    """The permissions of `group` an active key lists while `ip_restrict` is false, with the
    position of each: KL103 and KL205 differ only in the group and the words."""
    if key.ip_restrict or key.retired:
        return
    for permission in group:
        if permission in key.permissions:
            yield permission, key.at(f"permission:{permission}", "permissions")


def in_binance(key: KeyPolicy) -> str:
    """Where a person finds the key in Binance's web pages."""
    label = f" labelled {key.api_name!r}" if key.api_name else ""
    if key.sub_account:
        return (
            f"Binance, logged in as the master: Sub Account -> API Management -> "
            f"{key.sub_account} -> the key{label}"
        )
    return f"Binance: Account -> API Management -> the key{label}"


Check = Callable[[Context], Iterable[Problem]]


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    layer: Layer
    severity: Severity
    kind: Kind
    check: Check | None  # None: the rule is not per key (the loader or engine reports it)
    doc: str
    implemented: bool = True

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0].strip() if self.doc.strip() else self.name

    def section(self, heading: str) -> str:
        """One headed section of the docstring (What it checks, Why it matters, Example, Fix)."""
        lines = self.doc.splitlines()
        out: list[str] = []
        inside = False
        for line in lines:
            if line.strip().endswith(":") and line.strip()[:-1] in _HEADINGS:
                inside = line.strip()[:-1] == heading
                continue
            if inside:
                out.append(line)
        return inspect.cleandoc("\n".join(out)) if out else ""


_HEADINGS = ("What it checks", "Why it matters", "Example", "Fix")

RULES: dict[str, Rule] = {}


def rule(
    rule_id: str,
    name: str,
    layer: Layer,
    severity: Severity,
    *,
    kind: Kind,
    per_key: bool = True,
    implemented: bool = True,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as a rule; its docstring becomes the rule's docs.

    A per-key rule's function is its check; other rules (file problems, KL307 across a
    sub-account) are reported by the loader or engine, and the function only documents them.
    """

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        if rule_id in RULES:
            raise RuntimeError(f"rule id {rule_id} registered twice")
        check = func if kind is not Kind.FILE and per_key and implemented else None
        doc = inspect.cleandoc(func.__doc__ or "")
        RULES[rule_id] = Rule(rule_id, name, layer, severity, kind, check, doc, implemented)
        return func

    return register


def get(rule_id: str) -> Rule:
    """The rule with this id (or name); a clear usage error for an unknown one."""
    _load_all()
    wanted = rule_id.strip()
    for candidate in RULES.values():
        if wanted.upper() == candidate.id or wanted.lower() == candidate.name:
            return candidate
    raise UsageError(f"no rule {rule_id!r};{did_you_mean(wanted)} `keylint rules` lists them all")


# Letters typed for the digits they look like: KL2O5, KL2l5.
_DIGIT_LOOKALIKES = str.maketrans("OoIiLl", "001111")
_SUGGESTED = 8  # a prefix as short as `KL` would list every rule


def suggestions(text: str) -> list[Rule]:
    """The rules a mistyped id or name may mean: KL205 for `kl205`, `KL2O5` or
    `trading-without-ip-binding`; the KL20x rules for the prefix `KL20`; near misses."""
    _load_all()
    wanted = text.strip()
    by_id = {rule.id: rule for rule in all_rules()}
    by_name = {rule.name: rule for rule in by_id.values()}
    digits = wanted[2:].translate(_DIGIT_LOOKALIKES) if wanted[:2].upper() == "KL" else None
    if digits is not None and digits.isdigit():
        normal = "KL" + digits
        if normal in by_id:
            return [by_id[normal]]
        prefixed = [rule for rule_id, rule in by_id.items() if rule_id.startswith(normal)]
        if prefixed:
            return prefixed
        return [by_id[i] for i in difflib.get_close_matches(normal, by_id, n=3, cutoff=0.8)]
    if wanted.lower() in by_name:
        return [by_name[wanted.lower()]]
    close = difflib.get_close_matches(wanted.lower(), by_name, n=3, cutoff=0.6)
    return [by_name[name] for name in close]


def did_you_mean(text: str) -> str:
    """` did you mean KL205 (trading-without-ip-binding)?` for a mistyped rule, else ""."""
    found = suggestions(text)
    if not found:
        return ""
    listed = ", ".join(f"{rule.id} ({rule.name})" for rule in found[:_SUGGESTED])
    if len(found) > _SUGGESTED:
        listed += f" and {len(found) - _SUGGESTED} more"
    return f" did you mean {'one of ' if len(found) > 1 else ''}{listed}?"


def all_rules() -> list[Rule]:
    _load_all()
    return [RULES[rule_id] for rule_id in sorted(RULES)]


def stamp(rule_id: str, problem: Problem, *, file: str, key: str | None) -> Finding:
    """Turn what a rule (or the loader) yields into a finding carrying the rule's identity."""
    if rule_id not in RULES:
        _load_all()
    found = RULES[rule_id]
    # Every finding's text passes through the one redaction path: a secret pasted where a
    # field name, a tag or a key name belongs is never repeated, in any format.
    return Finding(
        line=problem.line,
        column=problem.column,
        rule=found.id,
        name=found.name,
        layer=found.layer,
        severity=problem.severity or found.severity,
        file=redact(file),
        key=redact(key) if key is not None else None,
        message=redact(problem.message),
        remediation=redact(problem.remediation),
        subject=redact(problem.subject),
        expected=redact_value(problem.expected),
        actual=redact_value(problem.actual),
    )


def _load_all() -> None:
    # Importing the layer modules registers their rules; done lazily to avoid import cycles.
    from keylint.rules import cleanup, ip_binding, permission_scope, policy  # noqa: F401
