"""All of `keylint init`: which keys to declare (read from Binance through keylint.live, or
taken from a state file), and the policy text that matches them as Binance shows them (zero
drift). The text is generated from state-file entries only.
"""

from __future__ import annotations

import json
import math
import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from keylint.errors import UsageError
from keylint.inert import json_text
from keylint.livekey import LiveKey, live_key
from keylint.policy.ips import parse_network
from keylint.policy.model import DEFAULT_ROTATE_WARNING
from keylint.policy.permissions import BINANCE_FIELD

if TYPE_CHECKING:  # reading Binance (and its HTTP stack) only when init asks it
    from keylint.engine import LiveSource

DEFAULT_MAX_AGE_DAYS = 90
# What the policy schema accepts (schemas/policy.schema.json): `init` writes nothing else.
KEY_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*")
KEY_NAME_MAX = 128
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# yamllint's default line-length: the policy init prints passes `yamllint -d default`.
WIDTH = 80


@dataclass(frozen=True)
class Adopted:
    """One key to declare: its name, where it lives, its credentials' variables, its state."""

    name: str
    entry: dict[str, Any]
    sub_account: str | None = None
    api_name: str | None = None
    api_key_env: str | None = None
    secret_env: str | None = None
    private_key_env: str | None = None


def check_names(name: str, variables: Mapping[str, str | None]) -> None:
    """Refuse a key name or variable name (by its option) that `validate` would refuse, before
    anything is read: the policy `init` prints must pass as printed."""
    if not is_key_name(name):
        raise UsageError(
            f"--name {name!r} is not a key name: lower-case letters, digits, '.', '_' and '-', "
            f"starting with a letter or digit, at most {KEY_NAME_MAX} characters"
        )
    for option, value in variables.items():
        if value is not None and not ENV_NAME.fullmatch(value):
            raise UsageError(f"{option} {value!r} is not an environment variable name")


def is_key_name(name: str) -> bool:
    return len(name) <= KEY_NAME_MAX and KEY_NAME.fullmatch(name) is not None


def policy_name(label: str, taken: set[str]) -> str:
    """A valid, unused policy key name from a Binance label."""
    base = re.sub(r"[^a-z0-9._-]+", "-", label.lower()).strip("-._") or "key"
    base = base[: KEY_NAME_MAX - 8].rstrip("-._") or "key"  # room for a `-<number>`
    name, number = base, 2
    while name in taken:
        name, number = f"{base}-{number}", number + 1
    taken.add(name)
    return name


def render_policy(
    keys: list[Adopted], *, now: datetime, source: str, master: dict[str, str] | None = None
) -> str:
    """A commented policy file declaring `keys` exactly as their live state shows them."""
    from keylint.policy.schema import schema_url

    lines = [
        # For editors: yaml-language-server reads `# yaml-language-server:` then `$schema=URL`
        # (its pattern allows no blank or one); without the blank, the line is one word that
        # yamllint's line-length lets run past 80 (a URL). The URL is this version's bundled
        # schema, as tagged in the repository (its `$id`).
        f"# yaml-language-server:$schema={schema_url()}",
        "---",
        *_comment_lines(
            "",
            f"Written by `keylint init` from {_comment(source)} at "
            f"{now.strftime('%Y-%m-%dT%H:%M:%SZ')}.",
        ),
        *_comment_lines(
            "",
            "It declares each key as Binance shows it now, so `keylint check` starts from "
            "zero drift. Review every line: it records what IS, which is not always what "
            "SHOULD be.",
        ),
        "version: 1",
    ]
    if master:
        lines.append("master:")
        for field, value in master.items():
            lines += _field("  ", field, value)
    lines.append("keys:")
    for adopted in keys:
        lines += _key_lines(adopted, live_key(adopted.entry), now)
    return "\n".join(lines) + "\n"


def _key_lines(adopted: Adopted, live: LiveKey, now: datetime) -> list[str]:
    pad = "    "
    out = _field("  - ", "name", adopted.name)
    out += _commented(f'{pad}owner: "@TODO"', "who answers for this key")
    for field in ("sub_account", "api_name", "api_key_env", "secret_env", "private_key_env"):
        value = getattr(adopted, field)
        if value:
            out += _field(pad, field, value)
    if not adopted.api_key_env:
        out += _comment_lines(
            pad,
            "for a full check, add api_key_env and private_key_env (or secret_env): the "
            "variables holding the key's own credentials",
        )
    if not live.exists:
        out += _comment_lines(
            pad, f"Binance did not show this key: {_comment(live.reason or live.status)}"
        )
        out.append(f"{pad}status: retired")
        out.append(f"{pad}permissions: []")
        return out
    enabled = [name for name in BINANCE_FIELD if live.permissions.get(name)]
    out += _sequence(pad, "permissions", enabled)
    unknown = [name for name in BINANCE_FIELD if name not in live.permissions]
    if unknown:
        out += _comment_lines(pad, f"not shown by these credentials: {', '.join(unknown)}")
    out += _ip_lines(live, pad)
    out += _age_lines(live, now, pad)
    if live.trading_expires is not None:
        out += _comment_lines(
            pad,
            f"Binance lapses trading on this key on {live.trading_expires.date()} unless it is "
            "bound to trusted IPs (KL303 warns ahead)",
        )
    return out


def _ip_lines(live: LiveKey, pad: str) -> list[str]:
    if live.ip_restrict is False:
        return _commented(
            f"{pad}ip_restrict: false", "Binance accepts this key from any IP: bind it (KL205)"
        )
    if live.ip_list is None:
        note = _comment_lines(
            pad, "the key's IP list was not read (only the master can): list its trusted IPs"
        )
        return [*note, f"{pad}ips: []"] if live.ip_restrict else note
    addresses, names = [], []
    for entry in live.ip_list:
        try:
            parse_network(entry)
            addresses.append(entry)
        except ValueError:
            names.append(entry)
    out = _sequence(pad, "ips", [_scalar(a) for a in addresses])
    if names:
        shown = ", ".join(_comment(name) for name in names)
        out += _comment_lines(pad, f"also trusted, not an IP address: {shown} (KL202 reports it)")
    return out


def _age_lines(live: LiveKey, now: datetime, pad: str) -> list[str]:
    if live.created is None:
        return _commented(
            f"{pad}max_age: {DEFAULT_MAX_AGE_DAYS}d", "Binance showed no creation time"
        )
    age_days = max((now - live.created) / timedelta(days=1), 0)
    # Far enough ahead that neither KL301 nor KL302 fires today (zero drift).
    needed = math.floor(age_days) + DEFAULT_ROTATE_WARNING.days + 1
    if needed <= DEFAULT_MAX_AGE_DAYS:
        return [f"{pad}max_age: {DEFAULT_MAX_AGE_DAYS}d"]
    return _commented(
        f"{pad}max_age: {needed}d",
        f"the key is {math.floor(age_days)} days old: rotate it, then lower this to "
        f"{DEFAULT_MAX_AGE_DAYS}d",
    )


# --- lines within WIDTH -----------------------------------------------------------------


def _comment_lines(indent: str, text: str) -> list[str]:
    """A comment over as many lines as it takes to stay within WIDTH; a word longer than a
    line gets one to itself, which yamllint allows (a URL, a label)."""
    lead = f"{indent}# "
    return [
        lead + part
        for part in textwrap.wrap(
            text, WIDTH - len(lead), break_long_words=False, break_on_hyphens=False
        )
    ]


def _commented(line: str, comment: str) -> list[str]:
    """`line  # comment`, or the comment on lines of its own above the line when too long."""
    joined = f"{line}  # {comment}"
    if len(joined) <= WIDTH:
        return [joined]
    indent = line[: len(line) - len(line.lstrip())]
    return [*_comment_lines(indent, comment), line]


def _sequence(indent: str, field: str, items: list[str]) -> list[str]:
    """`field: [a, b]`, or a block sequence when that is too long."""
    flow = f"{indent}{field}: [{', '.join(items)}]"
    if len(flow) <= WIDTH or not items:
        return [flow]
    return [f"{indent}{field}:", *(f"{indent}  - {item}" for item in items)]


def _field(indent: str, field: str, value: str) -> list[str]:
    """`field: value`; a value too long for one line is written double-quoted, continued
    over lines that each end in an escaped line break (YAML joins them with nothing between).

    Each continuation line starts with an escape (`\\x77aivers`, not `waivers`): YAML would
    drop a leading blank, and a label from Binance cannot put a line in front of a reviewer
    that reads as policy.
    """
    line = f"{indent}{field}: {_scalar(value)}"
    if len(line) <= WIDTH:
        return [line]
    tokens = re.findall(r"\\U[0-9a-f]{8}|\\u[0-9a-fA-F]{4}|\\.|.", _quoted(value))
    more = " " * (len(indent) + 2)  # continuation lines: deeper than the field's name
    out, current = [], f"{indent}{field}: "
    closing = len(tokens) - 1
    for at, token in enumerate(tokens):
        if len(current) + len(token) + 1 > WIDTH and current != more:
            out.append(current + "\\")
            current = more
            if not token.startswith("\\") and at != closing:
                token = f"\\x{ord(token):02x}"  # _quoted is ASCII: one byte
        current += token
    return [*out, current]


def _scalar(value: str) -> str:
    """A YAML scalar that reads back as the same string (quoted only when it must be). JSON's
    escapes are YAML's too, and ASCII-only output leaves no line break (U+2028 included) for
    a hostile value to start a line of its own with."""
    import yaml

    if re.fullmatch(r"[A-Za-z0-9_.@/-]+", value):
        try:
            plain = yaml.safe_load(value) == value
        except yaml.YAMLError:  # `@team`: an indicator YAML reserves, not a plain scalar
            plain = False
        if plain:
            return value
    return _quoted(value)


def _quoted(value: str) -> str:
    """A double-quoted YAML scalar, ASCII only. JSON writes a character beyond U+FFFF as a
    surrogate pair, which YAML reads as two broken characters: YAML's own escape is \\U."""
    return _SURROGATES.sub(_astral, json_text(json.dumps(value, ensure_ascii=True)))


# Escaped backslashes are consumed first: in `\\ud800` (a backslash, then text) no escape.
_SURROGATES = re.compile(r"\\\\|\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})")


def _astral(pair: re.Match[str]) -> str:
    if pair.group(1) is None:
        return pair.group()
    high, low = int(pair.group(1), 16), int(pair.group(2), 16)
    return f"\\U{0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00):08x}"


def _comment(text: str) -> str:
    """Text from Binance or a state file, fit for a YAML comment: one line, so that it can
    never end the comment and become policy (a smuggled `waivers:`), nor hold `##[`."""
    return json_text(json.dumps(text, ensure_ascii=True))[1:-1]


# --- what to declare: read from Binance, or taken from a state file -----------------------


@dataclass(frozen=True)
class KeyRequest:
    """A key to read for `init`, named by the command line instead of a policy file."""

    name: str
    sub_account: str | None = None
    api_name: str | None = None
    api_key_env: str | None = None
    secret_env: str | None = None
    private_key_env: str | None = None
    status: str = "active"


@dataclass(frozen=True)
class MasterRequest:
    api_key_env: str
    secret_env: str | None = None
    private_key_env: str | None = None


def adopt_from_binance(
    own: KeyRequest | None,
    master: MasterRequest | None,
    sub_account: str | None,
    *,
    base_url: str,
    timeout: float | None,
) -> tuple[list[Adopted], list[str]]:
    """Read the keys `init` should declare: one by its own credentials, and/or every key of a
    sub-account through the master. Returns the keys and the problems met."""
    from keylint.live import fetch_now

    taken: set[str] = set()
    requests: list[KeyRequest] = []
    problems: list[str] = []
    if own is not None:
        requests.append(own)
        taken.add(own.name)
    if sub_account is not None and master is not None:
        # First the listing (the labels), then every listed key with its IP whitelist.
        probe = KeyRequest(name="listing", sub_account=sub_account)
        listing = fetch_now([probe], master, base_url=base_url, concurrency=4, timeout=timeout)
        rows = listing.sub_accounts.get(sub_account)
        if rows is None:
            problems.append(
                f"could not list {sub_account}: {listing.keys['listing'].get('error', 'no answer')}"
            )
        for row in rows or []:
            label = str(row.get("apiName") or "")
            requests.append(
                KeyRequest(
                    name=policy_name(label or "key", taken),
                    sub_account=sub_account,
                    api_name=label or None,
                )
            )
    if not requests:
        return [], problems
    state = fetch_now(
        requests,
        master,
        base_url=base_url,
        concurrency=8,
        timeout=timeout,
    )
    adopted = []
    for request in requests:
        entry = state.keys[request.name]
        if entry.get("status") == "error":
            problems.append(f"{request.name}: {entry.get('error')}")
            continue
        adopted.append(
            Adopted(
                request.name,
                entry,
                request.sub_account,
                request.api_name,
                request.api_key_env,
                request.secret_env,
                request.private_key_env,
            )
        )
    return adopted, problems


def adopt_from_state(state: LiveSource, sub_account: str | None) -> list[Adopted]:
    """The keys `init` should declare from a state file: its keys, and listed keys no policy
    declared (KL307), optionally only those of one sub-account."""
    taken = set(state.keys)
    adopted = []
    for name, entry in state.keys.items():
        listing = entry.get("listing") or {}
        if entry.get("status") == "error":
            continue
        if sub_account is not None and listing.get("email") != sub_account:
            continue
        if not is_key_name(name):  # a hostile or hand-edited state file
            name = policy_name(name, taken)
        adopted.append(Adopted(name, entry, listing.get("email"), listing.get("apiName")))
    listed = {(entry.get("listing") or {}).get("apiName") for entry in state.keys.values()}
    for email, rows in sorted(state.sub_accounts.items()):
        if sub_account is not None and email != sub_account:
            continue
        for row in rows:
            label = row.get("apiName")
            if label in listed:
                continue
            entry = {"status": "ok", "restrictions": None, "listing": row, "ip_list": None}
            adopted.append(Adopted(policy_name(str(label or "key"), taken), entry, email, label))
    return adopted
