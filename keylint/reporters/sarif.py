"""`--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

What code scanning reads (docs.github.com, "SARIF support for code scanning"): each rule's
`security-severity`, `precision` and `tags` rate and filter the alerts; a result's first
location places it, by a path from the repository root; `partialFingerprints` track it across
runs. `suppressions` are not among the properties it reads (README, "Code scanning").
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any, TextIO
from urllib.parse import quote

from keylint.findings import Finding
from keylint.inert import inert
from keylint.repo import from_root
from keylint.reporters import JsonArray, as_text, write_json
from keylint.result import KeyReport, Result
from keylint.rules import Rule, all_rules
from keylint.secrets import redact

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/keylint/keylint"
# The base every artifact URI is relative to: the repository root, as code scanning expects.
SRCROOT = "%SRCROOT%"
# Versioned (SARIF 2.1.0 §3.27.17): a new way of computing keylint's fingerprint gets /v2.
FINGERPRINT = "keylintFingerprint/v1"
# SPEC §8: a baseline waives with this reason; it lives beside the policy, not in it.
BASELINE_REASON = "baseline"


def render(result: Result, **options: Any) -> str:
    return as_text(write, result, **options)


def write(result: Result, out: TextIO, *, root: Path | None = None, **_: Any) -> None:
    index = {rule.id: i for i, rule in enumerate(all_rules())}
    unchecked: list[KeyReport] = []
    # Unchecked keys come before the results in the log: results wait in a temporary file.
    with JsonArray(depth=3) as results:
        for report in result.reports():
            unchecked.extend(key for key in report.keys if key.status == "unchecked")
            results.extend([_result(f, index[f.rule], root) for f in report.all_findings()])
        write_json(out, _log(result, unchecked, results, root))
    out.write("\n")


def _log(
    result: Result, unchecked: list[KeyReport], results: JsonArray, root: Path | None
) -> dict[str, Any]:
    run: dict[str, Any] = {
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
    }
    if root is not None:
        # SARIF 2.1.0 §3.14.14: where %SRCROOT% is on this machine, ending with a slash. The
        # root is the only absolute path the log holds (code scanning itself needs none), and
        # like every path it goes through the one redaction path.
        folder = redact(root.as_posix()).rstrip("/")
        run["originalUriBaseIds"] = {SRCROOT: {"uri": _file_uri(folder) + "/"}}
    run["invocations"] = [_invocation(result, unchecked, root)]
    run["results"] = results
    run["columnKind"] = "unicodeCodePoints"
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def _rule(rule: Rule) -> dict[str, Any]:
    help_text = rule.doc
    status = "" if rule.implemented else " (not implemented yet: reported by no command)"
    rating = rule.rating
    # Every rule is a security rule here: code scanning rates its alerts Critical/High/
    # Medium/Low by `security-severity` (a string) rather than Error/Warning/Note, and lists
    # them by it and `precision`. CodeQL's form of a CWE tag: external/cwe/cwe-079.
    tags = ["security", rule.layer.value, rule.kind.value]
    tags += [f"external/cwe/cwe-{number:03d}" for number in rating.cwe]
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": (rule.section("What it checks") or rule.summary) + status},
        "help": {"text": help_text, "markdown": _help_markdown(rule)},
        "defaultConfiguration": {"level": rule.severity.sarif_level},
        "properties": {
            "tags": tags,
            "precision": rating.precision.value,
            "security-severity": f"{rating.security_severity:.1f}",
        },
    }


def _help_markdown(rule: Rule) -> str:
    parts = [f"**{rule.id} {rule.name}**: {rule.summary}"]
    for heading in ("What it checks", "Why it matters", "Example", "Fix", "Security severity"):
        body = rule.section(heading)
        if not body:
            continue
        if heading == "Example":
            body = "```yaml\n" + body + "\n```"
        if heading == "Security severity":
            # The score from the catalog; the docstring's words start with its level.
            body = f"Score {rule.rating.security_severity:.1f} of 10. {body}"
        parts.append(f"### {heading}\n\n{body}")
    return "\n\n".join(parts)


def _invocation(result: Result, unchecked: list[KeyReport], root: Path | None) -> dict[str, Any]:
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
            "locations": [_location(key.file, key.line, 1, root)],
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


def _location(file: str, line: int, column: int, root: Path | None) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": artifact(file, root),
            "region": {"startLine": line, "startColumn": column},
        }
    }


def artifact(file: str, root: Path | None) -> dict[str, str]:
    """A policy file's `artifactLocation`: its path from the repository root against
    %SRCROOT% (so that a step with `working-directory:` still places alerts on the right
    file); a file outside any repository keeps the path keylint names it by."""
    placed = from_root(file, root)
    posix = PurePosixPath(placed)
    if posix.is_absolute():
        return {"uri": _file_uri(placed)}
    # from_root gives a file outside the root back as it was named: `../` leads out of it.
    if root is None or posix.parts[:1] == ("..",):
        return {"uri": _quote(placed)}
    return {"uri": _quote(placed), "uriBaseId": SRCROOT}


def _file_uri(path: str) -> str:
    return "file://" + _quote(path)


def _quote(path: str) -> str:
    # A URI, not a path: a space, `%` or `#` in a file name is percent-encoded (upload-sarif
    # decodes the URI to find the file), which also leaves no hidden character in it. A
    # name's undecodable bytes (surrogate escapes) are encoded back to those bytes.
    try:
        return quote(path, safe="/", errors="surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that stands for no byte
        return quote(path, safe="/", errors="surrogatepass")


def _result(finding: Finding, rule_index: int, root: Path | None) -> dict[str, Any]:
    # JSON escapes control characters, but a code-scanning UI renders the decoded text: the
    # values in it are made inert as in every other format.
    text = inert(finding.message)
    if finding.key:
        text = f"[{inert(finding.key)}] {text}"
    reason = inert(finding.waiver_reason or "")
    if finding.waived:
        # Code scanning ignores `suppressions`: the reason is in the text every viewer shows.
        text += f"\nWaived: {reason}"
    entry: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": finding.severity.sarif_level,
        "message": {"text": f"{text}\nFix: {inert(finding.remediation)}"},
        "locations": [_location(finding.file, finding.line, finding.column, root)],
        "partialFingerprints": {FINGERPRINT: finding.fingerprint},
        "properties": {"key": finding.key, "layer": finding.layer.value},
    }
    if finding.waived:
        # SARIF 2.1.0 §3.35: a waiver is written in the policy file itself, the file the
        # result is in (inSource); a baseline is kept apart from it (external). Accepted: a
        # reviewed exception, which suppression-aware viewers hide and dismiss-alerts
        # dismisses on GitHub (README, "Code scanning").
        kind = "external" if finding.waiver_reason == BASELINE_REASON else "inSource"
        entry["suppressions"] = [{"kind": kind, "status": "accepted", "justification": reason}]
    return entry
