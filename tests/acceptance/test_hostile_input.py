"""Hostile and broken policy files: each ends in a located finding, never a traceback, and
every other file in the run is still linted."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from keylint.policy.yamlload import MAX_FILE_BYTES
from tests.conftest import Keylint

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
    keylint: Keylint, tmp_path: Path, content: bytes, where: tuple[int, int], rule: str, words: str
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


def test_unreadable_file_is_a_finding(
    keylint: Keylint, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # CI runs as root, which reads any file: simulate the permission error at the open call.
    target = tmp_path / "locked.yaml"
    target.write_text(GOOD)
    real_open = os.open

    def refusing_open(path: object, *args: object, **kwargs: object) -> int:
        if Path(str(path)).name == "locked.yaml":
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", refusing_open)
    run = keylint("validate", str(tmp_path), "--format", "json")
    (finding,) = json.loads(run.stdout)["findings"]
    assert finding["rule"] == "KL001"
    assert finding["message"] == "cannot read the file: Permission denied"
    assert run.exit_code == 1


def test_a_directory_named_like_a_policy_and_a_symlink_loop(
    keylint: Keylint, tmp_path: Path
) -> None:
    (tmp_path / "dir.yaml").mkdir()
    (tmp_path / "loop").symlink_to(tmp_path)
    (tmp_path / "p.yaml").write_text(GOOD)
    run = keylint("validate", str(tmp_path), "--format", "json")
    report = json.loads(run.stdout)
    assert [k["name"] for k in report["keys"]] == ["good"]


def test_thousands_of_files_in_one_folder(keylint: Keylint, tmp_path: Path) -> None:
    for i in range(2000):
        (tmp_path / f"p{i:04}.yaml").write_text(GOOD.replace("good", f"k{i}"))
    (tmp_path / "p0500.yaml").write_text("version: 1\nkeys: [\n")
    run = keylint("validate", str(tmp_path), "--format", "json", "--fail-on", "never")
    report = json.loads(run.stdout)
    assert report["summary"]["files"] == 2000
    assert report["summary"]["keys"] == 1999
    assert sum(1 for f in report["findings"] if f["rule"] == "KL001") == 1


def _self_loop(folder: Path) -> None:
    (folder / "a-hostile.yaml").symlink_to("a-hostile.yaml")


def _two_link_loop(folder: Path) -> None:
    (folder / "a-hostile.yaml").symlink_to("b-loop.txt")
    (folder / "b-loop.txt").symlink_to("a-hostile.yaml")


def _fifo(folder: Path) -> None:
    os.mkfifo(folder / "a-hostile.yaml")


def _socket(folder: Path) -> None:
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(folder / "a-hostile.yaml"))  # the socket file outlives the socket


def _link_to_fifo(folder: Path) -> None:
    os.mkfifo(folder / "pipe")
    (folder / "a-hostile.yaml").symlink_to("pipe")


def _broken_link(folder: Path) -> None:
    (folder / "a-hostile.yaml").symlink_to("gone.yaml")


SPECIAL: list[tuple[str, Callable[[Path], None], str]] = [
    # (id, how the entry is made in the policy folder, words the message must contain)
    ("symlink-to-itself", _self_loop, "a symlink loop"),
    ("two-link-loop", _two_link_loop, "a symlink loop"),
    ("fifo", _fifo, "not a regular file (a FIFO)"),
    ("socket", _socket, "not a regular file (a socket)"),
    ("link-to-fifo", _link_to_fifo, "not a regular file (a FIFO)"),
    ("broken-link", _broken_link, "a broken symlink (its target"),
]


def _run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # A subprocess with a timeout: a reader blocked on a FIFO fails the test instead of
    # hanging it.
    return subprocess.run(
        [sys.executable, "-m", "keylint", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        check=False,
    )


@pytest.mark.parametrize(("make", "words"), [s[1:] for s in SPECIAL], ids=[s[0] for s in SPECIAL])
def test_special_entry_in_a_folder_gets_a_finding_and_is_never_read(
    tmp_path: Path, make: Callable[[Path], None], words: str
) -> None:
    folder = tmp_path / "policies"
    folder.mkdir()
    make(folder)
    (folder / "z-good.yaml").write_text(GOOD)
    run = _run_cli("validate", "policies", "--format", "json", cwd=tmp_path)
    assert "Traceback" not in run.stdout + run.stderr
    report = json.loads(run.stdout)
    (hostile,) = [f for f in report["findings"] if f["file"] == "policies/a-hostile.yaml"]
    assert (hostile["rule"], hostile["line"], hostile["column"]) == ("KL001", 1, 1)
    assert words in hostile["message"]
    assert any(f["key"] == "good" and f["rule"] == "KL204" for f in report["findings"])
    assert run.returncode == 1


@pytest.mark.parametrize("make", [_fifo, _self_loop], ids=["fifo", "symlink-to-itself"])
def test_special_path_named_on_the_command_line_gets_a_finding(
    tmp_path: Path, make: Callable[[Path], None]
) -> None:
    make(tmp_path)
    (tmp_path / "z-good.yaml").write_text(GOOD)
    run = _run_cli("validate", "a-hostile.yaml", "z-good.yaml", "--format", "json", cwd=tmp_path)
    report = json.loads(run.stdout)
    (hostile,) = [f for f in report["findings"] if f["file"] == "a-hostile.yaml"]
    assert hostile["rule"] == "KL001" and hostile["message"].startswith("not read: ")
    assert [k["name"] for k in report["keys"]] == ["good"]
    assert run.returncode == 1


def test_symlink_out_of_the_folder_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "team.yaml").write_text(GOOD.replace("good", "outside-key"))
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "a-team.yaml").symlink_to("../elsewhere/team.yaml")
    (folder / "z-good.yaml").write_text(GOOD)
    run = _run_cli("validate", "policies", "--format", "json", cwd=tmp_path)
    report = json.loads(run.stdout)
    (finding,) = [f for f in report["findings"] if f["file"] == "policies/a-team.yaml"]
    assert finding["rule"] == "KL001"
    assert finding["message"] == (
        "not followed: a symlink to elsewhere/team.yaml, outside policies, the folder being linted"
    )
    # The target is not read: none of its keys (nor any line of it) reaches the report.
    assert "outside-key" not in run.stdout + run.stderr
    assert [k["name"] for k in report["keys"]] == ["good"]
    assert run.returncode == 1
    # Named on the command line, the same file is linted where it is.
    named = _run_cli("validate", "elsewhere/team.yaml", "--format", "json", cwd=tmp_path)
    assert [k["name"] for k in json.loads(named.stdout)["keys"]] == ["outside-key"]


@pytest.mark.parametrize(
    ("setup", "args"),
    [
        ("link", ["policies"]),
        ("hardlink", ["policies"]),
        ("plain", ["policies", "{tmp}/policies"]),
        ("plain", ["policies", "policies/p.yaml", "policies/../policies/p.yaml"]),
        ("plain", ["{tmp}/policies/p.yaml", "policies/p.yaml"]),
    ],
    ids=[
        "symlink-inside-the-folder",
        "hardlink",
        "folder-twice",
        "folder-and-its-file",
        "file-twice",
    ],
)
def test_one_file_reached_by_two_paths_is_linted_once(
    keylint: Keylint, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setup: str, args: list[str]
) -> None:
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "p.yaml").write_text(GOOD)
    if setup == "link":
        (folder / "sub").mkdir()
        (folder / "sub" / "q.yaml").symlink_to("../p.yaml")
    elif setup == "hardlink":
        os.link(folder / "p.yaml", folder / "q.yaml")
    monkeypatch.chdir(tmp_path)
    run = keylint("validate", *(arg.format(tmp=tmp_path) for arg in args), "--format", "json")
    report = json.loads(run.stdout)
    assert [k["name"] for k in report["keys"]] == ["good"]
    assert report["summary"]["files"] == 1
    assert not [f for f in report["findings"] if f["rule"] == "KL003"]


def test_upper_case_extensions_are_policy_files(keylint: Keylint, tmp_path: Path) -> None:
    (tmp_path / "a.YAML").write_text(GOOD.replace("good", "upper-yaml"))
    (tmp_path / "b.Yml").write_text(GOOD.replace("good", "mixed-yml"))
    (tmp_path / "c.yaml.bak").write_text("not: [a policy")
    run = keylint("validate", str(tmp_path), "--format", "json")
    report = json.loads(run.stdout)
    assert sorted(k["name"] for k in report["keys"]) == ["mixed-yml", "upper-yaml"]
