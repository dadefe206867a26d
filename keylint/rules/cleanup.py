"""KL3xx: regular cleanup, the last thing to review on a key: should it still exist?"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from keylint.endpoints import PATH_SUB_API
from keylint.findings import Problem, Severity
from keylint.livekey import RotationState
from keylint.policy.durations import format_duration
from keylint.policy.model import KeyPolicy, in_label_family
from keylint.rules import Context, in_binance, rule
from keylint.secrets import bare_prefix


def _age(ctx: Context) -> timedelta | None:
    created = ctx.shown.created
    return None if created is None else ctx.now - created


def _days(span: timedelta) -> str:
    days = span.days
    return (
        f"{days} day{'' if days == 1 else 's'}" if days else f"{int(span.total_seconds() // 3600)}h"
    )


def _day(moment: datetime | None) -> str:
    return moment.date().isoformat() if moment else "unknown"


@rule("KL301", "key-too-old")
def key_too_old(ctx: Context) -> Iterator[Problem]:
    """The key is older than its `max_age`.

    What it checks:
        The key's age (now minus Binance's `createTime`) against `max_age`. A key past its
        age is reported as KL301 only, not also as KL302.

    Why it matters:
        The longer a key lives, the more places it has been copied to: old laptops, CI logs,
        former colleagues' shells. Rotation bounds how long a leak stays useful.

    Example:
        policy: max_age: 90d
        live:   createTime 2026-06-01 (now 2026-11-24: 176 days)
        -> KL301

    Fix:
        Create a new key with the same restrictions, move the service to it, delete the old
        one in Binance's API Management; update `api_key_env`'s secret in your vault.

    Security severity:
        Medium: every day past `max_age` lengthens the time a copied key stays useful (a key used
        past its expiration, CWE-324), but the key's permissions and binding still bound it.
        Precision very high: Binance's `createTime`.
    """
    key, live = ctx.key, ctx.shown
    age = _age(ctx)
    if key.retired or key.max_age is None or age is None or age <= key.max_age:
        return
    pos = key.at("max_age")
    yield Problem(
        pos.line,
        pos.column,
        f"the key is {_days(age)} old, past its max_age of {format_duration(key.max_age)} "
        f"(created {_day(live.created)})",
        f"Rotate it: create a new key with the same restrictions in {in_binance(key)}, move the "
        "service to it, then delete this key. To accept the age, raise `max_age` at "
        f"{key.file}:{pos.line}.",
        subject="max_age",
        expected=f"at most {format_duration(key.max_age)}",
        actual=_days(age),
    )


@rule("KL302", "key-rotation-due")
def key_rotation_due(ctx: Context) -> Iterator[Problem]:
    """The key reaches its `max_age` within `rotate_warning`.

    What it checks:
        Keys younger than `max_age` that will reach it within `rotate_warning` (default 14d).

    Why it matters:
        Rotation planned two weeks ahead is a chore; rotation forced by a failing check at
        3 a.m. is an incident.

    Example:
        policy: max_age: 90d, rotate_warning: 14d
        live:   created 80 days ago
        -> KL302 (due in 10 days)

    Fix:
        Schedule the rotation: create the replacement key, switch the service, delete the old key.

    Security severity:
        Low: a notice ahead of KL301; the key is still within its age. Precision very high:
        Binance's `createTime`.
    """
    key, live = ctx.key, ctx.shown
    age = _age(ctx)
    if key.retired or key.max_age is None or age is None or age > key.max_age:
        return
    left = key.max_age - age
    if left > key.rotate_warning:
        return
    pos = key.at("max_age")
    yield Problem(
        pos.line,
        pos.column,
        f"the key reaches its max_age of {format_duration(key.max_age)} in {_days(left)} "
        f"(created {_day(live.created)}; warning starts {format_duration(key.rotate_warning)} "
        "ahead)",
        f"Schedule the rotation now: create the replacement key in {in_binance(key)}, switch the "
        "service, delete this key.",
        subject="max_age",
        expected=f"at most {format_duration(key.max_age)}",
        actual=_days(age),
    )


@rule("KL303", "trading-authority-expiring")
def trading_authority_expiring(ctx: Context) -> Iterator[Problem]:
    """Binance will lapse the key's trading permission within `rotate_warning`.

    What it checks:
        `tradingAuthorityExpirationTime`, when Binance reports it, against `rotate_warning`.

    Why it matters:
        On keys without trusted IPs Binance switches trading off 30 days after it is enabled;
        the bot using the key stops trading on that day.

    Example:
        live: tradingAuthorityExpirationTime in 5 days
        -> KL303

    Fix:
        Bind the key to trusted IPs (which lifts the lapse), or re-enable trading in Binance's
        API Management before the date.

    Security severity:
        Low: the service using the key stops trading on that day, an outage rather than an exposure;
        the missing IP binding behind it is KL205's. Precision very high: Binance's own date.
    """
    key, live = ctx.key, ctx.shown
    if key.retired or live.trading_expires is None:
        return
    left = live.trading_expires - ctx.now
    if left > key.rotate_warning:
        return
    pos = key.at("permission:spot_and_margin_trading", "permissions")
    when = "lapsed on" if left.total_seconds() <= 0 else f"lapses in {_days(left)}, on"
    yield Problem(
        pos.line,
        pos.column,
        f"Binance's trading authority for this key {when} {_day(live.trading_expires)}",
        f"Bind the key to trusted IPs in {in_binance(key)} (Binance lifts the lapse for "
        "IP-restricted keys), or re-enable trading there before that day.",
        subject="tradingAuthorityExpirationTime",
        expected=f"more than {format_duration(key.rotate_warning)} away",
        actual=_day(live.trading_expires),
    )


@rule("KL304", "key-not-found")
def key_not_found(ctx: Context) -> Iterator[Problem]:
    """An active key is unknown to Binance.

    What it checks:
        Active keys whose own credentials are refused with -2015 or -2014 and that no
        master listing shows. Where only the key's own call is available, the message says
        both possible causes: the key is gone, or this machine's IP is not on its whitelist.

    Why it matters:
        Either a service is running on a deleted key, or the policy describes a key that no
        longer exists and the real one is undeclared.

    Example:
        policy: status: active
        live:   {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}
        -> KL304

    Fix:
        If the key was deleted on purpose, mark it `status: retired` (or remove the entry);
        otherwise check that `api_key_env` holds the current key.

    Security severity:
        Low: a policy describing a key that no longer exists exposes nothing by itself; the
        undeclared key that may replace it is KL307's. Precision medium: Binance answers -2015 both
        for a deleted key and for a caller outside the key's whitelist.
    """
    key, live = ctx.key, ctx.shown
    if key.retired or live.status != "not_found":
        return
    yield Problem(
        key.pos.line,
        key.pos.column,
        f"Binance does not know the key: {live.reason or 'it was not found'}",
        f"If the key was deleted on purpose, set `status: retired` at {key.file}:{key.pos.line} "
        f"(or delete the entry); otherwise check that {key.api_key_env or 'api_key_env'} holds "
        "the current API key and that this machine's IP is on the key's whitelist.",
        subject="exists",
        expected="exists",
        actual="not found",
    )


@rule("KL305", "retired-key-alive")
def retired_key_alive(ctx: Context) -> Iterator[Problem]:
    """A key the policy marks retired still answers.

    What it checks:
        Keys with `status: retired` that Binance still knows (their own call succeeds, or the
        master's listing shows them).

    Why it matters:
        A retired key is one someone decided to kill; while it lives, every copy of it still
        works.

    Example:
        policy: status: retired
        live:   apiRestrictions answers 200
        -> KL305

    Fix:
        Delete the key in Binance's API Management (for a sub-account key the master can:
        DELETE /sapi/v1/sub-account/subAccountApi).

    Security severity:
        High: a key someone decided to kill, often after a leak or a rotation, still works for every
        copy of it (a key used past its end of life, CWE-324). Precision very high: Binance accepted
        the key or listed it.
    """
    key, live = ctx.key, ctx.shown
    if not key.retired or not live.exists:
        return
    pos = key.at("status")
    call = ""
    if key.sub_account:
        api_key = live.api_key_prefix or "<the key's API key>"
        call = (
            f" With the master's credentials: DELETE {PATH_SUB_API}?"
            f"email={key.sub_account}&subAccountApiKey={api_key} (signed)."
        )
    yield Problem(
        pos.line,
        pos.column,
        "the policy marks the key retired, but Binance still accepts it",
        f"Delete the key in {in_binance(key)}.{call}",
        subject="status",
        expected="deleted",
        actual="alive",
    )


@rule("KL306", "max-age-missing")
def max_age_missing(ctx: Context) -> Iterator[Problem]:
    """An active key has no `max_age`.

    What it checks:
        Active keys with no `max_age`, neither their own nor from the file's `defaults`.

    Why it matters:
        Without a maximum age nothing ever asks for the key to be rotated: it lives until it
        leaks.

    Example:
        - name: mm-bot
          permissions: [reading]      # KL306: no max_age

    Fix:
        Add `max_age:` to the key (90d is common), or to the file's `defaults:` for every key.

    Security severity:
        Medium: without `max_age` nothing ever asks for the key to be rotated, so any leak stays
        useful for good (no credential aging, CWE-262). Precision very high: read from the policy
        itself.
    """
    key = ctx.key
    if key.max_age is None and not key.retired:
        yield Problem(
            key.pos.line,
            key.pos.column,
            f"key {key.name!r} has no max_age, so nothing will ever ask for it to be rotated",
            f"In {key.file}, add `max_age: 90d` (or your rotation period) to the key at line "
            f"{key.pos.line}, or to `defaults:` for every key of the file.",
            subject="max_age",
        )


@rule("KL307", "undeclared-key", per_key=False)
def undeclared_key() -> None:
    """A sub-account named in the policies holds a key no policy declares.

    What it checks:
        Every key the master's listing shows for each sub-account the policies name, against
        the declared keys of that sub-account (matched by `api_name` or API key).

    Why it matters:
        An undeclared key is unreviewed access: nobody owns it, nothing rotates it.

    Example:
        live: sub-account mm@example.com lists keys "mm-bot-eu" and "test-2023"
        policy declares only api_name: mm-bot-eu
        -> KL307 test-2023

    Fix:
        Delete the key (DELETE /sapi/v1/sub-account/subAccountApi with the master), or declare
        it in a policy with an owner (`keylint init --sub-account EMAIL` prints one).

    Security severity:
        High: a key nobody declared is access nobody reviewed: unknown permissions and binding, no
        owner, no rotation (privileges nobody tracks, CWE-269). Precision high: the master's listing
        is exact, but a key declared only in policy files outside this run is reported too.
    """


def undeclared_keys(
    declaring: KeyPolicy,
    email: str,
    rows: list[dict[str, Any]],
    declared: set[str],
    rotating: Iterable[str] = (),
) -> Iterator[Problem]:
    """KL307's check: listed keys of a sub-account that no policy declares, reported where
    the policies first name the sub-account. `rotating`: the `api_name`s of the keys keylint
    rotates, whose every rotation label is declared too (SPEC §7)."""
    rotating = tuple(rotating)
    pos = declaring.at("sub_account")
    for row in rows:
        label = str(row.get("apiName") or row.get("apikey") or "?")
        if label in declared or any(in_label_family(label, name) for name in rotating):
            continue
        api_key = row.get("apikey") or "<its API key>"
        yield Problem(
            pos.line,
            pos.column,
            f"sub-account {email} holds a key labelled {label!r} that no policy declares",
            f"Delete it with the master's credentials: DELETE {PATH_SUB_API}"
            f"?email={email}&subAccountApiKey={api_key} (signed), or in Binance (Sub Account -> "
            "API Management); or declare it in a policy with an owner.",
            subject=f"{email}/{label}",
            expected=sorted(declared),
            actual=[str(r.get("apiName") or r.get("apikey")) for r in rows],
        )


@rule("KL309", "duplicate-live-key", per_key=False)
def duplicate_live_key() -> None:
    """A sub-account holds more than one key under a label a policy declares.

    What it checks:
        The master's listing of each sub-account a key names, for more than one key labelled
        with the key's `api_name`. Every such key is reported, by its 8-character prefix.

    Why it matters:
        A label is how a policy names its live key. With two keys under it, one of them is
        unreviewed access hiding behind a reviewed name (say futures on and no IP binding),
        and any change keylint made could land on the wrong key: `apply` changes none of
        them, and `plan` lists each as a manual step.

    Example:
        policy: sub_account: mm@example.com, api_name: mm-bot-eu
        live:   the listing of mm@example.com shows k5V49ldt… and Q2xbP0aa…, both "mm-bot-eu"
        -> KL309 k5V49ldt…, KL309 Q2xbP0aa…

    Fix:
        Delete the extra key in Binance (Sub Account -> API Management), or with the master's
        credentials: DELETE /sapi/v1/sub-account/subAccountApi (signed; email and
        subAccountApiKey). Or give it its own label and declare it in a policy.

    Security severity:
        High: a second key under a reviewed label is unreviewed access hiding behind a reviewed
        name, and `apply` will change neither. Precision very high: the master's listing.
    """


def duplicate_live_keys(
    key: KeyPolicy, rows: list[dict[str, Any]], rotation: RotationState | None = None
) -> Iterator[Problem]:
    """KL309's check: the listed keys of the key's sub-account that share its label.

    For a key keylint rotates (SPEC §7) its labels are a family (`<api_name>-<UTC minute>`),
    and the store accounts for up to three of its keys: the current one, the one it replaced
    (KL310) and one being created (pending). Any other key under the family is reported.
    """
    if not key.sub_account or not key.api_name:
        return
    named = [row for row in rows if key.names_label(str(row.get("apiName") or ""))]
    if rotation is not None and rotation.current:
        known = {_bare(rotation.current), _bare(rotation.replaced)}
        pending = rotation.pending
        unknown = [
            row
            for row in named
            if bare_prefix(str(row.get("apikey") or "")) not in known
            and row.get("apiName") != pending
        ]
        if not unknown:
            return
    elif len(named) < 2:
        return
    # A state file holds 8 characters and an ellipsis; a live listing is redacted the same
    # way, and the cut here keeps a full key out of any report whatever the source.
    prefixes = [bare_prefix(str(row.get("apikey") or "?")) for row in named]
    email, pos = key.sub_account, key.at("api_name")
    for prefix in prefixes:
        yield Problem(
            pos.line,
            pos.column,
            f"sub-account {email} holds {len(named)} keys labelled {key.api_name!r}, "
            f"{prefix}… among them: a label names one key, and keylint changes none of these",
            f"Delete the extra key in {in_binance(key)} (check its prefix), or with the "
            f"master's credentials: DELETE {PATH_SUB_API}?email={email}"
            f"&subAccountApiKey=<the full key starting {prefix}> (signed). Or give it its own "
            "label and declare it in a policy.",
            subject=prefix,
            expected=f"one key labelled {key.api_name!r}",
            actual=[f"{p}…" for p in prefixes],
        )


@rule("KL310", "previous-key-alive", per_key=False)
def previous_key_alive() -> None:
    """The key a rotation replaced still exists: a warning within its grace, an error after.

    What it checks:
        For a key that declares `rotation`, the replaced key the secret store names (its
        8-character prefix and `retire_after`, in the secret's metadata) against the master's
        listing of the sub-account. While the replaced key is listed: a warning until
        `retire_after`, an error from then on. The replaced key is never KL307 (undeclared).

    Why it matters:
        The grace gives services time to read the new key from the store; after it, the old
        key is one more copy of the same access with no one left using it.

    Example:
        policy: rotation: {store: vault, path: secret/binance/mm-bot-eu, grace: 24h}
        store:  replaced_key k5V49ldt, retire_after 2026-11-25T09:00:00Z
        live:   the listing of mm@example.com still shows k5V49ldt… (now 2026-11-26)
        -> KL310 (error: the grace ended)

    Fix:
        Nothing within the grace. After it, `keylint apply` deletes the replaced key (a
        `retire` change) once the current key verifies through the master; or delete it in
        Binance's API Management.

    Security severity:
        Medium: within the grace this is the plan; after it, the replaced key is one more working
        copy of the same access with nobody left using it. Precision high: it relies on the store's
        metadata naming the replaced key.
    """


def previous_keys(
    key: KeyPolicy, rotation: RotationState, rows: list[dict[str, Any]], now: datetime
) -> Iterator[Problem]:
    """KL310's check: the listed keys that are the one the store names as replaced."""
    replaced = _bare(rotation.replaced)
    current = _bare(rotation.current)
    if not replaced or not key.api_name or replaced == current:
        return
    alive = [
        row
        for row in rows
        if bare_prefix(str(row.get("apikey") or "")) == replaced
        and key.names_label(str(row.get("apiName") or ""))
    ]
    if not alive:
        return
    deadline = rotation.retire_after
    within = deadline is not None and now < deadline
    until = deadline.isoformat().replace("+00:00", "Z") if deadline else "unknown"
    pos = key.at("rotation", "api_name")
    for row in alive:
        label = str(row.get("apiName") or "?")
        if within:
            message = (
                f"the key this rotation replaced ({replaced}…, labelled {label!r}) is still "
                f"alive, as planned: its grace lasts until {until}"
            )
            fix = (
                "Nothing to do yet: services have until then to read the new key from the "
                "store. After it, `keylint apply` deletes the replaced key."
            )
        else:
            ended = f"ended at {until}" if deadline else "has no valid end in the store"
            message = (
                f"the key this rotation replaced ({replaced}…, labelled {label!r}) is still "
                f"alive, and its grace {ended}"
            )
            fix = (
                "Run `keylint apply`: it deletes the replaced key once the current one verifies "
                f"through the master. Or delete it in {in_binance(key)} (check its prefix)."
            )
        yield Problem(
            pos.line,
            pos.column,
            message,
            fix,
            subject=replaced,
            expected=f"deleted after {until}",
            actual="alive",
            severity=Severity.WARNING if within else Severity.ERROR,
        )


def _bare(prefix: Any) -> str:
    """An API key prefix as the state file writes it (8 characters and '…'), bare."""
    return bare_prefix(str(prefix or ""))


@rule("KL308", "hmac-key")
def hmac_key(ctx: Context) -> Iterator[Problem]:
    """The key signs with an HMAC secret, which Binance deprecates for Ed25519.

    What it checks:
        Active keys declared with `secret_env` (an HMAC secret) rather than `private_key_env`.

    Why it matters:
        An HMAC secret is shared with Binance and shown once in the web page; an Ed25519
        private key never leaves your machines. Binance recommends Ed25519, and FIX API
        permissions exist only on Ed25519 keys.

    Example:
        secret_env: BINANCE_MM_SECRET    # KL308

    Fix:
        At the next rotation create an Ed25519 key (API Management -> Create API ->
        Self-generated), and declare it with `private_key_env:`.

    Security severity:
        Low: an HMAC secret is shared with Binance and shown once on a web page, where an Ed25519
        private key never leaves your machines; a hardening advice, not an exposure. Precision very
        high: read from the policy itself.
    """
    key = ctx.key
    if key.secret_env and not key.retired:
        pos = key.at("secret_env")
        yield Problem(
            pos.line,
            pos.column,
            f"key {key.name!r} signs with an HMAC secret; Binance recommends Ed25519 keys",
            f"At the next rotation create a self-generated Ed25519 key in Binance's API "
            f"Management and replace `secret_env` in {key.file}:{pos.line} with "
            "`private_key_env`.",
            subject="secret_env",
        )
