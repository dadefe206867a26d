"""All of `keylint init`: which keys to declare (read from Binance through keylint.live, or
taken from a state file), and the policy text that matches them as Binance shows them (zero
drift). The text is generated from state-file entries only.
"""

from __future__ import annotations

import json
import math
import re
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
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


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
    if not KEY_NAME.fullmatch(name):
        raise UsageError(
            f"--name {name!r} is not a key name: lower-case letters, digits, '.', '_' and '-', "
            "starting with a letter or digit"
        )
    for option, value in variables.items():
        if value is not None and not ENV_NAME.fullmatch(value):
            raise UsageError(f"{option} {value!r} is not an environment variable name")


def policy_name(label: str, taken: set[str]) -> str:
    """A valid, unused policy key name from a Binance label."""
    base = re.sub(r"[^a-z0-9._-]+", "-", label.lower()).strip("-._") or "key"
    name, number = base, 2
    while name in taken:
        name, number = f"{base}-{number}", number + 1
    taken.add(name)
    return name


def render_policy(
    keys: list[Adopted], *, now: datetime, source: str, master: dict[str, str] | None = None
) -> str:
    """A commented policy file declaring `keys` exactly as their live state shows them."""
    lines = [
        "# yaml-language-server: $schema=https://raw.githubusercontent.com/keylint/keylint/main/"
        "schemas/policy.schema.json",
        f"# Written by `keylint init` from {_comment(source)} at "
        f"{now.strftime('%Y-%m-%dT%H:%M:%SZ')}:",
        "# it declares each key as Binance shows it now, so `keylint check` starts from zero",
        "# drift. Review every line: it records what IS, which is not always what SHOULD be.",
        "version: 1",
    ]
    if master:
        lines.append("master:")
        lines += [f"  {field}: {_scalar(value)}" for field, value in master.items()]
    lines.append("keys:")
    for adopted in keys:
        lines += _key_lines(adopted, live_key(adopted.entry), now)
    return "\n".join(lines) + "\n"


def _key_lines(adopted: Adopted, live: LiveKey, now: datetime) -> list[str]:
    out = [f"  - name: {_scalar(adopted.name)}", '    owner: "@TODO"  # who answers for this key']
    for field in ("sub_account", "api_name", "api_key_env", "secret_env", "private_key_env"):
        value = getattr(adopted, field)
        if value:
            out.append(f"    {field}: {_scalar(value)}")
    if not adopted.api_key_env:
        out.append(
            "    # api_key_env: ...  and private_key_env (or secret_env): the variables "
            "holding the key's own credentials, for a full check"
        )
    if not live.exists:
        out.append(f"    # Binance did not show this key: {_comment(live.reason or live.status)}")
        out.append("    status: retired")
        out.append("    permissions: []")
        return out
    enabled = [name for name in BINANCE_FIELD if live.permissions.get(name)]
    out.append(f"    permissions: [{', '.join(enabled)}]")
    unknown = [name for name in BINANCE_FIELD if name not in live.permissions]
    if unknown:
        out.append(f"    # not shown by these credentials: {', '.join(unknown)}")
    out += _ip_lines(live)
    out += _age_lines(live, now)
    if live.trading_expires is not None:
        out.append(
            f"    # Binance lapses trading on this key on {live.trading_expires.date()} "
            "unless it is bound to trusted IPs (KL303 warns ahead)"
        )
    return out


def _ip_lines(live: LiveKey) -> list[str]:
    if live.ip_restrict is False:
        return ["    ip_restrict: false  # Binance accepts this key from any IP: bind it (KL205)"]
    if live.ip_list is None:
        note = "    # the key's IP list was not read (only the master can): list its trusted IPs"
        return [note, "    ips: []"] if live.ip_restrict else [note]
    addresses, names = [], []
    for entry in live.ip_list:
        try:
            parse_network(entry)
            addresses.append(entry)
        except ValueError:
            names.append(entry)
    out = [f"    ips: [{', '.join(_scalar(a) for a in addresses)}]"]
    if names:
        shown = ", ".join(_comment(name) for name in names)
        out.append(f"    # also trusted, not an IP address: {shown} (KL202 reports it)")
    return out


def _age_lines(live: LiveKey, now: datetime) -> list[str]:
    if live.created is None:
        return [f"    max_age: {DEFAULT_MAX_AGE_DAYS}d  # Binance showed no creation time"]
    age_days = max((now - live.created) / timedelta(days=1), 0)
    # Far enough ahead that neither KL301 nor KL302 fires today (zero drift).
    needed = math.floor(age_days) + DEFAULT_ROTATE_WARNING.days + 1
    if needed <= DEFAULT_MAX_AGE_DAYS:
        return [f"    max_age: {DEFAULT_MAX_AGE_DAYS}d"]
    return [
        f"    max_age: {needed}d  # the key is {math.floor(age_days)} days old: rotate it, "
        f"then lower this to {DEFAULT_MAX_AGE_DAYS}d"
    ]


def _scalar(value: str) -> str:
    """A YAML scalar that reads back as the same string (quoted only when it must be). JSON's
    escapes are YAML's too, and ASCII-only output leaves no line break (U+2028 included) for
    a hostile value to start a line of its own with."""
    import yaml

    if re.fullmatch(r"[A-Za-z0-9_.@/-]+", value) and yaml.safe_load(value) == value:
        return value
    return json_text(json.dumps(value, ensure_ascii=True))


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
        if not KEY_NAME.fullmatch(name):  # a hostile or hand-edited state file
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
