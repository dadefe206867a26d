"""KL3xx: regular cleanup, the last thing to review on a key: should it still exist?"""

from __future__ import annotations

from collections.abc import Iterator

from keylint.findings import Layer, Problem, Severity
from keylint.rules import Context, Kind, rule


@rule("KL301", "key-too-old", Layer.CLEANUP, Severity.ERROR, kind=Kind.LIVE, implemented=False)
def key_too_old(ctx: Context) -> None:
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
    """


@rule(
    "KL302", "key-rotation-due", Layer.CLEANUP, Severity.WARNING, kind=Kind.LIVE, implemented=False
)
def key_rotation_due(ctx: Context) -> None:
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
    """


@rule(
    "KL303",
    "trading-authority-expiring",
    Layer.CLEANUP,
    Severity.WARNING,
    kind=Kind.LIVE,
    implemented=False,
)
def trading_authority_expiring(ctx: Context) -> None:
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
    """


@rule("KL304", "key-not-found", Layer.CLEANUP, Severity.ERROR, kind=Kind.LIVE, implemented=False)
def key_not_found(ctx: Context) -> None:
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
    """


@rule(
    "KL305", "retired-key-alive", Layer.CLEANUP, Severity.ERROR, kind=Kind.LIVE, implemented=False
)
def retired_key_alive(ctx: Context) -> None:
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
    """


@rule("KL306", "max-age-missing", Layer.CLEANUP, Severity.WARNING, kind=Kind.STATIC)
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


@rule("KL307", "undeclared-key", Layer.CLEANUP, Severity.ERROR, kind=Kind.LIVE, implemented=False)
def undeclared_key(ctx: Context) -> None:
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
    """


@rule("KL308", "hmac-key", Layer.CLEANUP, Severity.INFO, kind=Kind.STATIC)
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
