"""`keylint plan`: the API calls that would converge sub-account keys to their policies.

A plan is computed from the drift findings of a check, never from a second reading of the
policies, so that what `plan` proposes is exactly what `check` reports. Binance's API lets the
master change four things of a sub-account key: its IP whitelist, its five trading flags, and
whether it exists. Everything else a finding asks for (withdrawals, reading, the master's own
keys, rotation) becomes a manual step that carries the finding's remediation hint.

A plan holds no full API key: a saved plan names each key by its policy name and API key
prefix. A saved plan is an approval: `apply --plan` makes a fresh plan and sends its calls only
when the saved one asks for exactly the same (`approval_differences`); the full key comes from
the master's listing at that moment.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

from keylint import __version__
from keylint.binance.state import format_time
from keylint.findings import Finding
from keylint.inert import inert
from keylint.livekey import LISTING_FIELD, LiveKey, live_key
from keylint.policy.ips import covers, is_single_address
from keylint.policy.model import KeyPolicy, MasterPolicy
from keylint.result import KeyReport, Result
from keylint.secrets import redact

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
    live_digest: str  # what Binance showed when the plan was made: explains a refusal, no more
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
    """A short digest of what the rules read of a key's live state. When `apply --plan`
    refuses a plan, a digest that moved tells the reader Binance changed (rather than the file).
    Built from the redacted view only (the key's 8-character prefix), so it reveals nothing a
    state file would not."""
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
    if finding.rule == "KL202" and not _is_ip_address(finding.subject or ""):
        return (
            "the whitelist entry is not an IP address, and Binance refuses to remove such an "
            "entry by API: remove it in API Management"
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


def _is_ip_address(entry: str) -> bool:
    """Whether a whitelist entry is an address Binance can be asked to remove. Anything else
    (a hostname, a range, text) would be refused on every run: it stays a manual step."""
    try:
        ipaddress.ip_address(entry)
    except ValueError:
        return False
    return True


def _remove(policy: KeyPolicy, live: LiveKey, drift: list[Finding]) -> Change | None:
    stale = [e for e in dict.fromkeys(_stale_entries(policy, live, drift)) if _is_ip_address(e)]
    if not stale:
        return None
    found = [f for f in _of(drift, "KL202") if f.subject in stale]
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


# --- comparing a saved plan with a fresh one --------------------------------------------------
#
# A saved plan is an approval, not a program (SPEC §6): `apply --plan` carries out the fresh
# plan, and only when the saved one asks for exactly the same calls. Nothing is read from the
# file but what is compared, so an edited file can refuse a run, never steer one.

# What a reviewer approves of each change: the call and what it says. The rest of the file
# (where the policy line is, the live digest) may move without changing a call.
_APPROVED_FIELDS = ("action", "method", "path", "params", "widens", "summary", "rules")
# How much of a value from the saved file a difference line repeats: the file may be hostile.
_SHOWN = 48


def approval_differences(
    saved: Mapping[str, Any], fresh: Plan, fresh_entries: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    """One line per way the saved plan (a document already checked against
    schemas/plan.schema.json) differs from the fresh plan; no lines when they ask for the same
    calls on the same keys."""
    saved_keys = {str(key["name"]): key for key in saved["keys"]}
    fresh_keys = {key["name"]: key for key in fresh.to_json()["keys"]}
    lines: list[str] = []
    if len(saved_keys) != len(saved["keys"]):
        lines.append("the saved plan names a key more than once")
    for name in [*saved_keys, *(n for n in fresh_keys if n not in saved_keys)]:
        was, now = saved_keys.get(name), fresh_keys.get(name)
        shown = show_saved(name)
        if now is None:
            why = _why_no_change(name, fresh_entries)
            lines.append(f"{shown}: the saved plan changes this key; a fresh plan does not ({why})")
            continue
        if was is None:
            summaries = "; ".join(change["summary"] for change in now["changes"])
            lines.append(
                f"{shown}: a fresh plan changes this key ({summaries}); the saved plan does not"
            )
            continue
        found = list(_key_differences(shown, was, now))
        if found and live_digest(fresh_entries.get(name, {})) != was.get("live_digest"):
            found.append(f"{shown}: Binance shows the key differently than when the plan was made")
        lines.extend(found)
    return lines


def _key_differences(shown: str, was: Mapping[str, Any], now: Mapping[str, Any]) -> Iterator[str]:
    for field_name, what in (("sub_account", "sub-account"), ("api_key", "API key")):
        if was.get(field_name) != now[field_name]:
            yield (
                f"{shown}: the saved plan names {what} {show_saved(was.get(field_name))}; "
                f"Binance now shows {show_saved(now[field_name])}"
            )
    saved_changes = _by_action(was["changes"])
    fresh_changes = _by_action(now["changes"])
    if saved_changes is None:
        yield f"{shown}: the saved plan lists an action more than once"
        return
    assert fresh_changes is not None  # a fresh plan makes each action once
    for action in [*saved_changes, *(a for a in fresh_changes if a not in saved_changes)]:
        before, after = saved_changes.get(action), fresh_changes.get(action)
        if after is None:
            yield f"{shown}: the saved plan has {show_saved(action)}; a fresh plan does not"
        elif before is None:
            summary = after["summary"]
            yield f"{shown}: a fresh plan has {action} ({summary}); the saved plan does not"
        else:
            for field_name, was_value, now_value in _field_differences(before, after):
                yield (
                    f"{shown}: {action}: {field_name} is {show_saved(was_value)} in the saved "
                    f"plan, {show_saved(now_value)} in a fresh plan"
                )
    if saved_changes.keys() == fresh_changes.keys() and list(saved_changes) != list(fresh_changes):
        yield f"{shown}: the saved plan orders the changes differently"


def _field_differences(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> Iterator[tuple[str, Any, Any]]:
    """(field, saved value, fresh value) for each approved field that differs; parameters one
    by one, so that a line names the very parameter that was changed."""
    for field_name in _APPROVED_FIELDS:
        was_value, now_value = before.get(field_name), after[field_name]
        if field_name == "params" and isinstance(was_value, Mapping):
            for param in [*now_value, *(p for p in was_value if p not in now_value)]:
                if was_value.get(param) != now_value.get(param):
                    yield f"{param}", was_value.get(param), now_value.get(param)
        elif was_value != now_value:
            yield field_name, was_value, now_value


def _by_action(changes: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]] | None:
    """A key's changes by action, or None when an action appears twice (an edited file)."""
    found: dict[str, Mapping[str, Any]] = {}
    for change in changes:
        if change["action"] in found:
            return None
        found[change["action"]] = change
    return found


def _why_no_change(name: str, fresh_entries: Mapping[str, Mapping[str, Any]]) -> str:
    entry = fresh_entries.get(name)
    if entry is None:
        return "the policies no longer declare it, or it could not be planned"
    view = live_key(dict(entry))
    if view.status == "error":
        return f"it could not be read now: {view.reason or 'no reason given'}"
    if not view.exists:
        return f"Binance no longer shows it: {view.reason or view.status}"
    return "it needs no such change now"


def show_saved(value: Any) -> str:
    """A value from a saved plan, fit to print: one line, no control characters, and short
    enough that nothing pasted into the file (a key, a secret) is repeated whole."""
    text = (
        value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    )
    # Redacted before it is cut short: most of a secret is still a secret.
    shown = inert(redact(text))
    return shown if len(shown) <= _SHOWN else shown[: _SHOWN - 1] + "…"
