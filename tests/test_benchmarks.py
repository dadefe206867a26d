"""The benchmark scripts still run: both at their --tiny size, exit 0 and print their table.

Only that they run is checked, never their figures: the machines are shared and noisy
(benchmarks/README.md holds the figures). `benchmarks/live.py` once crashed for weeks unseen.
"""

from __future__ import annotations

from tests.background import BENCHMARK_SCRIPTS, Jobs

HEADER = "| measurement | keylint | baseline | ratio | target | met? |"
# Each script's rows, by how they start: a section that stops producing rows fails too.
ROWS = {
    "run.py": ["| 1 file x 10 keys, cold start", "| peak RSS keylint", "| `validate` imports"],
    "live.py": ["| (a) ", "| (b) master audit", "| (c) peak RSS", "| (d) `keylint check`"],
}


def test_both_benchmark_scripts_run_at_tiny_size(background_jobs: Jobs) -> None:
    # Both at once, one a core (about 8 s and 12 s each on the shared 2-core machine), started
    # with the session so that they run beside other tests (tests/background.py).
    assert set(ROWS) == set(BENCHMARK_SCRIPTS)
    for script in ROWS:
        code, text, errors = background_jobs.get(script).result(timeout=300)
        assert code == 0, f"{script}:\n{text[-3000:]}\n{errors[-3000:]}"
        assert "Traceback" not in text + errors, errors[-3000:]
        lines = text.splitlines()
        assert HEADER in lines, text[-3000:]
        for row in ROWS[script]:
            assert any(line.startswith(row) for line in lines), (row, text[-3000:])
