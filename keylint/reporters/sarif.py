"""`--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers."""

from __future__ import annotations

from typing import Any, TextIO

from keylint.findings import Finding
from keylint.inert import inert
from keylint.reporters import JsonArray, as_text, write_json
from keylint.result import KeyReport, Result
from keylint.rules import Rule, all_rules

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/keylint/keylint"


def render(result: Result, **_: Any) -> str:
    return as_text(write, result)


def write(result: Result, out: TextIO, **_: Any) -> None:
    index = {rule.id: i for i, rule in enumerate(all_rules())}
    unchecked: list[KeyReport] = []
    # Unchecked keys come before the results in the log: results wait in a temporary file.
    with JsonArray(depth=3) as results:
        for report in result.reports():
            unchecked.extend(key for key in report.keys if key.status == "unchecked")
            results.extend([_result(f, index[f.rule]) for f in report.all_findings()])
        write_json(out, _log(result, unchecked, results))
    out.write("\n")


def _log(result: Result, unchecked: list[KeyReport], results: JsonArray) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "keylint",
                        "version": result.tool_version,
                        "semanticVersion": result.tool_version,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule(rule) for rule in all_rules()],
                    }
                },
                "automationDetails": {"id": f"keylint/{result.command}/"},
                "invocations": [_invocation(result, unchecked)],
                "results": results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }


def _rule(rule: Rule) -> dict[str, Any]:
    help_text = rule.doc
    status = "" if rule.implemented else " (not implemented yet: reported by no command)"
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": (rule.section("What it checks") or rule.summary) + status},
        "help": {"text": help_text, "markdown": _help_markdown(rule)},
        "defaultConfiguration": {"level": rule.severity.sarif_level},
        "properties": {"tags": ["security", rule.layer.value, rule.kind.value]},
    }


def _help_markdown(rule: Rule) -> str:
    parts = [f"**{rule.id} {rule.name}**: {rule.summary}"]
    for heading in ("What it checks", "Why it matters", "Example", "Fix"):
        body = rule.section(heading)
        if not body:
            continue
        if heading == "Example":
            body = "```yaml\n" + body + "\n```"
        parts.append(f"### {heading}\n\n{body}")
    return "\n\n".join(parts)


def _invocation(result: Result, unchecked: list[KeyReport]) -> dict[str, Any]:
    # SARIF 2.1.0 §3.20.14: executionSuccessful is false when the tool did not run to
    # completion. An unchecked key alone is not that (the run went on and checked the rest);
    # an interrupted run is, and its log must not pass for a complete one.
    invocation: dict[str, Any] = {"executionSuccessful": not result.interrupted}
    notifications = [
        {
            "level": "warning",
            "message": {
                "text": f"key {inert(repr(key.name))} was not checked: {inert(str(key.error))}"
            },
            "locations": [_location(key.file, key.line, 1)],
        }
        for key in unchecked
    ]
    if result.interrupted:
        notifications.insert(
            0,
            {
                "level": "error",
                "message": {
                    "text": f"keylint {result.command} was interrupted before every key was "
                    f"read: {len(unchecked)} of {result.summary['keys']} keys unchecked"
                },
            },
        )
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return invocation


def _location(file: str, line: int, column: int) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": file},
            "region": {"startLine": line, "startColumn": column},
        }
    }


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    # JSON escapes control characters, but a code-scanning UI renders the decoded text: the
    # values in it are made inert as in every other format.
    text = inert(finding.message)
    if finding.key:
        text = f"[{inert(finding.key)}] {text}"
    entry: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": finding.severity.sarif_level,
        "message": {"text": f"{text}\nFix: {inert(finding.remediation)}"},
        "locations": [_location(finding.file, finding.line, finding.column)],
        "partialFingerprints": {"keylintFingerprint/v1": finding.fingerprint},
        "properties": {"key": finding.key, "layer": finding.layer.value},
    }
    if finding.waived:
        entry["suppressions"] = [
            {
                "kind": "inSource",
                "status": "accepted",
                "justification": inert(finding.waiver_reason or ""),
            }
        ]
    return entry
