"""What a policy file declares, once loaded, merged with its defaults and validated."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from keylint.policy.ips import Network
from keylint.policy.yamlload import Pos

DEFAULT_ROTATE_WARNING = timedelta(days=14)
DEFAULT_GRACE = timedelta(hours=24)
# Beside a rotating key's secret: the new private key of a rotation in progress (SPEC §7).
PENDING_SUFFIX = ".pending"


@dataclass(frozen=True)
class Waiver:
    """An accepted exception to one rule for one key, until `expires`."""

    rule: str
    reason: str
    expires: date
    pos: Pos
    expires_pos: Pos

    def is_expired(self, today: date) -> bool:
        # A waiver is good through its expiry date, like a card's "valid thru".
        return today > self.expires


@dataclass(frozen=True)
class TrustedIP:
    """One `ips:` entry: as written, parsed, and where it stands."""

    text: str
    network: Network
    pos: Pos


def in_label_family(label: str, api_name: str) -> bool:
    """The plain `api_name`, or one of the labels rotation gives its keys:
    `<api_name>-<UTC yyyymmddHHMM>` (SPEC §7)."""
    return label == api_name or re.fullmatch(re.escape(api_name) + r"-\d{12}", label) is not None


@dataclass(frozen=True)
class Rotation:
    """`rotation:` (SPEC §7): keylint rotates the key; its credentials live in the store."""

    store: str  # "vault": HashiCorp Vault or OpenBao, KV version 2
    path: str  # <kv mount>/<secret path>
    grace: timedelta = DEFAULT_GRACE
    pos: Pos | None = None


@dataclass(frozen=True)
class KeyPolicy:
    """One declared API key. `where` maps field names (and `permission:NAME`) to positions."""

    name: str
    file: str
    pos: Pos
    permissions: tuple[str, ...] = ()
    ip_restrict: bool = True
    ips: tuple[TrustedIP, ...] = ()
    max_age: timedelta | None = None
    rotate_warning: timedelta = DEFAULT_ROTATE_WARNING
    status: str = "active"
    owner: str | None = None
    description: str | None = None
    sub_account: str | None = None
    api_name: str | None = None
    api_key_env: str | None = None
    secret_env: str | None = None
    private_key_env: str | None = None
    waivers: tuple[Waiver, ...] = ()
    rotation: Rotation | None = None
    where: Mapping[str, Pos] = field(default_factory=dict, compare=False, hash=False)

    def at(self, *names: str) -> Pos:
        """The position of the first named field the policy has, else the key's own."""
        for name in names:
            if name in self.where:
                return self.where[name]
        return self.pos

    @property
    def retired(self) -> bool:
        return self.status == "retired"

    def names_label(self, label: str) -> bool:
        """Whether a live key labelled `label` is one this entry declares: its `api_name`, and
        for a key keylint rotates, every label a rotation gives it."""
        if not self.api_name:
            return False
        if self.rotation is None:
            return label == self.api_name
        return in_label_family(label, self.api_name)


@dataclass(frozen=True)
class MasterPolicy:
    """The master account's credentials (env var names only), used for sub-account keys."""

    file: str
    pos: Pos
    api_key_env: str
    secret_env: str | None = None
    private_key_env: str | None = None
