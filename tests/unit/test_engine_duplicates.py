"""KL003's registry is exact: values are compared as they are, never by a hash or a joined key.

A false KL003 is not harmless: `check` leaves both entries unjudged and `plan` leaves both
keys alone (issue 14).
"""

from __future__ import annotations

import random
import tracemalloc
from pathlib import Path

from keylint import engine
from keylint.engine import KeyIdentity
from keylint.findings import Finding
from keylint.policy.yamlload import Pos
from tests.unit.helpers import lint_files
from tests.unit.test_engine_identity import entry, policy

POS = Pos(3, 5)


class OneHash(str):
    """A string whose hash every other OneHash shares: what a hash collision looks like."""

    def __hash__(self) -> int:
        return 7


def ident(name: str, file: str = "a.yaml", **fields: str | None) -> KeyIdentity:
    return KeyIdentity(
        0,
        name,
        file,
        POS,
        fields.get("api_key_env"),
        POS,
        fields.get("sub_account"),
        fields.get("api_name"),
        POS,
    )


def findings(registry: engine._Registry, key: KeyIdentity) -> list[Finding]:
    return list(registry.duplicates(key))


def test_values_with_one_hash_are_two_values() -> None:
    registry = engine._Registry()
    for n in range(50):
        key = ident(
            OneHash(f"bot-{n}"),
            api_key_env=OneHash(f"ENV_{n}"),
            sub_account=OneHash(f"desk-{n}@example.com"),
            api_name=OneHash(f"label-{n}"),
        )
        assert findings(registry, key) == []
    assert registry.claims == {}
    # and equal values are still one value
    again = findings(registry, ident(OneHash("bot-3"), "b.yaml", api_key_env=OneHash("ENV_4")))
    assert [f.subject for f in again] == ["name", "api_key_env:ENV_4"]


def test_a_sub_account_and_label_are_compared_apart(tmp_path: Path) -> None:
    # Joined with a NUL (as the registry once joined them), these two were one label.
    files = {
        "a.yaml": policy(
            entry("a", sub_account='"mm@example.com\\0desk"', api_name="x", api_key_env="A"),
            entry("b", sub_account="mm@example.com", api_name='"desk\\0x"', api_key_env="B"),
        )
    }
    result = lint_files(tmp_path, files)
    assert [f.rule for f in result.findings if f.rule == "KL003"] == []


def test_many_generated_names_variables_and_labels_never_collide() -> None:
    rng = random.Random(14)
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-._"
    names = {"".join(rng.choices(alphabet, k=rng.randint(1, 6))) for _ in range(30_000)}
    registry = engine._Registry()
    keys = [
        ident(
            name,
            f"p{n // 10}.yaml",
            api_key_env=name.upper(),
            sub_account=f"{name[:2]}@example.com",
            api_name=name[2:],
        )
        for n, name in enumerate(sorted(names))
    ]
    for key in keys:
        assert findings(registry, key) == [], key
    # Each value again, in a new entry: one clash each, naming the entry that first used it.
    for n, key in enumerate(rng.sample(keys, 500)):
        clash = findings(registry, ident(key.name, "z.yaml"))
        assert [f.message for f in clash] == [
            f"key {key.name!r} is already declared at {key.file}:3"
        ]
        clash = findings(registry, ident(f"ENV-{n}", "z.yaml", api_key_env=key.api_key_env))
        assert [f.message.split(" (")[0] for f in clash] == [
            f"api_key_env {key.api_key_env} is also the API key of {key.name!r}"
        ]
        label = {"sub_account": (key.sub_account or "").upper(), "api_name": key.api_name}
        clash = findings(registry, ident(f"LABEL-{n}", "z.yaml", **label))
        assert [f.subject for f in clash] == (
            [f"api_name:{key.sub_account}/{key.api_name}"] if key.api_name else []
        )


def test_a_label_clash_points_at_the_entry_that_first_used_the_label(tmp_path: Path) -> None:
    sub = {"sub_account": "mm@example.com", "api_name": "mm-bot"}
    files = {
        "a.yaml": policy(entry("bot")),  # `bot`, line 3
        "b.yaml": policy(entry("other"), entry("bot", **sub)),  # `bot` again, line 7
        "c.yaml": policy(entry("new", **sub)),
    }
    result = lint_files(tmp_path, files)
    clash = [f.message for f in result.findings if f.subject.startswith("api_name:")]
    assert len(clash) == 1
    assert "b.yaml:7)" in clash[0] and "a.yaml" not in clash[0]


def test_the_registry_costs_hundreds_of_bytes_a_key() -> None:
    keys = 20_000
    tracemalloc.start()
    try:
        registry = engine._Registry()
        for n in range(keys):
            file = f"policies/team-{n // 10:04}.yaml"
            key = ident(
                f"bot-{n}",
                file,
                api_key_env=f"BINANCE_BOT_{n}_API_KEY",
                sub_account=f"team-{n // 10:04}@example.com",
                api_name=f"bot-{n % 10}",
            )
            assert findings(registry, key) == []
        size = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    # Names, variables and labels as strings, one small tuple an entry: about 550 bytes a
    # key with every table in use (25-60 MiB at 100,000 keys); positions are not kept.
    assert size < keys * 700, f"{size / keys:.0f} bytes a key"
