"""Helpers for the emulator tests: a fleet builder and a fetch runner (imported by tests)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from keylint.binance.fetch import fetch_live_state
from keylint.binance.state import LiveState
from keylint.testing.emulator import ClientSecret, Emulator, EmuSubAccount, Scenario, generate_key


@dataclass
class KeySpec:
    """Stands in for the policy layer's key (fetch only reads these attributes)."""

    name: str
    sub_account: str | None = None
    api_name: str | None = None
    api_key_env: str | None = None
    secret_env: str | None = None
    private_key_env: str | None = None
    status: str = "active"


@dataclass
class MasterSpec:
    api_key_env: str | None = None
    secret_env: str | None = None
    private_key_env: str | None = None


@dataclass
class Fleet:
    """A scenario plus the matching policy specs and environment, built key by key."""

    tmp: Path
    scenario: Scenario = field(default_factory=Scenario)
    env: dict[str, str] = field(default_factory=dict)
    specs: list[KeySpec] = field(default_factory=list)
    master: MasterSpec | None = None
    secrets: dict[str, ClientSecret] = field(default_factory=dict)

    def sub(self, email: str) -> None:
        number = len(self.scenario.sub_accounts) + 1
        self.scenario.sub_accounts.append(EmuSubAccount(email=email, sub_user_id=number))

    def add(
        self,
        name: str,
        signing: str = "hmac",
        *,
        owner: str | None = None,
        label: str | None = None,
        declare: bool = True,
        own_credentials: bool = True,
        inline_pem: bool = False,
        **attrs: Any,
    ) -> ClientSecret:
        emu_key, secret = generate_key(signing, owner=owner, label=label or name, **attrs)  # type: ignore[arg-type]
        self.scenario.keys.append(emu_key)
        self.secrets[name] = secret
        env_name = name.upper().replace("-", "_")
        spec = KeySpec(name=name, sub_account=owner, api_name=label or name)
        if own_credentials:
            spec.api_key_env = f"{env_name}_API_KEY"
            self.env[spec.api_key_env] = secret.api_key
            if secret.secret is not None:
                spec.secret_env = f"{env_name}_SECRET"
                self.env[spec.secret_env] = secret.secret
            else:
                spec.private_key_env = f"{env_name}_PEM"
                self.env[spec.private_key_env] = self._pem(name, secret, inline_pem)
        if declare:
            self.specs.append(spec)
        return secret

    def add_master(self, signing: str = "ed25519") -> ClientSecret:
        secret = self.add("master", signing, declare=False)
        self.scenario.master_api_key = secret.api_key
        self.master = MasterSpec(api_key_env="MASTER_API_KEY")
        if secret.secret is not None:
            self.master.secret_env = "MASTER_SECRET"
        else:
            self.master.private_key_env = "MASTER_PEM"
        return secret

    def _pem(self, name: str, secret: ClientSecret, inline: bool) -> str:
        assert secret.private_pem is not None
        if inline:
            return secret.private_pem
        path = self.tmp / f"{name}.pem"
        path.write_text(secret.private_pem)
        return str(path)

    def needles(self) -> list[str]:
        """Every string that must never appear in any output: full API keys, HMAC secrets,
        whole PEMs and each PEM body line (a leaked line leaks the key as well)."""
        found: list[str] = []
        for secret in self.secrets.values():
            found.append(secret.api_key)
            found.extend(value for value in (secret.secret, secret.private_pem) if value)
            if secret.private_pem:
                body = [line for line in secret.private_pem.splitlines() if "-----" not in line]
                found.extend(line for line in body if len(line) >= 16)
        return found

    def assert_no_secrets(self, *texts: str) -> None:
        """No output, file or log carries any of `needles()`."""
        for text in texts:
            for needle in self.needles():
                assert needle not in text

    def master_only_env(self) -> dict[str, str]:
        return {k: v for k, v in self.env.items() if k.startswith("MASTER_")}


def writes(emu: Emulator) -> list[tuple[str, str]]:
    """The write calls the emulator received, in order: what apply really sent."""
    return [(r.method, r.path) for r in emu.requests if r.method != "GET"]


def fetch(fleet: Fleet, emu: Emulator, **options: Any) -> LiveState:
    """Run fetch_live_state over real HTTP with short test timeouts."""
    options.setdefault("timeout", 5.0)
    options.setdefault("attempt_timeout", 1.0)
    options.setdefault("env", fleet.env)
    return asyncio.run(
        fetch_live_state(fleet.specs, fleet.master, base_url=emu.base_url, **options)
    )
