"""Trusted IP addresses and ranges, and the ones no Binance request can come from."""

from __future__ import annotations

import functools
import ipaddress
from ipaddress import IPv4Network, IPv6Network

Network = IPv4Network | IPv6Network


class IPError(ValueError):
    """An address or range keylint cannot read, with a message that says what is wrong."""


@functools.lru_cache(maxsize=4096)  # fleets repeat their egress addresses key after key
def parse_network(text: str) -> Network:
    """An address (as a /32 or /128) or a CIDR range; host bits set are an error."""
    try:
        return ipaddress.ip_network(text.strip(), strict=True)
    except ValueError as exc:
        if "/" in text and "has host bits set" in str(exc):
            loose = ipaddress.ip_network(text.strip(), strict=False)
            raise IPError(f"{text!r} has host bits set; the range is {loose}") from None
        raise IPError(f"{text!r} is not an IP address or CIDR range") from None


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
    if isinstance(network, IPv6Network) and network.network_address.ipv4_mapped is not None:
        mapped = network.network_address.ipv4_mapped
        network = ipaddress.ip_network(f"{mapped}/{max(network.prefixlen - 96, 0)}")
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
