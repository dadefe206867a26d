"""KL2xx: IP binding, the second thing to review on a key: where can it be used from?"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from keylint.endpoints import PATH_SUB_API_IP_LIST, PATH_SUB_API_IP_V2
from keylint.findings import Problem, Severity
from keylint.policy.ips import Network, covers, is_single_address, unusable_reason
from keylint.policy.permissions import TRADING
from keylint.rules import Context, in_binance, listed_while_unbound, rule

MAX_TRUSTED_IPS = 30
# KL207: one range wider than these is worth a look; ranges that together cover more than
# the union limits bind the key to a slice of the Internet, not to the team's machines.
_WIDEST_RANGE = {4: 24, 6: 48}
_WIDEST_UNION = {4: 16, 6: 32}
_IP_PATH_V2 = PATH_SUB_API_IP_V2
_IP_LIST_PATH = PATH_SUB_API_IP_LIST


def _sub_account_call(ctx: Context, method: str, path: str, **params: str) -> str:
    """The master's API call that makes the change, for sub-account keys; else nothing."""
    key = ctx.key
    if not key.sub_account:
        return ""
    api_key = (ctx.live.api_key_prefix if ctx.live else None) or "<the key's API key>"
    query = {"email": key.sub_account, "subAccountApiKey": api_key, **params}
    args = "&".join(f"{name}={value}" for name, value in query.items())
    return f" With the master's credentials: {method} {path}?{args} (signed)."


@rule("KL201", "ip-restriction-off")
def ip_restriction_off(ctx: Context) -> Iterator[Problem]:
    """Binance reports the key usable from any IP while the policy expects it bound.

    What it checks:
        `ipRestrict` of the live key when the policy's `ip_restrict` is true (the default).

    Why it matters:
        An unrestricted key works from any machine on the internet: whoever copies it can use
        it, and Binance may lapse its trading permissions or delete it when idle.

    Example:
        policy: ips: [203.0.113.10]
        live:   {"ipRestrict": false}
        -> KL201

    Fix:
        In Binance's API Management choose 'Restrict access to trusted IPs only' and enter the
        policy's `ips:`; for a sub-account key the master can do it with
        POST /sapi/v2/sub-account/subAccountApi/ipRestriction (status=2, ipAddress=...).

    Security severity:
        High: any machine that holds the key can use it (CWE-923). Not critical: Binance enables
        withdrawals only on IP-restricted keys, so money cannot be withdrawn with it directly (a
        policy that would allow that is KL103). Precision very high: Binance's own `ipRestrict`.
    """
    key, live = ctx.key, ctx.shown
    if key.retired:
        return  # a retired key's only live question is whether it still exists (KL305)
    if not key.ip_restrict or live.ip_restrict is not False:
        return
    pos = key.at("ips", "ip_restrict")
    singles = ",".join(ip.text for ip in key.ips if is_single_address(ip.network))
    yield Problem(
        pos.line,
        pos.column,
        "Binance accepts this key from any IP address; the policy binds it to trusted IPs",
        f"In {in_binance(key)}: Edit restrictions, choose 'Restrict access to trusted IPs only' "
        "and enter the policy's `ips:`."
        + _sub_account_call(ctx, "POST", _IP_PATH_V2, status="2", ipAddress=singles or "<ips>")
        + f" If the key must stay unrestricted, set `ip_restrict: false` at {key.file}:{pos.line}.",
        subject="ip_restrict",
        expected=[ip.text for ip in key.ips] or "trusted IPs only",
        actual="unrestricted (any IP)",
    )


@rule("KL202", "ip-not-declared")
def ip_not_declared(ctx: Context) -> Iterator[Problem]:
    """Binance trusts an IP that lies outside every declared address and range.

    What it checks:
        Every entry of the key's live IP whitelist against the policy's `ips:` (addresses and
        CIDR ranges, IPv4 and IPv6, compared normalised).

    Why it matters:
        Each trusted IP is a machine from which the key works; one nobody declared is a
        machine nobody reviewed, often a decommissioned host whose address was reassigned.

    Example:
        policy: ips: [203.0.113.10]
        live:   ipList: ["203.0.113.10", "192.0.2.99"]
        -> KL202 192.0.2.99

    Fix:
        Remove the IP from the key in Binance (for a sub-account key:
        DELETE /sapi/v1/sub-account/subAccountApi/ipRestriction/ipList), or declare it in `ips:`.

    Security severity:
        Medium: one more machine than reviewed can use the key, often an address since reassigned to
        someone else: the allowlist is more permissive than declared (CWE-183), but still a list of
        addresses. Precision very high: addresses compared normalised.
    """
    key, live = ctx.key, ctx.shown
    if key.retired:
        return  # a retired key's only live question is whether it still exists (KL305)
    if live.ip_list is None or live.ip_restrict is False:
        return  # with restriction off Binance ignores the list; KL201 speaks for that
    networks = [ip.network for ip in key.ips]
    pos = key.at("ips", "ip_restrict")
    for address in live.ip_list:
        if covers(networks, address):
            continue
        yield Problem(
            pos.line,
            pos.column,
            f"Binance trusts {address}, which lies outside every declared address and range",
            f"Remove {address} from the key's trusted IPs in {in_binance(key)}."
            f"{_sub_account_call(ctx, 'DELETE', _IP_LIST_PATH, ipAddress=address)}"
            f" If the key is meant to be used from there, add {address} to `ips:` at "
            f"{key.file}:{pos.line}.",
            subject=address,
            expected=[ip.text for ip in key.ips],
            actual=list(live.ip_list),
        )


@rule("KL203", "ip-missing")
def ip_missing(ctx: Context) -> Iterator[Problem]:
    """A declared single address is not on the key's live whitelist.

    What it checks:
        Every single address in `ips:` (not ranges, which declare what is allowed rather than
        what must be present) against the live whitelist.

    Why it matters:
        Requests from that address are refused with -2015: the service behind it is broken
        or about to be, or the policy lists a host that no longer exists.

    Example:
        policy: ips: [203.0.113.10, 203.0.113.11]
        live:   ipList: ["203.0.113.10"]
        -> KL203 203.0.113.11

    Fix:
        Add the address to the key's trusted IPs in Binance, or remove it from `ips:`.

    Security severity:
        Low: the whitelist is narrower than declared; requests from that address fail, nothing more
        can use the key. Precision very high: addresses compared normalised.
    """
    key, live = ctx.key, ctx.shown
    if key.retired:
        return  # a retired key's only live question is whether it still exists (KL305)
    if live.ip_list is None or live.ip_restrict is False:
        return
    present = [ip for ip in live.ip_list]
    for trusted in key.ips:
        if not is_single_address(trusted.network):
            continue
        if any(covers([trusted.network], address) for address in present):
            continue
        yield Problem(
            trusted.pos.line,
            trusted.pos.column,
            f"{trusted.text} is declared but not on the key's trusted IPs: requests from it "
            "are refused (-2015)",
            f"Add {trusted.text} to the key's trusted IPs in {in_binance(key)}."
            f"{_sub_account_call(ctx, 'POST', _IP_PATH_V2, status='2', ipAddress=trusted.text)}"
            f" If that host is gone, remove it from `ips:` at {key.file}:{trusted.pos.line}.",
            subject=str(trusted.network.network_address),
            expected=trusted.text,
            actual=list(live.ip_list),
        )


@rule("KL204", "ip-unusable")
def ip_unusable(ctx: Context) -> Iterator[Problem]:
    """A declared IP or range is one Binance can never see a request from.

    What it checks:
        Every `ips:` entry for private (RFC 1918, RFC 4193, 100.64.0.0/10), loopback,
        link-local, multicast, reserved or unspecified addresses, and for 0.0.0.0/0 and ::/0.
        Documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32)
        are allowed, for examples. IPv4-mapped IPv6 addresses are judged as IPv4.

    Why it matters:
        Binance sees the public egress address of a request. A private address in the
        whitelist binds the key to nothing that can ever call it, and /0 binds it to
        everything: either way the declared binding is not a binding.

    Example:
        ips: [10.0.4.17]        # KL204: a private address (RFC 1918)

    Fix:
        Declare the public address the key's requests leave from (the NAT gateway's or the
        egress proxy's), e.g. `curl -s https://checkip.amazonaws.com` on that host.

    Security severity:
        Medium: the declared binding binds nothing: a private address lets no request through (which
        invites switching the restriction off), and 0.0.0.0/0 lets every one through. Medium rather
        than high because it is a declaration; what the live key trusts is rated by KL201 and KL202.
        Precision very high: address classes are exact.
    """
    for trusted in ctx.key.ips:
        why = unusable_reason(trusted.network)
        if why is not None:
            yield Problem(
                trusted.pos.line,
                trusted.pos.column,
                f"{trusted.text} is {why}; Binance only ever sees a request's public egress "
                "address",
                f"In {ctx.key.file}:{trusted.pos.line}, replace {trusted.text} with the public "
                "address the key's requests leave from (the NAT gateway or egress proxy).",
                subject=str(trusted.network),
                expected="a public address or range",
                actual=trusted.text,
            )


@rule("KL205", "trading-without-ip-binding")
def trading_without_ip_binding(ctx: Context) -> Iterator[Problem]:
    """A key that can trade is not bound to trusted IPs.

    What it checks:
        Keys whose `permissions:` list a trading permission (`spot_and_margin_trading`,
        `futures`, `european_options`, `portfolio_margin_trading`, `fix_api_trade`) while
        `ip_restrict` is false.

    Why it matters:
        Binance lapses Spot & Margin Trading on a key without trusted IPs 30 days after it is
        enabled, so the bot stops trading one day without warning; and until then a leaked
        key can trade from anywhere.

    Example:
        - name: mm-bot
          permissions: [reading, spot_and_margin_trading]   # KL205
          ip_restrict: false

    Fix:
        Bind the key to its egress IPs (`ips:` in the policy and in Binance), or, if it truly
        cannot be (a venue that rotates IPs), add a waiver with a reason and an end date.

    Security severity:
        High: a leaked key can trade from any machine (CWE-923), and stolen trading keys are used to
        move an account's funds into illiquid markets; trading cannot withdraw, so high rather than
        critical. Precision very high: read from the policy itself.
    """
    key = ctx.key
    for permission, pos in listed_while_unbound(key, TRADING):
        yield Problem(
            pos.line,
            pos.column,
            f"`{permission}` is listed while `ip_restrict` is false: Binance lapses trading "
            "on keys without trusted IPs after 30 days, and anyone holding the key can trade",
            f"In {key.file}, set `ip_restrict: true` with the key's egress addresses under "
            "`ips:` and restrict the key to them in Binance's API Management, or add a "
            f"waiver for KL205 with a reason and an `expires` date.",
            subject=permission,
        )


@rule("KL206", "too-many-ips")
def too_many_ips(ctx: Context) -> Iterator[Problem]:
    """More single addresses are declared than the 30 Binance allows a key.

    What it checks:
        The number of single addresses (not ranges) in `ips:` against Binance's limit of 30
        trusted IPs per key.

    Why it matters:
        The whitelist cannot hold them all, so the live key can never match its policy; and a
        key used from more than 30 places is usually several keys' worth of blast radius.

    Example:
        ips: [203.0.113.1, 203.0.113.2, ..., 203.0.113.31]   # KL206: 31 addresses

    Fix:
        Route the key's requests through fewer egress addresses, or split the key per
        service (one key per service is easier to rotate too).

    Security severity:
        Low: a declaration Binance cannot apply, and a sign of a key shared too widely; the
        addresses are still a bound. Precision very high: a count.
    """
    singles = [ip for ip in ctx.key.ips if is_single_address(ip.network)]
    if len(singles) > MAX_TRUSTED_IPS:
        pos = ctx.key.at("ips")
        yield Problem(
            pos.line,
            pos.column,
            f"{len(singles)} single addresses are declared; Binance allows at most "
            f"{MAX_TRUSTED_IPS} trusted IPs per key",
            f"In {ctx.key.file}:{pos.line}, reduce `ips:` to at most {MAX_TRUSTED_IPS} addresses "
            "(route through fewer egress IPs) or split the key per service.",
            subject="ips",
            expected=f"at most {MAX_TRUSTED_IPS}",
            actual=len(singles),
        )


@rule("KL207", "ip-range-too-broad")
def ip_range_too_broad(ctx: Context) -> Iterator[Problem]:
    """A declared range is so wide that binding the key to it binds little or nothing.

    What it checks:
        Each range in `ips:` against an IPv4 /24 or an IPv6 /48: a wider one is a warning. All
        of the key's ranges together (overlaps counted once), per IP version, against an IPv4
        /16 (65,536 addresses) or an IPv6 /32: more is an error, whatever each range's size.
        Ranges KL204 already reports (private, 0.0.0.0/0, ::/0) are left to it.

    Why it matters:
        IP binding is what makes a leaked key useless to whoever holds it. A /24 is a typical
        office or cloud NAT block; a /16 is a whole provider's region, where any customer of
        that provider can use the key. Four /10s pass any per-range check and trust a quarter
        of the Internet.

    Example:
        ips: [203.0.0.0/16]                                    # KL207 warning (wider than /24)
        ips: [64.0.0.0/10, 128.0.0.0/10, 192.0.0.0/10, 32.0.0.0/10]   # KL207 error (union)

    Fix:
        Declare the egress addresses the key's requests really leave from (the NAT gateway,
        the egress proxy), or the provider's narrow published range for the service.

    Security severity:
        Medium: the allowlist is more permissive than it looks (CWE-183): a /16 lets a whole
        provider region use a leaked key. Medium for the rule as a whole; the case where the key's
        ranges together bind nothing is reported at the error level. Precision very high: prefix
        lengths and address counts are exact.
    """
    key = ctx.key
    ranges = [
        ip
        for ip in key.ips
        if not is_single_address(ip.network) and unusable_reason(ip.network) is None
    ]
    for trusted in ranges:
        version = trusted.network.version
        limit = _WIDEST_RANGE[version]
        if trusted.network.prefixlen < limit:
            yield Problem(
                trusted.pos.line,
                trusted.pos.column,
                f"{trusted.text} spans {_size(trusted.network.num_addresses, version)}, wider "
                f"than an IPv{version} /{limit}",
                f"In {key.file}:{trusted.pos.line}, narrow {trusted.text} to the addresses the "
                "key's requests leave from, or add a waiver for KL207 with a reason.",
                subject=str(trusted.network),
                expected=f"at most a /{limit}",
                actual=trusted.text,
            )
    for family, widest in _WIDEST_UNION.items():
        networks = [ip.network for ip in ranges if ip.network.version == family]
        covered = _addresses_covered(networks)
        most = 2 ** ((32 if family == 4 else 128) - widest)
        if covered > most:
            pos = key.at("ips")
            yield Problem(
                pos.line,
                pos.column,
                f"the key's IPv{family} ranges together cover {_size(covered, family)}, more "
                f"than an IPv{family} /{widest} ({_size(most, family)}): a binding to that "
                "much of the Internet binds nothing",
                f"In {key.file}:{pos.line}, replace the ranges in `ips:` with the addresses the "
                "key's requests leave from.",
                subject=f"ips-union-v{family}",
                expected=f"at most a /{widest} in all",
                actual=[str(n) for n in networks],
                severity=Severity.ERROR,
            )


def _addresses_covered(networks: list[Network]) -> int:
    """How many addresses the networks (all of one IP version) cover, overlaps counted once."""
    collapsed: Iterator[Network] = ipaddress.collapse_addresses(networks)  # type: ignore[type-var]
    return sum(network.num_addresses for network in collapsed)


def _size(addresses: int, version: int) -> str:
    """A count of addresses a person can read: IPv6 in /48s, whose own count has 25 digits."""
    if version == 4:
        return f"{addresses:,} addresses"
    return f"{addresses / 2**80:,.0f} /48s"
