"""The one finding type that flows from loaders through rules to reporters."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Severity(enum.Enum):
    """How much a finding matters; ordered, and mapped one-to-one to SARIF levels."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    @property
    def sarif_level(self) -> str:
        return {"error": "error", "warning": "warning", "info": "note"}[self.value]


_SEVERITY_RANK = {Severity.INFO: 1, Severity.WARNING: 2, Severity.ERROR: 3}


class Layer(enum.Enum):
    """The layer of review a rule belongs to, in the order a person reviews a key."""

    POLICY = "policy"
    PERMISSION_SCOPE = "permission-scope"
    IP_BINDING = "ip-binding"
    CLEANUP = "cleanup"

    @property
    def rank(self) -> int:
        return list(Layer).index(self)

    @property
    def title(self) -> str:
        return {
            "policy": "policy file",
            "permission-scope": "permission scope",
            "ip-binding": "IP binding",
            "cleanup": "regular cleanup",
        }[self.value]


@dataclass(frozen=True, order=True)
class Finding:
    """One problem, at a 1-based line and column of a policy file.

    Sorting findings sorts them by position; `subject` (the permission, the IP, the field)
    makes the fingerprint stable across edits elsewhere in the file.
    """

    line: int
    column: int
    rule: str
    name: str = field(compare=False)
    layer: Layer = field(compare=False)
    severity: Severity = field(compare=False)
    file: str = field(compare=False)
    key: str | None = field(compare=False)
    message: str = field(compare=False)
    remediation: str = field(compare=False)
    subject: str = field(default="", compare=False)
    expected: Any = field(default=None, compare=False)
    actual: Any = field(default=None, compare=False)
    waived: bool = field(default=False, compare=False)
    waiver_reason: str | None = field(default=None, compare=False)

    @property
    def fingerprint(self) -> str:
        """Stable id from rule, key and subject: never from line numbers."""
        owner = self.key if self.key is not None else f"file:{self.file}"
        parts = ["kl", self.rule, owner]
        if self.subject:
            parts.append(self.subject)
        return ":".join(parts)

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Problem:
    """What a rule yields: the engine stamps rule id, name, layer, severity and file."""

    line: int
    column: int
    message: str
    remediation: str
    subject: str = ""
    expected: Any = None
    actual: Any = None
    # For the few rules whose severity depends on the case (KL207: one wide range warns, a
    # union of ranges that binds nothing is an error); None takes the rule's default.
    severity: Severity | None = None
