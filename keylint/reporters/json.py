"""`--format json`: the machine-readable report of SPEC §5."""

from __future__ import annotations

import json
from typing import Any

from keylint.findings import Finding
from keylint.result import KeyReport, Result


def render(result: Result, **_: Any) -> str:
    return json.dumps(as_dict(result), indent=2, ensure_ascii=False) + "\n"


def as_dict(result: Result) -> dict[str, Any]:
    return {
        "version": 1,
        "tool": {"name": "keylint", "version": result.tool_version},
        "command": result.command,
        "generated_at": _timestamp(result),
        "fail_on": result.fail_on.value if result.fail_on else "never",
        "exit_code": result.exit_code,
        "summary": result.summary,
        "files": [report.path for report in result.files],
        "keys": [_key(key) for key in result.keys],
        "findings": [finding_dict(f) for f in result.findings],
    }


def _timestamp(result: Result) -> str:
    return result.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _key(key: KeyReport) -> dict[str, Any]:
    return {
        "name": key.name,
        "file": key.file,
        "line": key.line,
        "owner": key.owner,
        "status": key.status,
        "error": key.error,
        "unverifiable": key.unverifiable,
    }


def finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "name": finding.name,
        "layer": finding.layer.value,
        "severity": finding.severity.value,
        "key": finding.key,
        "file": finding.file,
        "line": finding.line,
        "column": finding.column,
        "message": finding.message,
        "expected": finding.expected,
        "actual": finding.actual,
        "remediation": finding.remediation,
        "waived": finding.waived,
        "waiver_reason": finding.waiver_reason,
        "fingerprint": finding.fingerprint,
    }
