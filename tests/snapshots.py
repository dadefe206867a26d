"""SARIF snapshots store each report's rule ids; the rules' documentation is pinned once.

Every SARIF report carries the full documentation of every rule (`runs[].tool.driver.rules`),
the same ~100 kB in each. Stored per snapshot, a one-word change in a rule's docs rewrote
every SARIF snapshot and buried the reports' real differences in review (issue 14). Now each
report snapshot keeps the rule ids in order (what `results[].ruleIndex` points into), the test
asserts its full rules array equals the validate demo's, and one snapshot
(`test_sarif_rule_docs_snapshot`) pins that array as reviewed text. The repository root
(`originalUriBaseIds`) differs from one checkout to the next: it is checked, then replaced.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.conftest import FIXED_NOW, REPO


def dumps(document: object) -> str:
    """JSON as keylint's reporters write it: two-space indent, non-ASCII kept, a final newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def sarif_without_rule_docs(text: str) -> tuple[str, list[list[dict[str, Any]]]]:
    """The report's text with each run's rules array replaced by its rule ids, and those arrays."""
    log = json.loads(text)
    # The report's exact text stays pinned (key order, indentation, escaping): it must be what
    # `dumps` writes, so the snapshot of the reduced document is as exact as the old one.
    assert dumps(log) == text
    docs = []
    for run in log["runs"]:
        # Where the repository is on this machine: the one absolute path a SARIF log holds.
        for base in run.get("originalUriBaseIds", {}).values():
            assert base["uri"] == REPO.as_uri() + "/"
            base["uri"] = "file:///<repository root>/"
        driver = run["tool"]["driver"]
        docs.append(driver["rules"])
        driver["rules"] = [rule["id"] for rule in driver["rules"]]
    return dumps(log), docs


def sarif_rule_docs(keylint: Callable[..., Any]) -> list[dict[str, Any]]:
    """The rules array of the validate demo's SARIF report (pinned by its own snapshot)."""
    demo = str(REPO / "examples" / "policies")
    run = keylint("validate", demo, "--format", "sarif", "--now", FIXED_NOW)
    [only] = json.loads(run.stdout)["runs"]
    rules: list[dict[str, Any]] = only["tool"]["driver"]["rules"]
    return rules
