"""`keylint plan`: the API calls that would converge sub-account keys to their policies.

A plan is computed from the drift findings of a check, never from a second reading of the
policies, so that what `plan` proposes is exactly what `check` reports. Binance's API lets the
master change four things of a sub-account key: its IP whitelist, its five trading flags, and
whether it exists. Everything else a finding asks for (withdrawals, reading, the master's own
keys, rotation) becomes a manual step that carries the finding's remediation hint.

A plan holds no full API key: a saved plan names each key by its policy name and API key
prefix, and `apply` finds the full key again in the master's listing when it runs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

from keylint import __version__
from keylint.binance.state import format_time
from keylint.findings import Finding
from keylint.livekey import LISTING_FIELD, LiveKey, live_key
from keylint.policy.ips import covers, is_single_address
from keylint.policy.model import KeyPolicy, MasterPolicy
from keylint.result import KeyReport, Result

PLAN_VERSION = 1
PLAN_KIND = "keylint-plan"

Action = Literal[
    "revoke_permissions", "restrict_ips", "remove_ips", "grant_permissions", "add_ips", "delete"
]
# The order a key's changes are made in: everything that narrows access first.
ACTION_ORDER: tuple[Action, ...] = (
    "delete",
    "revoke_permissions",
    "restrict_ips",
    "remove_ips",
    "grant_permissions",
    "add_ips",
)
WIDENING: frozenset[str] = frozenset({"grant_permissions", "add_ips"})

# Each action's Binance call (binance-api.md); `email` and `subAccountApiKey` come first.
ENDPOINT: dict[str, tuple[str, str]] = {
    "revoke_permissions": ("POST", "/sapi/v1/sub-account/subAccountApiPermission"),
    "grant_permissions": ("POST", "/sapi/v1/sub-account/subAccountApiPermission"),
    "restrict_ips": ("POST", "/sapi/v2/sub-account/subAccountApi/ipRestriction"),
    "add_ips": ("POST", "/sapi/v2/sub-account/subAccountApi/ipRestriction"),
    "remove_ips": ("DELETE", "/sapi/v1/sub-account/subAccountApi/ipRestriction/ipList"),
    "delete": ("DELETE", "/sapi/v1/sub-account/subAccountApi"),
}
# The permission flags of subAccountApiPermission, keyed by keylint's permission names.
API_FLAG: Mapping[str, str] = LISTING_FIELD


@dataclass(frozen=True)
class Change:
    """One API call on one key, and the findings it resolves."""

    action: Action
    params: tuple[tuple[str, str], ...]  # beyond email and subAccountApiKey
    summary: str
    rules: tuple[str, ...]
    fingerprints: tuple[str, ...]

    @property
    def widens(self) -> bool:
        """Granting a permission or trusting another IP: needs `apply --allow-widen`."""
        return self.action in WIDENING

    @property
    def method(self) -> str:
        return ENDPOINT[self.action][0]

    @property
    def path(self) -> str:
        return ENDPOINT[self.action][1]

    def request(self, email: str, api_key: str) -> tuple[tuple[str, str], ...]:
        """The call's parameters; pass a key prefix to show it, the full key to send it."""
        return (("email", email), ("subAccountApiKey", api_key), *self.params)


@dataclass(frozen=True)
class KeyPlan:
    """The changes to one sub-account key, in the order they are made."""

    name: str
    file: str
    line: int
    sub_account: str
    api_key_prefix: str
    live_digest: str  # what Binance showed when the plan was made; `apply` refuses if it moved
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class ManualStep:
    """A finding Binance's API cannot resolve: a person follows its remediation hint."""

    key: str | None
    file: str
    line: int
    rule: str
    message: str
    remediation: str
    why: str


@dataclass(frozen=True)
class Unchecked:
    key: str
    file: str
    reason: str


@dataclass
class Plan:
    generated_at: datetime
    source: str  # "live" or "state"
    base_url: str | None  # the Binance the live state came from; None for a state file
    keys: list[KeyPlan] = field(default_factory=list)
    manual: list[ManualStep] = field(default_factory=list)
    unchecked: list[Unchecked] = field(default_factory=list)

    @property
    def changes(self) -> list[tuple[KeyPlan, Change]]:
        return [(key, change) for key in self.keys for change in key.changes]

    @property
    def empty(self) -> bool:
        """Nothing to call and nothing to do by hand: the fleet matches its policies."""
        return not self.keys and not self.manual

    def summary(self) -> dict[str, int]:
        changes = self.changes
        return {
            "keys": len(self.keys),
            "changes": len(changes),
            "widening": sum(1 for _, change in changes if change.widens),
            "manual": len(self.manual),
            "unchecked": len(self.unchecked),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "version": PLAN_VERSION,
            "kind": PLAN_KIND,
            "tool": {"name": "keylint", "version": __version__},
            "generated_at": format_time(self.generated_at),
            "source": self.source,
            "base_url": self.base_url,
            "summary": self.summary(),
            "keys": [_key_json(key) for key in self.keys],
            "manual": [asdict(step) for step in self.manual],
            "unchecked": [asdict(item) for item in self.unchecked],
        }


def _key_json(key: KeyPlan) -> dict[str, Any]:
    return {
        "name": key.name,
        "file": key.file,
        "line": key.line,
        "sub_account": key.sub_account,
        "api_key": key.api_key_prefix,
        "live_digest": key.live_digest,
        "changes": [
            {
                "action": change.action,
                "summary": change.summary,
                "widens": change.widens,
                "method": change.method,
                "path": change.path,
                "params": dict(change.request(key.sub_account, key.api_key_prefix)),
                "rules": list(change.rules),
                "fingerprints": list(change.fingerprints),
            }
            for change in key.changes
        ],
    }


def live_digest(entry: Mapping[str, Any]) -> str:
    """A short digest of what the rules read of a key's live state: a saved plan is stale
    when the digest Binance gives at `apply` time differs. Built from the redacted view only
    (the key's 8-character prefix), so it reveals nothing a state file would not."""
    view = live_key(dict(entry))
    facts = {
        "status": view.status,
        "permissions": dict(sorted(view.permissions.items())),
        "unknown": list(view.unknown_enabled),
        "ip_restrict": view.ip_restrict,
        "ip_list": sorted(view.ip_list) if view.ip_list is not None else None,
        "api_key": view.api_key_prefix,
    }
    canonical = json.dumps(facts, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


# --- making a plan --------------------------------------------------------------------------


def make_plan(
    result: Result,
    keys: Iterable[KeyPolicy],
    master: MasterPolicy | None,
    live_entries: Mapping[str, Mapping[str, Any]],
    *,
    source: str,
    base_url: str | None,
) -> Plan:
    """The plan that resolves `result`'s drift: API calls where Binance's API can make the
    change, manual steps for the rest. Waived findings are left alone."""
    plan = Plan(generated_at=result.generated_at, source=source, base_url=base_url)
    policies = {key.name: key for key in keys}
    for report in result.files:
        for finding in report.findings:
            if _is_drift(finding):
                plan.manual.append(_manual(finding, _why_file_level(finding)))
        for key_report in report.keys:
            policy = policies.get(key_report.name)
            if key_report.claimed_twice:
                plan.manual.append(_claimed(key_report))
                continue
            if key_report.status == "unchecked":
                plan.unchecked.append(
                    Unchecked(key_report.name, key_report.file, key_report.error or "not read")
                )
                # KL309 names every key under the label even when none could be read.
                shared = [f for f in key_report.findings if f.rule == "KL309" and not f.waived]
                plan.manual.extend(_manual(f, SHARED_LABEL) for f in shared)
                continue
            drift = [f for f in key_report.findings if _is_drift(f)]
            if not drift or policy is None:
                continue
            entry = live_entries.get(key_report.name, {})
            _plan_key(plan, key_report, policy, master, entry, drift)
    return plan


def _is_drift(finding: Finding) -> bool:
    from keylint.rules import Kind, get

    return not finding.waived and get(finding.rule).kind is Kind.LIVE


def _plan_key(
    plan: Plan,
    report: KeyReport,
    policy: KeyPolicy,
    master: MasterPolicy | None,
    entry: Mapping[str, Any],
    drift: list[Finding],
) -> None:
    live = live_key(dict(entry))
    shared_label = any(f.rule == "KL309" for f in drift)
    blocker = SHARED_LABEL if shared_label else _why_not_by_api(policy, master, live)
    if blocker is not None:
        plan.manual.extend(_manual(f, _inherently_manual(f) or blocker) for f in drift)
        return
    assert policy.sub_account is not None and live.api_key_prefix is not None
    changes: list[Change] = []
    handled: set[str] = set()
    for action in ACTION_ORDER:
        change = _CHANGE_MAKERS[action](policy, live, drift)
        if change is not None:
            changes.append(change)
            handled.update(change.fingerprints)
    for finding in drift:
        if finding.fingerprint not in handled:
            plan.manual.append(_manual(finding, _why_manual(finding, policy)))
    if changes:
        plan.keys.append(
            KeyPlan(
                name=report.name,
                file=report.file,
                line=report.line,
                sub_account=policy.sub_account,
                api_key_prefix=live.api_key_prefix,
                live_digest=live_digest(entry),
                changes=tuple(changes),
            )
        )


SHARED_LABEL = (
    "the label names more than one live key (KL309): keylint changes none of them until one "
    "key is left under it"
)


def _claimed(report: KeyReport) -> ManualStep:
    """The manual step for a key two entries claim (KL003): keylint never changes it."""
    return ManualStep(
        key=report.name,
        file=report.file,
        line=report.line,
        rule="KL003",
        message=report.error or "another entry claims the same live key",
        remediation=(
            "Keep one entry per live key: merge the two entries or delete the out-of-date one; "
            "for a rotation, give the new key its own label (api_name). Then run plan again."
        ),
        why="keylint never changes a live key that two entries claim: which policy holds is a "
        "person's decision",
    )


def _why_not_by_api(policy: KeyPolicy, master: MasterPolicy | None, live: LiveKey) -> str | None:
    """Why none of a key's drift can be fixed through the API, or None when it can."""
    if not policy.sub_account:
        return (
            "Binance's API changes only sub-account keys (through the master); this key's "
            "owner changes it in API Management"
        )
    if master is None:
        return "no `master:` credentials are declared, and only the master can change the key"
    if live.api_key_prefix is None:
        return f"the master's listing of {policy.sub_account} does not show the key"
    return None


def _inherently_manual(finding: Finding) -> str | None:
    """Why no API call could resolve the finding on any key, or None if one could."""
    if finding.rule in ("KL301", "KL302"):
        return "rotation needs a new key deployed where the old one is used"
    if finding.rule == "KL303":
        return (
            "Binance sets the lapse date; binding the key to trusted IPs or re-enabling trading "
            "in API Management lifts it"
        )
    if finding.rule == "KL304":
        return "a missing key is created by a person, or the policy marks it retired"
    return None


def _why_manual(finding: Finding, policy: KeyPolicy) -> str:
    inherent = _inherently_manual(finding)
    if inherent is not None:
        return inherent
    if finding.rule in ("KL101", "KL102"):
        return (
            f"Binance's API cannot change `{finding.subject}` of a sub-account key (only "
            f"{', '.join(API_FLAG)})"
        )
    if finding.rule == "KL201":
        return (
            "the policy declares only ranges, and Binance's whitelist needs single addresses: "
            "declare the addresses the key is used from"
        )
    return "Binance's API has no call for this change"


def _why_file_level(finding: Finding) -> str:
    if finding.rule == "KL307":
        return (
            "keylint deletes only keys a policy marks `status: retired`: declare the key, "
            "or declare it retired and run apply again"
        )
    return "Binance's API has no call for this change"


def _manual(finding: Finding, why: str) -> ManualStep:
    return ManualStep(
        key=finding.key,
        file=finding.file,
        line=finding.line,
        rule=finding.rule,
        message=finding.message,
        remediation=finding.remediation,
        why=why,
    )


def _of(drift: list[Finding], rule: str) -> list[Finding]:
    return [f for f in drift if f.rule == rule]


def _flags_after(live: LiveKey, revoke: Iterable[str], grant: Iterable[str]) -> dict[str, bool]:
    """All five flags, as they should be after the call: sent explicitly, so that Binance's
    handling of an omitted flag does not matter."""
    flags = {
        flag: live.permissions[name]
        for name, flag in API_FLAG.items()
        if isinstance(live.permissions.get(name), bool)
    }
    for name in revoke:
        flags[API_FLAG[name]] = False
    for name in grant:
        flags[API_FLAG[name]] = True
    return flags


def _permission_change(
    action: Action, found: list[Finding], revoke: list[str], grant: list[str], live: LiveKey
) -> Change | None:
    names = revoke if action == "revoke_permissions" else grant
    if not names:
        return None
    flags = _flags_after(live, revoke, grant if action == "grant_permissions" else [])
    verb = "revoke" if action == "revoke_permissions" else "grant"
    return Change(
        action=action,
        params=tuple((flag, "true" if value else "false") for flag, value in flags.items()),
        summary=f"{verb} {', '.join(names)}",
        rules=tuple(sorted({f.rule for f in found})),
        fingerprints=tuple(f.fingerprint for f in found),
    )


def _revocable(drift: list[Finding]) -> list[Finding]:
    return [f for f in _of(drift, "KL101") if f.subject in API_FLAG]


def _grantable(drift: list[Finding]) -> list[Finding]:
    return [f for f in _of(drift, "KL102") if f.subject in API_FLAG]


def _revoke(policy: KeyPolicy, live: LiveKey, drift: list[Finding]) -> Change | None:
    found = _revocable(drift)
    return _permission_change("revoke_permissions", found, [f.subject for f in found], [], live)


def _grant(policy: KeyPolicy, live: LiveKey, drift: list[Finding]) -> Change | None:
    found = _grantable(drift)
    revoke = [f.subject for f in _revocable(drift)]
    return _permission_change("grant_permissions", found, revoke, [f.subject for f in found], live)


def _singles(policy: KeyPolicy) -> list[str]:
    return [str(ip.network.network_address) for ip in policy.ips if is_single_address(ip.network)]


def _restrict(policy: KeyPolicy, live: LiveKey, drift: list[Finding]) -> Change | None:
    found = _of(drift, "KL201")
    singles = _singles(policy)
    if not found or not singles:
        return None  # only ranges declared: a manual step says so
    present = set(live.ip_list or ())
    adding = [ip for ip in singles if ip not in present]
    return Change(
        action="restrict_ips",
        params=(("status", "2"), *((("ipAddress", ",".join(adding)),) if adding else ())),
        summary=f"restrict to trusted IPs only: {', '.join(singles)}",
        rules=("KL201",),
        fingerprints=tuple(f.fingerprint for f in found),
    )


def _stale_entries(policy: KeyPolicy, live: LiveKey, drift: list[Finding]) -> list[str]:
    """Whitelisted entries outside every declared address and range."""
    if _of(drift, "KL201") and _singles(policy):  # the restriction is being turned on
        # Entries left over from before would become trusted.
        networks = [ip.network for ip in policy.ips]
        return [ip for ip in live.ip_list or () if not covers(networks, ip)]
    return [f.subject for f in _of(drift, "KL202")]


def _remove(policy: KeyPolicy, live: LiveKey, drift: list[Finding]) -> Change | None:
    stale = list(dict.fromkeys(_stale_entries(policy, live, drift)))
    if not stale:
        return None
    found = _of(drift, "KL202")
    return Change(
        action="remove_ips",
        params=(("ipAddress", ",".join(stale)),),
        summary=f"remove trusted IP{'s' if len(stale) > 1 else ''} {', '.join(stale)}",
        rules=tuple(sorted({f.rule for f in found} or {"KL201"})),
        fingerprints=tuple(f.fingerprint for f in found),
    )


def _add(policy: KeyPolicy, live: LiveKey, drift: list[Finding]) -> Change | None:
    found = _of(drift, "KL203")
    if not found:
        return None
    adding = list(dict.fromkeys(f.subject for f in found))
    return Change(
        action="add_ips",
        params=(("status", "2"), ("ipAddress", ",".join(adding))),
        summary=f"trust IP{'s' if len(adding) > 1 else ''} {', '.join(adding)}",
        rules=("KL203",),
        fingerprints=tuple(f.fingerprint for f in found),
    )


def _delete(policy: KeyPolicy, live: LiveKey, drift: list[Finding]) -> Change | None:
    found = _of(drift, "KL305")
    if not found:
        return None
    return Change(
        action="delete",
        params=(),
        summary="delete the retired key",
        rules=("KL305",),
        fingerprints=tuple(f.fingerprint for f in found),
    )


_CHANGE_MAKERS = {
    "delete": _delete,
    "revoke_permissions": _revoke,
    "restrict_ips": _restrict,
    "remove_ips": _remove,
    "grant_permissions": _grant,
    "add_ips": _add,
}


# --- reading a saved plan -------------------------------------------------------------------


def plan_from_json(data: Mapping[str, Any]) -> Plan:
    """Rebuild a plan saved by `keylint plan --output` (already checked against its schema)."""
    from keylint.binance.state import parse_time

    plan = Plan(
        generated_at=parse_time(data["generated_at"]),
        source=data["source"],
        base_url=data.get("base_url"),
    )
    for key in data["keys"]:
        changes = tuple(_change_from_json(change) for change in key["changes"])
        plan.keys.append(
            KeyPlan(
                name=key["name"],
                file=key["file"],
                line=key["line"],
                sub_account=key["sub_account"],
                api_key_prefix=key["api_key"],
                live_digest=key["live_digest"],
                changes=changes,
            )
        )
    for step in data["manual"]:
        plan.manual.append(ManualStep(**step))
    for item in data["unchecked"]:
        plan.unchecked.append(Unchecked(**item))
    return plan


def _change_from_json(change: Mapping[str, Any]) -> Change:
    if (change["method"], change["path"]) != ENDPOINT[change["action"]]:
        # The call is derived from the action; a plan that says otherwise was edited by hand.
        raise ValueError(
            f"{change['action']} is made with {' '.join(ENDPOINT[change['action']])}, "
            f"not {change['method']} {change['path']}"
        )
    params = tuple(
        (name, str(value))
        for name, value in change["params"].items()
        if name not in ("email", "subAccountApiKey")
    )
    return Change(
        action=change["action"],
        params=params,
        summary=change["summary"],
        rules=tuple(change["rules"]),
        fingerprints=tuple(change["fingerprints"]),
    )


def stale_keys(saved: Plan, fresh_entries: Mapping[str, Mapping[str, Any]]) -> Iterator[str]:
    """Why each key of a saved plan no longer matches Binance: one line per key."""
    for key in saved.keys:
        entry = fresh_entries.get(key.name)
        if entry is None:
            yield f"{key.name}: the policies no longer declare it"
            continue
        view = live_key(dict(entry))
        if view.status == "error":
            yield (
                f"{key.name}: could not be read now ({view.reason or 'no reason given'}), so the "
                "plan cannot be checked against it"
            )
        elif not view.exists:
            yield f"{key.name}: Binance no longer shows it ({view.reason or view.status})"
        elif view.api_key_prefix != key.api_key_prefix:
            yield f"{key.name}: the master's listing now shows another key ({view.api_key_prefix})"
        elif live_digest(entry) != key.live_digest:
            yield f"{key.name}: its permissions or trusted IPs changed since the plan was made"
