"""Trusted IP addresses and ranges, and the ones no Binance request can come from."""

from __future__ import annotations

import functools
import ipaddress
from ipaddress import IPv4Network, IPv6Address, IPv6Network

Network = IPv4Network | IPv6Network


class IPError(ValueError):
    """An address or range keylint cannot read, with a message that says what is wrong, and
    `fix`, the spelling to write instead, when there is one."""

    def __init__(self, message: str, *, fix: str | None = None) -> None:
        super().__init__(message)
        self.fix = fix


@functools.lru_cache(maxsize=4096)  # fleets repeat their egress addresses key after key
def parse_network(text: str) -> Network:
    """An address (as a /32 or /128) or a CIDR range, spelled as Binance shows it (SPEC §1);
    host bits set, an IPv6 zone id or an IPv4-mapped address are an error."""
    try:
        network = ipaddress.ip_network(text.strip(), strict=True)
    except ValueError as exc:
        if "/" in text and "has host bits set" in str(exc):
            loose = ipaddress.ip_network(text.strip(), strict=False)
            if isinstance(loose, IPv6Network):  # a zone or mapped range: name Binance's spelling
                check_binance_spelling(text, loose)
            raise IPError(f"{text!r} has host bits set; the range is {loose}") from None
        raise IPError(f"{text!r} is not an IP address or CIDR range") from None
    if isinstance(network, IPv6Network):
        check_binance_spelling(text, network)
    return network


def check_binance_spelling(text: str, network: IPv6Network) -> None:
    """Refuse the IPv6 spellings Binance never lists, naming the one it does.

    A request reaches Binance from an address, never from a zone (`%eth0` means something only
    on the host that wrote it), and an IPv4 client is listed in IPv4 (`203.0.113.10`, not
    `::ffff:203.0.113.10`). Declared either way, an address never equals the live one: `check`
    reports the working IP as undeclared and `plan` would remove it from the whitelist.
    """
    spelled: Network = network
    why: list[str] = []
    if network.network_address.scope_id is not None:
        why.append("has an IPv6 zone id")
        bare = IPv6Address(int(network.network_address))  # the same address, without the zone
        spelled = IPv6Network((bare, network.prefixlen))
    mapped = spelled.network_address.ipv4_mapped if isinstance(spelled, IPv6Network) else None
    if mapped is not None and spelled.prefixlen >= 96:  # inside ::ffff:0:0/96
        why.append("is an IPv4-mapped IPv6 address")
        spelled = IPv4Network((mapped, spelled.prefixlen - 96))
    if why:
        fix = str(spelled.network_address if spelled.num_addresses == 1 else spelled)
        raise IPError(
            f"{text!r} {' and '.join(why)}, which Binance never shows: write {fix}", fix=fix
        )


def is_single_address(network: Network) -> bool:
    return network.num_addresses == 1


# (range, why) pairs a public Binance request never comes from (SPEC §4, KL204).
# Documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) are
# allowed on purpose: examples use them.
_UNUSABLE: list[tuple[Network, str]] = [
    (ipaddress.ip_network(net), why)
    for net, why in (
        ("10.0.0.0/8", "a private address (RFC 1918)"),
        ("172.16.0.0/12", "a private address (RFC 1918)"),
        ("192.168.0.0/16", "a private address (RFC 1918)"),
        ("100.64.0.0/10", "a carrier-grade NAT address (RFC 6598)"),
        ("127.0.0.0/8", "a loopback address"),
        ("169.254.0.0/16", "a link-local address"),
        ("224.0.0.0/4", "a multicast address"),
        ("240.0.0.0/4", "a reserved address (RFC 1112)"),
        ("0.0.0.0/8", "an unspecified ('this network') address"),
        ("fc00::/7", "a private address (RFC 4193 unique local)"),
        ("::1/128", "a loopback address"),
        ("fe80::/10", "a link-local address"),
        ("ff00::/8", "a multicast address"),
        ("::/128", "the unspecified address"),
    )
]


_UNUSABLE_BOUNDS = [
    (net.version, int(net.network_address), int(net.broadcast_address), why)
    for net, why in _UNUSABLE
]


@functools.lru_cache(maxsize=4096)
def unusable_reason(network: Network) -> str | None:
    """Why Binance can never see a request from this address or range; None if it can."""
    if network.prefixlen == 0:
        return "every address: it binds the key to nothing"
    # Integer bounds instead of ipaddress's subnet_of: this runs for every declared address.
    first, last = int(network.network_address), int(network.broadcast_address)
    for version, low, high, why in _UNUSABLE_BOUNDS:
        if network.version == version and low <= first and last <= high:
            return why
    return None


def covers(networks: list[Network], address: str) -> bool:
    """Whether an address (or range) from Binance lies inside one of the declared networks."""
    try:
        live = ipaddress.ip_network(address.strip(), strict=False)
    except ValueError:
        return False
    return any(
        live.version == net.version and live.subnet_of(net)  # type: ignore[arg-type]
        for net in networks
    )
