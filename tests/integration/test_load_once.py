"""Every command reads each policy file exactly once (issue 14): what is checked, what is read
from Binance, what is planned and what `apply` changes all come from one reading.

The commands run in-process, built from their options objects (no Typer), against the
emulator over real HTTP; every policy file read is counted where the loader opens it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from test_apply_live import build

from keylint.commands import apply, check, fetch, plan, validate
from keylint.options import (
    ApplyOptions,
    CheckOptions,
    FetchOptions,
    Live,
    PlanOptions,
    ValidateOptions,
)
from keylint.policy import loader
from keylint.testing.emulator import Emulator
from tests.emuhelpers import Fleet

EXTRA = """\
version: 1
keys:
  - name: reader
    permissions: [reading]
    ips: [203.0.113.9]
    max_age: 30d
"""


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts each policy file's reads, by name."""
    seen: Counter[str] = Counter()
    original = loader._read_bounded

    def counted(path: Path) -> bytes:
        seen[Path(path).name] += 1
        return original(path)

    monkeypatch.setattr(loader, "_read_bounded", counted)
    return seen


@pytest.fixture
def fleet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Fleet, Emulator]]:
    made = build(tmp_path)
    (tmp_path / "more.yaml").write_text(EXTRA)  # a second file, without a master
    for name, value in made.master_only_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    with Emulator(made.scenario) as emu:
        yield made, emu


FILES = ["policies.yaml", "more.yaml"]


def test_validate_check_plan_fetch_and_apply_read_each_file_once(
    fleet: tuple[Fleet, Emulator],
    reads: Counter[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, emu = fleet
    live = Live(emu.base_url, timeout=30.0)
    runs: dict[str, Callable[[], int]] = {
        "validate": lambda: validate.run(ValidateOptions(FILES)),
        "fetch": lambda: fetch.run(FetchOptions(FILES, tmp_path / "state.json", live)),
        "check": lambda: check.run(CheckOptions(FILES, live=live)),
        "check --state": lambda: check.run(CheckOptions(FILES, state=tmp_path / "state.json")),
        "plan": lambda: plan.run(PlanOptions(FILES, live=live, output=tmp_path / "plan.json")),
        "apply --plan": lambda: apply.run(
            ApplyOptions(FILES, plan_file=tmp_path / "plan.json", yes=True, live=live)
        ),
        "apply": lambda: apply.run(ApplyOptions(FILES, yes=True, live=live)),
    }
    for name, run in runs.items():
        reads.clear()
        code = run()
        out = capsys.readouterr()
        assert code in (0, 1, 3), (name, code, out.err)
        assert reads == Counter(FILES), (name, reads)
    # The runs did what they say: the saved plan had changes, and apply --plan made them.
    assert json.loads((tmp_path / "plan.json").read_text())["summary"]["changes"] > 0
    assert [r.method for r in emu.requests if r.method != "GET"]
