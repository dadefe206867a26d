"""KL1xx: permission scope, the first thing to review on a key: what can it do?"""

from __future__ import annotations

from collections.abc import Iterator

from keylint.findings import Problem
from keylint.policy.permissions import BINANCE_FIELD, MONEY_MOVING, UI_LABEL
from keylint.rules import Context, in_binance, listed_while_unbound, rule


@rule("KL101", "permission-not-declared")
def permission_not_declared(ctx: Context) -> Iterator[Problem]:
    """Binance has a permission enabled that the policy does not list.

    What it checks:
        Every permission Binance reports as enabled for the key against the policy's
        `permissions:`. Default deny: a permission field Binance adds later (any true
        `enable*`/`permits*` field keylint does not know) counts as undeclared too.

    Why it matters:
        A key can do everything it is allowed to, whoever holds it. An undeclared withdrawal
        or transfer permission is how a leaked trading key becomes a drained account.

    Example:
        policy: permissions: [reading, spot_and_margin_trading]
        live:   {"enableReading": true, "enableSpotAndMarginTrading": true,
                 "enableWithdrawals": true}
        -> KL101 withdrawals

    Fix:
        Disable the permission in Binance (API Management -> Edit restrictions), or, if the key
        needs it, add it to `permissions:` in the policy so that the change is reviewed.

    Security severity:
        High: the key can do more than anyone reviewed (an unintended sphere of control, CWE-269),
        up to withdrawals. High rather than critical because Binance enables withdrawals only on IP-
        restricted keys, so a leaked key still needs a trusted IP; a key usable from anywhere is
        KL201. Precision very high: Binance's own flags, compared exactly.
    """
    key, live = ctx.key, ctx.shown
    if key.retired:
        return  # a retired key's only live question is whether it still exists (KL305)
    pos = key.at("permissions")
    declared = list(key.permissions)
    enabled = [name for name in BINANCE_FIELD if live.permissions.get(name)]
    for name in enabled:
        if name in key.permissions:
            continue
        yield Problem(
            pos.line,
            pos.column,
            f"Binance has `{name}` enabled, which the policy does not list",
            f"In {in_binance(key)}: Edit restrictions, untick '{UI_LABEL[name]}' and save. If the "
            f"key needs it, add `{name}` to `permissions:` at {key.file}:{pos.line} instead.",
            subject=name,
            expected=declared,
            actual=enabled,
        )
    for field_name in live.unknown_enabled:
        yield Problem(
            pos.line,
            pos.column,
            f"Binance reports `{field_name}: true`, a permission keylint does not know yet; "
            "undeclared permissions are denied",
            f"In {in_binance(key)}: find the permission Binance calls {field_name!r} and switch it "
            "off, or upgrade keylint if a newer version knows it.",
            subject=field_name,
            expected=declared,
            actual=[*enabled, field_name],
        )


@rule("KL102", "permission-missing")
def permission_missing(ctx: Context) -> Iterator[Problem]:
    """The policy lists a permission that Binance has disabled.

    What it checks:
        Every permission in `permissions:` against the key's live flags.

    Why it matters:
        Either the service using the key is about to fail, or the policy claims more than is
        needed and should be tightened; both are worth a look.

    Example:
        policy: permissions: [reading, futures]
        live:   {"enableReading": true, "enableFutures": false}
        -> KL102 futures

    Fix:
        Remove the permission from the policy if the key does not need it; otherwise enable it
        in Binance's API Management.

    Security severity:
        Low: the key can do less than declared; that breaks a service, it exposes nothing. Precision
        very high: Binance's own flags.
    """
    key, live = ctx.key, ctx.shown
    if key.retired:
        return  # a retired key's only live question is whether it still exists (KL305)
    for name in key.permissions:
        if live.permissions.get(name) is False:
            pos = key.at(f"permission:{name}", "permissions")
            yield Problem(
                pos.line,
                pos.column,
                f"the policy lists `{name}` but Binance has it disabled",
                f"If the key does not need it, remove `{name}` from `permissions:` at "
                f"{key.file}:{pos.line}; otherwise in {in_binance(key)}: Edit restrictions, tick "
                f"'{UI_LABEL[name]}'.",
                subject=name,
                expected=True,
                actual=False,
            )


@rule("KL103", "withdrawals-without-ip-binding")
def withdrawals_without_ip_binding(ctx: Context) -> Iterator[Problem]:
    """A key that can move money out is not bound to trusted IPs.

    What it checks:
        Keys whose `permissions:` list `withdrawals`, `internal_transfer` or
        `universal_transfer` while `ip_restrict` is false.

    Why it matters:
        Binance only enables withdrawals on IP-restricted keys, and a transfer-capable key
        usable from anywhere is the most valuable thing an attacker can steal.

    Example:
        - name: treasury
          permissions: [reading, withdrawals]   # KL103
          ip_restrict: false

    Fix:
        Set `ip_restrict: true` with the `ips:` the key is used from (and restrict the key to
        them in Binance), or remove the money-moving permission.

    Security severity:
        Critical: a leaked key that can move money out (withdrawal or transfer) works from any
        machine, because nothing binds it to the endpoints it was meant for (CWE-923): the worst
        case this linter knows. Precision very high: read from the policy itself.
    """
    key = ctx.key
    for permission, pos in listed_while_unbound(key, MONEY_MOVING):
        yield Problem(
            pos.line,
            pos.column,
            f"`{permission}` is listed while `ip_restrict` is false: a key that moves money "
            "must be bound to trusted IPs",
            f"In {key.file}, set `ip_restrict: true` and list the key's egress addresses "
            f"under `ips:` (then in Binance: API Management -> Edit restrictions -> "
            f"'Restrict access to trusted IPs only'), or remove `{permission}` from "
            f"`permissions:` at line {pos.line}.",
            subject=permission,
        )
