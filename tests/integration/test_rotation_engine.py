"""The rotation library (keylint.rotation, SPEC §7) against the Binance emulator over real HTTP and
a REAL OpenBao dev server: the happy path, a crash or fault after every write followed by
`resume`, refusals, a store that cannot be written, and no secret in any message or log."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from test_emulator_create import own_restrictions
from test_emulator_writes import SUB, World, running

from keylint.binance.client import BinanceClient
from keylint.binance.signing import Credentials, load_signer
from keylint.rotation import (
    CreateRefused,
    CreateUnknown,
    RotationError,
    RotationOutcome,
    RotationPending,
    RotationTarget,
    new_label,
    resume,
    retire,
    rotate,
)
from keylint.store import SecretStore, StoredSecret, StoreError, store_from_env
from keylint.testing.emulator import PATH_SUB_API, PATH_SUB_API_IP, ClientSecret, Fault
from tests.store_fixtures import OpenBao

T = TypeVar("T")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
GRACE = timedelta(hours=24)
LABEL = new_label("mm-bot", NOW)
# 127.0.0.1 so that the new key can sign from this host; the other is a documentation address.
IPS = ("127.0.0.1", "203.0.113.10")
DECLARED = {
    "canTrade": True,
    "canMarginLoanRepay": True,
    "canFuturesTrade": False,
    "canUniversalTransfer": False,
    "canVanillaOptions": False,
}


@dataclass
class Rig:
    """The emulated Binance (master + the bot's current key on SUB), OpenBao, and a target
    whose store path holds the bot's current secret."""

    world: World
    openbao: OpenBao
    target: RotationTarget
    token: str | None = None
    texts: list[str] = field(default_factory=list)  # every exception text seen

    @property
    def master(self) -> Credentials:
        secret = self.world.master
        return Credentials(
            secret.api_key, load_signer(secret=secret.secret, private_key=secret.private_pem)
        )

    def env(self) -> dict[str, str]:
        return self.openbao.env(self.token)

    def run(
        self,
        step: Callable[..., Awaitable[T]],
        *,
        now: datetime = NOW,
        wrap: Callable[[SecretStore], SecretStore] | None = None,
        env: dict[str, str] | None = None,
    ) -> T:
        async def go() -> T:
            client = BinanceClient(
                base_url=self.world.emu.base_url, timeout=5.0, attempt_timeout=1.0
            )
            async with store_from_env(env or self.env(), timeout=5.0) as store, client:
                used = wrap(store) if wrap else store
                return await step(
                    self.target, master=self.master, client=client, store=used, now=now
                )

        return asyncio.run(go())

    def fails(self, kind: type[Exception], step: Callable[..., Awaitable[Any]], **kw: Any) -> str:
        with pytest.raises(kind) as caught:
            self.run(step, **kw)
        text = str(caught.value)
        assert "\n" not in text  # one clear line
        self.texts.append(text)
        return text

    def read(self, path: str | None = None) -> StoredSecret | None:
        async def go() -> StoredSecret | None:
            async with store_from_env(self.openbao.env(), timeout=5.0) as store:
                return await store.read(path or self.target.path)

        return asyncio.run(go())

    def rows(self) -> list[dict[str, Any]]:
        return self.world.listing()

    def family(self) -> list[dict[str, Any]]:
        return [r for r in self.rows() if str(r["apiName"]).startswith("mm-bot")]

    def creates(self) -> int:
        return sum(
            1 for r in self.world.emu.requests if r.method == "POST" and r.path == PATH_SUB_API
        )

    def ip_list(self, api_key: str) -> dict[str, Any]:
        response = self.world.send(
            "GET", PATH_SUB_API_IP, {"email": SUB, "subAccountApiKey": api_key}, where="query"
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def assert_converged(self) -> StoredSecret:
        """No pending record; one key per label; every live key of the family is the store's
        current key or the one it names as replaced (no key whose private key is lost)."""
        assert self.read(self.target.pending_path) is None
        current = self.read()
        assert current is not None
        labels = [r["apiName"] for r in self.family()]
        assert len(labels) == len(set(labels)), labels
        allowed = {current.data["api_key"]}
        for row in self.family():
            replaced = current.custom_metadata.get("replaced_key")
            ok = row["apikey"] in allowed or (replaced and row["apikey"].startswith(replaced))
            assert ok, row["apiName"]
        return current

    def needles(self, *more: str) -> list[str]:
        found = [self.openbao.root_token, *(t for t in [self.token] if t)]
        secrets_: list[ClientSecret] = [self.world.master, self.world.bot, self.world.elsewhere]
        for item in secrets_:
            found += [item.api_key, *(v for v in (item.secret, item.private_pem) if v)]
        for key in self.world.emu.scenario.keys:
            found.append(key.api_key)
        pems = [s.private_pem for s in secrets_ if s.private_pem] + list(more)
        for pem in pems:
            found += [line for line in pem.splitlines() if "-----" not in line and len(line) > 16]
        return found

    def assert_no_secrets(self, *texts: str) -> None:
        current = self.read()
        extra = [current.data["private_key"]] if current else []
        pending = self.read(self.target.pending_path)
        if pending:
            extra.append(pending.data["private_key"])
        needles = self.needles(*extra)
        for text in [*texts, *self.texts]:
            for needle in needles:
                assert needle not in text


def seed(openbao: OpenBao, path: str, bot: ClientSecret) -> None:
    async def go() -> None:
        async with store_from_env(openbao.env(), timeout=5.0) as store:
            assert bot.private_pem is not None
            data = {"api_key": bot.api_key, "private_key": bot.private_pem, "key_type": "ed25519"}
            await store.write(path, {**data, "api_name": "mm-bot"}, cas=0)

    asyncio.run(go())


@pytest.fixture
def rig(openbao: OpenBao) -> Iterator[Rig]:
    with running() as world:
        path = f"secret/binance/rot-{secrets.token_hex(6)}"
        seed(openbao, path, world.bot)
        target = RotationTarget(
            email=SUB,
            api_name="mm-bot",
            path=path,
            grace=GRACE,
            ips=IPS,
            can_trade=True,
            can_margin_loan_repay=True,
        )
        made = Rig(world, openbao, target)
        yield made
        # Every test, whatever it did: no secret in any exception text it saw.
        made.assert_no_secrets()


def alive(rig: Rig, api_key: str) -> bool:
    return rig.world.emu.scenario.key(api_key) is not None


def signs(rig: Rig, stored: StoredSecret) -> bool:
    """The stored private key signs a request the emulator accepts for the stored API key."""
    made = ClientSecret(stored.data["api_key"], "ed25519", private_pem=stored.data["private_key"])
    return own_restrictions(rig.world.emu.base_url, made).status_code == 200


# --- the happy path -------------------------------------------------------------------------


def test_rotate_creates_stores_verifies_then_retire_deletes_after_the_grace(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    old = rig.world.bot.api_key
    outcome = rig.run(rotate)
    assert outcome.verified and outcome.problems == () and not outcome.resumed
    assert outcome.replaced == old[:8] and outcome.label == LABEL
    assert outcome.retire_after == NOW + GRACE

    rows = [r for r in rig.rows() if r["apiName"] == LABEL]
    assert len(rows) == 1
    new = rows[0]["apikey"]
    assert outcome.new_key == new[:8]
    assert {name: rows[0][name] for name in DECLARED} == DECLARED
    ips = rig.ip_list(new)
    assert ips["ipRestrict"] == "true" and sorted(ips["ipList"]) == sorted(IPS)

    stored = rig.assert_converged()
    assert stored.data["api_key"] == new and stored.data["key_type"] == "ed25519"
    assert stored.data["api_name"] == LABEL and stored.data["rotated_at"] == "2026-11-24T09:00:00Z"
    assert stored.data["private_key"].startswith("-----BEGIN PRIVATE KEY-----")
    assert stored.custom_metadata == {
        "replaced_key": old[:8],
        "retire_after": "2026-11-25T09:00:00Z",
    }
    assert stored.version == 2 and signs(rig, stored)

    # The old key lives through its grace, and is deleted only after it.
    early = rig.run(retire, now=NOW + timedelta(hours=23))
    assert not early.deleted and alive(rig, old)
    late = rig.run(retire, now=NOW + GRACE + timedelta(minutes=1))
    assert late.deleted and late.replaced == old[:8]
    assert not alive(rig, old) and alive(rig, new)
    again = rig.run(retire, now=NOW + GRACE + timedelta(minutes=2))
    assert not again.deleted and "gone already" in again.reason
    assert rig.run(resume) is None  # nothing pending: resume does nothing
    rig.assert_no_secrets(caplog.text, repr(outcome), repr(late))


def test_a_key_without_ips_is_created_unrestricted(rig: Rig) -> None:
    rig.target = RotationTarget(email=SUB, api_name="mm-bot", path=rig.target.path, grace=GRACE)
    outcome = rig.run(rotate)
    assert outcome.verified
    new = next(r for r in rig.rows() if r["apiName"] == LABEL)
    assert not any(new[name] for name in DECLARED)
    assert rig.ip_list(new["apikey"])["ipRestrict"] == "false"


def test_a_first_rotation_replaces_the_key_under_the_plain_label(rig: Rig) -> None:
    # The store has never held this key: the one made by hand under `api_name` is replaced.
    rig.target = RotationTarget(
        email=SUB, api_name="mm-bot", path=rig.target.path + "-new", grace=GRACE, ips=IPS
    )
    old = rig.world.bot.api_key
    outcome = rig.run(rotate)
    assert outcome.verified and outcome.replaced == old[:8]
    assert outcome.retire_after == NOW + GRACE
    stored = rig.read()
    assert stored is not None and signs(rig, stored)
    assert stored.custom_metadata["replaced_key"] == old[:8]
    assert rig.run(retire, now=NOW + GRACE + timedelta(minutes=1)).deleted
    assert not alive(rig, old)


def test_a_first_rotation_of_a_new_key_replaces_nothing(rig: Rig) -> None:
    rig.target = RotationTarget(
        email=SUB, api_name="mm-new", path=rig.target.path + "-new", grace=GRACE, ips=IPS
    )
    outcome = rig.run(rotate)
    assert outcome.verified and outcome.replaced is None and outcome.retire_after is None
    stored = rig.read()
    assert stored is not None and stored.custom_metadata == {} and signs(rig, stored)
    assert not rig.run(retire, now=NOW + 10 * GRACE).deleted
    assert alive(rig, rig.world.bot.api_key)


# --- a crash or fault after each write, then resume -------------------------------------------


def test_create_never_reached_binance_resume_creates_it_with_the_pending_key(rig: Rig) -> None:
    # The pending record is written; the connection drops before Binance saw the create.
    rig.world.emu.add_fault(Fault(kind="drop", path=PATH_SUB_API, method="POST", times=1))
    rig.fails(CreateUnknown, rotate)
    pending = rig.read(rig.target.pending_path)
    assert pending is not None and pending.data["label"] == LABEL
    assert not [r for r in rig.rows() if r["apiName"] == LABEL]
    # While pending exists, a second rotation is refused and sends no create.
    creates = rig.creates()
    assert "resume" in rig.fails(RotationPending, rotate, now=NOW + timedelta(minutes=5))
    assert rig.creates() == creates

    outcome = rig.run(resume, now=NOW + timedelta(minutes=10))
    assert isinstance(outcome, RotationOutcome) and outcome.verified and outcome.resumed
    assert outcome.label == LABEL  # the pending label, not a new minute's
    stored = rig.assert_converged()
    # The key created is the pending one: no second key was generated.
    assert stored.data["private_key"] == pending.data["private_key"] and signs(rig, stored)
    assert alive(rig, rig.world.bot.api_key)


def test_create_answer_lost_resume_stores_the_listed_key_without_a_second_create(
    rig: Rig,
) -> None:
    rig.world.emu.add_fault(Fault(kind="lost_answer", path=PATH_SUB_API, method="POST", times=1))
    rig.fails(CreateUnknown, rotate)
    assert rig.creates() == 1
    listed = [r for r in rig.rows() if r["apiName"] == LABEL]
    assert len(listed) == 1  # live, its private key only in .pending
    pending = rig.read(rig.target.pending_path)
    current = rig.read()
    assert pending is not None and current is not None
    assert current.data["api_key"] == rig.world.bot.api_key  # not yet switched

    outcome = rig.run(resume)
    assert outcome is not None and outcome.verified
    assert rig.creates() == 1  # settled through the listing, never resent
    stored = rig.assert_converged()
    assert stored.data["api_key"] == listed[0]["apikey"]
    assert stored.data["private_key"] == pending.data["private_key"] and signs(rig, stored)
    assert stored.custom_metadata["replaced_key"] == rig.world.bot.api_key[:8]


REFUSALS = [
    ("-2015", Fault(kind="status", status=401, body=b'{"code":-2015,"msg":"Invalid API-key"}')),
    ("-9000", Fault(kind="status", status=400, body=b'{"code":-9000,"msg":"Unsupported"}')),
    ("429 past the timeout", Fault(kind="status", status=429, retry_after=600)),
]


@pytest.mark.parametrize("fault", [case[1] for case in REFUSALS], ids=[c[0] for c in REFUSALS])
def test_a_refused_create_creates_nothing_and_removes_the_pending_record(
    rig: Rig, fault: Fault
) -> None:
    fault.path, fault.method = PATH_SUB_API, "POST"
    rig.world.emu.add_fault(fault)
    before = rig.rows()
    text = rig.fails(CreateRefused, rotate)
    assert "nothing was created" in text and "removed" in text
    assert rig.rows() == before
    assert rig.read(rig.target.pending_path) is None
    current = rig.read()
    assert current is not None and current.version == 1
    assert rig.run(resume) is None


def test_a_master_without_trading_is_refused_and_the_old_key_stays(rig: Rig) -> None:
    rig.world.key(rig.world.master).permissions = {"enableReading": True}
    assert "-2015" in rig.fails(CreateRefused, rotate)
    assert alive(rig, rig.world.bot.api_key) and len(rig.family()) == 1


class BrokenStore:
    """The real store, with one kind of call failing for one path (a store that went down
    mid-sequence); everything else reaches OpenBao."""

    def __init__(self, inner: SecretStore, *, fail: str, path: str) -> None:
        self.inner, self.fail, self.path = inner, fail, path

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def write(self, path: str, data: Mapping[str, str], **kw: Any) -> int:
        if self.fail == "write" and path == self.path:
            raise StoreError(f"the store at test is unavailable for {path} (HTTP 503)")
        return await self.inner.write(path, data, **kw)

    async def destroy(self, path: str) -> None:
        if self.fail == "destroy" and path == self.path:
            raise StoreError(f"the store at test is unavailable for {path} (HTTP 503)")
        await self.inner.destroy(path)


def test_secret_write_failed_resume_writes_it_from_the_pending_key(rig: Rig) -> None:
    def broken(store: SecretStore) -> SecretStore:
        return BrokenStore(store, fail="write", path=rig.target.path)

    text = rig.fails(RotationError, rotate, wrap=broken)
    assert "next run completes" in text
    created = [r for r in rig.rows() if r["apiName"] == LABEL]
    assert len(created) == 1
    current = rig.read()
    assert current is not None and current.data["api_key"] == rig.world.bot.api_key
    # A second rotation may not start: that would strand the live key's private key.
    rig.fails(RotationPending, rotate, now=NOW + timedelta(minutes=3))

    outcome = rig.run(resume)
    assert outcome is not None and outcome.verified and rig.creates() == 1
    stored = rig.assert_converged()
    assert stored.data["api_key"] == created[0]["apikey"] and signs(rig, stored)


def test_pending_not_destroyed_resume_verifies_and_cleans_up(rig: Rig) -> None:
    def broken(store: SecretStore) -> SecretStore:
        return BrokenStore(store, fail="destroy", path=rig.target.pending_path)

    assert "next run removes it" in rig.fails(RotationError, rotate, wrap=broken)
    stored = rig.read()
    assert stored is not None and stored.version == 2
    outcome = rig.run(resume, now=NOW + timedelta(hours=1))
    assert outcome is not None and outcome.verified
    after = rig.assert_converged()
    # A run cannot tell that an earlier one verified before its cleanup failed: the deadline
    # counts from this verification (the old key lives a little longer, never shorter), as
    # a third version with the same credentials.
    assert after.version == 3 and outcome.retire_after == NOW + timedelta(hours=1) + GRACE
    same_credentials = after.data == stored.data  # compared without printing them on failure
    assert same_credentials


def test_verify_failed_keeps_pending_and_no_delete_until_resume_verifies(rig: Rig) -> None:
    old = rig.world.bot.api_key
    # The new key's whitelist cannot be read (every attempt answers 503).
    rig.world.emu.add_fault(Fault(kind="status", status=503, path=PATH_SUB_API_IP))
    outcome = rig.run(rotate)
    assert not outcome.verified and outcome.problems
    assert rig.read(rig.target.pending_path) is not None
    # Past the deadline, nothing is deleted while the successor has not verified.
    past = NOW + GRACE + timedelta(hours=1)
    assert not rig.run(retire, now=past).deleted and alive(rig, old)
    rig.world.emu.clear_faults()
    done = rig.run(resume, now=NOW + timedelta(minutes=30))
    assert done is not None and done.verified
    rig.assert_converged()
    # The grace runs from the verification (SPEC §7), 30 minutes after the secret was written.
    assert done.retire_after == NOW + timedelta(minutes=30) + GRACE
    early = NOW + GRACE + timedelta(minutes=10)
    assert not rig.run(retire, now=early).deleted and alive(rig, old)
    assert rig.run(retire, now=past).deleted and not alive(rig, old)


def test_a_successor_that_drifted_is_never_followed_by_a_delete(rig: Rig) -> None:
    old = rig.world.bot.api_key
    outcome = rig.run(rotate)
    assert outcome.verified
    stored = rig.read()
    assert stored is not None
    new_key = rig.world.emu.scenario.key(stored.data["api_key"])
    assert new_key is not None
    new_key.ip_list.append("198.51.100.7")  # someone widened the new key's whitelist
    result = rig.run(retire, now=NOW + 2 * GRACE)
    assert not result.deleted and "does not verify" in result.reason and alive(rig, old)


def test_duplicate_keys_under_the_pending_label_are_never_guessed_between(rig: Rig) -> None:
    rig.world.emu.add_fault(Fault(kind="lost_answer", path=PATH_SUB_API, method="POST", times=1))
    rig.fails(CreateUnknown, rotate)
    # Someone else created a key under the same label meanwhile.
    response = rig.world.send("POST", PATH_SUB_API, {"email": SUB, "apiName": LABEL, "status": "1"})
    assert response.status_code == 200
    assert "2 keys are labelled" in rig.fails(RotationError, resume)
    assert rig.read(rig.target.pending_path) is not None  # the private key is kept
    current = rig.read()
    assert current is not None and current.version == 1


# --- the store stops the rotation before Binance is asked -----------------------------------------


def test_a_read_only_token_stops_the_rotation_before_binance(rig: Rig) -> None:
    p = rig.target.path.removeprefix("secret/")
    rig.openbao.policy(
        f"ro-{p.replace('/', '-')}",
        {f"secret/data/{p}": ["read"], f"secret/data/{p}.pending": ["read"]},
    )
    rig.token = rig.openbao.token(f"ro-{p.replace('/', '-')}")
    text = rig.fails(StoreError, rotate)
    assert rig.target.pending_path.removeprefix("secret/") in text
    assert rig.world.emu.requests == [] and rig.creates() == 0
    assert rig.read(rig.target.pending_path) is None
    rig.assert_no_secrets()


def test_a_store_that_is_down_stops_the_rotation_before_binance(rig: Rig) -> None:
    import socket

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    env = rig.openbao.env(VAULT_ADDR=f"http://127.0.0.1:{port}")
    rig.fails(StoreError, rotate, env=env)
    assert rig.world.emu.requests == []
    assert len(rig.family()) == 1


# --- no secret anywhere -------------------------------------------------------------------------


def test_no_secret_in_any_message_or_log_across_failures(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    emu = rig.world.emu
    emu.add_fault(Fault(kind="lost_answer", path=PATH_SUB_API, method="POST", times=1))
    rig.fails(CreateUnknown, rotate)
    rig.fails(RotationPending, rotate)
    assert rig.run(resume) is not None
    emu.add_fault(Fault(kind="status", status=503, path=PATH_SUB_API, method="DELETE"))
    rig.fails(RotationError, retire, now=NOW + 2 * GRACE)
    emu.clear_faults()
    emu.add_fault(Fault(kind="status", status=401, body=b'{"code":-2015,"msg":"x"}'))
    rig.fails(Exception, rotate, now=NOW + timedelta(days=3))
    assert len(rig.texts) == 4 and caplog.records
    rig.assert_no_secrets(caplog.text, *(r.getMessage() for r in caplog.records))
