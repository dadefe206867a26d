"""`validate` streams: each file's report is written as it is linted, and nothing changes.

The streamed run (engine.validate(stream=True) onto get_writer) must write exactly what the
all-at-once run (engine.validate() then render) writes, in every format, with and without the
process pool; KL003 must still see across files; and memory must not grow with the files.
"""

from __future__ import annotations

import concurrent.futures
import io
import json
import os
import shutil
import textwrap
import tracemalloc
from collections.abc import Generator
from concurrent.futures import Future
from pathlib import Path
from typing import Any, ClassVar, cast

import pytest

from keylint import engine, reporters
from keylint.findings import Severity
from keylint.inert import json_text
from keylint.policy.loader import display_path
from keylint.reporters import FORMATS, get_reporter, get_writer
from keylint.reporters.json_report import as_dict
from keylint.result import Result
from tests.conftest import EXAMPLES
from tests.unit.helpers import NOW

# Strings a JSON or text writer can get wrong, as YAML escapes: a line separator (U+2028),
# a paragraph separator (U+2029), quotes, a backslash, an accent.
ODD = textwrap.dedent(
    r"""
    version: 1
    keys:
      - name: cafe-bot
        owner: "caf\u00e9 ops\Lteam \"night\" \\ shift"
        api_key_env: BINANCE_CAFE_API_KEY
        secret_env: BINANCE_CAFE_SECRET
        permissions: [reading, futures]
        ip_restrict: false
        max_age: 90d
        waivers:
          - rule: KL205
            reason: "venue\Protates \"egress\" IPs"
            expires: 2027-01-31
    """
)
ODD_OWNER = 'café ops\u2028team "night" \\ shift'


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """Three copies of the examples (KL003 across copies) and a file of odd strings."""
    for copy in range(3):
        shutil.copytree(EXAMPLES, tmp_path / f"team{copy}")
    (tmp_path / "odd.yaml").write_text(ODD, encoding="utf-8")
    return tmp_path


def _streamed(paths: list[str], fmt: str, fail_on: Severity | None) -> tuple[str, Result]:
    result = engine.validate(paths, now=NOW, fail_on=fail_on, stream=True)
    out = io.StringIO()
    get_writer(fmt)(result, out, color=True)
    return out.getvalue(), result


@pytest.mark.parametrize("pool", [False, True], ids=["one-process", "pool"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_streamed_output_is_the_all_at_once_output(
    corpus: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, pool: bool
) -> None:
    monkeypatch.setattr(engine, "PARALLEL_MIN_FILES", 1 if pool else 10**9)
    for fail_on in (Severity.ERROR, None):
        held = engine.validate([str(corpus)], now=NOW, fail_on=fail_on)
        text, streamed = _streamed([str(corpus)], fmt, fail_on)
        assert text == get_reporter(fmt)(held, color=True)
        assert streamed.exit_code == held.exit_code
        assert streamed.summary == held.summary
        # Hidden characters (the owner's U+2028) in their JSON escapes (SPEC §5).
        if fmt == "json":  # the JSON report as it was built before streaming: one json.dumps
            assert text == json_text(json.dumps(as_dict(held), indent=2, ensure_ascii=False)) + "\n"
        if fmt in ("json", "sarif"):  # written piece by piece, yet json.dumps' own layout
            assert (
                text == json_text(json.dumps(json.loads(text), indent=2, ensure_ascii=False)) + "\n"
            )
    assert ODD_OWNER in [key.owner for key in held.keys]  # the odd strings did get through


def test_kl003_across_files_in_path_order(tmp_path: Path) -> None:
    def key(name: str, env: str) -> str:
        return (
            f"  - name: {name}\n    api_key_env: {env}\n    secret_env: S\n"
            "    permissions: [reading]\n    ips: [203.0.113.1]\n    max_age: 30d\n"
        )

    (tmp_path / "a.yaml").write_text("version: 1\nkeys:\n" + key("bot", "ENV_A"))
    (tmp_path / "b.yaml").write_text(
        "version: 1\nkeys:\n" + key("bot", "ENV_B") + key("other", "ENV_A") + key("bot", "ENV_B")
    )
    text, _ = _streamed([str(tmp_path)], "json", Severity.ERROR)
    found = [
        (f["file"], f["line"], f["message"], f["remediation"])
        for f in json.loads(text)["findings"]
        if f["rule"] == "KL003"
    ]
    a, b = display_path(tmp_path / "a.yaml"), display_path(tmp_path / "b.yaml")
    assert found == [
        (b, 3, f"key 'bot' is already declared at {a}:3",
         f"Rename this key or delete the out-of-date declaration ({a}:3)."),
        (b, 10, f"api_key_env ENV_A is also the API key of 'bot' ({a}:4): two policies for one "
         "credential", f"Give each key its own environment variable, or merge the two "
         f"declarations ({a}:4)."),
        # the third key repeats the name, but its variable is the one `bot` already used
        (b, 15, f"key 'bot' is already declared at {a}:3",
         f"Rename this key or delete the out-of-date declaration ({a}:3)."),
    ]  # fmt: skip


class _InlineExecutor:
    """A process pool stand-in that runs each task when submitted and counts them."""

    instances: ClassVar[list[_InlineExecutor]] = []

    def __init__(self, max_workers: int) -> None:
        self.max_workers = max_workers
        self.submitted = 0
        self.cancelled_on_shutdown: bool | None = None
        _InlineExecutor.instances.append(self)

    def submit(self, fn: Any, *args: Any) -> Future[Any]:
        self.submitted += 1
        future: Future[Any] = Future()
        future.set_result(fn(*args))
        return future

    def shutdown(self, *, wait: bool, cancel_futures: bool) -> None:
        self.cancelled_on_shutdown = cancel_futures


def test_the_pool_keeps_only_a_few_chunks_ahead_of_the_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(40):
        (tmp_path / f"p{n:02}.yaml").write_text((EXAMPLES / "data-team.yaml").read_text())
    # engine imports the pool class when it needs one: patched where it is imported from.
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", _InlineExecutor)
    monkeypatch.setattr(engine, "PARALLEL_MIN_FILES", 1)
    monkeypatch.setattr(engine, "CHUNK_FILES", 2)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    _InlineExecutor.instances.clear()
    result = engine.validate([str(tmp_path)], now=NOW, fail_on=None, stream=True)
    ahead = []
    for read, _ in enumerate(result.reports()):
        pool = _InlineExecutor.instances[0]
        ahead.append(pool.submitted - read // engine.CHUNK_FILES)
    assert pool.submitted == 20
    # The chunk being read, and behind it a window of 2 workers x (running + queued).
    assert max(ahead) == 1 + 2 * (1 + engine.QUEUED_CHUNKS)
    assert pool.cancelled_on_shutdown is True


def test_a_reader_that_stops_early_shuts_the_pool_down(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(10):
        (tmp_path / f"p{n}.yaml").write_text((EXAMPLES / "data-team.yaml").read_text())
    # engine imports the pool class when it needs one: patched where it is imported from.
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", _InlineExecutor)
    monkeypatch.setattr(engine, "PARALLEL_MIN_FILES", 1)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    _InlineExecutor.instances.clear()
    result = engine.validate([str(tmp_path)], now=NOW, fail_on=None, stream=True)
    next(result.reports())
    assert result.pending is not None
    pending = cast(Generator[object], result.pending)  # a generator, typed as an Iterator
    pending.close()  # what garbage collection does to a run given up on
    assert _InlineExecutor.instances[0].cancelled_on_shutdown is True


def _write_corpus(folder: Path, files: int) -> None:
    folder.mkdir()
    for n in range(files):
        keys = "".join(
            f"  - name: bot-{n}-{k}\n    api_key_env: BINANCE_BOT_{n}_{k}_API_KEY\n"
            f"    private_key_env: BINANCE_BOT_{n}_{k}_PEM\n    permissions: [reading]\n"
            f"    ips: [203.0.113.{k + 1}]\n    max_age: 30d\n"
            for k in range(10)
        )
        (folder / f"p{n:04}.yaml").write_text(f"version: 1\nkeys:\n{keys}")


class _Sink(io.TextIOBase):
    def write(self, text: str) -> int:
        return len(text)


def _peak_bytes(folder: Path, fmt: str) -> int:
    tracemalloc.start()
    try:
        result = engine.validate([str(folder)], now=NOW, fail_on=Severity.ERROR, stream=True)
        get_writer(fmt)(result, _Sink())
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_memory_does_not_grow_with_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    # One process, so tracemalloc sees everything; allocations, not RSS, so no noise.
    monkeypatch.setattr(engine, "PARALLEL_MIN_FILES", 10**9)
    # JSON arrays go to disk at once: what stays in memory is then only what grows.
    monkeypatch.setattr(reporters, "SPOOL_BYTES", 4096)
    _write_corpus(tmp_path / "small", 100)
    _write_corpus(tmp_path / "large", 400)
    _peak_bytes(tmp_path / "small", fmt)  # imports, the compiled schema, caches
    small = _peak_bytes(tmp_path / "small", fmt)
    growth = _peak_bytes(tmp_path / "large", fmt) - small
    extra_keys = 300 * 10
    # What grows is KL003's registry: every name and variable, about 300 bytes a key here
    # (tests/unit/test_engine_duplicates.py). Before streaming, the reports of every key were held
    # too, and every report was built whole: 700-1,800 bytes a key more.
    assert growth < extra_keys * 450, f"{growth / extra_keys:.0f} bytes a key"
