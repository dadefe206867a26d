"""Baselines (keylint.baseline): matching, staleness, and the file keylint writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from keylint.baseline import Baseline, Entry, baseline_text, read_baseline
from keylint.catalog import stamp
from keylint.errors import UsageError
from keylint.findings import Finding, Problem
from keylint.result import FileReport, KeyReport
from keylint.selection import selection


def finding(rule: str, subject: str, key: str = "bot") -> Finding:
    return stamp(rule, Problem(3, 5, "m", "r", subject=subject), file="p.yaml", key=key)


def baseline(*entries: tuple[str, str, str | None], root: Path | None = None) -> Baseline:
    made = {
        f"kl:{rule}:{key}:{subject}": Entry(f"kl:{rule}:{key}:{subject}", rule, key, "p.yaml", n)
        for n, (rule, subject, key) in enumerate(entries, start=10)
    }
    return Baseline(Path("b.json"), made, root)


def report(status: str, *findings: Finding) -> FileReport:
    return FileReport(
        "p.yaml", keys=[KeyReport("bot", "p.yaml", 3, status, findings=list(findings))]
    )


def test_a_listed_finding_is_waived_and_the_key_is_no_longer_drift() -> None:
    base = baseline(("KL101", "futures", "bot"))
    done = base.apply(report("drift", finding("KL101", "futures")), selection())
    assert [(f.waived, f.waiver_reason) for f in done.keys[0].findings] == [(True, "baseline")]
    assert done.keys[0].status == "ok"
    assert base.unused(selection()) is None


def test_a_fixed_finding_is_kl007_at_its_line_once() -> None:
    base = baseline(("KL101", "futures", "bot"), ("KL306", "max_age", "bot"))
    base.apply(report("ok", finding("KL306", "max_age")), selection())
    unused = base.unused(selection())
    assert unused is not None
    assert [(f.rule, f.file, f.line, f.subject) for f in unused.findings] == [
        ("KL007", "b.json", 10, "kl:KL101:bot:futures")
    ]


@pytest.mark.parametrize(
    ("status", "rule", "subject", "ignore", "stale"),
    [
        ("static", "KL101", "futures", [], False),  # validate: a live rule did not run
        ("unchecked", "KL101", "futures", [], False),  # the key could not be read
        ("ok", "KL101", "futures", ["KL101"], False),  # the rule is off in this run
        ("static", "KL306", "max_age", [], True),  # a static rule ran and found nothing
        ("ok", "KL101", "futures", [], True),
    ],
)
def test_only_an_entry_the_run_could_have_matched_is_stale(
    status: str, rule: str, subject: str, ignore: list[str], stale: bool
) -> None:
    base = baseline((rule, subject, "bot"))
    chosen = selection(ignore=ignore)
    base.apply(report(status), chosen)
    assert bool(base.stale(chosen)) is stale
    assert bool(base.kept(chosen)) is not stale


def test_an_entry_of_a_file_not_linted_is_kept_not_stale() -> None:
    base = baseline(("KL306", "max_age", "bot"))
    other = FileReport("q.yaml", keys=[KeyReport("bot2", "q.yaml", 3, "static")])
    base.apply(other, selection())
    assert base.stale(selection()) == []
    assert [e.fingerprint for e in base.kept(selection())] == ["kl:KL306:bot:max_age"]


def test_the_file_is_one_entry_a_line_sorted_and_reads_back(tmp_path: Path) -> None:
    reports = [
        report("drift", finding("KL306", "max_age"), finding("KL101", "futures")),
        FileReport(
            "p.yaml", findings=[stamp("KL001", Problem(1, 1, "m", "r"), file="p.yaml", key=None)]
        ),
    ]
    text, count = baseline_text(reports)
    assert count == 2  # KL001 is the file's own problem: never baselined
    lines = text.splitlines()
    assert [json.loads(line.rstrip(","))["rule"] for line in lines[3:5]] == ["KL101", "KL306"]
    path = tmp_path / "b.json"
    path.write_text(text)
    read = read_baseline(path)
    assert {fp: e.line for fp, e in read.entries.items()} == {
        "kl:KL101:bot:futures": 4,
        "kl:KL306:bot:max_age": 5,
    }
    assert baseline_text(reports)[0] == text  # no clock: the same findings, the same file


def test_a_secret_pasted_as_a_key_name_never_reaches_the_baseline(tmp_path: Path) -> None:
    from tests.hardening.test_redaction import api_secret

    secret = api_secret()  # shaped like a Binance API key, made at run time
    text, _ = baseline_text([report("drift", finding("KL101", "futures", key=secret))])
    assert secret not in text


def test_an_unreadable_baseline_says_where(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text('{"version": 1,\n "findings": [}\n')
    with pytest.raises(UsageError, match=r"b.json:2:15: not JSON"):
        read_baseline(path)
