"""Rotation end to end (SPEC §7) as users run it: `keylint plan`, `apply` and `rotate` in a
subprocess, against the Binance emulator over real HTTP and a REAL OpenBao dev server.

The fleet: one sub-account, the master (allowed to trade, as Binance requires for creating and
deleting sub-account keys), and keys whose current credentials are already in the store. The
emulator sees every caller at 203.0.113.10 (a NAT gateway), so the policies trust a
documentation address and the stored keys still sign from this host.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_emulator_create import own_restrictions

from keylint.testing.emulator import PATH_SUB_API, ClientSecret, Emulator, Fault
from tests.conftest import run_cli
from tests.emuhelpers import Fleet
from tests.store_fixtures import OpenBao

NOW = datetime.now(UTC).replace(second=0, microsecond=0)
EMAIL = "mm@example.com"
GATEWAY = "203.0.113.10"
FLAG_FIELDS = {
    "canTrade": "enableSpotAndMarginTrading",
    "canMarginLoanRepay": "enableMargin",
    "canFuturesTrade": "enableFutures",
    "canUniversalTransfer": "permitsUniversalTransfer",
    "canVanillaOptions": "enableVanillaOptions",
}


def at(delta: timedelta = timedelta(0)) -> str:
    return (NOW + delta).isoformat().replace("+00:00", "Z")


def label_at(api_name: str, moment: datetime = NOW) -> str:
    return f"{api_name}-{moment:%Y%m%d%H%M}"


def ms_ago(days: int) -> int:
    return int((NOW - timedelta(days=days)).timestamp() * 1000)


@dataclass
class Rig:
    """The emulator, OpenBao, the policies and every secret a run must never print."""

    tmp: Path
    fleet: Fleet
    openbao: OpenBao
    emu: Emulator
    paths: dict[str, str]  # key name -> store path
    old: dict[str, ClientSecret]  # key name -> the key made by hand (now in the store)
    token: str | None = None
    outputs: list[str] = field(default_factory=list)
    extra_env: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BINANCE", "KEYLINT"))}
        env = {k: v for k, v in env.items() if not k.startswith(("VAULT_", "BAO_"))}
        env.update(self.fleet.master_only_env())
        env.update(self.openbao.env(self.token))
        env.update(self.extra_env)
        return env

    def keylint(self, *args: str, now: str = at()) -> subprocess.CompletedProcess[str]:
        command, *rest = args
        where = ["--policies", "policies.yaml"] if command == "rotate" else ["policies.yaml"]
        done = run_cli([command, *where, *rest, *self.clock(now)], env=self.env(), cwd=self.tmp)
        self.outputs += [done.stdout, done.stderr]
        return done

    def clock(self, now: str) -> list[str]:
        return ["--base-url", self.emu.base_url, "--now", now]

    def plan(self, now: str = at()) -> dict[str, Any]:
        done = self.keylint("plan", "--format", "json", now=now)
        assert done.returncode in (0, 1), done.stderr
        return json.loads(done.stdout)  # type: ignore[no-any-return]

    def rows(self, api_name: str) -> list[dict[str, Any]]:
        keys = self.emu.scenario.keys
        return [
            {"apikey": k.api_key, "apiName": k.label, **k.permissions, "ips": list(k.ip_list)}
            for k in keys
            if k.owner == EMAIL and str(k.label).startswith(api_name)
        ]

    def stored(self, name: str, suffix: str = "") -> dict[str, Any] | None:
        mount, _, rest = self.paths[name].partition("/")
        headers = {"X-Vault-Token": self.openbao.root_token}
        with httpx.Client(base_url=self.openbao.address, timeout=10.0) as client:
            found = client.get(f"/v1/{mount}/data/{rest}{suffix}", headers=headers)
        if found.status_code == 404:
            return None
        assert found.status_code == 200, found.status_code
        body: dict[str, Any] = found.json()["data"]
        return body

    def metadata(self, name: str) -> dict[str, str]:
        mount, _, rest = self.paths[name].partition("/")
        meta: dict[str, str] = (
            self.openbao.api("GET", f"{mount}/metadata/{rest}").json()["data"]["custom_metadata"]
            or {}
        )
        return meta

    def alive(self, api_key: str) -> bool:
        return self.emu.scenario.key(api_key) is not None

    def creates(self) -> int:
        return sum(1 for r in self.emu.requests if r.method == "POST" and r.path == PATH_SUB_API)

    def deletes(self) -> int:
        return sum(1 for r in self.emu.requests if r.method == "DELETE" and r.path == PATH_SUB_API)

    def signs(self, name: str) -> bool:
        """The stored private key signs a request the emulator accepts for the stored key."""
        data = self.stored(name)
        assert data is not None
        made = ClientSecret(
            data["data"]["api_key"], "ed25519", private_pem=data["data"]["private_key"]
        )
        return own_restrictions(self.emu.base_url, made).status_code == 200

    def converged(self, name: str, api_name: str) -> None:
        """No pending record; every live key under the label family is the store's current key
        or the one it names as replaced: no live key whose private key is lost, no duplicate."""
        assert self.stored(name, ".pending") is None
        data = self.stored(name)
        assert data is not None
        current = data["data"]["api_key"]
        replaced = self.metadata(name).get("replaced_key", "")
        for row in self.rows(api_name):
            ok = row["apikey"] == current or (replaced and row["apikey"].startswith(replaced))
            assert ok, row["apiName"]
        labels = [row["apiName"] for row in self.rows(api_name)]
        assert len(labels) == len(set(labels))

    def assert_no_secrets(self, *more: str) -> None:
        """No output, log or file of any run holds a key, secret, private key or token."""
        needles = [*self.fleet.needles(), self.openbao.root_token]
        needles += [t for t in [self.token] if t]
        for name in self.paths:
            for suffix in ("", ".pending"):
                data = self.stored(name, suffix)
                if data is not None:
                    private = data["data"].get("private_key", "")
                    needles.append(private)
                    needles += [x for x in private.splitlines() if "---" not in x and len(x) > 16]
                    if data["data"].get("api_key"):
                        needles.append(data["data"]["api_key"])
        for key in self.emu.scenario.keys:
            needles.append(key.api_key)
        files = [p.read_text() for p in self.tmp.iterdir() if p.is_file() and p.suffix != ".pem"]
        for text in [*self.outputs, *files, *more]:
            for needle in needles:
                assert needle not in text


POLICY = """\
version: 1
defaults: {{max_age: 90d, sub_account: {email}}}
master: {{api_key_env: MASTER_API_KEY, private_key_env: MASTER_PEM}}
keys:
  - name: old
    api_name: old-bot
    permissions: [reading, spot_and_margin_trading]
    ips: [{gateway}]
    rotation: {{store: vault, path: {old}, grace: 24h}}
  - name: due
    api_name: due-bot
    permissions: [reading, spot_and_margin_trading, margin_loan_repay_transfer]
    ips: [{gateway}, 198.51.100.7]
    rotation: {{store: vault, path: {due}, grace: 24h}}
"""


def seed(openbao: OpenBao, path: str, secret: ClientSecret, api_name: str) -> None:
    mount, _, rest = path.partition("/")
    data = {
        "api_key": secret.api_key,
        "private_key": secret.private_pem,
        "key_type": "ed25519",
        "api_name": api_name,
    }
    answer = openbao.api("POST", f"{mount}/data/{rest}", {"data": data})
    assert answer.status_code in (200, 204), answer.text


@pytest.fixture
def rig(tmp_path: Path, openbao: OpenBao) -> Any:
    fleet = Fleet(tmp_path)
    fleet.sub(EMAIL)
    master = fleet.add_master()
    master_key = fleet.scenario.key(master.api_key)
    assert master_key is not None
    master_key.permissions["enableSpotAndMarginTrading"] = True
    fleet.scenario.client_ip = GATEWAY
    base = f"secret/rot-{secrets.token_hex(4)}"
    paths = {"old": f"{base}/old-bot", "due": f"{base}/due-bot"}
    old = {
        # Past its max_age (KL301): rotated.
        "old": fleet.add(
            "old",
            "ed25519",
            owner=EMAIL,
            label="old-bot",
            own_credentials=False,
            ip_restrict=True,
            ip_list=[GATEWAY],
            create_time=ms_ago(100),
            permissions={"enableReading": True, "enableSpotAndMarginTrading": True},
        ),
        # Within rotate_warning (KL302): rotated too.
        "due": fleet.add(
            "due",
            "ed25519",
            owner=EMAIL,
            label="due-bot",
            own_credentials=False,
            ip_restrict=True,
            ip_list=[GATEWAY, "198.51.100.7"],
            create_time=ms_ago(80),
            permissions={
                "enableReading": True,
                "enableSpotAndMarginTrading": True,
                "enableMargin": True,
            },
        ),
    }
    for name, secret in old.items():
        seed(openbao, paths[name], secret, f"{name}-bot")
    (tmp_path / "policies.yaml").write_text(
        POLICY.format(email=EMAIL, gateway=GATEWAY, old=paths["old"], due=paths["due"])
    )
    with Emulator(fleet.scenario) as emu:
        made = Rig(tmp_path, fleet, openbao, emu, paths, old)
        yield made
        made.assert_no_secrets()


def rotate_changes(plan: dict[str, Any]) -> dict[str, list[str]]:
    return {key["name"]: [c["action"] for c in key["changes"]] for key in plan["keys"]}


# --- the whole life of a rotation --------------------------------------------------------------


def test_one_apply_rotates_the_fleet_and_the_first_apply_after_the_grace_retires(
    rig: Rig,
) -> None:
    plan = rig.plan()
    assert rotate_changes(plan) == {"old": ["rotate"], "due": ["rotate"]}
    assert plan["manual"] == [] and all(
        not c["widens"] for key in plan["keys"] for c in key["changes"]
    )
    change = plan["keys"][0]["changes"][0]
    assert change["params"]["publicKey"].startswith("<")  # made by apply, never in a plan

    done = rig.keylint("apply", "--yes", "--log", "audit.jsonl")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Changes: 2 applied." in done.stdout
    for name, api_name, declared, ips in (
        ("old", "old-bot", {"canTrade"}, [GATEWAY]),
        ("due", "due-bot", {"canTrade", "canMarginLoanRepay"}, [GATEWAY, "198.51.100.7"]),
    ):
        new = [r for r in rig.rows(api_name) if r["apiName"] == label_at(api_name)]
        assert len(new) == 1
        made = rig.emu.scenario.key(new[0]["apikey"])
        assert made is not None
        live = {flag for flag, field in FLAG_FIELDS.items() if made.permissions.get(field)}
        assert live == declared and sorted(new[0]["ips"]) == sorted(ips)
        stored = rig.stored(name)
        assert stored is not None and stored["data"]["api_key"] == new[0]["apikey"]
        assert stored["data"]["api_name"] == label_at(api_name)
        assert rig.signs(name)
        meta = rig.metadata(name)
        assert meta["replaced_key"] == rig.old[name].api_key[:8]
        assert meta["retire_after"] == at(timedelta(hours=24))
        assert rig.alive(rig.old[name].api_key)  # through the grace
        rig.converged(name, api_name)
    log = [json.loads(line) for line in (rig.tmp / "audit.jsonl").read_text().splitlines()]
    assert [entry["outcome"] for entry in log] == ["applied", "applied"]

    # Within the grace: KL310 warns, nothing to apply, the old keys live.
    check = rig.keylint("check", "--format", "json", now=at(timedelta(hours=1)))
    assert check.returncode == 0, check.stdout + check.stderr
    kl310 = [f for f in json.loads(check.stdout)["findings"] if f["rule"] == "KL310"]
    assert len(kl310) == 2 and {f["severity"] for f in kl310} == {"warning"}
    assert not [f for f in json.loads(check.stdout)["findings"] if f["rule"] in ("KL307", "KL309")]
    early = rig.keylint("apply", "--yes", now=at(timedelta(hours=23)))
    assert early.returncode == 0, early.stdout + early.stderr
    assert rig.deletes() == 0 and all(rig.alive(s.api_key) for s in rig.old.values())

    # After it: KL310 is an error, and the first apply deletes both replaced keys.
    after = at(timedelta(hours=24, minutes=1))
    late_plan = rig.plan(now=after)
    assert rotate_changes(late_plan) == {"old": ["retire"], "due": ["retire"]}
    late = rig.keylint("apply", "--yes", now=after)
    assert late.returncode == 0, late.stdout + late.stderr
    assert not any(rig.alive(s.api_key) for s in rig.old.values())
    assert rig.deletes() == 2
    final = rig.plan(now=at(timedelta(hours=25)))
    assert final["keys"] == [] and final["manual"] == [] and final["unchecked"] == []


def test_keylint_rotate_grace_0_rotates_and_retires_in_one_run(rig: Rig) -> None:
    done = rig.keylint("rotate", "old", "--grace", "0", "--yes", "--log", "audit.jsonl")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Changes: 2 applied." in done.stdout
    assert not rig.alive(rig.old["old"].api_key)
    new = [r for r in rig.rows("old-bot") if r["apiName"] == label_at("old-bot")]
    assert len(new) == 1 and rig.signs("old")
    # The delete came after the new key was verified through the master.
    calls = [(r.method, r.path) for r in rig.emu.requests]
    created = calls.index(("POST", PATH_SUB_API))
    deleted = calls.index(("DELETE", PATH_SUB_API))
    verified = [
        i
        for i, call in enumerate(calls)
        if call == ("GET", "/sapi/v1/sub-account/subAccountApi/ipRestriction")
    ]
    assert any(created < i < deleted for i in verified)
    # The other key is untouched, and a fresh plan still rotates it (it is due).
    assert rig.alive(rig.old["due"].api_key)
    assert rotate_changes(rig.plan()) == {"due": ["rotate"]}


def test_keylint_rotate_refuses_what_it_cannot_rotate(rig: Rig) -> None:
    done = rig.keylint("rotate", "nope", "--yes")
    assert done.returncode == 2 and "no policy declares a key 'nope'" in done.stderr
    no_yes = rig.keylint("rotate", "old")
    assert no_yes.returncode == 2 and "--yes" in no_yes.stderr
    bad = rig.keylint("rotate", "old", "--grace", "soon", "--yes")
    assert bad.returncode == 2 and "--grace" in bad.stderr
    assert rig.creates() == 0


# --- crashes and faults after each write -------------------------------------------------------


def test_a_lost_create_answer_is_settled_by_the_next_apply_without_a_second_key(rig: Rig) -> None:
    rig.emu.add_fault(Fault(kind="lost_answer", path=PATH_SUB_API, method="POST", times=1))
    first = rig.keylint("apply", "--yes")
    assert first.returncode == 1, first.stdout + first.stderr
    assert "Changes: 1 applied, 1 with unknown outcome." in first.stdout
    assert rig.creates() == 2  # one lost, one not: never re-sent within the run
    pending = [name for name in rig.paths if rig.stored(name, ".pending") is not None]
    assert len(pending) == 1
    again = rig.keylint("apply", "--yes", now=at(timedelta(minutes=2)))
    assert again.returncode == 0, again.stdout + again.stderr
    assert rig.creates() == 2  # the lost one was found in the listing, not created again
    for name in rig.paths:
        rig.converged(name, f"{name}-bot")
        assert rig.signs(name) and rig.alive(rig.old[name].api_key)


@pytest.mark.parametrize("step", ["create", "verify"])
def test_a_run_killed_mid_rotation_is_completed_by_the_next_apply(rig: Rig, step: str) -> None:
    """SIGKILL while the create is in flight at Binance (it never lands), or after the create
    and the secret's write, while the new key is being verified: the next apply leaves no lost
    private key, no duplicate key and no early delete."""
    path_ip = "/sapi/v1/sub-account/subAccountApi/ipRestriction"
    if step == "create":
        rig.emu.add_fault(Fault(kind="hang", path=PATH_SUB_API, method="POST"))
    else:
        rig.emu.add_fault(Fault(kind="latency", latency=2.0, path=path_ip, method="GET"))
    command = [sys.executable, "-m", "keylint", "apply", "policies.yaml", "--yes"]
    command += ["--base-url", rig.emu.base_url, "--now", at()]
    process = subprocess.Popen(
        command, env=rig.env(), cwd=rig.tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while rig.creates() < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    # create: both creates hang at Binance; verify: both secrets are written within this
    # time, and each verification waits on the slow whitelist read.
    time.sleep(0.2 if step == "create" else 0.8)
    process.send_signal(signal.SIGKILL)
    out, err = process.communicate(timeout=30)
    rig.outputs += [out.decode(), err.decode()]
    assert rig.creates() == 2
    pending = [name for name in rig.paths if rig.stored(name, ".pending") is not None]
    assert sorted(pending) == sorted(rig.paths)  # both stopped half done
    rig.emu.clear_faults()

    again = rig.keylint("apply", "--yes", now=at(timedelta(minutes=2)))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "completed the rotation" in again.stdout
    # create: the hung creates never landed, so each was sent once more; verify: none again.
    assert rig.creates() == (4 if step == "create" else 2)
    for name in rig.paths:
        rig.converged(name, f"{name}-bot")
        assert rig.signs(name)
        assert rig.alive(rig.old[name].api_key)  # never deleted before the grace
    assert rig.deletes() == 0


# --- failures that must change nothing ----------------------------------------------------------


def test_a_store_that_is_down_stops_every_rotation_before_binance(rig: Rig) -> None:
    rig.extra_env = {"VAULT_ADDR": "http://127.0.0.1:9"}
    done = rig.keylint("apply", "--yes")
    assert done.returncode == 3, done.stdout + done.stderr  # the keys are unchecked
    assert "127.0.0.1:9" in done.stdout
    assert rig.creates() == 0 and rig.deletes() == 0


def test_a_token_that_cannot_write_stops_the_rotation_before_binance(rig: Rig) -> None:
    name = f"ro-{secrets.token_hex(4)}"
    mount, _, rest = rig.paths["old"].rpartition("/")[0].partition("/")
    rig.openbao.policy(name, {f"{mount}/data/{rest}/*": ["read"]})
    rig.token = rig.openbao.token(name)
    done = rig.keylint("apply", "--yes")
    assert done.returncode == 1, done.stdout + done.stderr
    said = " ".join(done.stdout.split())
    assert "Changes: 2 failed." in said and "lacks create, update on" in said
    assert "failed: nothing was created or deleted" in said
    assert rig.creates() == 0 and rig.deletes() == 0


def test_a_kv_version_1_mount_is_a_clear_unchecked_key(rig: Rig) -> None:
    mount = f"kv1-{secrets.token_hex(4)}"
    rig.openbao.api("POST", f"sys/mounts/{mount}", {"type": "kv", "options": {"version": "1"}})
    text = (rig.tmp / "policies.yaml").read_text().replace(rig.paths["old"], f"{mount}/old-bot")
    (rig.tmp / "policies.yaml").write_text(text)
    done = rig.keylint("apply", "--yes")
    assert done.returncode == 3, done.stdout + done.stderr
    assert "version 1" in done.stdout, done.stdout
    assert rig.creates() == 1  # only the other key rotated
    assert rig.alive(rig.old["old"].api_key)


@pytest.mark.parametrize(
    "fault",
    [
        Fault(
            kind="status",
            status=400,
            body=b'{"code":-9000,"msg":"Unsupported operation"}',
            path=PATH_SUB_API,
            method="POST",
        ),
        Fault(
            kind="status",
            status=401,
            body=b'{"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}',
            path=PATH_SUB_API,
            method="POST",
        ),
        Fault(kind="status", status=429, retry_after=600, path=PATH_SUB_API, method="POST"),
    ],
    ids=["-9000", "-2015", "429"],
)
def test_a_create_binance_refuses_creates_and_deletes_nothing(rig: Rig, fault: Fault) -> None:
    rig.emu.add_fault(fault)
    done = rig.keylint("apply", "--yes", "--timeout", "5")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Changes: 2 failed." in done.stdout
    assert len(rig.emu.scenario.keys) == 3 and rig.deletes() == 0
    for name in rig.paths:
        assert rig.stored(name, ".pending") is None  # nothing left to resend
        assert rig.stored(name)["data"]["api_key"] == rig.old[name].api_key  # type: ignore[index]
