"""Each static rule fires where it should and stays silent where it should (line, rule id)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.helpers import key, lint

GOOD = "permissions: [reading]\nips: [203.0.113.10]\nmax_age: 90d\nprivate_key_env: PEM"

CASES = [
    # KL103 withdrawals-without-ip-binding: at the permission's line
    (
        "kl103-withdrawals",
        key("permissions: [reading, withdrawals]\nip_restrict: false\nmax_age: 9d"),
        [(4, "KL103")],
    ),
    (
        "kl103-alias",
        key(
            "permissions:\n  - reading\n  - enableInternalTransfer\nip_restrict: false\nmax_age: 9d"
        ),
        [(6, "KL103")],
    ),
    (
        "kl103-silent-when-bound",
        key("permissions: [reading, withdrawals]\nips: [203.0.113.1]\nmax_age: 9d"),
        [],
    ),
    (
        "kl103-silent-when-retired",
        key("permissions: [withdrawals]\nip_restrict: false\nstatus: retired"),
        [],
    ),
    # KL204 ip-unusable: at the IP item
    (
        "kl204-private",
        key("permissions: [reading]\nips:\n  - 203.0.113.10\n  - 10.1.2.3\nmax_age: 9d"),
        [(7, "KL204")],
    ),
    (
        "kl204-all",
        key("permissions: [reading]\nips: [0.0.0.0/0, '::/0']\nmax_age: 9d"),
        [(5, "KL204"), (5, "KL204")],
    ),
    (
        "kl204-v6-ula-and-cgnat",
        key("permissions: [reading]\nips: ['fd12::1', 100.64.1.1]\nmax_age: 9d"),
        [(5, "KL204"), (5, "KL204")],
    ),
    (  # refused for its spelling before KL204 could judge it (write 127.0.0.1: then KL204)
        "kl204-mapped-loopback",
        key("permissions: [reading]\nips: ['::ffff:127.0.0.1']\nmax_age: 9d"),
        [(5, "KL002")],
    ),
    (
        "kl204-documentation-ok",
        key(
            "permissions: [reading]\nips: [192.0.2.1, 198.51.100.0/24, "
            "'2001:db8::/32']\nmax_age: 9d"
        ),
        [(5, "KL207")],  # not KL204; a whole /32 is still wide (KL207's warning)
    ),
    # KL205 trading-without-ip-binding
    (
        "kl205-spot",
        key("permissions: [reading, spot_and_margin_trading]\nip_restrict: false\nmax_age: 9d"),
        [(4, "KL205")],
    ),
    ("kl205-silent-bound", key("permissions: [futures]\nips: [203.0.113.1]\nmax_age: 9d"), []),
    # KL207 ip-range-too-broad: a wide range warns at its item; a wide union errs at `ips:`
    (
        "kl207-wider-than-24",
        key("permissions: [reading]\nips:\n  - 203.0.113.10\n  - 198.51.0.0/23\nmax_age: 9d"),
        [(7, "KL207")],
    ),
    (
        "kl207-24-and-48-are-fine",
        key("permissions: [reading]\nips: [198.51.100.0/24, '2001:db8:1::/48']\nmax_age: 9d"),
        [],
    ),
    (
        "kl207-v6-wider-than-48",
        key("permissions: [reading]\nips: ['2001:db8::/47']\nmax_age: 9d"),
        [(5, "KL207")],
    ),
    (
        "kl207-union-of-quarters",
        key(
            "permissions: [withdrawals]\nips:\n  - 64.0.0.0/10\n  - 128.0.0.0/10\n"
            "  - 192.0.0.0/10\nmax_age: 9d"
        ),
        [(5, "KL207"), (6, "KL207"), (7, "KL207"), (8, "KL207")],
    ),
    (
        "kl207-union-of-many-24s",
        key(
            "permissions: [reading]\nips: ["
            + ", ".join([*(f"198.{i}.0.0/24" for i in range(256)), "199.0.0.0/24"])
            + "]\nmax_age: 9d"
        ),
        [(5, "KL207")],
    ),
    (
        "kl207-overlaps-count-once",  # the /16's own warning, no union error
        key(
            "permissions: [reading]\nips: ["
            + ", ".join(["198.0.0.0/16", *(f"198.0.{i}.0/24" for i in range(256))])
            + "]\nmax_age: 9d"
        ),
        [(5, "KL207")],
    ),
    (
        "kl207-leaves-unusable-to-kl204",
        key("permissions: [reading]\nips: [0.0.0.0/0, 10.0.0.0/8]\nmax_age: 9d"),
        [(5, "KL204"), (5, "KL204")],
    ),
    # KL206 too-many-ips: ranges do not count
    (
        "kl206-31",
        key(
            "permissions: [reading]\nips: ["
            + ", ".join(f"203.0.113.{i}" for i in range(1, 32))
            + "]\nmax_age: 9d"
        ),
        [(5, "KL206")],
    ),
    (
        "kl206-30-and-a-range",
        key(
            "permissions: [reading]\nips: ["
            + ", ".join(f"203.0.113.{i}" for i in range(1, 31))
            + ", 198.51.100.0/24]\nmax_age: 9d"
        ),
        [],
    ),
    # KL306 max-age-missing: at the key; defaults count; retired keys are exempt
    ("kl306", key("permissions: [reading]\nips: [203.0.113.1]"), [(3, "KL306")]),
    (
        "kl306-from-defaults",
        key("permissions: [reading]\nips: [203.0.113.1]", header="defaults:\n  max_age: 30d\n"),
        [],
    ),
    # KL308 hmac-key: at secret_env
    (
        "kl308",
        key(
            "permissions: [reading]\nips: [203.0.113.1]\nmax_age: 9d\napi_key_env: K\nsecret_env: S"
        ),
        [(8, "KL308")],
    ),
    (
        "kl308-silent-ed25519",
        key(
            "permissions: [reading]\nips: [203.0.113.1]\nmax_age: 9d\n"
            "api_key_env: K\nprivate_key_env: P"
        ),
        [],
    ),
    ("clean", key(GOOD), []),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_static_rule(tmp_path: Path, text: str, expected: list[tuple[int, str]]) -> None:
    assert lint(tmp_path, text) == expected


def test_kl207_warns_for_one_wide_range_and_errs_for_a_wide_union(tmp_path: Path) -> None:
    from tests.unit.helpers import lint_files

    union = "\n".join(f"  - {n}.0.0.0/10" for n in (64, 128))
    result = lint_files(
        tmp_path,
        {"policy.yaml": key(f"permissions: [reading]\nips:\n{union}\nmax_age: 9d")},
    )
    found = sorted((f.line, f.severity.value, f.subject) for f in result.findings)
    assert found == [
        (5, "error", "ips-union-v4"),
        (6, "warning", "64.0.0.0/10"),
        (7, "warning", "128.0.0.0/10"),
    ]
