"""IP addresses and ranges as policies write them."""

from __future__ import annotations

import re

import pytest

from keylint.policy.ips import IPError, covers, parse_network, unusable_reason


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("10.0.0.1", "RFC 1918"),
        ("172.31.255.255", "RFC 1918"),
        ("192.168.1.0/24", "RFC 1918"),
        ("100.64.0.1", "RFC 6598"),
        ("127.0.0.1", "loopback"),
        ("169.254.1.1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("0.0.0.0/0", "every address"),
        ("::/0", "every address"),
        ("::1", "loopback"),
        ("fe80::1", "link-local"),
        ("fd00::/8", "RFC 4193"),
        ("::", "unspecified"),
        ("203.0.113.5", None),
        ("2001:db8::1", None),
        ("8.8.8.8", None),
        ("172.32.0.1", None),
    ],
)
def test_unusable_addresses(text: str, why: str | None) -> None:
    reason = unusable_reason(parse_network(text))
    assert (reason is None) if why is None else (why in (reason or ""))


def test_bad_addresses() -> None:
    with pytest.raises(IPError, match=r"host bits set; the range is 198\.51\.100\.0/28"):
        parse_network("198.51.100.5/28")
    with pytest.raises(IPError, match="not an IP address"):
        parse_network("egress.example.com")


@pytest.mark.parametrize(
    ("text", "why", "fix"),
    [
        ("fe80::1%eth0", "zone id", "fe80::1"),
        ("2001:db8::1%1", "zone id", "2001:db8::1"),
        ("2001:db8::%1/64", "zone id", "2001:db8::/64"),
        ("2001:db8::1%1/128", "zone id", "2001:db8::1"),
        ("::ffff:203.0.113.10", "IPv4-mapped", "203.0.113.10"),
        ("::FFFF:203.0.113.10", "IPv4-mapped", "203.0.113.10"),
        ("0:0:0:0:0:ffff:cb00:710a", "IPv4-mapped", "203.0.113.10"),
        ("::ffff:203.0.113.10/128", "IPv4-mapped", "203.0.113.10"),
        ("::ffff:203.0.113.0/120", "IPv4-mapped", "203.0.113.0/24"),
        ("::ffff:198.51.100.7/124", "IPv4-mapped", "198.51.100.0/28"),  # host bits set too
        ("::ffff:0:0/96", "IPv4-mapped", "0.0.0.0/0"),
        ("::ffff:203.0.113.10%eth0", "zone id and is an IPv4-mapped", "203.0.113.10"),
    ],
)
def test_spellings_binance_never_shows_name_the_one_it_does(text: str, why: str, fix: str) -> None:
    with pytest.raises(IPError, match=f"{why}.*: write {re.escape(fix)}$") as raised:
        parse_network(text)
    assert raised.value.fix == fix


def test_covers_compares_normalised_addresses_and_ranges() -> None:
    declared = [parse_network("198.51.100.0/28"), parse_network("2001:db8::1")]
    assert covers(declared, "198.51.100.15")
    assert not covers(declared, "198.51.100.16")
    assert covers(declared, "2001:0db8:0000::0001")
    assert not covers(declared, "not-an-ip")
