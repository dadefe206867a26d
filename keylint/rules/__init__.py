"""The rule registry: every rule of SPEC §4, each a small unit with an id, a name and docs.

A rule's docstring is its documentation (`keylint rules KL204`, SARIF help, Markdown), with
the fixed headings What it checks / Why it matters / Example / Fix / Security severity. Its
layer, severity, kind and code-scanning rating come from keylint.catalog, which the policy
loader reads without importing the rules.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from keylint.catalog import CATALOG, RATINGS, Kind, Rating, did_you_mean, stamp
from keylint.errors import UsageError
from keylint.findings import Layer, Problem, Severity
from keylint.livekey import LiveKey
from keylint.policy.model import KeyPolicy
from keylint.policy.yamlload import Pos

__all__ = ["RULES", "Check", "Context", "Kind", "Rule", "all_rules", "get", "rule", "stamp"]


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
    def rating(self) -> Rating:
        """How code scanning rates the rule's findings; the docstring says why."""
        return RATINGS[self.id]

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0].strip() if self.doc.strip() else self.name

    def section(self, heading: str) -> str:
        """One headed section of the docstring (What it checks, Why it matters, Example, Fix,
        Security severity)."""
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


_HEADINGS = ("What it checks", "Why it matters", "Example", "Fix", "Security severity")

RULES: dict[str, Rule] = {}


def rule(
    rule_id: str, name: str, *, per_key: bool = True, implemented: bool = True
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as the rule the catalog lists under `rule_id` and
    `name`; its docstring becomes the rule's docs.

    A per-key rule's function is its check. The others are reported elsewhere, and their
    function only documents them: KL001, KL002 and KL004 by the policy loader; KL003, KL005,
    KL006 and the sub-account rules (KL307, KL309, KL310) by the engine.
    """

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        if rule_id in RULES:
            raise RuntimeError(f"rule id {rule_id} registered twice")
        entry = CATALOG.get(rule_id)
        if entry is None or entry.name != name:
            raise RuntimeError(f"rule {rule_id} {name} is not in keylint.catalog")
        check = func if entry.kind is not Kind.FILE and per_key and implemented else None
        doc = inspect.cleandoc(func.__doc__ or "")
        RULES[rule_id] = Rule(
            rule_id, name, entry.layer, entry.severity, entry.kind, check, doc, implemented
        )
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


def all_rules() -> list[Rule]:
    _load_all()
    return [RULES[rule_id] for rule_id in sorted(RULES)]


def _load_all() -> None:
    # Importing the layer modules registers their rules; done lazily to avoid import cycles.
    from keylint.rules import cleanup, ip_binding, permission_scope, policy  # noqa: F401
