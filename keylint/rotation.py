"""The crash-safe rotation of one sub-account key (SPEC §7), as a library: `rotate`, `resume`,
`retire`. No command calls it yet.

The order of the writes is the whole design. The new private key goes to the store at
`<path>.pending` (check-and-set 0) before Binance is asked to create its key, so a crash at
any later point leaves a key whose private half is still in the store; `resume` (run first,
every time) finds the pending record and completes it through the master's listing, which is
the only place that can tell "created, answer lost" from "never created". The replaced key is
deleted only by `retire`, after its deadline and only when its successor verifies.

Nothing here puts a private key, a whole API key or a token in a message or a log record:
keys are named by their 8-character prefix.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from keylint.binance import protocol
from keylint.binance.errors import (
    ApiError,
    BinanceError,
    DeadlineExceeded,
    MalformedResponse,
    ServerError,
    TransportFailure,
)
from keylint.endpoints import PATH_SUB_API
from keylint.errors import KeylintError
from keylint.policy.ips import is_single_address
from keylint.policy.model import PENDING_SUFFIX, KeyPolicy, in_label_family
from keylint.policy.permissions import LISTING_FIELD
from keylint.secrets import bare_prefix
from keylint.store import SecretStore, StoreConflict, StoredSecret, StoreError

if TYPE_CHECKING:  # a plan names rotations without the HTTP stack
    from keylint.binance.client import BinanceClient
    from keylint.binance.signing import Credentials

log = logging.getLogger("keylint.rotation")

KEY_TYPE = "ed25519"
# The secret's custom metadata (one map per secret in KV v2: the latest rotation's).
META_REPLACED = "replaced_key"
META_RETIRE_AFTER = "retire_after"
MAX_LISTING_PAGES = 50  # 5,000 keys on one sub-account: far past any real one
# -12022 "Sub-account API key does not exist": the key to delete is gone already.
CODE_NO_SUCH_KEY = -12022
# The create's flags in the order Binance documents them, and RotationTarget's field for each.
FLAGS = (
    ("canTrade", "can_trade"),
    ("canMarginLoanRepay", "can_margin_loan_repay"),
    ("canFuturesTrade", "can_futures_trade"),
    ("canUniversalTransfer", "can_universal_transfer"),
    ("canVanillaOptions", "can_vanilla_options"),
)


# RotationTarget's field for each permission the create can set.
_TARGET_FLAGS = {name: dict(FLAGS)[listing_field] for name, listing_field in LISTING_FIELD.items()}


# --- errors ----------------------------------------------------------------------------------


class RotationError(KeylintError):
    """A rotation step could not be done; `reason` is one line naming keys by prefix only."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RotationPending(RotationError):
    """A rotation of this key is half done (`<path>.pending` exists): `resume` first."""


class CreateRefused(RotationError):
    """Binance refused the create: nothing was created, and the pending record is removed."""


class CreateUnknown(RotationError):
    """The create's outcome is unknown (5xx, dropped connection): the next `resume` settles
    it through the listing; the pending record stays."""


class RotationIncomplete(RotationError):
    """The new key exists at Binance and its private key is safe in the store, but a later
    step (the secret, the deadline, the pending record) failed: the next run completes it."""


class DeleteUnknown(RotationError):
    """The replaced key's deletion has an unknown outcome: the next `retire` settles it."""


# --- plain data ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RotationTarget:
    """One sub-account key to rotate: what the new key must be and where its secret lives."""

    email: str
    api_name: str
    path: str
    grace: timedelta
    ips: tuple[str, ...] = ()
    can_trade: bool = False
    can_margin_loan_repay: bool = False
    can_futures_trade: bool = False
    can_universal_transfer: bool = False
    can_vanilla_options: bool = False

    @property
    def pending_path(self) -> str:
        return self.path + PENDING_SUFFIX

    def flags(self) -> dict[str, bool]:
        """The declared `can*` flags by their Binance names."""
        return {name: bool(getattr(self, attr)) for name, attr in FLAGS}


@dataclass(frozen=True)
class RotationOutcome:
    """A rotation carried out (or completed by `resume`); keys by 8-character prefix."""

    new_key: str
    label: str
    replaced: str | None
    retire_after: datetime | None
    verified: bool
    problems: tuple[str, ...] = ()
    resumed: bool = False


@dataclass(frozen=True)
class RetireOutcome:
    """What `retire` did: `deleted` the replaced key, or why not (`reason`)."""

    replaced: str | None
    deleted: bool
    reason: str


@dataclass(frozen=True, repr=False)
class Pending:
    """The pending record at `<path>.pending`: the private key written before the create."""

    private_key: str
    label: str
    replaces: str | None
    started_at: str

    def __repr__(self) -> str:
        return f"Pending(label={self.label!r}, replaces={self.replaces!r}, <private key hidden>)"

    def data(self) -> dict[str, str]:
        record = {"private_key": self.private_key, "label": self.label}
        record["started_at"] = self.started_at
        if self.replaces:
            record["replaces"] = self.replaces
        return record


# --- pure decisions ----------------------------------------------------------------------------

# Every key can read; the create sets the five listing flags and nothing else (binance-api.md).
_GIVEN = frozenset({"reading"})


def target_of(policy: KeyPolicy, *, grace: timedelta | None = None) -> RotationTarget:
    """What a new key for this policy must be, or RotationError saying why Binance's create
    cannot make it (a permission it cannot set, trusted ranges it cannot whitelist)."""
    if policy.rotation is None or not policy.sub_account or not policy.api_name:
        raise RotationError(f"key {policy.name!r} declares no rotation")
    flag_of = dict(LISTING_FIELD)
    others = [p for p in policy.permissions if p not in flag_of and p not in _GIVEN]
    if others:
        raise RotationError(
            f"Binance's create cannot give a new key {', '.join(others)} (only "
            f"{', '.join(flag_of)}): rotate this key in API Management"
        )
    singles = [
        str(ip.network.network_address) for ip in policy.ips if is_single_address(ip.network)
    ]
    if policy.ip_restrict and not singles:
        raise RotationError(
            "the policy binds the key to trusted IPs but declares no single address, and a new "
            "key's whitelist takes addresses only: declare the addresses the key is used from"
        )
    declared = set(policy.permissions)
    return RotationTarget(
        email=policy.sub_account,
        api_name=policy.api_name,
        path=policy.rotation.path,
        grace=policy.rotation.grace if grace is None else grace,
        ips=tuple(singles) if policy.ip_restrict else (),
        **{attr: name in declared for name, attr in _TARGET_FLAGS.items()},
    )


def prefix(api_key: str) -> str:
    """The 8 characters of an API key that may be stored and shown."""
    return bare_prefix(api_key)


def new_label(api_name: str, now: datetime) -> str:
    """`<api_name>-<UTC yyyymmddHHMM>` (SPEC §7)."""
    return f"{api_name}-{now.astimezone(UTC):%Y%m%d%H%M}"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_iso(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def parse_pending(secret: StoredSecret) -> Pending:
    """The pending record, or a RotationError when it is not one (then a person must look)."""
    data = secret.data
    if not data.get("private_key", "").startswith("-----BEGIN") or not data.get("label"):
        raise RotationError(
            "the pending rotation record has no private key or no label; "
            "inspect it in the store before rotating again"
        )
    return Pending(
        private_key=data["private_key"],
        label=data["label"],
        replaces=data.get("replaces") or None,
        started_at=data.get("started_at", ""),
    )


def create_call(target: RotationTarget, label: str, public_pem: str) -> protocol.Call:
    """POST subAccountApi: an Ed25519 key with exactly the declared flags and IPs."""
    params = [("email", target.email), ("apiName", label)]
    params.append(("status", "2" if target.ips else "1"))
    params += [(name, "true" if on else "false") for name, on in target.flags().items()]
    if target.ips:
        params.append(("ipAddress", ",".join(target.ips)))
    # The client sends POST parameters in the signed form body, where V2 requires publicKey.
    params.append(("publicKey", public_pem))
    return protocol.master_write("POST", PATH_SUB_API, params)


def _address(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return text.strip()


def differences(
    target: RotationTarget, row: Mapping[str, Any], restriction: protocol.IpRestriction
) -> list[str]:
    """How a key's listing row and IP whitelist differ from the target (empty: verified)."""
    found = []
    for name, declared in target.flags().items():
        live = row.get(name)
        if live is not declared:
            found.append(f"{name} is {live!r}, declared {declared}")
    declared_ips = {_address(ip) for ip in target.ips}
    live_ips = {_address(ip) for ip in restriction.ip_list}
    if restriction.ip_restrict is not bool(declared_ips):
        found.append(f"ipRestrict is {restriction.ip_restrict}, declared {bool(declared_ips)}")
    if live_ips != declared_ips:
        found.append(f"IP whitelist is {sorted(live_ips)}, declared {sorted(declared_ips)}")
    return found


def generate_key_pair() -> tuple[str, str]:
    """A new Ed25519 key in memory: (private PKCS#8 PEM, public SubjectPublicKeyInfo PEM)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    private = ed25519.Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    return private_pem, public_pem_of(private_pem)


def public_pem_of(private_pem: str) -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    try:
        private = serialization.load_pem_private_key(private_pem.encode("ascii"), None)
    except (ValueError, TypeError):
        private = None
    if not isinstance(private, ed25519.Ed25519PrivateKey):
        raise RotationError("the pending rotation record's private key is not an Ed25519 key")
    return (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


# --- I/O -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Io:
    target: RotationTarget
    master: Credentials
    client: BinanceClient
    store: SecretStore

    async def listing(self) -> list[dict[str, Any]]:
        """Every key row of the target's sub-account, as the master reads it."""
        rows: list[dict[str, Any]] = []
        for page in range(1, MAX_LISTING_PAGES + 1):
            data = await self.client.call(
                protocol.sub_account_api(self.target.email, page=page), self.master
            )
            parsed = protocol.parse_sub_account_api(data)
            rows += parsed.rows
            done = parsed.total is not None and len(rows) >= parsed.total
            if done or len(parsed.rows) < protocol.LISTING_PAGE_SIZE:
                break
        return rows

    async def verify(self, api_key: str) -> list[str]:
        """What differs between the key at Binance and the target; a read failure counts."""
        try:
            rows = [r for r in await self.listing() if protocol.row_api_key(r) == api_key]
            if len(rows) != 1:
                return [f"key {prefix(api_key)} is not in the master's listing"]
            data = await self.client.call(
                protocol.sub_account_ip_restriction(self.target.email, api_key), self.master
            )
            restriction = protocol.parse_ip_restriction(data)
        except BinanceError as exc:
            return [f"could not read key {prefix(api_key)} through the master: {exc.reason}"]
        return differences(self.target, rows[0], restriction)


def _now(now: datetime | None) -> datetime:
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return moment


async def rotate(
    target: RotationTarget,
    *,
    master: Credentials,
    client: BinanceClient,
    store: SecretStore,
    now: datetime | None = None,
) -> RotationOutcome:
    """Rotate the key: pending record, create, secret, verify, then drop the pending record.

    Raises `RotationPending` while an earlier rotation is half done (call `resume` first).
    """
    moment = _now(now)
    io = _Io(target, master, client, store)
    # A token that cannot write or destroy stops the rotation before Binance is asked.
    await store.preflight([target.path, target.pending_path], destroy=[target.pending_path])
    if await store.read(target.pending_path) is not None:
        raise RotationPending(_pending_message(target))
    current = await store.read(target.path)
    replaces = _current_prefix(current)
    label = new_label(target.api_name, moment)
    rows = await io.listing()
    if replaces is None:
        # The first rotation: the key it replaces is the one under the plain label (made by
        # hand), which the store has never held. Never a guess between two.
        plain = [row for row in rows if row.get("apiName") == target.api_name]
        if len(plain) > 1:
            raise RotationError(
                f"{len(plain)} keys are labelled {target.api_name} on {target.email} (KL309): "
                "keylint does not guess which one the new key replaces"
            )
        replaces = prefix(protocol.row_api_key(plain[0])) if plain else None
    # The label is how `resume` recognises the key: it must name no other key.
    if any(row.get("apiName") == label for row in rows):
        raise RotationError(
            f"a key labelled {label} exists already on {target.email}: a rotation ran this "
            "minute; run again in a minute"
        )
    private_pem, public_pem = generate_key_pair()
    pending = Pending(private_pem, label, replaces, iso(moment))
    try:
        await store.write(target.pending_path, pending.data(), cas=0)
    except StoreConflict:
        raise RotationPending(_pending_message(target)) from None
    log.info("rotation of %s: pending record written for %s", target.api_name, label)
    return await _create_and_finish(io, pending, public_pem, moment, resumed=False)


async def resume(
    target: RotationTarget,
    *,
    master: Credentials,
    client: BinanceClient,
    store: SecretStore,
    now: datetime | None = None,
) -> RotationOutcome | None:
    """Complete a half-done rotation (None when there is none); run before anything else.

    A key listed under the pending label was created (its answer may have been lost): its
    secret is written from the pending private key. No key under the label: the create never
    happened, and it is sent now with the pending key. Completing rather than undoing, because
    the rotation was asked for (the key was due or leaked) and its private key is already
    safe in the store: undoing would only make the next run start over with a fresh key. No
    second key is ever generated while a pending one exists.
    """
    moment = _now(now)
    io = _Io(target, master, client, store)
    found = await store.read(target.pending_path)
    if found is None:
        return None
    pending = parse_pending(found)
    public_pem = public_pem_of(pending.private_key)
    rows = [row for row in await io.listing() if row.get("apiName") == pending.label]
    if len(rows) > 1:
        # Never guess which of two keys holds the pending private key.
        shown = ", ".join(prefix(protocol.row_api_key(row)) for row in rows)
        raise RotationError(
            f"{len(rows)} keys are labelled {pending.label} on {target.email} ({shown}): "
            "delete the ones the store does not hold in Binance's API management, then run again"
        )
    if not rows:
        log.info(
            "rotation of %s: %s was never created; creating it", target.api_name, pending.label
        )
        return await _create_and_finish(io, pending, public_pem, moment, resumed=True)
    api_key = protocol.row_api_key(rows[0])
    log.info("rotation of %s: %s exists as %s", target.api_name, pending.label, prefix(api_key))
    return await _store_and_finish(io, pending, api_key, moment, resumed=True)


async def _create_and_finish(
    io: _Io, pending: Pending, public_pem: str, moment: datetime, *, resumed: bool
) -> RotationOutcome:
    target = io.target
    try:
        answer = await io.client.call(create_call(target, pending.label, public_pem), io.master)
    except (ServerError, TransportFailure, MalformedResponse) as exc:
        raise CreateUnknown(
            f"the create of {pending.label} on {target.email} has an unknown outcome "
            f"({exc.reason}); it is not resent: run again, and the master's listing settles it"
        ) from None
    except BinanceError as exc:
        # A refusal (-2015, -9000, 429 past the timeout, ...) is Binance's definite answer
        # that nothing was created: drop the pending record, so that a later run does not
        # resend a refused create, and a fixed cause starts with a fresh key.
        where = "removed"
        try:
            await io.store.destroy(target.pending_path)
        except StoreError:
            where = "left in the store (the next run resends the create once)"
        raise CreateRefused(
            f"{pending.label} was not created on {target.email}: {exc.reason}; "
            f"nothing was created, the pending record was {where}"
        ) from None
    api_key = answer.get("apiKey") if isinstance(answer, dict) else None
    if not isinstance(api_key, str) or not api_key:
        raise CreateUnknown(
            f"Binance's answer to the create of {pending.label} names no API key; run again, "
            "and the master's listing settles it"
        )
    log.info("rotation of %s: created %s", target.api_name, prefix(api_key))
    return await _store_and_finish(io, pending, api_key, moment, resumed=resumed)


async def _store_and_finish(
    io: _Io, pending: Pending, api_key: str, moment: datetime, *, resumed: bool
) -> RotationOutcome:
    target = io.target
    current = await io.store.read(target.path)
    deadline = moment + target.grace if pending.replaces else None
    if _holds(current, api_key, pending):
        assert current is not None
        deadline = parse_iso(current.custom_metadata.get(META_RETIRE_AFTER, "")) or deadline
        data, version = dict(current.data), current.version
    else:
        data = {
            "api_key": api_key,
            "private_key": pending.private_key,
            "key_type": KEY_TYPE,
            "api_name": pending.label,
            "rotated_at": iso(moment),
        }
        metadata: dict[str, str] = {}
        if pending.replaces and deadline is not None:
            metadata = {META_REPLACED: pending.replaces, META_RETIRE_AFTER: iso(deadline)}
        try:
            version = await io.store.write(
                target.path,
                data,
                custom_metadata=metadata,
                cas=current.version if current else 0,
            )
        except StoreError as exc:
            raise RotationIncomplete(
                f"key {prefix(api_key)} ({pending.label}) exists at Binance but its secret "
                f"could not be written: {exc.reason}; its private key stays in "
                f"{target.pending_path}, and the next run completes the rotation"
            ) from None
        log.info("rotation of %s: secret written for %s", target.api_name, prefix(api_key))
    problems = await io.verify(api_key)
    if not problems and deadline is not None and deadline < moment + target.grace:
        # SPEC §7: the replaced key lives `grace` once its successor is verified. A successor
        # that verifies only in a later run moves the deadline, before the pending record
        # (which holds retire off) goes.
        deadline = moment + target.grace
        assert pending.replaces is not None
        metadata = {META_REPLACED: pending.replaces, META_RETIRE_AFTER: iso(deadline)}
        try:
            await io.store.write(target.path, data, custom_metadata=metadata, cas=version)
        except StoreError as exc:
            raise RotationIncomplete(
                f"key {prefix(api_key)} ({pending.label}) verified, but its replaced key's "
                f"deadline could not be moved: {exc.reason}; the next run tries again"
            ) from None
    if not problems:
        try:
            await io.store.destroy(target.pending_path)
        except StoreError as exc:
            raise RotationIncomplete(
                f"key {prefix(api_key)} ({pending.label}) is created, stored and verified, but "
                f"the pending record could not be removed: {exc.reason}; the next run removes it"
            ) from None
        log.info("rotation of %s: %s verified", target.api_name, prefix(api_key))
    else:
        # The pending record stays: the next run verifies again before the rotation counts.
        log.warning(
            "rotation of %s: %s does not verify: %s",
            target.api_name,
            prefix(api_key),
            "; ".join(problems),
        )
    return RotationOutcome(
        new_key=prefix(api_key),
        label=pending.label,
        replaced=pending.replaces,
        retire_after=deadline,
        verified=not problems,
        problems=tuple(problems),
        resumed=resumed,
    )


def _holds(current: StoredSecret | None, api_key: str, pending: Pending) -> bool:
    """The store holds the new key already, with the metadata naming what it replaced."""
    if current is None or current.data.get("api_key") != api_key:
        return False
    if current.data.get("private_key") != pending.private_key:
        return False
    return not pending.replaces or (
        current.custom_metadata.get(META_REPLACED) == pending.replaces
        and parse_iso(current.custom_metadata.get(META_RETIRE_AFTER, "")) is not None
    )


def _current_prefix(current: StoredSecret | None) -> str | None:
    api_key = current.data.get("api_key", "") if current else ""
    return prefix(api_key) if api_key else None


def _pending_message(target: RotationTarget) -> str:
    return (
        f"a rotation of {target.api_name} is half done ({target.pending_path} exists): "
        "resume it before starting another"
    )


async def retire(
    target: RotationTarget,
    *,
    master: Credentials,
    client: BinanceClient,
    store: SecretStore,
    now: datetime | None = None,
) -> RetireOutcome:
    """Delete the key the current one replaced, once its deadline passed and the current key
    verifies through the master; a replaced key that is already gone is fine."""
    moment = _now(now)
    io = _Io(target, master, client, store)
    if await store.read(target.pending_path) is not None:
        return RetireOutcome(None, False, "a rotation is pending: resume it first")
    current = await store.read(target.path)
    replaced = current.custom_metadata.get(META_REPLACED) if current else None
    if current is None or not replaced:
        return RetireOutcome(None, False, "the store names no replaced key")
    deadline = parse_iso(current.custom_metadata.get(META_RETIRE_AFTER, ""))
    if deadline is None:
        return RetireOutcome(replaced, False, "the store names no valid deadline")
    if moment < deadline:
        return RetireOutcome(replaced, False, f"its grace lasts until {iso(deadline)}")
    current_key = current.data.get("api_key", "")
    problems = await io.verify(current_key) if current_key else ["the store holds no api_key"]
    if problems:
        return RetireOutcome(
            replaced, False, "the current key does not verify: " + "; ".join(problems)
        )
    rows = [
        row
        for row in await io.listing()
        if protocol.row_api_key(row).startswith(replaced)
        and protocol.row_api_key(row) != current_key
        and in_label_family(str(row.get("apiName", "")), target.api_name)
    ]
    if not rows:
        return RetireOutcome(replaced, False, "the replaced key is gone already")
    if len(rows) > 1:
        return RetireOutcome(
            replaced, False, f"{len(rows)} keys start with {replaced}: delete the right one by hand"
        )
    return await _delete(io, protocol.row_api_key(rows[0]), replaced)


async def _delete(io: _Io, api_key: str, replaced: str) -> RetireOutcome:
    try:
        await io.client.call(protocol.delete_api_key(io.target.email, api_key), io.master)
    except ApiError as exc:
        if exc.code == CODE_NO_SUCH_KEY:
            return RetireOutcome(replaced, False, "the replaced key is gone already")
        raise RotationError(f"could not delete key {replaced}: {exc.reason}") from None
    except (ServerError, TransportFailure, MalformedResponse, DeadlineExceeded) as exc:
        raise DeleteUnknown(
            f"the deletion of key {replaced} has an unknown outcome ({exc.reason}); "
            "the next retire settles it through the listing"
        ) from None
    except BinanceError as exc:
        raise RotationError(f"Binance refused to delete key {replaced}: {exc.reason}") from None
    log.info("retired key %s of %s", replaced, io.target.api_name)
    return RetireOutcome(replaced, True, "deleted")


# --- a plan's rotation changes ------------------------------------------------------------


@dataclass
class Rotator:
    """Carries out a plan's `rotate` and `retire` changes (and `keylint rotate`), each as an
    (outcome, reason) pair in `apply`'s words: applied, failed (nothing was created or
    deleted), unknown (the next run settles it), not_attempted."""

    policies: Mapping[str, KeyPolicy]
    master: Credentials
    client: BinanceClient
    store: SecretStore | None
    store_problem: str | None
    now: datetime
    grace: timedelta | None = None  # `keylint rotate --grace`: this run's grace for every key

    def _target(self, name: str) -> RotationTarget:
        policy = self.policies.get(name)
        if policy is None:
            raise RotationError(f"no policy declares key {name!r}")
        return target_of(policy, grace=self.grace)

    async def rotate(self, name: str) -> tuple[str, str]:
        """Complete a half-done rotation of the key, or rotate it."""
        try:
            target = self._target(name)
            if self.store is None:
                raise StoreError(self.store_problem or "no secret store is configured")
            store, master, client = self.store, self.master, self.client
            outcome = await resume(target, master=master, client=client, store=store, now=self.now)
            if outcome is None:
                outcome = await rotate(
                    target, master=master, client=client, store=store, now=self.now
                )
        except (CreateUnknown, RotationIncomplete) as exc:
            return "unknown", exc.reason
        except (RotationError, StoreError) as exc:
            return "failed", f"{exc.reason}; the current key is unchanged"
        if not outcome.verified:
            return "unknown", (
                f"key {outcome.new_key}… ({outcome.label}) is created and stored but does not "
                f"verify yet ({'; '.join(outcome.problems)}): the replaced key is kept, and the "
                "next apply verifies it again"
            )
        done = "completed the rotation: " if outcome.resumed else ""
        retires = (
            f"; the replaced key {outcome.replaced}… is deleted after {iso(outcome.retire_after)}"
            if outcome.replaced and outcome.retire_after
            else ""
        )
        return "applied", (
            f"{done}new key {outcome.new_key}… ({outcome.label}) verified and stored at "
            f"{target.path}{retires}"
        )

    async def retire(self, name: str) -> tuple[str, str]:
        """Delete the key the current one replaced, if its grace is over and the current key
        verifies."""
        try:
            target = self._target(name)
            if self.store is None:
                raise StoreError(self.store_problem or "no secret store is configured")
            done = await retire(
                target, master=self.master, client=self.client, store=self.store, now=self.now
            )
        except DeleteUnknown as exc:
            return "unknown", exc.reason
        except (RotationError, StoreError) as exc:
            return "failed", f"{exc.reason}; nothing was deleted"
        if done.deleted:
            return "applied", f"deleted the replaced key {done.replaced}…"
        if done.reason == "the replaced key is gone already":
            return "applied", done.reason
        return "not_attempted", f"nothing was deleted: {done.reason}"


__all__: Sequence[str] = [
    "CreateRefused",
    "CreateUnknown",
    "DeleteUnknown",
    "RetireOutcome",
    "RotationError",
    "RotationIncomplete",
    "RotationOutcome",
    "RotationPending",
    "RotationTarget",
    "Rotator",
    "resume",
    "retire",
    "rotate",
]
