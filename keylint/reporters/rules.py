"""`keylint rules`: the rule list, and one rule's documentation, for a terminal."""

from __future__ import annotations

from keylint.inert import guard_lines
from keylint.rules import Rule


def render_rule_list(rules: list[Rule]) -> str:
    lines = [f"{'id':<6} {'name':<32} {'layer':<17} {'severity':<8} kind"]
    for rule in rules:
        kind = rule.kind.value if rule.implemented else f"{rule.kind.value} (not implemented yet)"
        lines.append(
            f"{rule.id:<6} {rule.name:<32} {rule.layer.value:<17} {rule.severity.value:<8} {kind}"
        )
    lines.append("")
    lines.append("`keylint rules ID` explains one rule.")
    return guard_lines("\n".join(lines))


def render_rule(rule: Rule) -> str:
    title = f"{rule.id} {rule.name}"
    status = "" if rule.implemented else "\nStatus: not implemented yet; no command reports it.\n"
    rating = rule.rating
    cwe = "".join(f"   CWE-{number}" for number in rating.cwe)
    head = (
        f"{title}\n{'=' * len(title)}\n"
        f"Layer: {rule.layer.value}   Severity: {rule.severity.value}   Runs: {rule.kind.value}\n"
        # The code-scanning rating; the "Security severity" section below says why.
        f"Security severity: {rating.security_severity:.1f} ({rating.level})   "
        f"Precision: {rating.precision.value}{cwe}\n"
        f"{status}"
    )
    # keylint's own text, guarded as every plain-text output is (SPEC §5).
    return guard_lines(head + "\n" + rule.doc + "\n")
