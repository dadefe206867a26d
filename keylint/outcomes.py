"""What became of each change `apply` (or `rotate`) carried out, and the words for it.

Plain data, apart from the network code that produces it (keylint.apply): the plan reporter
formats outcomes without importing httpx or the Binance client.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from keylint.plan import ROTATION_ACTIONS, Change, KeyPlan

Outcome = Literal["applied", "failed", "unknown", "refused", "not_attempted"]

OUTCOME_WORDS: dict[str, str] = {
    "applied": "applied",
    "failed": "failed: Binance refused it, nothing changed",
    "unknown": "outcome unknown: it may or may not have taken effect",
    "refused": "not sent: it widens access (--allow-widen)",
    "not_attempted": "not sent",
}

# A rotation is several calls (the store, the create, the verification): its words say what
# its outcome means for the keys, not for one call.
ROTATION_WORDS: dict[str, str] = {
    **OUTCOME_WORDS,
    "failed": "failed: nothing was created or deleted",
    "unknown": "not finished: the next apply or rotate completes it",
}


@dataclass(frozen=True)
class ChangeOutcome:
    key: KeyPlan
    change: Change
    outcome: Outcome
    reason: str | None = None


def outcome_words(outcome: ChangeOutcome) -> str:
    rotation = outcome.change.action in ROTATION_ACTIONS
    return (ROTATION_WORDS if rotation else OUTCOME_WORDS)[outcome.outcome]
