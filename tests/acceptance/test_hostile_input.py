"""Hostile and broken policy files: each ends in a located finding, never a traceback, and
every other file in the run is still linted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from keylint.policy.yamlload import MAX_FILE_BYTES

GOOD = (
    "version: 1\nkeys:\n  - name: good\n    permissions: [reading]\n    ips: [10.0.0.1]\n"
    "    max_age: 30d\n"
)

BOMB = (
    "version: 1\na: &a [x, x, x, x, x, x, x, x, x]\n"
    + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}]\n"
        for i in range(9)
    )
    + "keys: []\n"
)

HOSTILE: list[tuple[str, bytes, tuple[int, int], str, str]] = [
    # (id, content, (line, column), rule, words the message must contain)
    ("binary", b"version: 1\n\x00\x01\x02\xff", (2, 1), "KL001", "binary"),
    (
        "latin-1",
        "version: 1\nkeys:\n  - name: caf\xe9\n".encode("latin-1"),
        (3, 14),
        "KL001",
        "not valid UTF-8",
    ),
    ("empty", b"", (1, 1), "KL002", "empty"),
    ("whitespace", b"\n\n   \n", (1, 1), "KL002", "empty"),
    ("alias-bomb", BOMB.encode(), (0, 0), "KL001", "alias bomb"),
    (
        "deep-flow-nesting",
        b"version: 1\nkeys: " + b"[" * 5000 + b"]" * 5000,
        (2, 1006),
        "KL001",
        "nesting",
    ),
    (
        "deep-block-nesting",
        b"version: 1\nkeys:\n" + b"".join(b"  " * i + b"- \n" for i in range(1, 3000)),
        (0, 0),
        "KL001",
        "",
    ),
    ("too-large", b"version: 1\n# " + b"x" * MAX_FILE_BYTES + b"\n", (1, 1), "KL001", "limit"),
    (
        "python-tag",
        b"version: 1\nkeys: !!python/object/apply:os.system ['id']\n",
        (2, 7),
        "KL001",
        "!!python/object/apply:os.system",
    ),
    ("huge-int", b"version: " + b"9" * 5000 + b"\nkeys: []\n", (1, 10), "KL002", "version"),
    ("nan-version", b"version: .nan\nkeys: []\n", (1, 10), "KL002", "version"),
    ("non-string-key", b"version: 1\nkeys: []\n? [a, b]\n: c\n", (3, 3), "KL001", "mapping key"),
    ("utf16-bom", "\ufeffversion: 1\nkeys: [\n".encode("utf-16-le"), (0, 0), "KL001", ""),
    (
        "bom-utf8-ok",
        b"\xef\xbb\xbf" + GOOD.replace("good", "bom").replace("10.0.0.1", "203.0.113.1").encode(),
        (0, 0),
        "",
        "",
    ),
    (
        "long-line",
        b"version: 1\nkeys:\n  - name: long\n    description: "
        + b"y" * 65536
        + b"\n    permissions: [nope]\n",
        (5, 19),
        "KL002",
        "nope",
    ),
    (
        "unicode-lookalike-name",
        "version: 1\nkeys:\n  - name: m\u0430rket\n    permissions: [reading]\n".encode(),
        (3, 11),
        "KL002",
        "not a valid key name",
    ),
    (
        "unicode-lookalike-permission",
        "version: 1\nkeys:\n  - name: a\n    permissions: [r\u0435ading]\n".encode(),
        (4, 19),
        "KL002",
        "not a known value",
    ),
]


@pytest.mark.parametrize(
    ("content", "where", "rule", "words"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE]
)
def test_hostile_file_gets_a_located_finding_and_others_still_run(
    keylint, tmp_path: Path, content: bytes, where: tuple[int, int], rule: str, words: str
) -> None:
    (tmp_path / "a-hostile.yaml").write_bytes(content)
    (tmp_path / "z-good.yaml").write_text(GOOD)
    run = keylint("validate", str(tmp_path), "--format", "json")
    assert "Traceback" not in run.stdout + run.stderr
    report = json.loads(run.stdout)
    hostile = [f for f in report["findings"] if f["file"].endswith("a-hostile.yaml")]
    if rule:
        assert hostile, "the hostile file produced no finding"
        first = hostile[0]
        assert first["rule"] == rule
        if where != (0, 0):
            assert (first["line"], first["column"]) == where
        assert words in first["message"]
        assert run.exit_code == 1
    else:
        assert hostile == []
    # The good file next to it is still linted: its private IP is found.
    assert any(f["key"] == "good" and f["rule"] == "KL204" for f in report["findings"])


def test_unreadable_file_is_a_finding(keylint, tmp_path: Path, monkeypatch) -> None:
    # CI runs as root, which reads any file: simulate the permission error at the open call.
    target = tmp_path / "locked.yaml"
    target.write_text(GOOD)
    real_open = Path.open

    def refusing_open(self: Path, *args: object, **kwargs: object) -> object:
        if self.name == "locked.yaml":
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", refusing_open)
    run = keylint("validate", str(tmp_path), "--format", "json")
    (finding,) = json.loads(run.stdout)["findings"]
    assert finding["rule"] == "KL001"
    assert finding["message"] == "cannot read the file: Permission denied"
    assert run.exit_code == 1


def test_a_directory_named_like_a_policy_and_a_symlink_loop(keylint, tmp_path: Path) -> None:
    (tmp_path / "dir.yaml").mkdir()
    (tmp_path / "loop").symlink_to(tmp_path)
    (tmp_path / "p.yaml").write_text(GOOD)
    run = keylint("validate", str(tmp_path), "--format", "json")
    report = json.loads(run.stdout)
    assert [k["name"] for k in report["keys"]] == ["good"]


def test_thousands_of_files_in_one_folder(keylint, tmp_path: Path) -> None:
    for i in range(2000):
        (tmp_path / f"p{i:04}.yaml").write_text(GOOD.replace("good", f"k{i}"))
    (tmp_path / "p0500.yaml").write_text("version: 1\nkeys: [\n")
    run = keylint("validate", str(tmp_path), "--format", "json", "--fail-on", "never")
    report = json.loads(run.stdout)
    assert report["summary"]["files"] == 2000
    assert report["summary"]["keys"] == 1999
    assert sum(1 for f in report["findings"] if f["rule"] == "KL001") == 1
