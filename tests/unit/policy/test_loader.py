"""Policy-file problems (KL001-KL006) at the exact line, and what loading keeps."""

from __future__ import annotations

from pathlib import Path

import pytest

from keylint.policy.loader import load_policy_file
from tests.unit.helpers import key, lint, lint_files

OK = "permissions: [reading]\nips: [203.0.113.1]\nmax_age: 9d"

CASES = [
    ("kl001-syntax", "version: 1\nkeys:\n  - name: a\n    permissions: [reading\n", [(5, "KL001")]),
    ("kl001-tab", "version: 1\nkeys:\n\t- name: a\n", [(3, "KL001")]),
    ("kl001-two-documents", "version: 1\nkeys: []\n---\nversion: 1\n", [(3, "KL001")]),
    (
        "kl001-python-tag",
        "version: 1\nkeys:\n  - name: !!python/object/apply:os.system [id]\n",
        [(3, "KL001")],
    ),
    ("kl001-duplicate-field", key(OK + "\npermissions: [reading, withdrawals]"), [(7, "KL001")]),
    ("kl001-duplicate-top", "version: 1\nkeys: []\nkeys: []\n", [(3, "KL001")]),
    ("kl002-empty", "", [(1, "KL002")]),
    ("kl002-comment-only", "# nothing yet\n", [(1, "KL002")]),
    ("kl002-list", "- a\n- b\n", [(1, "KL002")]),
    ("kl002-version", "version: 2\nkeys: []\n", [(1, "KL002")]),
    ("kl002-missing-keys", "version: 1\n", [(1, "KL002")]),
    ("kl002-typo-field", key(OK + "\npermisions: [reading]"), [(7, "KL002")]),
    (
        "kl002-unknown-permission",
        key("permissions: [reading, withdrawl]\nips: [203.0.113.1]\nmax_age: 9d"),
        [(4, "KL002")],
    ),
    ("kl002-bad-name", key(OK, name="Bad Name"), [(3, "KL002")]),
    (
        "kl002-duration",
        key("permissions: [reading]\nips: [203.0.113.1]\nmax_age: 3 months"),
        [(6, "KL002")],
    ),
    (
        "kl002-iso-month",
        key("permissions: [reading]\nips: [203.0.113.1]\nmax_age: P3M"),
        [(6, "KL002")],
    ),
    ("kl002-zero", key("permissions: [reading]\nips: [203.0.113.1]\nmax_age: 0d"), [(6, "KL002")]),
    ("kl002-warning-too-long", key(OK + "\nrotate_warning: 30d"), [(7, "KL002")]),
    (
        "kl002-bad-ip",
        key("permissions: [reading]\nips: [203.0.113.300]\nmax_age: 9d"),
        [(5, "KL002")],
    ),
    (
        "kl002-zone-id",
        key("permissions: [reading]\nips: [fe80::1%eth0]\nmax_age: 9d"),
        [(5, "KL002")],
    ),
    (
        "kl002-ipv4-mapped",
        key("permissions: [reading]\nips:\n  - 203.0.113.10\n  - ::ffff:203.0.113.11\nmax_age: 9d"),
        [(7, "KL002")],
    ),
    (
        "kl002-ipv4-mapped-range",
        key("permissions: [reading]\nips: ['::ffff:0:0/96']\nmax_age: 9d"),
        [(5, "KL002")],
    ),
    (
        "kl002-host-bits",
        key("permissions: [reading]\nips: [203.0.113.7/28]\nmax_age: 9d"),
        [(5, "KL002")],
    ),
    ("kl002-ips-unrestricted", key(OK + "\nip_restrict: false"), [(7, "KL002")]),
    ("kl002-no-permissions", key("ips: [203.0.113.1]\nmax_age: 9d"), [(3, "KL002")]),
    (
        "kl002-alias-twice",
        key("permissions: [reading, enableReading]\nips: [203.0.113.1]\nmax_age: 9d"),
        [(4, "KL002")],
    ),
    (
        "kl002-both-secrets",
        key(OK + "\napi_key_env: K\nsecret_env: S\nprivate_key_env: P"),
        [(3, "KL002")],
    ),
    ("kl002-key-without-secret", key(OK + "\napi_key_env: K"), [(7, "KL002")]),
    # A sub-account key's API key alone: the master's listing identifies and audits it.
    ("sub-account-key-without-secret", key(OK + "\nsub_account: a@b.c\napi_key_env: K"), []),
    (
        "sub-account-from-defaults-without-secret",
        key(OK + "\napi_key_env: K", header="defaults: {sub_account: a@b.c}\n"),
        [],
    ),
    (
        "kl002-waiver-unknown-rule",
        key(OK + "\nwaivers:\n  - {rule: KL999, reason: r, expires: 2027-01-01}"),
        [(8, "KL002")],
    ),
    (
        "kl002-waiver-file-rule",
        key(OK + "\nwaivers:\n  - {rule: KL001, reason: r, expires: 2027-01-01}"),
        [(8, "KL002")],
    ),
    (
        "kl002-waiver-bad-date",
        key(OK + "\nwaivers:\n  - {rule: KL205, reason: r, expires: 2027-02-30}"),
        [(8, "KL002")],
    ),
    (
        "kl002-int-duration",
        key("permissions: [reading]\nips: [203.0.113.1]\nmax_age: 90"),
        [(6, "KL002")],
    ),
    (
        "kl002-defaults-once",
        "version: 1\ndefaults:\n  max_age: 1 year\nkeys:\n"
        "  - {name: a, permissions: [reading], ips: [203.0.113.1]}\n"
        "  - {name: b, permissions: [reading], ips: [203.0.113.1]}\n",
        [(3, "KL002")],
    ),
    (
        "kl005-expired",
        key(
            OK + "\nip_restrict: true\nwaivers:\n  - rule: KL204\n    reason: r\n"
            "    expires: 2026-01-01"
        ),
        [(11, "KL005")],
    ),
    (
        "kl005-today-still-valid",
        key(
            "permissions: [reading]\nips: [10.0.0.1]\nmax_age: 9d\n"
            "waivers:\n  - {rule: KL204, reason: r, expires: 2026-11-24}"
        ),
        [(5, "KL204")],
    ),
    (
        "kl006-unused",
        key(OK + "\nwaivers:\n  - {rule: KL205, reason: r, expires: 2027-01-01}"),
        [(8, "KL006")],
    ),
    (
        "kl006-live-rule-not-judged-offline",
        key(OK + "\nwaivers:\n  - {rule: KL201, reason: r, expires: 2027-01-01}"),
        [],
    ),
    (
        "waiver-waives",
        key(
            "permissions: [reading]\nips: [10.0.0.1]\nmax_age: 9d\nwaivers:\n"
            "  - {rule: KL204, reason: r, expires: 2027-01-01}"
        ),
        [(5, "KL204")],
    ),
    (
        "merge-key",
        "version: 1\nx-base: &base\n  permissions: [reading]\n  ips: [203.0.113.1]\n"
        "  max_age: 9d\nkeys:\n  - <<: *base\n    name: a\n    ips: [10.0.0.1]\n",
        [(9, "KL204")],
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_policy_problem(tmp_path: Path, text: str, expected: list[tuple[int, str]]) -> None:
    assert lint(tmp_path, text) == expected


def test_a_waived_finding_is_reported_but_does_not_fail(tmp_path: Path) -> None:
    result = lint_files(
        tmp_path,
        {
            "p.yaml": key(
                "permissions: [reading]\nips: [10.0.0.1]\nmax_age: 9d\nwaivers:\n"
                "  - {rule: KL204, reason: 'NAT migration; INFRA-9', expires: 2027-01-01}"
            )
        },
    )
    (finding,) = result.findings
    assert finding.waived and finding.waiver_reason == "NAT migration; INFRA-9"
    assert result.exit_code == 0


def test_kl003_across_files_reported_on_the_second(tmp_path: Path) -> None:
    result = lint_files(
        tmp_path,
        {
            "a.yaml": key(OK + "\napi_key_env: SHARED\nprivate_key_env: P1", name="one"),
            "b.yaml": key(OK, name="one")
            + key(OK + "\napi_key_env: SHARED\nprivate_key_env: P2", name="two").replace(
                "version: 1\nkeys:\n", ""
            ),
        },
    )
    assert sorted((f.file.rsplit("/", 1)[-1], f.line, f.rule) for f in result.findings) == [
        ("b.yaml", 3, "KL003"),
        ("b.yaml", 11, "KL003"),
    ]


def test_kl004_secret_anywhere_never_echoed(tmp_path: Path) -> None:
    import secrets
    import string

    alphabet = string.ascii_letters + string.digits
    token = "Ab1" + "".join(secrets.choice(alphabet) for _ in range(61))
    text = (
        key(OK + f"\ndescription: {token}")
        + f"# old secret: {token}\n"
        + "# -----BEGIN PRIVATE KEY-----\n"
    )
    result = lint_files(tmp_path, {"p.yaml": text})
    assert sorted((f.line, f.rule) for f in result.findings) == [
        (7, "KL004"),
        (8, "KL004"),
        (9, "KL004"),
    ]
    from keylint.reporters import FORMATS, get_reporter

    for fmt in FORMATS:
        assert token not in get_reporter(fmt)(result)


def test_hex_digest_is_not_a_secret(tmp_path: Path) -> None:
    digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    assert lint(tmp_path, key(OK + f"\ndescription: sha256 {digest}")) == []


def test_defaults_merge_under_keys_and_keep_their_own_line(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "version: 1\ndefaults:\n  max_age: 30d\n  ips: [203.0.113.5]\nkeys:\n"
        "  - name: a\n    permissions: [reading]\n"
        "  - name: b\n    permissions: [enableReading]\n    max_age: 7d\n"
    )
    loaded = load_policy_file(path)
    a, b = loaded.keys
    assert a.max_age is not None and b.max_age is not None
    assert (a.max_age.days, b.max_age.days) == (30, 7)
    assert a.where["max_age"].line == 3 and b.where["max_age"].line == 10
    assert [ip.text for ip in b.ips] == ["203.0.113.5"] and b.ip_restrict
    assert b.permissions == ("reading",)


def test_bad_key_does_not_hide_the_good_ones(tmp_path: Path) -> None:
    result = lint_files(
        tmp_path,
        {
            "p.yaml": (
                "version: 1\nkeys:\n"
                "  - {name: good, permissions: [reading], ips: [10.0.0.1], max_age: 9d}\n"
                "  - {name: bad, permissions: [nope], max_age: 9d}\n"
            )
        },
    )
    assert sorted((f.key, f.rule) for f in result.findings) == [("bad", "KL002"), ("good", "KL204")]
    assert [k.name for k in result.keys] == ["good", "bad"]


@pytest.mark.parametrize(
    ("text", "unread"),
    [
        # In an entry: that entry alone is not built; the one beside it is.
        (
            "version: 1\nkeys:\n  - {name: a, permissions: [reading], max_age: 9d, max_age: 900d}\n"
            "  - {name: b, permissions: [reading], max_age: 9d}\n",
            ["a"],
        ),
        # In `defaults`, which every entry inherits: no entry is built.
        (
            "version: 1\ndefaults: {max_age: 9d, max_age: 900d}\nkeys:\n"
            "  - {name: a, permissions: [reading]}\n  - {name: b, permissions: [reading]}\n",
            ["a", "b"],
        ),
    ],
    ids=["in-an-entry", "in-defaults"],
)
def test_a_duplicate_field_leaves_what_it_governs_unread(
    tmp_path: Path, text: str, unread: list[str]
) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    loaded = load_policy_file(path)
    assert [label for label, _ in loaded.invalid_keys] == unread
    assert [k.name for k in loaded.keys] == [n for n in ("a", "b") if n not in unread]
    assert [f.rule for f in loaded.findings] == ["KL001"]


def test_a_read_key_keeps_its_positions_but_not_the_parsed_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`check` holds every key's policy for the whole run: its positions are resolved while
    the file is read, and the file's parsed document (its data and every node's position:
    about 3 KiB a key) is let go (issue 17's memory)."""
    import gc
    import weakref

    from keylint.policy import loader, yamlload

    parsed: list[weakref.ref[object]] = []

    def watched(text: str | bytes) -> yamlload.Document:
        document = yamlload.parse(text)
        parsed.append(weakref.ref(document))
        return document

    monkeypatch.setattr(loader, "parse", watched)
    path = tmp_path / "p.yaml"
    path.write_text(
        "version: 1\n"
        "keys:\n"
        "  - name: bot\n"
        "    owner: '@team'\n"
        "    api_key_env: BOT_KEY\n"
        "    secret_env: BOT_SECRET\n"
        "    permissions: [reading, spot_and_margin_trading]\n"
        "    ips: [203.0.113.10]\n"
    )
    policy_file = load_policy_file(path)
    gc.collect()
    [bot] = policy_file.keys
    assert parsed and all(ref() is None for ref in parsed)
    assert bot.at("owner") == (4, 5) and bot.at("api_key_env") == (5, 5)
    assert bot.where["permission:spot_and_margin_trading"] == (7, 28)
    assert bot.at("nothing", "ips") == (8, 5) and bot.at("nothing") == bot.pos == (3, 5)
