"""Every policy file of a run, read once: `load(paths) -> Policies`.

Each command loads its policies here, once, and hands the same `Policies` to every stage
(the rules, the fetch, the plan, apply's second look), so that what is checked, what is read
from Binance and what is changed all come from one reading of the files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from keylint.policy.loader import PolicyFile, Skip, discover, load_policy_file
from keylint.policy.model import KeyPolicy, MasterPolicy


@dataclass
class Policies:
    """The policy files of a run as read, and what the live commands use of them."""

    files: list[PolicyFile] = field(default_factory=list)
    keys: list[KeyPolicy] = field(default_factory=list)  # usable; the first entry of each name
    master: MasterPolicy | None = None  # the first `master:` block
    skipped: list[str] = field(default_factory=list)  # declared keys left out, and why

    def by_name(self) -> dict[str, KeyPolicy]:
        return {key.name: key for key in self.keys}


def load(paths: Sequence[str], *, skip: Skip | None = None) -> Policies:
    """Read every policy file under `paths` (folders searched), each exactly once; those
    `skip` leaves alone (excluded, git-ignored) are not read at all."""
    policies = Policies()
    seen: dict[str, str] = {}
    for path in discover(paths, skip=skip):
        policy_file = load_policy_file(path)
        policies.files.append(policy_file)
        policies.master = policies.master or policy_file.master
        for label, pos in policy_file.invalid_keys:
            policies.skipped.append(
                f"{policy_file.path}:{pos.line}: key {label!r} has policy errors "
                "(`keylint validate` shows them)"
            )
        for key in policy_file.keys:
            if key.name in seen:
                policies.skipped.append(
                    f"{key.file}:{key.pos.line}: key {key.name!r} is already declared in "
                    f"{seen[key.name]} (KL003)"
                )
                continue
            seen[key.name] = key.file
            policies.keys.append(key)
    return policies
