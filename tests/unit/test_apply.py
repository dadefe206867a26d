"""keylint.apply: how each answer to a write becomes an outcome, what is never re-sent, and
the audit log's lines. The HTTP layer is httpx's MockTransport (unit level)."""

from __future__ import annotations

import asyncio
import json
import secrets
import stat
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from keylint import __version__
from keylint.apply import AuditLog, ChangeOutcome, execute
from keylint.binance.client import BinanceClient
from keylint.binance.signing import Credentials, HmacSigner
from keylint.plan import Change, KeyPlan

SUB_KEY = secrets.token_hex(32)  # a full API key: must never reach the log
MASTER = Credentials(secrets.token_hex(32), HmacSigner(secrets.token_bytes(32)))


def key_plan(*changes: Change, name: str = "bot") -> KeyPlan:
    return KeyPlan(
        name=name,
        file="keys.yaml",
        line=3,
        sub_account="sub@example.com",
        api_key_prefix=SUB_KEY[:8] + "…",
        live_digest="0" * 16,
        changes=changes,
    )


REVOKE = Change(
    "revoke_permissions",
    (("canFuturesTrade", "false"),),
    "revoke futures",
    ("KL101",),
    ("kl:KL101:bot:futures",),
)
REMOVE = Change(
    "remove_ips", (("ipAddress", "192.0.2.7"),), "remove trusted IP 192.0.2.7", ("KL202",), ()
)
TRUST = Change(
    "add_ips",
    (("status", "2"), ("ipAddress", "203.0.113.9")),
    "trust IP 203.0.113.9",
    ("KL203",),
    (),
)


def run(
    handler: Callable[[httpx.Request], httpx.Response],
    plans: list[KeyPlan],
    *,
    allow_widen: bool = False,
    api_keys: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> tuple[list[ChangeOutcome], list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    async def go() -> list[ChangeOutcome]:
        client = BinanceClient(
            base_url="https://binance.invalid",
            timeout=timeout,
            transport=httpx.MockTransport(record),
        )
        async with client:
            return await execute(
                plans,
                api_keys={"bot": SUB_KEY} if api_keys is None else api_keys,
                master=MASTER,
                allow_widen=allow_widen,
                client=client,
                record=lambda _o: None,
            )

    return asyncio.run(go()), seen


def answer(status: int, body: object, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def test_each_change_is_one_signed_call_in_plan_order() -> None:
    outcomes, seen = run(lambda r: answer(200, {}), [key_plan(REVOKE, REMOVE)])
    assert [o.outcome for o in outcomes] == ["applied", "applied"]
    assert [(r.method, r.url.path) for r in seen] == [
        ("POST", "/sapi/v1/sub-account/subAccountApiPermission"),
        ("DELETE", "/sapi/v1/sub-account/subAccountApi/ipRestriction/ipList"),
    ]
    post = seen[0].content.decode()
    # POST parameters travel in the signed form body, the full key only on the wire.
    assert f"subAccountApiKey={SUB_KEY}" in post and "signature=" in post
    assert seen[0].headers["X-MBX-APIKEY"] == MASTER.api_key
    assert "ipAddress=192.0.2.7" in str(seen[1].url)


def test_widening_changes_are_not_sent_without_allow_widen() -> None:
    outcomes, seen = run(lambda r: answer(200, {}), [key_plan(REVOKE, TRUST)])
    assert [o.outcome for o in outcomes] == ["applied", "refused"]
    assert len(seen) == 1
    outcomes, seen = run(lambda r: answer(200, {}), [key_plan(TRUST)], allow_widen=True)
    assert [o.outcome for o in outcomes] == ["applied"]


def test_a_server_error_leaves_the_outcome_unknown_and_is_never_resent() -> None:
    outcomes, seen = run(
        lambda r: answer(503, {"code": -1001, "msg": "Internal error"}), [key_plan(REMOVE)]
    )
    assert [o.outcome for o in outcomes] == ["unknown"]
    assert len(seen) == 1


def test_a_dropped_connection_is_unknown_too() -> None:
    def drop(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("peer closed connection", request=request)

    outcomes, seen = run(drop, [key_plan(REVOKE)])
    assert outcomes[0].outcome == "unknown" and "dropped" in (outcomes[0].reason or "")
    assert len(seen) == 1


def test_a_rate_limit_is_waited_out_because_nothing_was_done() -> None:
    answers = iter([answer(429, {"code": -1003, "msg": "Too much"}, **{"Retry-After": "1"})])

    def handler(request: httpx.Request) -> httpx.Response:
        return next(answers, answer(200, {}))

    outcomes, seen = run(handler, [key_plan(REVOKE)])
    assert [o.outcome for o in outcomes] == ["applied"]
    assert len(seen) == 2


def test_a_refusal_fails_that_change_only_and_says_what_binance_needs() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            return answer(401, {"code": -2015, "msg": "Invalid API-key, IP, or permissions."})
        return answer(200, {})

    outcomes, _ = run(handler, [key_plan(REMOVE, REVOKE)])
    assert [o.outcome for o in outcomes] == ["failed", "applied"]
    assert "Enable Spot & Margin Trading" in (outcomes[0].reason or "")


def test_a_key_the_listing_no_longer_shows_is_not_attempted() -> None:
    outcomes, seen = run(lambda r: answer(200, {}), [key_plan(REVOKE)], api_keys={})
    assert outcomes[0].outcome == "not_attempted" and seen == []


def test_the_audit_log_is_private_appended_and_free_of_full_keys(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    plan = key_plan(REVOKE)
    when = datetime(2026, 11, 24, 9, tzinfo=UTC)
    for outcome in ("applied", "failed"):
        with AuditLog(log, "plan.json") as audit:
            audit.write(ChangeOutcome(plan, REVOKE, outcome, None), when)
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [line["outcome"] for line in lines] == ["applied", "failed"]
    assert lines[0] == {
        "time": "2026-11-24T09:00:00Z",
        "key": "bot",
        "file": "keys.yaml",
        "sub_account": "sub@example.com",
        "api_key": SUB_KEY[:8] + "…",
        "change": "revoke_permissions",
        "summary": "revoke futures",
        "widens": False,
        "request": {
            "method": "POST",
            "path": "/sapi/v1/sub-account/subAccountApiPermission",
            "params": {
                "email": "sub@example.com",
                "subAccountApiKey": SUB_KEY[:8] + "…",
                "canFuturesTrade": "false",
            },
        },
        "rules": ["KL101"],
        "outcome": "applied",
        "error": None,
        "plan": "plan.json",
    }
    assert SUB_KEY not in log.read_text() and MASTER.api_key not in log.read_text()


@pytest.mark.parametrize("outcome", ["applied", "failed", "unknown", "refused", "not_attempted"])
def test_every_outcome_has_words(outcome: str) -> None:
    from keylint.apply import OUTCOME_WORDS
    from keylint.reporters.plan import render_outcome

    line = render_outcome(ChangeOutcome(key_plan(REVOKE), REVOKE, outcome, "why"))  # type: ignore[arg-type]
    assert OUTCOME_WORDS[outcome] in line


def test_outcome_report_snapshot(snapshot: object) -> None:
    """What a person reads while apply runs, and the JSON a pipeline reads after it."""
    from keylint.plan import Plan
    from keylint.reporters.plan import render_apply_json, render_outcome, render_tally

    plan = key_plan(REVOKE, REMOVE, TRUST)
    outcomes = [
        ChangeOutcome(plan, REVOKE, "applied"),
        ChangeOutcome(plan, REMOVE, "unknown", "Binance is unavailable (HTTP 503)"),
        ChangeOutcome(plan, TRUST, "refused", "it widens access: run with --allow-widen"),
    ]
    text = "".join(render_outcome(o) for o in outcomes) + render_tally(outcomes) + "\n"
    document = render_apply_json(
        Plan(datetime(2026, 11, 24, 9, tzinfo=UTC), "live", "https://api.binance.com", [plan]),
        outcomes,
        None,
        1,
    )
    assert text.replace(SUB_KEY[:8], "<prefix>") == snapshot
    assert document.replace(SUB_KEY[:8], "<prefix>").replace(__version__, "<version>") == snapshot


def test_cancelled_midway_every_change_is_recorded_once_in_flight_as_unknown() -> None:
    """SIGINT/SIGTERM reach execute() as a cancellation. The write whose request left may
    have reached Binance: unknown, never re-sent. The one held back by the pacer and the one
    not started were never sent: not_attempted. A widening one stays refused."""
    sent: list[httpx.Request] = []

    async def hang(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        await asyncio.Event().wait()  # Binance never answers
        raise AssertionError("unreachable")

    recorded: list[ChangeOutcome] = []

    async def go() -> None:
        # One UID-weighted call per window: the second key's revoke waits in the pacer.
        client = BinanceClient(
            base_url="https://binance.invalid",
            timeout=300,
            limits={"uid": 3000, "ip": 12000},
            transport=httpx.MockTransport(hang),
        )
        async with client:
            task = asyncio.create_task(
                execute(
                    [key_plan(REVOKE, REMOVE), key_plan(REVOKE, TRUST, name="other")],
                    api_keys={"bot": SUB_KEY, "other": SUB_KEY},
                    master=MASTER,
                    allow_widen=False,
                    client=client,
                    record=recorded.append,
                )
            )
            while not sent:
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.05)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(go())
    assert len(sent) == 1
    assert [(o.key.name, o.change.action, o.outcome, o.reason) for o in recorded] == [
        ("bot", "revoke_permissions", "unknown", "interrupted in flight: never re-sent"),
        ("bot", "remove_ips", "not_attempted", "interrupted before it was sent"),
        ("other", "revoke_permissions", "not_attempted", "interrupted before it was sent"),
        ("other", "add_ips", "refused", "it widens access: run with --allow-widen"),
    ]


def test_the_audit_log_holds_no_raw_hidden_character_or_workflow_command(tmp_path: Path) -> None:
    hostile = Change("delete", (), "delete\u2028::error::x ##[warning]y\u202e", ("KL305",), ())
    log = tmp_path / "audit.jsonl"
    with AuditLog(log, "fresh") as audit:
        audit.write(
            ChangeOutcome(key_plan(hostile), hostile, "applied"), datetime(2026, 11, 24, tzinfo=UTC)
        )
    text = log.read_text()
    assert "\u2028" not in text and "\u202e" not in text and "##[" not in text
    assert json.loads(text)["summary"] == hostile.summary  # still the same data
