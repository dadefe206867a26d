"""The benchmark scripts still run: both at their --tiny size, exit 0 and print their table.

Only that they run is checked, never their figures: the machines are shared and noisy
(benchmarks/README.md holds the figures). `benchmarks/live.py` once crashed for weeks unseen.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = "| measurement | keylint | baseline | ratio | target | met? |"
# Each script's rows, by how they start: a section that stops producing rows fails too.
ROWS = {
    "run.py": [
        "| 1 file x 10 keys, cold start",
        "| 1 file x 10 keys, cold start vs yamllint",
        "| peak RSS keylint",
        "| `validate` imports",
    ],
    "live.py": [
        "| (a) ",
        "| (b) master audit",
        "| (c) peak RSS",
        "| (d) `keylint check` end to end",
        "| (d) `keylint check` peak RSS",
        "| (e) ",
    ],
}


def test_both_benchmark_scripts_run_at_tiny_size(tmp_path: Path) -> None:
    # Both at once, one a core: about 8 s and 12 s each on the shared 2-core machine.
    started: dict[str, tuple[subprocess.Popen[bytes], Path, Path]] = {}
    for script in ROWS:
        out, err = tmp_path / f"{script}.out", tmp_path / f"{script}.err"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            proc = subprocess.Popen(
                [sys.executable, str(ROOT / "benchmarks" / script), "--tiny"],
                stdout=stdout,
                stderr=stderr,
                cwd=ROOT,
            )
        started[script] = (proc, out, err)
    for script, (proc, out, err) in started.items():
        proc.wait(timeout=300)
        text, errors = out.read_text(), err.read_text()
        assert proc.returncode == 0, f"{script}:\n{text[-3000:]}\n{errors[-3000:]}"
        assert "Traceback" not in text + errors, errors[-3000:]
        lines = text.splitlines()
        assert HEADER in lines, text[-3000:]
        for row in ROWS[script]:
            assert any(line.startswith(row) for line in lines), (row, text[-3000:])
