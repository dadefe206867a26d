"""The policy schema is generated from keylint's own tables, its `$id` resolves to the file,
and each pattern generated from a parser accepts exactly what that parser reads, in Python's
`re` (keylint, check-jsonschema) and in ECMA-262 (editors) alike."""

from __future__ import annotations

import ipaddress
import json
import re
import tomllib
from collections.abc import Iterator
from datetime import date
from typing import Any

import jsonschema
import pytest
import regress
from hypothesis import example, given, settings
from hypothesis import strategies as st

from keylint import __version__
from keylint.catalog import CATALOG, Kind
from keylint.policy import permissions as perms
from keylint.policy import schema_source
from keylint.policy.durations import DurationError, parse_duration
from keylint.policy.ips import IPError, parse_network
from keylint.policy.schema import (
    MIRRORS,
    REPORTS,
    REPOSITORY,
    schema_url,
    store_path_problems,
)
from tests.conftest import REPO

SCHEMA_FILE = REPO / "schemas" / "policy.schema.json"
SCHEMA: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
DEFS = SCHEMA["$defs"]


def test_the_committed_schema_is_the_generated_one() -> None:
    """Edit keylint's tables (a rule, a permission) or schema_source, and this fails until
    `python -m keylint.policy.schema_source` is run."""
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_source.render()


def test_the_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_the_id_is_the_bundled_file_at_this_versions_tag() -> None:
    """`init` writes this URL; it resolves because it names this repository, the tag a release
    of this version gets (v0.1.0, as README's pre-commit `rev:`), and the file's own path."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    home = project["urls"]["Repository"]
    assert home == f"https://github.com/{REPOSITORY}"
    prefix = f"https://raw.githubusercontent.com/{REPOSITORY}/v{__version__}/"
    assert SCHEMA["$id"] == schema_url() == f"{prefix}schemas/policy.schema.json"
    assert (REPO / SCHEMA["$id"].removeprefix(prefix)).resolve() == SCHEMA_FILE.resolve()
    # README names the URL (and so the tags' spelling, as its pre-commit `rev: v0.1.0`).
    assert SCHEMA["$id"] in (REPO / "README.md").read_text(encoding="utf-8")


def test_the_tables_reach_the_schema() -> None:
    waivable = [rule for rule, entry in CATALOG.items() if entry.kind is not Kind.FILE]
    assert DEFS["waiver"]["properties"]["rule"]["enum"] == waivable
    assert DEFS["permission"]["enum"] == perms.all_names()
    merged = set(DEFS["defaults"]["properties"])
    from keylint.policy.loader import _KEY_ONLY

    assert merged == set(DEFS["key"]["properties"]) - set(_KEY_ONLY)
    assert merged == set(schema_source.MERGED)


def patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for name, value in node.items():
            if name == "pattern" and isinstance(value, str):
                yield value
            if name == "patternProperties":
                yield from value
            yield from patterns(value)
    elif isinstance(node, list):
        for item in node:
            yield from patterns(item)


@pytest.mark.parametrize("flags", ["", "u"])
def test_every_pattern_is_ecma_262(flags: str) -> None:
    """yaml-language-server compiles patterns with the `u` flag, stricter about escapes."""
    found = set(patterns(SCHEMA))
    assert len(found) > 8
    for pattern in found:
        regress.Regex(pattern, flags)


def test_the_marks_name_real_keywords() -> None:
    def marks(node: Any) -> Iterator[tuple[dict[str, Any], list[str]]]:
        if isinstance(node, dict):
            if REPORTS in node:
                yield node, node[REPORTS]
            if MIRRORS in node:
                yield node, list(node[MIRRORS])
            for value in node.values():
                yield from marks(value)
        elif isinstance(node, list):
            for item in node:
                yield from marks(item)

    found = list(marks(SCHEMA))
    assert len(found) > 20
    for node, keywords in found:
        assert keywords and all(keyword in node for keyword in keywords)


def test_blank_is_what_str_strip_removes() -> None:
    blank = re.compile(schema_source.BLANK)
    assert [chr(c) for c in range(0x110000) if blank.fullmatch(chr(c))] == [
        chr(c) for c in range(0x110000) if not chr(c).strip()
    ]


# --- each generated pattern against the parser it mirrors -----------------------------------


class Pattern:
    """One schema pattern in both engines; they must always agree."""

    def __init__(self, pattern: str) -> None:
        self.python = re.compile(pattern)
        self.ecma = regress.Regex(pattern, "u")

    def __call__(self, text: str) -> bool:
        # jsonschema's `pattern` is re.search; editors run the ECMA-262 pattern.
        python = self.python.search(text) is not None
        ecma = self.ecma.find(text) is not None
        if python and not ecma and text.endswith("\n"):
            # Python's `$` also matches before a last newline, ECMA-262's (and fastjsonschema's,
            # which writes it \Z) only at the end. Where it matters keylint's parser says the
            # same as ECMA-262: the generated patterns take the blanks the loader strips.
            return ecma
        assert python == ecma, text
        return python


IP = Pattern(DEFS["ip"]["pattern"])
DURATION = Pattern(DEFS["duration"]["pattern"])
DATE = Pattern(DEFS["waiver"]["properties"]["expires"]["allOf"][0]["pattern"])
STORE_PATH = DEFS["rotation"]["properties"]["path"]
STORE_SHAPE = Pattern(STORE_PATH["pattern"])
STORE_REFUSED = Pattern(STORE_PATH["allOf"][0]["not"]["pattern"])
BLANKS = [chr(c) for c in range(0x10000) if chr(c).isspace()]


def network_reads(text: str) -> tuple[bool, str]:
    try:
        parse_network(text)
    except IPError as exc:
        return False, str(exc)
    return True, ""


def ipv6_host_bits(text: str, why: str) -> bool:
    """NOT_EXPRESSED: an IPv6 range with host bits set is keylint's to refuse alone."""
    return ":" in text and "has host bits set" in why


def mapped(text: str) -> bool:
    address = ipaddress.IPv6Address(text.strip().split("/")[0])
    return address.ipv4_mapped is not None


@st.composite
def ipv4_spellings(draw: st.DrawFn) -> str:
    address = ipaddress.IPv4Address(draw(st.integers(0, 2**32 - 1)))
    if draw(st.booleans()):
        return str(address)
    prefix = draw(st.integers(0, 32))
    network = ipaddress.IPv4Network((address, prefix), strict=False)
    base = network.network_address if draw(st.integers(0, 3)) else address
    mask = draw(
        st.sampled_from(
            [
                str(prefix),
                "0" * draw(st.integers(1, 3)) + str(prefix),
                str(network.netmask),
                str(network.hostmask),
            ]
        )
    )
    return f"{base}/{mask}"


def hextet(draw: st.DrawFn, value: int) -> str:
    text = f"{value:x}"
    text = "0" * draw(st.integers(0, 4 - len(text))) + text
    return text.upper() if draw(st.booleans()) else text


@st.composite
def ipv6_spellings(draw: st.DrawFn) -> str:
    """Every way Python spells an address: zeros compressed anywhere (or not), leading zeros,
    upper case, a dotted IPv4 tail; many zero and ffff groups, so mapped addresses come up."""
    group = st.sampled_from([0, 0, 0, 0xFFFF, 1, 0xDB8, 0x2001]) | st.integers(0, 0xFFFF)
    groups = draw(st.lists(group, min_size=8, max_size=8))
    if draw(st.integers(0, 4)) == 0:
        groups[:6] = [0, 0, 0, 0, 0, 0xFFFF]
    tokens = [hextet(draw, g) for g in groups]
    tail4 = draw(st.booleans())
    if tail4:  # the last 32 bits as a dotted IPv4 address: one token for two groups
        tokens[6:] = [str(ipaddress.IPv4Address((groups[6] << 16) | groups[7]))]
    last = 6 if tail4 else 8  # `::` never stands for part of the dotted tail
    runs = [(i, j) for i in range(last) for j in range(i + 1, last + 1) if not any(groups[i:j])]
    compress = draw(st.booleans())
    if runs and compress:
        i, j = draw(st.sampled_from(runs))
        text = ":".join(tokens[:i]) + "::" + ":".join(tokens[j:])
    else:
        text = ":".join(tokens)
    if draw(st.integers(0, 9)) == 0:
        text += "%eth0"
    if draw(st.integers(0, 2)) == 0:
        prefix = draw(st.integers(0, 128))
        text += "/" + "0" * draw(st.integers(0, 2)) + str(prefix)
    return text


@st.composite
def mangled(draw: st.DrawFn, spellings: st.SearchStrategy[str], noise: str) -> str:
    """A spelling, sometimes padded with blanks or with one character changed."""
    text = draw(spellings)
    if draw(st.integers(0, 3)) == 0:
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 1))
        text = text[:at] + draw(st.sampled_from([*noise, ""])) + text[at + cut :]
    if draw(st.integers(0, 5)) == 0:
        pad = st.text(st.sampled_from(BLANKS), max_size=2)
        text = draw(pad) + text + draw(pad)
    return text


@settings(max_examples=500, deadline=None)
@given(mangled(ipv4_spellings() | ipv6_spellings(), "0123456789abcdefF:./%x \n"))
@example("203.0.113.10")
@example("198.51.100.7/28")  # host bits
@example("::ffff:203.0.113.10")  # IPv4-mapped
@example("::ffff:0:0/96")
@example("0:0:0:0:0:ffff::")  # mapped, ::ffff:0.0.0.0
@example("0:0:0:0:0:ffff:ffff::")  # mapped, ::ffff:255.255.0.0
@example("fe80::1%eth0")  # a zone id
@example("1:2:3:4:5:6:7::")  # `::` for one group
@example("1:2:3:4:5:6::1.2.3.4")  # one group too many
@example("010.0.0.1")  # a leading zero
@example(" 203.0.113.10\u3000")  # blanks the loader strips
@example("10.0.0.0/0.255.255.255")  # a hostmask
@example("0.0.0.0/255.255.255.255")  # all ones: a netmask, /32
@example("2001:db8::1/32")  # IPv6 host bits: NOT_EXPRESSED
def test_the_address_pattern_reads_what_parse_network_reads(text: str) -> None:
    reads, why = network_reads(text)
    if ipv6_host_bits(text, why):
        # The one difference, documented: the pattern reads the address, not the bits the
        # prefix leaves (an address in ::ffff:0:0/96 it refuses at any prefix, as keylint does,
        # and a zone id too, which keylint names only once the host bits are fixed).
        assert IP(text) == (not mapped(text) and "%" not in text)
    else:
        assert IP(text) == reads, why


@st.composite
def durations(draw: st.DrawFn) -> str:
    number = st.integers(0, 10**7).map(str) | st.sampled_from(["0", "00", "1", "999999", "0001"])
    if draw(st.booleans()):
        return draw(number) + draw(st.sampled_from("hdwHDWmMys"))
    text = "P"
    for unit in "YMWD":
        if draw(st.integers(0, 2)) == 0:
            text += draw(number) + unit
    if draw(st.booleans()):
        text += "T"
        for unit in "HMS":
            if draw(st.integers(0, 2)) == 0:
                text += draw(number) + unit
    return text


@settings(max_examples=500, deadline=None)
@given(mangled(durations(), "0123456789PTWDHMShdw .-\u0660\u0669"))
@example("0d")
@example("P0DT0H")
@example("PT1S")
@example("P")
@example("PT")
@example("P1DT")
@example("1234567d")
@example(" 90d\n")
@example("\u0669\u0660d")  # Arabic-Indic 90: [0-9] only, in the schema and the parser
def test_the_duration_pattern_reads_what_parse_duration_reads(text: str) -> None:
    try:
        parse_duration(text)
        reads = True
    except DurationError:
        reads = False
    assert DURATION(text) == reads


YEARS = [1, 4, 99, 100, 200, 400, 1900, 1996, 2000, 2024, 2027, 2100, 2400, 9999]


@pytest.mark.parametrize("year", [0, *YEARS])
def test_the_date_pattern_is_the_calendar(year: int) -> None:
    for month in range(0, 14):
        for day in range(0, 33):
            text = f"{year:04d}-{month:02d}-{day:02d}"
            try:
                date.fromisoformat(text)
                real = True
            except ValueError:
                real = False
            assert DATE(text) == real, text


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["secret", "kv", ".", "..", "...", "a.pending", "x", "", " ", "b\n"]),
        min_size=1,
        max_size=4,
    ).map("/".join)
)
@example("secret/binance/mm-bot-eu")
@example("secret/../other")
@example("secret/mm.pending")
def test_the_store_path_patterns_read_what_the_loader_reads(path: str) -> None:
    shaped = STORE_SHAPE(path)
    refused = STORE_REFUSED(path)
    if shaped:  # the loader checks a path the schema's shape let through
        assert refused == bool(store_path_problems(path))
