"""`--format json`: the machine-readable report of SPEC §5."""

from __future__ import annotations

from typing import Any, TextIO

from keylint.findings import Finding
from keylint.reporters import JsonArray, as_text, write_json
from keylint.result import KeyReport, Result


def render(result: Result, **_: Any) -> str:
    return as_text(write, result)


def write(result: Result, out: TextIO, **_: Any) -> None:
    # The summary comes first in the document but is known only after the last file: keys
    # and findings wait in temporary files meanwhile (json.dumps of as_dict, byte for byte).
    with JsonArray(depth=1) as files, JsonArray(depth=1) as keys, JsonArray(depth=1) as findings:
        for report in result.reports():
            files.extend([report.path])
            keys.extend([_key(key) for key in report.keys])
            findings.extend([finding_dict(finding) for finding in report.all_findings()])
        write_json(out, _document(result, files=files, keys=keys, findings=findings))
    out.write("\n")


def as_dict(result: Result) -> dict[str, Any]:
    return _document(
        result,
        files=[report.path for report in result.files],
        keys=[_key(key) for key in result.keys],
        findings=[finding_dict(f) for f in result.findings],
    )


def _document(result: Result, *, files: Any, keys: Any, findings: Any) -> dict[str, Any]:
    return {
        "version": 1,
        "tool": {"name": "keylint", "version": result.tool_version},
        "command": result.command,
        "generated_at": _timestamp(result),
        "fail_on": result.fail_on.value if result.fail_on else "never",
        "exit_code": result.exit_code,
        "summary": result.summary,
        "files": files,
        "keys": keys,
        "findings": findings,
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
