"""`keylint plan` and `keylint apply` output: the plan, each change's outcome, as text or JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from keylint.inert import guard_lines, inert, json_text
from keylint.outcomes import OUTCOME_WORDS, ChangeOutcome, outcome_words
from keylint.plan import Change, KeyPlan, Plan
from keylint.reporters import wrap

_WIDTH = 100
_STYLE = {"del": "31", "add": "32", "bold": "1", "dim": "2", "warning": "33;1", "ok": "32"}


def _paint(color: bool, style: str, text: str) -> str:
    return f"\x1b[{_STYLE[style]}m{text}\x1b[0m" if color else text


def headline(plan: Plan) -> str:
    """One line a person reads first: how much would change, and how much by hand."""
    counts = plan.summary()
    unchecked = counts["unchecked"]
    if plan.empty and unchecked:
        # Nothing planned is no match when keys went unread: their drift is unknown.
        were = "was" if unchecked == 1 else "were"
        return (
            f"Plan: no changes planned, but {_n(unchecked, 'key')} {were} not checked: "
            "their drift is unknown"
        )
    if plan.empty:
        verdict = "no changes: the live keys match their policies"
    elif not counts["changes"]:
        verdict = f"no API calls; {_n(counts['manual'], 'manual step')}"
    else:
        parts = [f"{_n(counts['changes'], 'API call')} on {_n(counts['keys'], 'key')}"]
        if counts["widening"]:
            parts[0] += f" ({counts['widening']} widening access, applied only with --allow-widen)"
        parts.append(f"{_n(counts['manual'], 'manual step')}")
        verdict = "; ".join(parts)
    if counts["unchecked"]:
        verdict += f"; {counts['unchecked']} key{'s' if counts['unchecked'] != 1 else ''} unchecked"
    return f"Plan: {verdict}"


def render_plan(plan: Plan, *, color: bool = False) -> str:
    out = [headline(plan), ""]
    for key in plan.keys:
        out.append(_key_head(key, color))
        for change in key.changes:
            out.extend(_change(key, change, color))
        out.append("")
    if plan.manual:
        out.append(_paint(color, "bold", "Manual steps (Binance's API cannot make these changes):"))
        for step in plan.manual:
            who = inert(step.key or "(no key)")
            where = f"{inert(step.file)}:{step.line}"
            out.append(f"  {_paint(color, 'bold', who)}  {where}  {inert(step.rule)}")
            out.extend(_wrap(inert(step.message), "      "))
            out.extend(_wrap(f"why by hand: {inert(step.why)}", "      "))
            out.extend(_wrap(f"fix: {inert(step.remediation)}", "      "))
        out.append("")
    if plan.unchecked:
        out.append(_paint(color, "warning", "Unchecked keys (no plan could be made for them):"))
        for item in plan.unchecked:
            out.extend(_wrap(inert(f"{item.key} ({item.file}): {item.reason}"), "  "))
        out.append("")
    # Values are escaped where they are placed; the guard also covers a wrapped line that a
    # value starts (SPEC §5).
    return guard_lines("\n".join(out).rstrip("\n") + "\n")


def _key_head(key: KeyPlan, color: bool) -> str:
    return (
        f"{_paint(color, 'bold', inert(key.name))}  {inert(key.file)}:{key.line}  "
        f"sub-account {inert(key.sub_account)}, key {inert(key.api_key_prefix or '(none yet)')}"
    )


def _change(key: KeyPlan, change: Change, color: bool) -> list[str]:
    # A rotation neither narrows nor widens: it replaces the key with one exactly as declared.
    sign, style = (
        ("+", "add") if change.widens else ("~" if change.action == "rotate" else "-", "del")
    )
    note = "  [widens access: needs --allow-widen]" if change.widens else ""
    rules = inert(", ".join(change.rules))
    head = f"  {_paint(color, style, sign)} {inert(change.summary)}{note}  ({rules})"
    params = " ".join(f"{k}={v}" for k, v in change.request(key.sub_account, key.api_key_prefix))
    call = inert(f"{change.method} {change.path} {params}")
    return [head, *_wrap(call, "      ", dim=color)]


def render_outcome(item: ChangeOutcome, *, color: bool = False) -> str:
    """One change's outcome, as a line printed the moment it is known."""
    style = {"applied": "ok", "refused": "dim"}.get(item.outcome, "warning")
    words = outcome_words(item)
    if item.reason and item.outcome != "refused":
        words += f" ({inert(item.reason)})"  # Binance's error text, among others
    line = f"{inert(item.key.name)}: {inert(item.change.summary)}: {_paint(color, style, words)}"
    return guard_lines("\n".join(_wrap(line, "  ")) + "\n")


def render_tally(outcomes: Sequence[ChangeOutcome]) -> str:
    counts = tally(outcomes)
    parts = [f"{n} {_OUTCOME_NOUN[k]}" for k, n in counts.items() if n]
    return f"Changes: {', '.join(parts)}."


_OUTCOME_NOUN = {
    "applied": "applied",
    "failed": "failed",
    "unknown": "with unknown outcome",
    "refused": "not sent (widening)",
    "not_attempted": "not sent",
}


def tally(outcomes: Sequence[ChangeOutcome]) -> dict[str, int]:
    counts = dict.fromkeys(OUTCOME_WORDS, 0)
    for item in outcomes:
        counts[item.outcome] += 1
    return counts


def render_plan_json(plan: Plan) -> str:
    return json_text(json.dumps(plan.to_json(), indent=2, ensure_ascii=False)) + "\n"


def render_apply_json(
    plan: Plan, outcomes: Sequence[ChangeOutcome], after: dict[str, Any] | None, exit_code: int
) -> str:
    document = {
        "plan": plan.to_json(),
        "outcomes": [
            {
                "key": item.key.name,
                "action": item.change.action,
                "summary": item.change.summary,
                "widens": item.change.widens,
                "outcome": item.outcome,
                "reason": item.reason,
            }
            for item in outcomes
        ],
        "summary": tally(outcomes),
        "after": after,
        "exit_code": exit_code,
    }
    return json_text(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"


def _wrap(text: str, indent: str, *, dim: bool = False) -> list[str]:
    lines = wrap(text, indent, _WIDTH)
    return [_paint(True, "dim", line) for line in lines] if dim else lines


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
