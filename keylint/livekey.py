"""One key's live state as the rules read it, built from a state-file entry (SPEC §2).

Pure data: no HTTP here, so `check --state FILE` never imports the client.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from keylint.policy.permissions import BINANCE_FIELD, CANONICAL, LISTING_FIELD

_FIELDS_NOT_PERMISSIONS = {"ipRestrict", "createTime", "tradingAuthorityExpirationTime"}


@dataclass(frozen=True)
class RotationState:
    """What the secret store said of a key keylint rotates (SPEC §7), as the state file keeps
    it: key prefixes (8 characters and '…'), never a key."""

    path: str
    current: str | None = None  # the key the store holds; None: it holds none yet
    replaced: str | None = None  # the key the latest rotation replaced
    retire_after: datetime | None = None  # None: the store gave no valid time
    pending: str | None = None  # the label of a rotation left half done


@dataclass(frozen=True)
class LiveKey:
    """What Binance showed for one key; None wherever no source showed it."""

    status: str  # ok | not_found | error (SPEC §2)
    permissions: dict[str, bool] = field(default_factory=dict)  # canonical name -> enabled
    unknown_enabled: tuple[str, ...] = ()  # enable*/permits* fields keylint does not know, true
    ip_restrict: bool | None = None
    ip_list: tuple[str, ...] | None = None
    created: datetime | None = None
    trading_expires: datetime | None = None
    unverifiable: tuple[str, ...] = ()
    reason: str | None = None  # why the key is not found or could not be read
    api_name: str | None = None
    api_key_prefix: str | None = None  # as the state file keeps it: 8 characters and "…"
    rotation: RotationState | None = None  # for a key that declares `rotation`

    @property
    def exists(self) -> bool:
        return self.status == "ok"


# Binance opened in July 2017: an earlier createTime is no time Binance gave. A later one
# than the state was read at is none either (a little slack for clocks).
_FIRST_KEY = datetime(2017, 7, 1, tzinfo=UTC)
_CLOCK_SLACK = timedelta(minutes=5)


def live_key(entry: dict[str, Any], *, seen_at: datetime | None = None) -> LiveKey:
    """Build the rules' view of a state-file entry; the own-credential answer wins over the
    master's listing where both show a field. `seen_at` is when the state was read: a key
    cannot have been created after it.

    `unverifiable` is recomputed from what the entry holds, never taken from it: a state file
    that claims less is unverifiable than it shows would make rules pass unseen."""
    # The state file schema guarantees these shapes, but a live source is built in code: a
    # wrong type degrades to "not shown" rather than crashing the whole run.
    status = entry.get("status", "error")
    reason = entry.get("error") or entry.get("reason")
    rotation = _rotation(entry.get("rotation"))
    if status != "ok":
        # An unread key may still carry its listing row (two entries claiming one key): the
        # label it shows is declared, never an undeclared key (KL307).
        shown = _dict(entry.get("listing"))
        return LiveKey(
            status=status if isinstance(status, str) else "error",
            reason=reason if isinstance(reason, str) else None,
            api_name=_text(shown.get("apiName")),
            api_key_prefix=_text(shown.get("apikey")),
            rotation=rotation,
        )
    restrictions: dict[str, Any] = _dict(entry.get("restrictions"))
    listing: dict[str, Any] = _dict(entry.get("listing"))
    permissions: dict[str, bool] = {}
    for name, listing_field in LISTING_FIELD.items():
        if isinstance(listing.get(listing_field), bool):
            permissions[name] = listing[listing_field]
    for name, binance_field in BINANCE_FIELD.items():
        if isinstance(restrictions.get(binance_field), bool):
            permissions[name] = restrictions[binance_field]
    unknown = tuple(
        sorted(
            key
            for key, value in restrictions.items()
            if key.startswith(("enable", "permits"))
            and key not in CANONICAL
            and key not in _FIELDS_NOT_PERMISSIONS
            and value is True
        )
    )
    ip_restrict = _ip_restrict(restrictions, entry.get("ip_restriction"))
    ip_list = _strings(entry.get("ip_list"))
    created = _millis(restrictions.get("createTime"))
    if created is not None and not (
        _FIRST_KEY <= created <= (seen_at or datetime.now(UTC)) + _CLOCK_SLACK
    ):
        created = None  # a time Binance cannot have given: the age is unknown, not young
    return LiveKey(
        status=status,
        permissions=permissions,
        unknown_enabled=unknown,
        ip_restrict=ip_restrict,
        ip_list=ip_list,
        created=created,
        trading_expires=_millis(restrictions.get("tradingAuthorityExpirationTime")),
        unverifiable=_unseen(permissions, ip_restrict, ip_list, created),
        api_name=_text(listing.get("apiName")),
        api_key_prefix=_text(listing.get("apikey")),
        rotation=rotation,
    )


def _rotation(value: Any) -> RotationState | None:
    if not isinstance(value, dict) or not isinstance(value.get("path"), str):
        return None
    deadline = _text(value.get("retire_after"))
    moment = None
    if deadline is not None:
        try:
            moment = datetime.fromisoformat(deadline.replace("Z", "+00:00"))
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    return RotationState(
        path=value["path"],
        current=_text(value.get("current")),
        replaced=_text(value.get("replaced")),
        retire_after=moment,
        pending=_text(value.get("pending")),
    )


def _unseen(
    permissions: dict[str, bool],
    ip_restrict: bool | None,
    ip_list: tuple[str, ...] | None,
    created: datetime | None,
) -> tuple[str, ...]:
    """The policy fields no source showed (`permissions.<name>`, `ip_restrict`, `ips`,
    `max_age`): the rules that read them stayed silent, and the report says so."""
    missing = [f"permissions.{name}" for name in BINANCE_FIELD if name not in permissions]
    if ip_restrict is None:
        missing.append("ip_restrict")
    # With IP restriction off Binance ignores any list, so there is nothing to verify.
    if ip_list is None and ip_restrict is not False:
        missing.append("ips")
    if created is None:
        missing.append("max_age")
    return tuple(missing)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> tuple[str, ...] | None:
    if not isinstance(value, list):
        return None
    return tuple(item for item in value if isinstance(item, str))


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _ip_restrict(restrictions: dict[str, Any], ip_restriction: Any) -> bool | None:
    if isinstance(restrictions.get("ipRestrict"), bool):
        return bool(restrictions["ipRestrict"])
    if isinstance(ip_restriction, dict):
        # The master's endpoint answers the STRING "true"/"false" (binance-api.md).
        value = str(ip_restriction.get("ipRestrict", "")).lower()
        if value in ("true", "false"):
            return value == "true"
    return None


def _millis(value: Any) -> datetime | None:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        try:
            return datetime.fromtimestamp(value / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return None
