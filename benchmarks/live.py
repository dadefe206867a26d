"""Live benchmark: keylint's Binance fetch against the loopback emulator, vs a naive httpx client.

Run with the project's interpreter: `.venv/bin/python benchmarks/live.py [--quick | --tiny]`.
Prints a Markdown table and exits 0 whether targets are met or not: it is a report, not a
test (README.md here). It exits 1 only when it could not finish (a crash, a failed run), so
the suite's smoke test (`--tiny`, tests/test_benchmarks.py) notices when it rots.

The emulator runs in its own process (so its threads do not share the client's GIL) and every
client run is a fresh subprocess (so its CPU time and peak RSS are its own).
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import multiprocessing
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LATENCY = 0.05  # seconds before the emulator processes each request, target (a)
SUB_WEIGHT = 3000  # UID weight of subAccountApi and subAccountApi/ipRestriction
IP_LIMIT, IP_WINDOW = 12000, 60.0  # Binance's documented per-endpoint IP budget
PATH_RESTRICTIONS = "/sapi/v1/account/apiRestrictions"


# ---------------------------------------------------------------- fleets


@dataclass
class Fleet:
    scenario: Any
    keys: list[dict[str, Any]]  # KeySpec fields, as JSON
    master: dict[str, Any] | None
    env: dict[str, str]


def self_checked_fleet(n: int, rng: random.Random, tmp: Path, *, drift: float = 0.0) -> Fleet:
    """n keys that check themselves (own credentials), half HMAC, half Ed25519 (seeded mix).

    With `drift` > 0 the keys are as `write_policies` declares them (reading only, IP-bound,
    30 days old), except that share of them, which also has futures on (KL101)."""
    from keylint.testing.emulator import Scenario, generate_key

    scenario, keys, env = Scenario(), [], {}
    month_ago = int((time.time() - 30 * 86400) * 1000)
    for i in range(n):
        signing = "ed25519" if rng.random() < 0.5 else "hmac"
        attrs: dict[str, Any] = {}
        if drift:
            attrs = {"ip_restrict": True, "ip_list": ["127.0.0.1"], "create_time": month_ago}
            if rng.random() < drift:
                attrs["permissions"] = {"enableReading": True, "enableFutures": True}
        emu_key, secret = generate_key(signing, label=f"k{i}", **attrs)
        scenario.keys.append(emu_key)
        spec = {"name": f"k{i}", "api_key_env": f"K{i}_API_KEY"}
        env[f"K{i}_API_KEY"] = secret.api_key
        if secret.secret is not None:
            spec["secret_env"] = f"K{i}_SECRET"
            env[f"K{i}_SECRET"] = secret.secret
        else:
            path = tmp / f"k{i}.pem"
            path.write_text(secret.private_pem or "")
            spec["private_key_env"] = f"K{i}_PEM"
            env[f"K{i}_PEM"] = str(path)
        keys.append(spec)
    return Fleet(scenario, keys, None, env)


def write_policies(fleet: Fleet, folder: Path, per_file: int = 10) -> int:
    """The fleet's policy files for `keylint check` (10 keys a file); returns the file count."""
    folder.mkdir()
    files = 0
    for start in range(0, len(fleet.keys), per_file):
        lines = ["version: 1", "defaults: {owner: '@bench', max_age: 365d}", "keys:"]
        for key in fleet.keys[start : start + per_file]:
            lines += [f"  - name: {key['name']}", f"    api_key_env: {key['api_key_env']}"]
            for field in ("secret_env", "private_key_env"):
                if key.get(field):
                    lines.append(f"    {field}: {key[field]}")
            # The emulator sees 127.0.0.1, but a loopback address in a policy is a finding
            # (KL204); a key's own credentials cannot show its IP list anyway.
            lines += ["    permissions: [reading]", "    ips: [203.0.113.10]"]
        (folder / f"p{files:04d}.yaml").write_text("\n".join(lines) + "\n")
        files += 1
    return files


def audit_fleet(n_subs: int, per_sub: int, rng: random.Random) -> Fleet:
    """A master (Ed25519) auditing n_subs x per_sub sub-account keys it alone can read."""
    from keylint.testing.emulator import EmuSubAccount, Scenario, generate_key

    scenario, keys, env = Scenario(), [], {}
    master_key, master = generate_key("ed25519", label="master")
    scenario.keys.append(master_key)
    scenario.master_api_key = master.api_key
    env["MASTER_API_KEY"], env["MASTER_PEM"] = master.api_key, master.private_pem or ""
    for s in range(n_subs):
        email = f"sub{s:03d}@example.com"
        scenario.sub_accounts.append(EmuSubAccount(email=email, sub_user_id=1000 + s))
        for j in range(per_sub):
            signing = "ed25519" if rng.random() < 0.5 else "hmac"
            emu_key, _ = generate_key(signing, owner=email, label=f"s{s}-k{j}")
            emu_key.ip_restrict = rng.random() < 0.7
            emu_key.ip_list = ["203.0.113.10"] if emu_key.ip_restrict else []
            scenario.keys.append(emu_key)
            keys.append({"name": f"s{s}-k{j}", "sub_account": email, "api_name": f"s{s}-k{j}"})
    return Fleet(
        scenario, keys, {"api_key_env": "MASTER_API_KEY", "private_key_env": "MASTER_PEM"}, env
    )


# ---------------------------------------------------------------- the emulator process


def _emulator_main(scenario: Any, conn: Any) -> None:
    """Serve `scenario`; answer commands on `conn`. Counts requests in flight at the server."""
    from keylint.testing import emulator as emu_mod

    state = {"inflight": 0, "peak": 0}
    lock = threading.Lock()
    original = emu_mod._Handler._handle

    def counted(self: Any, method: str) -> None:
        with lock:
            state["inflight"] += 1
            state["peak"] = max(state["peak"], state["inflight"])
        try:
            original(self, method)
        finally:
            with lock:
                state["inflight"] -= 1

    emu_mod._Handler._handle = counted  # type: ignore[method-assign]
    # socketserver listens with a backlog of 5: 32+ clients connecting at once overflow it
    # (TcpExtListenOverflows) and wait for a 1 s SYN retransmit. Binance's edge does not.
    emu_mod._Server.request_queue_size = 256
    emu = emu_mod.Emulator(scenario).start()
    # Scenario.key() is a linear scan; index it so 10,000 keys do not make the server the test.
    index = {k.api_key: k for k in scenario.keys}
    scenario.key = index.get  # type: ignore[method-assign]
    conn.send(emu.base_url)
    cpu0 = _cpu()
    while True:
        command, arg = conn.recv()
        if command == "stop":
            emu.stop()
            conn.send(None)
            return
        if command == "reset":
            emu.clear_requests()
            emu.clear_faults()
            if arg.get("latency"):
                emu.add_fault(emu_mod.Fault(kind="latency", latency=arg["latency"]))
            emu.set_weight_limits(uid=arg["uid"], ip=arg["ip"], window=arg["window"])
            # StreamRequestHandler sets TCP_NODELAY per new connection when this is True; the
            # Nagle on, as the emulator had it before its fix: it adds ~40 ms to every answer.
            emu_mod._Handler.disable_nagle_algorithm = arg["nodelay"]
            emu._weights = emu_mod._WeightBook()  # a fresh ledger for every run
            with lock:
                state["peak"] = 0
            cpu0 = _cpu()
            conn.send(None)
        elif command == "stats":
            records = emu.requests
            window = emu.scenario.weight_window
            # Weight per fixed window per endpoint, as the emulator counts it (weight 1 per
            # /sapi call on the IP side).
            per_window: dict[tuple[str, int], int] = {}
            for r in records:
                if r.status == 429:
                    continue
                slot = (r.path, int(r.at // window))
                per_window[slot] = per_window.get(slot, 0) + 1
            conn.send(
                {
                    "requests": len(records),
                    "s429": sum(1 for r in records if r.status == 429),
                    "by_path": _by_path(records),
                    "peak_inflight": state["peak"],
                    "max_ip_weight_window": max(per_window.values(), default=0),
                    "server_cpu": _cpu() - cpu0,
                    "first_at": min((r.at for r in records), default=0.0),
                    "last_at": max((r.at for r in records), default=0.0),
                }
            )


def _by_path(records: list[Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in records:
        out[f"{r.path} {r.status}"] = out.get(f"{r.path} {r.status}", 0) + 1
    return out


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class EmulatorProcess:
    def __init__(self, scenario: Any) -> None:
        ctx = multiprocessing.get_context("fork")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_emulator_main, args=(scenario, child), daemon=True)
        self._proc.start()
        self.base_url = self._conn.recv()

    def reset(
        self,
        *,
        latency: float = 0.0,
        uid: int = 180000,
        ip: int = IP_LIMIT,
        window: float = IP_WINDOW,
        nodelay: bool = True,
    ) -> None:
        self._conn.send(
            (
                "reset",
                {"latency": latency, "uid": uid, "ip": ip, "window": window, "nodelay": nodelay},
            )
        )
        self._conn.recv()

    def stats(self) -> dict[str, Any]:
        self._conn.send(("stats", None))
        return self._conn.recv()

    def stop(self) -> None:
        self._conn.send(("stop", None))
        self._conn.recv()
        self._proc.join(5)


# ---------------------------------------------------------------- client jobs (subprocess)


def job_main(path: str) -> None:
    """Run one client job described in a JSON file; print its figures as JSON."""
    job = json.loads(Path(path).read_text())
    # Import before the clock starts, for every kind: start-up is not what is measured.
    # keylint first, as its own processes do (it keeps httpx's command-line tool unloaded).
    import keylint  # noqa: I001
    import httpx  # noqa: F401
    from cryptography.hazmat.primitives.serialization import load_pem_private_key  # noqa: F401

    import keylint.binance.fetch  # noqa: F401

    if job.get("align"):
        # Start just after a boundary of the emulator's fixed window (both read time.time()).
        window = job["align"]
        time.sleep(window - time.time() % window + 0.005)
    rss_before = _rss_now()
    cpu0, t0 = _cpu(), time.perf_counter()
    phase = time.time() % job["align"] if job.get("align") else None
    result = {
        "keylint": _job_keylint,
        "seq": _job_seq,
        "threads": _job_threads,
        "seq_audit": _job_seq_audit,
        "async": _job_async,
    }[job["kind"]](job)
    wall = time.perf_counter() - t0
    result.update(
        wall=wall,
        cpu=_cpu() - cpu0,
        rss_before_kib=rss_before,
        maxrss_kib=_rss_now("VmHWM"),
        phase=phase,
    )
    print(json.dumps(result))


def _rss_now(field: str = "VmRSS") -> int:
    """This process's resident memory now (VmRSS) or at its peak (VmHWM), in KiB.

    Peaks are read here rather than from getrusage: a child's ru_maxrss keeps the RSS of
    the parent it was forked from (this benchmark, holding a fleet of thousands of keys:
    about 80 MiB), so every small run read as at least that much."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


# `keylint check` exactly as its console script runs it (`sys.exit(main())`), writing its peak
# RSS to a file at exit (ru_maxrss would report the benchmark's own, see `_rss_now`).
CHECK_WRAPPER = """
import atexit, os, sys
def _peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            with open(os.environ["KEYLINT_BENCH_PEAK"], "w") as out:
                out.write(line.split()[1])
atexit.register(_peak)
sys.argv[0] = "keylint"
from keylint.cli import main
sys.exit(main())
"""


def _job_keylint(job: dict[str, Any]) -> dict[str, Any]:
    import asyncio
    from types import SimpleNamespace

    from keylint.binance import client
    from keylint.binance.fetch import fetch_live_state

    if job.get("before"):
        # The client as it was before this benchmark's changes: one httpx pool of
        # `concurrency` connections, and a pacer that sums its ledger on every call.
        client.POOL_SHARD_SIZE = 10**9

        def used(self: Any, bucket: str) -> int:
            ledger = self._ledger.setdefault(bucket, collections.deque())
            horizon = self._clock() - self.span
            while ledger and ledger[0][0] <= horizon:
                ledger.popleft()
            return sum(weight for _, weight in ledger)

        client.Pacer.used = used  # type: ignore[method-assign]

    defaults = {
        "sub_account": None,
        "api_name": None,
        "api_key_env": None,
        "secret_env": None,
        "private_key_env": None,
        "status": "active",
    }
    keys = [SimpleNamespace(**{**defaults, **k}) for k in job["keys"]]
    master = SimpleNamespace(**{"secret_env": None, **job["master"]}) if job["master"] else None
    options = {k: v for k, v in job["options"].items() if v is not None}
    state = asyncio.run(
        fetch_live_state(keys, master, base_url=job["base_url"], env=job["env"], **options)
    )
    statuses: dict[str, int] = {}
    for entry in state.keys.values():
        statuses[entry["status"]] = statuses.get(entry["status"], 0) + 1
    return {"statuses": statuses}


def _signer(env: dict[str, str], key: dict[str, Any]) -> tuple[str, Any]:
    """(api key, sign(bytes) -> str) straight from hmac / cryptography: no keylint code."""
    import base64
    import hashlib
    import hmac
    from urllib.parse import quote

    api_key = env[key["api_key_env"]]
    if key.get("secret_env"):
        secret = env[key["secret_env"]].encode()
        return api_key, lambda data: hmac.new(secret, data, hashlib.sha256).hexdigest()
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    pem = env[key["private_key_env"]]
    private = load_pem_private_key(
        pem.encode() if pem.startswith("-----") else Path(pem).read_bytes(), password=None
    )
    return api_key, lambda data: quote(base64.b64encode(private.sign(data)).decode(), safe="")


def _signed_get(http: Any, path: str, params: str, api_key: str, sign: Any) -> Any:
    query = f"{params}{'&' if params else ''}timestamp={int(time.time() * 1000)}&recvWindow=5000"
    url = f"{path}?{query}&signature={sign(query.encode())}"
    return http.get(url, headers={"X-MBX-APIKEY": api_key})


def _check_one(http: Any, env: dict[str, str], key: dict[str, Any]) -> int:
    api_key, sign = _signer(env, key)
    return _signed_get(http, PATH_RESTRICTIONS, "", api_key, sign).status_code


def _job_seq(job: dict[str, Any]) -> dict[str, Any]:
    import httpx

    with httpx.Client(base_url=job["base_url"], timeout=30) as http:
        codes = [_check_one(http, job["env"], k) for k in job["keys"]]
    return {"statuses": {str(c): codes.count(c) for c in set(codes)}}


def _job_threads(job: dict[str, Any]) -> dict[str, Any]:
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    n = job["threads"]
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    with (
        httpx.Client(base_url=job["base_url"], timeout=30, limits=limits) as http,
        ThreadPoolExecutor(n) as pool,
    ):
        codes = list(pool.map(lambda k: _check_one(http, job["env"], k), job["keys"]))
    return {"statuses": {str(c): codes.count(c) for c in set(codes)}}


def _job_async(job: dict[str, Any]) -> dict[str, Any]:
    """(e) The same signed GETs from one asyncio loop, `concurrency` at a time, on one of the
    HTTP stacks keylint could use: what each costs with keylint's own code left out."""
    import asyncio
    from urllib.parse import urlsplit

    stack, n = job["stack"], job["concurrency"]
    env, base = job["env"], job["base_url"]

    async def run() -> list[int]:
        gate = asyncio.Semaphore(n)
        send: Any
        closers: list[Any] = []
        if stack.startswith("httpx"):
            import httpx

            shards = 1 if stack == "httpx" else -(-n // 8)
            pools = [
                httpx.AsyncClient(
                    base_url=base,
                    limits=httpx.Limits(
                        max_connections=-(-n // shards), max_keepalive_connections=-(-n // shards)
                    ),
                )
                for _ in range(shards)
            ]
            closers = [pool.aclose for pool in pools]
            busy = [0] * shards

            async def send(target: str, api_key: str) -> int:
                shard = busy.index(min(busy))
                busy[shard] += 1
                try:
                    response = await pools[shard].get(target, headers={"X-MBX-APIKEY": api_key})
                finally:
                    busy[shard] -= 1
                return response.status_code

        elif stack == "httpcore":
            import httpcore

            url = urlsplit(base)
            shards = -(-n // 8)
            cores = [httpcore.AsyncConnectionPool(max_connections=8) for _ in range(shards)]
            closers = [core.aclose for core in cores]
            busy = [0] * shards
            host = [(b"Host", url.netloc.encode())]

            async def send(target: str, api_key: str) -> int:
                shard = busy.index(min(busy))
                busy[shard] += 1
                try:
                    answer = await cores[shard].request(
                        "GET",
                        httpcore.URL(
                            scheme=url.scheme.encode(),
                            host=(url.hostname or "").encode(),
                            port=url.port,
                            target=target.encode(),
                        ),
                        headers=[*host, (b"X-MBX-APIKEY", api_key.encode())],
                    )
                finally:
                    busy[shard] -= 1
                return answer.status

        else:  # aiohttp: for reference only, never a keylint dependency
            import aiohttp

            session = aiohttp.ClientSession(base, connector=aiohttp.TCPConnector(limit=n))
            closers = [session.close]

            async def send(target: str, api_key: str) -> int:
                async with session.get(target, headers={"X-MBX-APIKEY": api_key}) as response:
                    await response.read()
                    return response.status

        async def one(key: dict[str, Any]) -> int:
            api_key, sign = _signer(env, key)
            async with gate:
                query = f"timestamp={int(time.time() * 1000)}&recvWindow=5000"
                return int(
                    await send(
                        f"{PATH_RESTRICTIONS}?{query}&signature={sign(query.encode())}", api_key
                    )
                )

        try:
            return await asyncio.gather(*(one(key) for key in job["keys"]))
        finally:
            for close in closers:
                await close()

    codes = asyncio.run(run())
    return {"statuses": {str(c): codes.count(c) for c in set(codes)}}


def _job_seq_audit(job: dict[str, Any]) -> dict[str, Any]:
    """The master audit, one call at a time; on a 429 it sleeps Retry-After and retries."""
    import httpx

    env = job["env"]
    api_key, sign = _signer(env, {"api_key_env": "MASTER_API_KEY", "private_key_env": "MASTER_PEM"})
    got_429 = 0

    def get(path: str, params: str) -> Any:
        nonlocal got_429
        while True:
            response = _signed_get(http, path, params, api_key, sign)
            if response.status_code != 429:
                return response.json()
            got_429 += 1
            time.sleep(float(response.headers.get("Retry-After", "1")))

    checked = 0
    with httpx.Client(base_url=job["base_url"], timeout=30) as http:
        subs = get("/sapi/v1/sub-account/list", "page=1&limit=200")["subAccounts"]
        for sub in subs:
            rows = get(
                "/sapi/v1/sub-account/subAccountApi", f"email={sub['email']}&page=1&size=100"
            )["rows"]
            for row in rows:
                get(
                    "/sapi/v1/sub-account/subAccountApi/ipRestriction",
                    f"email={sub['email']}&subAccountApiKey={row['apikey']}",
                )
                checked += 1
    return {"statuses": {"ok": checked}, "client_429": got_429}


def spawn(cmd: list[str], *, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run `cmd`; its exit code, output, and wall, CPU and peak RSS seen from outside (the
    interpreter's start-up and imports included; CPU and RSS of the process and the children
    it reaped, such as pool workers)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return {
            "rc": proc.returncode,
            "stdout": out.read().decode(errors="replace"),
            "stderr": err.read().decode(errors="replace"),
            "outer_wall": wall,
            "outer_cpu": usage.ru_utime + usage.ru_stime,
            "outer_maxrss_kib": usage.ru_maxrss,
        }


def tool(name: str) -> str:
    """The console script beside this interpreter (the venv's `keylint`), else on PATH."""
    local = Path(sys.executable).parent / name
    found = str(local) if local.exists() else shutil.which(name)
    if found is None:
        sys.exit(f"{name} not found: run with the project's venv python")
    return found


def run_job(tmp: Path, job: dict[str, Any]) -> dict[str, Any]:
    if job["kind"] == "check":
        return run_check(tmp, job)
    path = tmp / "job.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(job, handle)
    done = spawn([sys.executable, __file__, "--job", str(path)])
    path.unlink()
    if done["rc"] != 0:
        return {"error": done["stderr"][-1500:]}
    result: dict[str, Any] = json.loads(done["stdout"].strip().splitlines()[-1])
    result.update({k: v for k, v in done.items() if k.startswith("outer_")})
    return result


def run_check(tmp: Path, job: dict[str, Any]) -> dict[str, Any]:
    """`keylint check` end to end, the installed script as a user runs it: start-up, policy
    loading, the fetch, the rules and the JSON report all inside the figures."""
    report, peak = tmp / "report.json", tmp / "peak.txt"
    tool("keylint")  # the venv's keylint: its interpreter is this one
    cmd = [sys.executable, "-c", CHECK_WRAPPER, "check", job["policies"]]
    cmd += ["--base-url", job["base_url"]]
    cmd += ["--format", "json", "--output", str(report), "--timeout", "300"]
    cmd += ["--concurrency", str(job["concurrency"])]
    done = spawn(cmd, env={**os.environ, **job["env"], "KEYLINT_BENCH_PEAK": str(peak)})
    # 0: clean; 1: the drift the fleet was given. 3 (unchecked keys) or 2 is a failed run.
    if done["rc"] not in (0, 1) or not report.exists() or not peak.exists():
        return {"error": f"exit {done['rc']}: {done['stderr'][-1500:]}"}
    summary = json.loads(report.read_text())["summary"]
    report.unlink()
    peak_kib = int(peak.read_text())
    peak.unlink()
    return {
        # "ok" counts checked keys, as the fetch jobs count keys read: the rows compare them.
        "statuses": {"ok": summary["checked"], "unchecked": summary["unchecked"]},
        "findings": {level: summary[level] for level in ("error", "warning", "info")},
        "exit": done["rc"],
        "wall": done["outer_wall"],
        "cpu": done["outer_cpu"],
        "maxrss_kib": peak_kib,
        **{k: v for k, v in done.items() if k.startswith("outer_")},
    }


# ---------------------------------------------------------------- (d) `keylint check`

# Issue 17's targets for a whole `check` at the default concurrency (its plain client was
# aiohttp; here it is the httpx thread pool, the best plain client this benchmark has).
CHECK_RATE, CHECK_CPU_MS, CHECK_RATIO = 600, 1.0, 0.8
CHECK_KIB_PER_KEY = 5


def check_rows(
    sizes: Sizes,
    rng: random.Random,
    tmp: Path,
    run: Any,
    notes: list[str],
) -> list[Row]:
    """(d) `keylint check` end to end, as a user runs it, beside the plain threaded client
    and keylint's own fetch, all measured from outside the process in the same run."""
    from keylint.binance.client import DEFAULT_CONCURRENCY

    started = time.perf_counter()
    n = sizes.n_check
    fleet = self_checked_fleet(n, rng, tmp, drift=0.05)
    files = write_policies(fleet, tmp / "policies-d")
    # The same check on the first tenth of the fleet, for memory per key (growth, as (c)).
    n_small = max(1, n // 10)
    small = Fleet(fleet.scenario, fleet.keys[:n_small], None, fleet.env)
    write_policies(small, tmp / "policies-d-small")
    emu = EmulatorProcess(fleet.scenario)
    concurrencies = [DEFAULT_CONCURRENCY]
    if sizes.more_concurrency:
        concurrencies = sorted({DEFAULT_CONCURRENCY, 32, 64})
    runs: dict[str, list[dict[str, Any]]] = {}
    plan: list[tuple[str, dict[str, Any]]] = []
    for c in concurrencies:
        check = {"kind": "check", "policies": str(tmp / "policies-d"), "concurrency": c}
        plan.append((f"check c={c}", {**check, "env": fleet.env, "base_url": emu.base_url}))
        threads = {"kind": "threads", "threads": c, "keys": fleet.keys, "env": fleet.env}
        plan.append((f"threads N={c}", {**threads, "base_url": emu.base_url}))
    plan.append(("fetch", keylint_job(fleet, emu.base_url)))
    print(f"(d) fleet of {n:,} keys in {files} policy files ready", flush=True)
    small_check = {
        "kind": "check",
        "policies": str(tmp / "policies-d-small"),
        "concurrency": DEFAULT_CONCURRENCY,
        "env": fleet.env,
        "base_url": emu.base_url,
    }
    try:
        for _ in range(sizes.repeats):  # interleaved, so all see the same noise
            for label, job in plan:
                r = run(emu, job, f"(d) {label}", n, latency=LATENCY)
                runs.setdefault(label, []).append(r)
            r = run(emu, small_check, f"(d) check of {n_small:,} keys", n_small, latency=LATENCY)
            runs.setdefault("small", []).append(r)
    finally:
        emu.stop()
    if FAILED:
        return []

    def median(label: str) -> dict[str, Any]:
        ordered = sorted(runs[label], key=lambda r: r["outer_wall"])
        return ordered[len(ordered) // 2]

    rows = []
    runs_of = f"median of {sizes.repeats}"
    for c in concurrencies:
        k, t = median(f"check c={c}"), median(f"threads N={c}")
        kr, tr = n / k["outer_wall"], n / t["outer_wall"]
        k_ms, t_ms = k["outer_cpu"] * 1000 / n, t["outer_cpu"] * 1000 / n
        default = c == DEFAULT_CONCURRENCY
        all_ok = k["statuses"].get("ok") == n and t["statuses"].get("200") == n
        rows.append(
            Row(
                f"(d) `keylint check` end to end, {n:,} keys @ 50 ms, --concurrency {c}"
                f"{' (default)' if default else ''} vs httpx.Client + {c} threads; both "
                f"whole processes, start-up included ({runs_of})",
                f"{kr:.0f} keys/s, {k_ms:.2f} ms CPU/key",
                f"{tr:.0f} keys/s, {t_ms:.2f} ms CPU/key",
                f"{kr / tr:.2f}x",
                (
                    f">= {CHECK_RATE} keys/s, <= {CHECK_CPU_MS:g} ms CPU/key, >= {CHECK_RATIO}x"
                    if default
                    else "—"
                ),
                (
                    kr >= CHECK_RATE and k_ms <= CHECK_CPU_MS and kr / tr >= CHECK_RATIO and all_ok
                    if default
                    else None
                ),
            )
        )
        notes.append(
            f"(d) c={c}: check walls "
            + ", ".join(f"{r['outer_wall']:.2f}" for r in runs[f"check c={c}"])
            + f" s, peak RSS {k['maxrss_kib'] / 1024:.0f} MiB, exit {k['exit']}, "
            f"findings {k['findings']}; threads walls "
            + ", ".join(f"{r['outer_wall']:.2f}" for r in runs[f"threads N={c}"])
            + f" s (of which inside the job, imports excluded: {t['wall']:.2f} s)"
        )
    # Peak memory per key: the growth of check's peak RSS from a tenth of the fleet (medians).
    big_rss = sorted(r["maxrss_kib"] for r in runs[f"check c={DEFAULT_CONCURRENCY}"])
    small_rss = sorted(r["maxrss_kib"] for r in runs["small"])
    threads_rss = sorted(r["maxrss_kib"] for r in runs[f"threads N={DEFAULT_CONCURRENCY}"])
    peak, peak_small = big_rss[len(big_rss) // 2], small_rss[len(small_rss) // 2]
    per_key = (peak - peak_small) * 1024 / max(1, n - n_small)
    rows.append(
        Row(
            f"(d) `keylint check` peak RSS at {n:,} keys (default concurrency); per key = "
            f"growth from {n_small:,} keys (median of {sizes.repeats} each)",
            f"{peak / 1024:.0f} MiB; {per_key / 1024:.1f} KiB/key",
            f"threads {threads_rss[len(threads_rss) // 2] / 1024:.0f} MiB; "
            f"check of {n_small:,} keys {peak_small / 1024:.0f} MiB",
            "—",
            f"<= {CHECK_KIB_PER_KEY} KiB/key",
            per_key / 1024 <= CHECK_KIB_PER_KEY,
        )
    )
    k, f = median(f"check c={DEFAULT_CONCURRENCY}"), median("fetch")
    rows.append(
        Row(
            f"same: what `check` adds to keylint's fetch (`fetch_live_state` in-process, "
            f"imports excluded; --concurrency {DEFAULT_CONCURRENCY})",
            f"check {k['outer_wall']:.2f} s, {k['outer_cpu']:.2f} s CPU",
            f"fetch {f['wall']:.2f} s, {f['cpu']:.2f} s CPU",
            f"{1 - f['wall'] / k['outer_wall']:.0%} of the wall outside the fetch",
            "reported",
            None,
        )
    )
    print(f"(d) done ({time.perf_counter() - started:.0f} s)", flush=True)
    return rows


# ---------------------------------------------------------------- (e) HTTP stacks


def transport_rows(
    sizes: Sizes, rng: random.Random, tmp: Path, run: Any, notes: list[str]
) -> list[Row]:
    """(e) keylint's fetch beside the same signed GETs sent from one asyncio loop on each
    HTTP stack it could use, at the default concurrency: what the stack itself costs."""
    import importlib.util

    from keylint.binance.client import DEFAULT_CONCURRENCY

    started = time.perf_counter()
    n, c = sizes.n_transport, DEFAULT_CONCURRENCY
    fleet = self_checked_fleet(n, rng, tmp)
    emu = EmulatorProcess(fleet.scenario)
    common = {"keys": fleet.keys, "env": fleet.env, "base_url": emu.base_url}
    stacks = {
        "keylint fetch (httpcore pools of 8, its pacer and parsing)": keylint_job(
            fleet, emu.base_url, concurrency=c
        ),
        "httpx.AsyncClient, one pool": {"kind": "async", "stack": "httpx", "concurrency": c},
        "httpx.AsyncClient, pools of 8": {"kind": "async", "stack": "httpx8", "concurrency": c},
        "httpcore pools of 8 (what keylint sends on)": {
            "kind": "async",
            "stack": "httpcore",
            "concurrency": c,
        },
        f"httpx.Client + {c} threads": {"kind": "threads", "threads": c},
    }
    if importlib.util.find_spec("aiohttp") is not None:
        stacks["aiohttp (reference; not a dependency)"] = {
            "kind": "async",
            "stack": "aiohttp",
            "concurrency": c,
        }
    runs: dict[str, list[dict[str, Any]]] = {}
    print(f"(e) fleet of {n:,} keys ready", flush=True)
    try:
        for _ in range(sizes.repeats):
            for label, job in stacks.items():
                job = {**common, **job} if job["kind"] != "keylint" else job
                runs.setdefault(label, []).append(run(emu, job, f"(e) {label}", n, latency=LATENCY))
    finally:
        emu.stop()
    if FAILED:
        return []
    rows = []
    first = next(iter(stacks))
    ok = [r for r in runs[first] if "wall" in r]
    k = sorted(ok, key=lambda r: r["wall"])[len(ok) // 2]
    for label in stacks:
        ok = [r for r in runs[label] if "wall" in r]
        r = sorted(ok, key=lambda r: r["wall"])[len(ok) // 2]
        rows.append(
            Row(
                f"(e) {n:,} signed GETs @ 50 ms, concurrency {c}, imports excluded "
                f"(median of {sizes.repeats}): {label}",
                f"{rate(r, n):.0f} keys/s",
                f"{r['cpu'] * 1000 / n:.2f} ms CPU/key",
                "—" if label == first else f"keylint {rate(k, n) / rate(r, n):.2f}x",
                "reported",
                None,
            )
        )
    notes.append(
        "(e) CPU per key includes loading the key (Ed25519 PEM or HMAC secret) and signing, "
        "the same for every stack; keylint's row adds its pacer, retries, clock sync, response "
        "checks and the state entry"
    )
    print(f"(e) done ({time.perf_counter() - started:.0f} s)", flush=True)
    return rows


# ---------------------------------------------------------------- report


@dataclass
class Row:
    measurement: str
    keylint: str
    baseline: str
    ratio: str
    target: str
    met: bool | None

    def markdown(self) -> str:
        met = "—" if self.met is None else ("yes" if self.met else "**NO**")
        cells = (self.measurement, self.keylint, self.baseline, self.ratio, self.target, met)
        return "| " + " | ".join(cells) + " |"


def keylint_job(fleet: Fleet, base_url: str, **options: Any) -> dict[str, Any]:
    options.setdefault("timeout", 300.0)
    return {
        "kind": "keylint",
        "keys": fleet.keys,
        "master": fleet.master,
        "env": fleet.env,
        "base_url": base_url,
        "options": options,
    }


def measured(emu: EmulatorProcess, tmp: Path, job: dict[str, Any], **limits: Any) -> dict[str, Any]:
    emu.reset(**limits)
    result = run_job(tmp, job)
    result["server"] = emu.stats()
    return result


def rate(result: dict[str, Any], n: int) -> float:
    return n / result["wall"] if "wall" in result else float("nan")


def describe(label: str, r: dict[str, Any], n: int) -> str:
    if "error" in r:
        return f"{label}: FAILED {r['error']}"
    s = r["server"]
    return (
        f"{label}: {n} keys in {r['wall']:.2f} s = {rate(r, n):.0f} keys/s; client CPU "
        f"{r['cpu']:.2f} s, server CPU {s['server_cpu']:.2f} s; peak in flight "
        f"{s['peak_inflight']}; requests {s['by_path']}; statuses {r['statuses']}; "
        f"peak RSS {r['maxrss_kib'] / 1024:.0f} MiB"
    )


# Client runs that failed (their error is printed as they end): the exit code says so.
FAILED: list[str] = []


@dataclass(frozen=True)
class Sizes:
    n_a: int  # (a) keys
    repeats: int
    seq_keys: int  # (a) keys for the sequential baseline
    n_subs: int  # (b) sub-accounts x keys each, calls per UID window
    per_sub: int
    per_window: int
    windows: tuple[tuple[float, int], ...]  # (b) (window s, runs); the first one has the target
    n_mem: int  # (c) keys, and the smaller fleet the growth is measured from
    n_mem_small: int
    n_check: int  # (d) keys
    n_transport: int  # (e) keys
    more_concurrency: bool = True  # (a) and (d) also at 32 and 64, not only the default


SIZES = {
    "full": Sizes(1_000, 3, 100, 20, 10, 40, ((2.0, 3), (5.0, 1)), 10_000, 1_000, 5_000, 2_000),
    "quick": Sizes(1_000, 1, 40, 20, 10, 40, ((2.0, 1), (5.0, 1)), 3_000, 1_000, 2_000, 1_000),
    # A smoke run (tests/test_benchmarks.py): every row's code once, in seconds; its figures
    # mean nothing (start-up dominates, and the targets are missed).
    "tiny": Sizes(8, 1, 2, 1, 2, 1, ((0.25, 1),), 20, 10, 8, 8, more_concurrency=False),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="fewer keys and repeats")
    size.add_argument("--tiny", action="store_true", help="a smoke run of every row, seconds")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--job", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.job:
        job_main(args.job)
        return 0
    from keylint.binance.client import DEFAULT_CONCURRENCY

    mode = "tiny" if args.tiny else "quick" if args.quick else "full"
    sizes = SIZES[mode]
    started = time.perf_counter()
    load_start = f"{os.getloadavg()[0]:.2f}"
    rng = random.Random(args.seed)
    n_a = sizes.n_a
    repeats = sizes.repeats
    seq_keys = sizes.seq_keys
    n_mem = sizes.n_mem
    rows: list[Row] = []

    def run(emu: EmulatorProcess, job: dict[str, Any], label: str, n: int, **limits: Any) -> Any:
        r = measured(emu, tmp, job, **limits)
        print(describe(label, r, n), flush=True)
        if "error" in r:
            FAILED.append(label)
        return r

    notes: list[str] = []

    with tempfile.TemporaryDirectory(prefix="keylint-live-") as tmp_name:
        tmp = Path(tmp_name)

        # (a) 1,000 self-checked keys at 50 ms a request -------------------------------------
        fleet = self_checked_fleet(n_a, rng, tmp)
        emu = EmulatorProcess(fleet.scenario)
        lat = {"latency": LATENCY}
        print(
            f"(a) fleet of {n_a:,} keys ready ({time.perf_counter() - started:.0f} s)", flush=True
        )
        try:
            runs: dict[str, list[dict[str, Any]]] = {}
            concurrencies = sorted({DEFAULT_CONCURRENCY, 32, 64})
            if not sizes.more_concurrency:
                concurrencies = [DEFAULT_CONCURRENCY]
            seq_fleet = Fleet(fleet.scenario, fleet.keys[:seq_keys], None, fleet.env)
            plan: list[tuple[str, dict[str, Any], int]] = []
            for c in concurrencies:
                plan.append(
                    (f"keylint c={c}", keylint_job(fleet, emu.base_url, concurrency=c), n_a)
                )
                job = keylint_job(fleet, emu.base_url, concurrency=c)
                job["before"] = True
                plan.append((f"keylint c={c} before", job, n_a))
            for c in concurrencies:
                plan.append(
                    (
                        f"threads N={c}",
                        {
                            "kind": "threads",
                            "threads": c,
                            "keys": fleet.keys,
                            "env": fleet.env,
                            "base_url": emu.base_url,
                        },
                        n_a,
                    )
                )
            seq_job = {
                "kind": "seq",
                "keys": seq_fleet.keys,
                "env": fleet.env,
                "base_url": emu.base_url,
            }
            # The emulator with Nagle on, once: shows what the ~40 ms stall does.
            stock = {"latency": LATENCY, "nodelay": False}
            k_stock = run(emu, keylint_job(fleet, emu.base_url), "stock: keylint", n_a, **stock)
            seq_stock = run(emu, seq_job, "stock emulator: sequential", seq_keys, **stock)
            for _ in range(repeats):  # interleaved, so all see the same noise
                for label, job, n in plan:
                    runs.setdefault(label, []).append(run(emu, job, label, n, **lat))
            seq = run(emu, seq_job, "sequential httpx", seq_keys, **lat)
        finally:
            emu.stop()

        def best(label: str) -> dict[str, Any]:
            ok = [r for r in runs[label] if "wall" in r]
            return sorted(ok, key=lambda r: r["wall"])[len(ok) // 2]  # the median run

        seq_rate = rate(seq, seq_keys)
        ks, ss = rate(k_stock, n_a), rate(seq_stock, seq_keys)
        rows.append(
            Row(
                "(a) emulator with Nagle on (as before its fix), keylint default --concurrency "
                f"{DEFAULT_CONCURRENCY} "
                "vs sequential httpx (1 run)",
                f"{ks:.0f} keys/s",
                f"{ss:.1f} keys/s",
                f"{ks / ss:.0f}x",
                "—",  # for the record: the emulator as it was, not a target
                None,
            )
        )
        for c in concurrencies:
            k, t = best(f"keylint c={c}"), best(f"threads N={c}")
            kr, tr = rate(k, n_a), rate(t, n_a)
            s = k["server"]
            all_ok = k["statuses"].get("ok", 0) == n_a
            default = " (default)" if c == DEFAULT_CONCURRENCY else ""
            rows.append(
                Row(
                    f"(a) {n_a:,} keys @ 50 ms, keylint --concurrency {c}{default} "
                    "vs sequential httpx "
                    f"(median of {repeats})",
                    f"{kr:.0f} keys/s",
                    f"{seq_rate:.1f} keys/s",
                    f"{kr / seq_rate:.0f}x",
                    ">= 400 keys/s",
                    kr >= 400 and all_ok,
                )
            )
            b = best(f"keylint c={c} before")
            rows.append(
                Row(
                    f"same, one httpx pool of {c} and the summing pacer (as before their fixes)",
                    f"{rate(b, n_a):.0f} keys/s, {b['cpu']:.2f} s CPU",
                    f"after: {kr:.0f} keys/s, {k['cpu']:.2f} s CPU",
                    f"{kr / rate(b, n_a):.2f}x",
                    "—",
                    None,
                )
            )
            rows.append(
                Row(
                    f"same, vs httpx.Client + {c} threads",
                    f"{kr:.0f} keys/s",
                    f"{tr:.0f} keys/s",
                    f"{kr / tr:.2f}x",
                    "—",
                    None,
                )
            )
            rows.append(
                Row(
                    "same: peak in flight (emulator) / IP weight in busiest "
                    f"{IP_WINDOW:.0f} s window "
                    f"(limit {IP_LIMIT}) / 429s",
                    f"{s['peak_inflight']} / {s['max_ip_weight_window']} / {s['s429']}",
                    f"{t['server']['peak_inflight']} / {t['server']['max_ip_weight_window']} / "
                    f"{t['server']['s429']}",
                    "—",
                    f"<= {IP_LIMIT}, 0 429s",
                    s["max_ip_weight_window"] <= IP_LIMIT and s["s429"] == 0,
                )
            )
            notes.append(
                f"(a) c={c}: keylint client CPU {k['cpu']:.2f} s, emulator CPU "
                f"{s['server_cpu']:.2f} s over {k['wall']:.2f} s wall; threads N={c}: client CPU "
                f"{t['cpu']:.2f} s, emulator CPU {t['server']['server_cpu']:.2f} s over "
                f"{t['wall']:.2f} s; all keylint walls: "
                + ", ".join(f"{r['wall']:.2f}" for r in runs[f"keylint c={c}"] if "wall" in r)
            )
        print(f"(a) done ({time.perf_counter() - started:.0f} s)", flush=True)

        # (b) master audit of 200 sub-account keys under a shortened UID window --------------
        n_subs, per_sub, per_window = sizes.n_subs, sizes.per_sub, sizes.per_window
        uid_limit = per_window * SUB_WEIGHT
        fleet_b = audit_fleet(n_subs, per_sub, rng)
        n_b = n_subs * per_sub
        batches = math.ceil(n_b / (uid_limit // SUB_WEIGHT))
        emu = EmulatorProcess(fleet_b.scenario)
        try:
            for window, reps in sizes.windows:
                floor = (batches - 1) * window
                limits = {"uid": uid_limit, "ip": IP_LIMIT, "window": window}
                b_runs = []
                for _ in range(reps):
                    job = keylint_job(
                        fleet_b,
                        emu.base_url,
                        uid_weight_limit=uid_limit,
                        ip_weight_limit=IP_LIMIT,
                        weight_window=window,
                    )
                    job["align"] = window
                    b_runs.append(run(emu, job, f"(b) keylint, window {window:g} s", n_b, **limits))
                job = {
                    "kind": "seq_audit",
                    "env": fleet_b.env,
                    "base_url": emu.base_url,
                    "align": window,
                }
                base_b = run(emu, job, f"(b) sequential httpx, window {window:g} s", n_b, **limits)
                ok_b = [r for r in b_runs if "wall" in r]
                kb = sorted(ok_b, key=lambda r: r["wall"])[len(ok_b) // 2]
                # The floor from the run's own start: the first window has `phase` s less.
                kf, bf = floor - kb["phase"], floor - base_b["phase"]
                s429 = max(r["server"]["s429"] for r in ok_b)
                all_ok = all(r["statuses"].get("ok", 0) == n_b for r in ok_b)
                main_row = window == sizes.windows[0][0]
                rows.append(
                    Row(
                        f"(b) master audit, {n_b} keys in {n_subs} sub-accounts, "
                        f"UID limit {uid_limit}"
                        f" per {window:g} s (floor {floor:g} s), wall "
                        + (f"(median of {reps})" if main_row else "(1 run, for information)"),
                        f"{kb['wall']:.2f} s ({kb['wall'] / kf:.3f}x floor)",
                        f"{base_b['wall']:.2f} s ({base_b['wall'] / bf:.3f}x floor)",
                        f"{base_b['wall'] / kb['wall']:.2f}x",
                        "<= 1.10x floor" if main_row else "—",
                        kb["wall"] <= 1.10 * kf and all_ok if main_row else None,
                    )
                )
                rows.append(
                    Row(
                        "same: 429s answered by the emulator (worst run)",
                        str(s429),
                        str(base_b["server"]["s429"]),
                        "—",
                        "0",
                        s429 == 0,
                    )
                )
                uid_span = kb["server"]["last_at"] - kb["server"]["first_at"]
                walls = ", ".join(f"{r['wall']:.2f}" for r in ok_b)
                phases = ", ".join(f"{r['phase']:.3f}" for r in ok_b)
                notes.append(
                    f"(b) window {window:g} s: keylint walls {walls} s; start phase in the window "
                    f"{phases} s (baseline {base_b['phase']:.3f} s); first to last request at the"
                    f" emulator {uid_span:.2f} s; requests {kb['server']['by_path']}"
                )
        finally:
            emu.stop()
        print(f"(b) done ({time.perf_counter() - started:.0f} s)", flush=True)

        # (c) memory per key -----------------------------------------------------------------
        n_small = sizes.n_mem_small
        fleet_c = self_checked_fleet(n_mem, rng, tmp)
        small = Fleet(
            fleet_c.scenario,
            fleet_c.keys[:n_small],
            None,
            {k: v for k, v in fleet_c.env.items() if int(k[1:].split("_")[0]) < n_small},
        )
        emu = EmulatorProcess(fleet_c.scenario)
        try:
            r_small = run(emu, keylint_job(small, emu.base_url), f"(c) keylint {n_small}", n_small)
            r_big = run(emu, keylint_job(fleet_c, emu.base_url), f"(c) keylint {n_mem}", n_mem)
            job = keylint_job(fleet_c, emu.base_url)
            job["before"] = True
            r_before = run(emu, job, f"(c) keylint {n_mem}, client before", n_mem)
            t_small = run(
                emu,
                {
                    "kind": "threads",
                    "threads": DEFAULT_CONCURRENCY,
                    "keys": small.keys,
                    "env": small.env,
                    "base_url": emu.base_url,
                },
                f"(c) threads {n_small}",
                n_small,
            )
            t_big = run(
                emu,
                {
                    "kind": "threads",
                    "threads": DEFAULT_CONCURRENCY,
                    "keys": fleet_c.keys,
                    "env": fleet_c.env,
                    "base_url": emu.base_url,
                },
                f"(c) threads {n_mem}",
                n_mem,
            )
        finally:
            emu.stop()
        per_key = (r_big["maxrss_kib"] - r_small["maxrss_kib"]) * 1024 / (n_mem - n_small)
        per_key_t = (t_big["maxrss_kib"] - t_small["maxrss_kib"]) * 1024 / (n_mem - n_small)
        rows.append(
            Row(
                f"(c) peak RSS at {n_mem:,} keys (no latency); per key = growth from "
                f"{n_small:,} keys",
                f"{r_big['maxrss_kib'] / 1024:.0f} MiB; {per_key / 1024:.1f} KiB/key",
                f"{t_big['maxrss_kib'] / 1024:.0f} MiB; {per_key_t / 1024:.1f} KiB/key",
                f"{per_key / per_key_t:.1f}x" if per_key_t > 0 else "—",
                "reported",
                None,
            )
        )
        rows.append(
            Row(
                f"(c) {n_mem:,} keys (no latency), keylint default: "
                "one httpx pool and the summing pacer (as before their fixes) → now",
                f"{rate(r_before, n_mem):.0f} → {rate(r_big, n_mem):.0f} keys/s",
                f"client CPU {r_before['cpu']:.1f} s → {r_big['cpu']:.1f} s",
                f"{r_before['wall'] / r_big['wall']:.2f}x",
                "—",
                None,
            )
        )
        notes.append(
            f"(c) keylint RSS before fetch (imports + {n_mem:,} specs and env loaded) "
            f"{r_big['rss_before_kib'] / 1024:.0f} MiB, at {n_small:,} keys "
            f"{r_small['rss_before_kib'] / 1024:.0f}"
            f" MiB; peak {n_small:,} keys {r_small['maxrss_kib'] / 1024:.0f} MiB; threads "
            f"baseline peak {n_small:,} keys {t_small['maxrss_kib'] / 1024:.0f} MiB; statuses "
            f"{r_big['statuses']}"
        )
        print(f"(c) done ({time.perf_counter() - started:.0f} s)", flush=True)

        rows += check_rows(sizes, rng, tmp, run, notes)
        rows += transport_rows(sizes, rng, tmp, run, notes)

    print()
    print(
        f"Live benchmark ({mode}), seed {args.seed}, "
        f"{time.perf_counter() - started:.0f} s, load {load_start} -> {os.getloadavg()[0]:.2f}, "
        f"nproc {os.cpu_count()}, Python {sys.version.split()[0]}"
    )
    print()
    print("| measurement | keylint | baseline | ratio | target | met? |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(row.markdown())
    print()
    for note in notes:
        print(f"- {note}")
    for row in rows:
        if row.met is False:
            print(f"TARGET MISSED: {row.measurement}")
    for label in FAILED:
        print(f"FAILED RUN: {label}")
    return 1 if FAILED else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as exc:  # say what broke; exit 1, so that the smoke test notices
        import traceback

        traceback.print_exc()
        for label in FAILED:
            print(f"FAILED RUN: {label}")
        print(f"benchmark aborted: {exc}")
        sys.exit(1)
