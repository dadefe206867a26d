"""Fetch the live state of declared keys: own credentials and the master's sub-account view.

One task per key; the master's sub-account listings are shared tasks, so each sub-account is
listed once however many keys name it. Every key gets an entry, whatever happens to the
others. All of them belong to one TaskGroup: none outlives the fetch (or the client it uses),
and a cancellation (Ctrl-C, SIGTERM) reaches every one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from keylint.binance import protocol
from keylint.binance.client import (
    DEFAULT_CONCURRENCY,
    DEFAULT_LIMITS,
    DEFAULT_WINDOW,
    LATENCY_GUARD,
    WINDOW_GUARD,
    BinanceClient,
)
from keylint.binance.errors import BinanceError, KeyFormatInvalid, KeyRejected
from keylint.binance.signing import DEFAULT_RECV_WINDOW, CredentialError, Credentials, load_signer
from keylint.binance.state import LiveState, redact
from keylint.inert import is_hidden
from keylint.livekey import live_key
from keylint.policy.model import PENDING_SUFFIX
from keylint.progress import format_seconds
from keylint.secrets import key_prefix
from keylint.times import format_time

if TYPE_CHECKING:
    from keylint.store import SecretStore

log = logging.getLogger("keylint.binance")

Progress = Callable[[int, int, int, int], None]
"""progress(done, total, unchecked, waiting_on_rate_limit)"""

IP_NOT_WHITELISTED = (
    "this machine's IP is not whitelisted for the key (the master's listing still shows it)"
)


class KeySpec(Protocol):
    """What fetch reads of a declared key (read-only: policies are frozen)."""

    @property
    def name(self) -> str: ...
    @property
    def sub_account(self) -> str | None: ...
    @property
    def api_name(self) -> str | None: ...
    @property
    def api_key_env(self) -> str | None: ...
    @property
    def secret_env(self) -> str | None: ...
    @property
    def private_key_env(self) -> str | None: ...
    @property
    def status(self) -> str: ...


class MasterSpec(Protocol):
    @property
    def api_key_env(self) -> str | None: ...
    @property
    def secret_env(self) -> str | None: ...
    @property
    def private_key_env(self) -> str | None: ...


def credentials_from_env(spec: Any, env: Mapping[str, str]) -> Credentials:
    """Credentials named by a key's (or the master's) *_env fields; errors name the variable."""
    api_key_env = getattr(spec, "api_key_env", None)
    secret_env = getattr(spec, "secret_env", None)
    pem_env = getattr(spec, "private_key_env", None)
    if not api_key_env:
        raise CredentialError("no api_key_env is declared")
    api_key = _env_value(env, api_key_env)
    if not (secret_env or pem_env):
        raise CredentialError("neither secret_env nor private_key_env is declared")
    source = secret_env or pem_env
    assert source is not None
    value = _env_value(env, source)
    try:
        signer = load_signer(secret=value) if secret_env else load_signer(private_key=value)
    except CredentialError as exc:
        raise CredentialError(f"{source}: {exc.reason}") from None
    return Credentials(api_key.strip(), signer)


def _env_value(env: Mapping[str, str], name: str) -> str:
    value = env.get(name)
    if value is None:
        raise CredentialError(f"environment variable {name} is not set")
    if not value.strip():
        raise CredentialError(f"environment variable {name} is empty")
    # Checked before any request: a line break in a header value would otherwise surface as
    # an httpx error that quotes the whole value (the key) and is retried as a network fault.
    # PEM text spans lines, so only its outer whitespace is trimmed, never its inner lines.
    stripped = value.strip()
    line_breaks = "\n\r" if stripped.startswith("-----BEGIN") else ""
    # Printable ASCII holds no hidden character: checked at C speed, as `inert` does.
    plain = stripped.replace("\n", "").replace("\r", "") if line_breaks else stripped
    if not (plain.isascii() and plain.isprintable()) and any(
        is_hidden(char) and char not in line_breaks for char in stripped
    ):
        raise CredentialError(
            f"environment variable {name} holds a control character (a line break, a tab or "
            "an escape) inside its value; set it to the credential alone"
        )
    return value


@dataclass
class _Listing:
    """One sub-account's keys as the master sees them (full API keys: memory only)."""

    rows: list[dict[str, Any]] | None = None
    error: str | None = None


@dataclass
class _Run:
    client: BinanceClient
    master: Credentials | None
    master_note: str | None
    total: int
    progress: Progress | None
    done: int = 0
    unchecked: int = 0
    tasks: asyncio.TaskGroup | None = None  # owns every task of the run
    sub_accounts: asyncio.Task[set[str] | None] | None = None
    listings: dict[str, asyncio.Task[_Listing]] = field(default_factory=dict)
    reached: dict[str, dict[str, Any]] | None = None  # filled as keys finish (Ctrl-C keeps it)
    api_keys: dict[str, str] | None = None  # key name -> full API key from the master's listing
    # key name -> the full API key the entry names (its variable's value, or its listing row's
    # key): memory only, to find two entries naming one live key (SPEC §1) by value.
    named: dict[str, str] = field(default_factory=dict, repr=False)
    store: SecretStore | None = None  # for keys that declare `rotation`
    store_note: str | None = None  # why there is no store

    def report(self) -> None:
        if self.progress is not None:
            self.progress(self.done, self.total, self.unchecked, self.client.waiting)


async def fetch_live_state(
    keys: Iterable[KeySpec],
    master: MasterSpec | None,
    *,
    base_url: str,
    env: Mapping[str, str],
    concurrency: int = DEFAULT_CONCURRENCY,
    timeout: float | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
    announce: Callable[[Budget], None] | None = None,
    reached: dict[str, dict[str, Any]] | None = None,
    api_keys: dict[str, str] | None = None,
    recv_window: int = DEFAULT_RECV_WINDOW,
    uid_weight_limit: int = DEFAULT_LIMITS["uid"],
    ip_weight_limit: int = DEFAULT_LIMITS["ip"],
    weight_window: float = DEFAULT_WINDOW,
    attempt_timeout: float | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> LiveState:
    """Read every key's live state from Binance; never raises for a key's failure.

    `reached`, when given, receives each key's entry as soon as it is known, so that a run
    interrupted by Ctrl-C can still report the keys it read. `api_keys`, when given, receives
    the full API key of every key the master's listing shows, for `apply`'s calls: it stays in
    memory and is never written anywhere.

    `timeout` None: what the work needs at Binance's limits, plus `BASE_TIMEOUT` (`Budget`);
    `announce` hears the budget before the first request.
    """
    keys = list(keys)
    fetched_at = now or datetime.now(UTC)
    budget = read_budget(
        keys,
        master is not None,
        uid_limit=uid_weight_limit,
        window=weight_window,
        timeout=timeout,
    )
    if announce is not None:
        announce(budget)
    timeout = budget.timeout
    client = BinanceClient(
        base_url=base_url,
        timeout=timeout,
        concurrency=concurrency,
        recv_window=recv_window,
        limits={"uid": uid_weight_limit, "ip": ip_weight_limit},
        weight_window=weight_window,
        attempt_timeout=attempt_timeout,
        transport=transport,
        # Synced before the first signed call, so a run in which no key has credentials sends
        # nothing at all (no GET /api/v3/time for nothing).
        sync_before_signing=True,
    )
    master_creds, master_note = _master_credentials(master, env)
    store, store_note = _store(keys, env, timeout=timeout)
    # One listing a sub-account however its e-mail is spelled (Binance ignores case): each
    # costs 3000 of the UID weight. The first spelling names it in the state file.
    spellings = {k.sub_account.lower(): k.sub_account for k in reversed(keys) if k.sub_account}
    async with client, contextlib.AsyncExitStack() as stack:
        if store is not None:
            await stack.enter_async_context(store)
        run = _Run(
            client,
            master_creds,
            master_note,
            len(keys),
            progress,
            reached=reached,
            api_keys=api_keys,
            store=store,
            store_note=store_note,
        )
        client._on_wait = lambda _n: run.report()
        emails = dict.fromkeys(k.sub_account.lower() for k in keys if k.sub_account)
        async with asyncio.TaskGroup() as run.tasks:
            if master_creds is not None and emails:
                run.sub_accounts = run.tasks.create_task(_sub_account_emails(run))
                for email in emails:
                    run.listings[email] = run.tasks.create_task(
                        _list_sub_account(run, spellings[email])
                    )
            found: list[dict[str, Any]] = [{} for _ in keys]
            run.tasks.create_task(_check_all(run, keys, env, found, window=concurrency))
        entries = _claimed_by_value(run, keys, found)
        listed = {spellings[email]: task.result() for email, task in run.listings.items()}
    sub_accounts = {
        email: redact(listing.rows) for email, listing in listed.items() if listing.rows is not None
    }
    return LiveState(
        fetched_at=fetched_at,
        keys={key.name: entry for key, entry in zip(keys, entries, strict=True)},
        sub_accounts=sub_accounts,
    )


# The network work of a run (answers, retries, clock sync), beside any waiting Binance's limits
# impose: the default deadline when the work needs no waiting.
BASE_TIMEOUT = 60.0


@dataclass(frozen=True)
class Budget:
    """How long reading the declared keys must take at Binance's limits, and the run's deadline.

    The master's sub-account endpoints allow 60 calls a minute each (3000 of the UID weight of
    180,000): a master audit of 80 keys cannot finish in less than one more window, however
    fast the network. Left to itself, the deadline covers that wait and `BASE_TIMEOUT` more;
    a `--timeout` the user gives wins, and the keys it leaves unread are reported unchecked.
    """

    keys: int  # sub-account keys read through the master
    calls: int  # the master's UID-weighted reads: listings and IP whitelists
    per_window: int  # such calls Binance allows an endpoint per window
    floor: float  # seconds the reads take at least, waiting for the limits
    timeout: float  # the run's deadline, in seconds
    chosen: bool  # --timeout was given

    @property
    def short(self) -> bool:
        """The given --timeout ends the run before the limits let every key be read."""
        return self.chosen and self.timeout < self.floor + 1.0

    def line(self) -> str | None:
        """One line for stderr when the limits make the run wait, or when --timeout is too short."""
        if self.floor <= 0:
            return None
        what = (
            f"reading {self.keys} sub-account key{'s' if self.keys != 1 else ''} through the "
            f"master takes at least {format_seconds(self.floor)} at Binance's limit of "
            f"{self.per_window} calls a minute per endpoint"
        )
        if self.short:
            return (
                f"{what}; --timeout {self.timeout:g} ends the run first: the keys not read by "
                "then are reported unchecked"
            )
        if self.chosen:
            return f"{what} (--timeout {self.timeout:g})"
        return f"{what}; the run waits for it (timeout {format_seconds(self.timeout)})"


def read_budget(
    keys: Sequence[KeySpec],
    master: bool,
    *,
    uid_limit: int = DEFAULT_LIMITS["uid"],
    window: float = DEFAULT_WINDOW,
    timeout: float | None = None,
) -> Budget:
    """The budget of reading `keys`: the master lists each sub-account once and reads one IP
    whitelist a listed key, each call on its endpoint's own UID budget (binance-api.md)."""
    in_subs = [key for key in keys if getattr(key, "sub_account", None)]
    listings = len({str(key.sub_account).lower() for key in in_subs}) if master else 0
    whitelists = len(in_subs) if master else 0
    probe = protocol.sub_account_ip_restriction("", "")
    per_window = max(1, uid_limit // probe.weight)
    # The pacer's ledger spans a little more than the window (WINDOW_GUARD, LATENCY_GUARD).
    span = window * (1 + WINDOW_GUARD) + LATENCY_GUARD
    windows = max(math.ceil(calls / per_window) - 1 for calls in (listings, whitelists, 1))
    floor = windows * span
    chosen = timeout is not None
    deadline = float(timeout) if timeout is not None else floor + BASE_TIMEOUT
    return Budget(
        len(in_subs) if master else 0, listings + whitelists, per_window, floor, deadline, chosen
    )


def _store(
    keys: list[KeySpec], env: Mapping[str, str], *, timeout: float
) -> tuple[SecretStore | None, str | None]:
    """The secret store of the keys that declare `rotation` (SPEC §7), or why there is none."""
    if not any(getattr(key, "rotation", None) is not None for key in keys):
        return None, None
    from keylint.store import configured_store

    store, problem = configured_store(env, timeout=timeout)
    return store, f"the secret store is not configured: {problem}"


def _master_credentials(
    master: MasterSpec | None, env: Mapping[str, str]
) -> tuple[Credentials | None, str | None]:
    if master is None:
        return None, None
    try:
        return credentials_from_env(master, env), None
    except CredentialError as exc:
        return None, f"the master's credentials are unusable: {exc.reason}"


async def _sub_account_emails(run: _Run) -> set[str] | None:
    """Emails of the master's sub-accounts (paged: `limit` defaults to 1), or None if unknown."""
    emails: set[str] = set()
    page = 1
    try:
        while True:
            data = await run.client.call(protocol.sub_account_list(page=page), run.master)
            rows = protocol.parse_sub_account_list(data)
            emails.update(str(row.get("email", "")).lower() for row in rows)
            if len(rows) < protocol.SUB_LIST_PAGE_SIZE:
                return emails
            page += 1
    except BinanceError as exc:
        log.info("could not list the master's sub-accounts: %s", exc.reason)
        return None


async def _list_sub_account(run: _Run, email: str) -> _Listing:
    assert run.sub_accounts is not None
    known = await run.sub_accounts
    if known is not None and email.lower() not in known:
        return _Listing(error=f"{email} is not a sub-account of the master account")
    rows: list[dict[str, Any]] = []
    page = 1
    try:
        while True:
            data = await run.client.call(protocol.sub_account_api(email, page=page), run.master)
            listing = protocol.parse_sub_account_api(data)
            rows.extend(listing.rows)
            short = len(listing.rows) < protocol.LISTING_PAGE_SIZE
            if short or (listing.total is not None and len(rows) >= listing.total):
                return _Listing(rows=rows)
            page += 1
    except BinanceError as exc:
        return _Listing(error=f"the master's listing of {email} failed: {exc.reason}")


def _claimed_by_value(
    run: _Run, keys: list[KeySpec], entries: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Entries that name one live key through different variables or labels (KL003, which
    validate sees only for one variable or one label) become errors: never judged, never
    changed. The reason names the other entries, never the key."""
    holders: dict[str, list[str]] = {}
    for name, api_key in run.named.items():
        holders.setdefault(api_key, []).append(name)
    claimed = {
        name: [other for other in names if other != name]
        for names in holders.values()
        if len(names) > 1
        for name in names
    }
    out = []
    for key, entry in zip(keys, entries, strict=True):
        others = claimed.get(key.name)
        if others:
            original = entry
            listed = ", ".join(repr(other) for other in sorted(others))
            entry = _error(
                f"{listed} names the same live key (the same API key, seen at fetch time; "
                "KL003): keylint neither judges nor changes a key that two entries claim",
                [],
            )
            # The row still shows which label the policies declare (not an undeclared key).
            if claimed_row := original.get("listing"):
                entry["listing"] = claimed_row
            if run.reached is not None:
                run.reached[key.name] = entry
            if run.api_keys is not None:
                run.api_keys.pop(key.name, None)
        out.append(entry)
    return out


def _find_row(
    rows: list[dict[str, Any]], api_name: str | None, api_key: str | None
) -> tuple[dict[str, Any] | None, int]:
    """The listing row an entry names (SPEC §1), and how many rows carry its label.

    By the API key when it is known, and then by nothing else: a row under the same label
    with another key is another key. By `api_name` otherwise, and only when exactly one row
    carries it (KL309 reports the rest).
    """
    if api_key:
        return next((row for row in rows if protocol.row_api_key(row) == api_key), None), 0
    named = [row for row in rows if api_name and row.get("apiName") == api_name]
    return (named[0] if len(named) == 1 else None), len(named)


# Keys read with their own credentials alone are started a few at a time: a started key's
# task waits deep in the client (about 5 KiB of frames a key), and 5,000 of them at once were
# a fifth of `check`'s peak memory (issue 17). Twice the concurrency keeps the wire full.
STARTED_PER_CONNECTION = 2


async def _check_all(
    run: _Run,
    keys: list[KeySpec],
    env: Mapping[str, str],
    found: list[dict[str, Any]],
    *,
    window: int,
) -> None:
    """Check every key into `found` (by index), each in its own task of the run.

    Keys that name a sub-account all start at once, as before: they wait for the master's
    listing and its UID budget (60 calls a minute), and must not hold up the others. The rest
    start as earlier ones finish, at most `STARTED_PER_CONNECTION` x `window` at a time.
    """
    assert run.tasks is not None
    slots = asyncio.Semaphore(max(1, window) * STARTED_PER_CONNECTION)

    async def one(index: int, key: KeySpec, slot: bool) -> None:
        try:
            found[index] = await _check_key(run, key, env)
        finally:
            if slot:
                slots.release()

    for index, key in enumerate(keys):
        if getattr(key, "sub_account", None):
            run.tasks.create_task(one(index, key, False))
    for index, key in enumerate(keys):
        if not getattr(key, "sub_account", None):
            await slots.acquire()
            run.tasks.create_task(one(index, key, True))


async def _check_key(run: _Run, key: KeySpec, env: Mapping[str, str]) -> dict[str, Any]:
    entry = await _check_key_inner(run, key, env)
    if run.reached is not None:
        run.reached[key.name] = entry
    run.done += 1
    if entry["status"] == "error":
        run.unchecked += 1
    run.report()
    return entry


async def _check_key_inner(run: _Run, key: KeySpec, env: Mapping[str, str]) -> dict[str, Any]:
    email = getattr(key, "sub_account", None)
    api_name = getattr(key, "api_name", None)
    api_key_env = getattr(key, "api_key_env", None)
    notes: list[str] = []
    own: Credentials | None = None
    own_problem: str | None = None
    api_key: str | None = None  # the API key's value, when the policy names its variable
    if api_key_env:
        api_key = (env.get(api_key_env) or "").strip() or None
        signing = getattr(key, "secret_env", None) or getattr(key, "private_key_env", None)
        if signing or not email:
            try:
                own = credentials_from_env(key, env)
            except CredentialError as exc:
                own_problem = exc.reason
                if not signing:
                    own_problem += (
                        ": a key outside a sub-account is read with its own credentials only"
                    )
        elif api_key is None and not api_name:
            # Audited through the master (SPEC §1), but nothing names it in the listing.
            own_problem = f"environment variable {api_key_env} is not set or empty"
        elif api_key is None:
            notes.append(f"{api_key_env} is not set: the key was found by its api_name")
    rotation: dict[str, Any] | None = None
    declared_rotation = getattr(key, "rotation", None)
    if declared_rotation is not None:
        # The store names the key's current live key and holds what signs its own call.
        stored = await _stored_rotation(run, declared_rotation)
        if isinstance(stored, str):
            return _error(stored, notes)
        rotation = stored.entry
        api_key = stored.api_key
        if stored.api_key and stored.signer_problem is None:
            assert stored.signer is not None
            own = Credentials(stored.api_key, stored.signer)
        elif stored.api_key:
            own_problem = stored.signer_problem
    assert run.tasks is not None
    # In a sub-account, the own read runs beside the master's; otherwise it is the only read,
    # awaited below without a task of its own (one task a key fewer: issue 17's CPU).
    own_task = (
        run.tasks.create_task(_own_restrictions(run, own)) if own is not None and email else None
    )

    listing: _Listing | None = None
    master_problem: str | None = None
    if email and email.lower() in run.listings:
        listing = await run.listings[email.lower()]
    elif email:
        master_problem = run.master_note or (
            "no `master:` credentials are declared, so the sub-account's listing and IP list "
            "were not read"
        )

    row = None
    namesakes = 0
    if listing is not None and listing.rows is not None:
        row, namesakes = _find_row(listing.rows, api_name, api_key)

    named = protocol.row_api_key(row) if row is not None else api_key
    if named:
        run.named[key.name] = named
    ip_data: dict[str, Any] | None = None
    ip_error: str | None = None
    if row is not None and run.api_keys is not None:
        run.api_keys[key.name] = protocol.row_api_key(row)
    if row is not None and email:
        try:
            raw = await run.client.call(
                protocol.sub_account_ip_restriction(email, protocol.row_api_key(row)), run.master
            )
            protocol.parse_ip_restriction(raw)
            ip_data = raw
        except BinanceError as exc:
            ip_error = f"the master's read of the key's IP whitelist failed: {exc.reason}"

    restrictions: dict[str, Any] | None = None
    own_error: BinanceError | None = None
    if own is not None:
        result = await own_task if own_task is not None else await _own_restrictions(run, own)
        if isinstance(result, BinanceError):
            own_error = result
        else:
            restrictions = result

    entry = _merge(
        key,
        own_problem=own_problem,
        own_error=own_error,
        restrictions=restrictions,
        listing=listing,
        row=row,
        ip_data=ip_data,
        ip_error=ip_error,
        notes=notes,
        master_problem=master_problem,
        namesakes=namesakes,
    )
    if rotation is not None:
        entry["rotation"] = rotation
    return entry


@dataclass(frozen=True, repr=False)
class _Stored:
    """What the store says of a rotating key: the full API key and its signer stay in memory;
    `entry` is what the state file keeps (prefixes only)."""

    entry: dict[str, Any]
    api_key: str | None = None
    signer: Any = None
    signer_problem: str | None = None


async def _stored_rotation(run: _Run, rotation: Any) -> _Stored | str:
    """Read a rotating key's secret and pending record, or say why they cannot be read."""
    from keylint.store import StoreError

    path = rotation.path
    if run.store is None:
        return run.store_note or "the secret store is not configured"
    try:
        current = await run.store.read(path)
        pending = await run.store.read(path + PENDING_SUFFIX)
    except StoreError as exc:
        return f"the secret store could not be read: {exc.reason}"
    entry: dict[str, Any] = {
        "path": path,
        "current": None,
        "replaced": None,
        "retire_after": None,
        "pending": None,
    }
    if pending is not None:
        label = pending.data.get("label")
        entry["pending"] = label if isinstance(label, str) and label else "(no label)"
    if current is None:
        return _Stored(entry)
    api_key = current.data.get("api_key", "").strip()
    if not api_key:
        return f"the secret at {path} holds no api_key: inspect it in the store"
    replaced = current.custom_metadata.get("replaced_key", "").strip()
    entry["current"] = key_prefix(api_key)
    entry["replaced"] = key_prefix(replaced) if replaced else None
    entry["retire_after"] = _time_or_none(current.custom_metadata.get("retire_after", ""))
    try:
        signer = load_signer(private_key=current.data.get("private_key", ""))
    except CredentialError as exc:
        problem = f"the private_key of the secret at {path} is unusable: {exc.reason}"
        return _Stored(entry, api_key, None, problem)
    return _Stored(entry, api_key, signer)


def _time_or_none(text: str) -> str | None:
    """A deadline from the store's metadata in the state file's spelling, or None when it is
    no time (then KL310 treats the grace as over: never a key kept alive by a typo)."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return format_time(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


async def _own_restrictions(run: _Run, own: Credentials) -> dict[str, Any] | BinanceError:
    try:
        return protocol.parse_restrictions(await run.client.call(protocol.api_restrictions(), own))
    except BinanceError as exc:
        return exc


def _merge(
    key: KeySpec,
    *,
    own_problem: str | None,
    own_error: BinanceError | None,
    restrictions: dict[str, Any] | None,
    listing: _Listing | None,
    row: dict[str, Any] | None,
    ip_data: dict[str, Any] | None,
    ip_error: str | None,
    notes: list[str],
    master_problem: str | None = None,
    namesakes: int = 0,
) -> dict[str, Any]:
    """Decide the key's entry from what each source answered (see SPEC §2)."""
    listing_error = listing.error if listing is not None else None
    listed_absent = listing is not None and listing.rows is not None and row is None
    email = getattr(key, "sub_account", None)
    if namesakes > 1:
        listing_error = (
            f"the master's listing of {email} shows {namesakes} keys labelled "
            f"{getattr(key, 'api_name', None)!r} (KL309): keylint does not guess which one "
            "this entry means"
        )
        listed_absent = False

    if isinstance(own_error, KeyRejected | KeyFormatInvalid):
        if row is not None:
            return _error(IP_NOT_WHITELISTED, notes)
        if listing_error:
            return _error(f"{own_error.reason}; and {listing_error}", notes)
        if listed_absent:
            return _not_found(
                f"{_rejected(own_error)}, and the master's listing of {email} does not show it",
                notes,
            )
        return _not_found(own_error.reason, notes)
    if own_error is not None:
        return _error(own_error.reason, notes)

    if restrictions is None and row is None:
        # No own answer: the master's listing was the only possible source.
        if listed_absent and own_problem is None:
            return _not_found(f"the master's listing of {email} does not show the key", notes)
        reasons = [r for r in (own_problem, listing_error, master_problem) if r]
        if not reasons and listed_absent:
            reasons = [
                f"the master's listing of {email} does not show api_name "
                f"{getattr(key, 'api_name', None)!r}"
            ]
        return _error("; ".join(reasons) or "no credentials are declared for the key", notes)

    if master_problem:
        notes.append(master_problem)
    # Some source answered; a source that was reachable but failed leaves the key unchecked.
    if listing_error:
        return _error(listing_error, notes)
    if ip_error:
        return _error(ip_error, notes)
    if own_problem:
        notes.append(f"own-credential check skipped: {own_problem}")
    if restrictions is not None and listed_absent:
        notes.append(
            f"the master's listing of {email} does not show this key: it may belong "
            "to another account than the policy says"
        )

    ip_list = list(protocol.parse_ip_restriction(ip_data).ip_list) if ip_data else None
    entry: dict[str, Any] = {
        "status": "ok",
        "restrictions": restrictions,
        "listing": redact(row) if row is not None else None,
        "ip_list": ip_list,
        "ip_restriction": redact(ip_data) if ip_data is not None else None,
    }
    # Written for whoever reads the state file; keylint itself recomputes it on reading.
    entry["unverifiable"] = list(live_key(entry).unverifiable)
    if notes:
        entry["notes"] = notes
    return entry


def _rejected(error: BinanceError) -> str:
    return f"Binance rejected the API key ({error.code})"


def _error(reason: str, notes: list[str]) -> dict[str, Any]:
    entry: dict[str, Any] = {"status": "error", "error": reason}
    if notes:
        entry["notes"] = notes
    return entry


def _not_found(reason: str, notes: list[str]) -> dict[str, Any]:
    entry: dict[str, Any] = {"status": "not_found", "reason": reason}
    if notes:
        entry["notes"] = notes
    return entry
