"""The GitHub core without a network: target resolution, Link headers, the marker, plans,
error lines; the adapter through httpx.MockTransport."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from keylint import github
from keylint.errors import UsageError
from keylint.findings import Finding, Layer, Severity
from keylint.github import GitHubError, GitHubRequest, Target
from keylint.reporters.markdown import MARKER
from keylint.result import FileReport, KeyReport, Result

API = "https://api.github.com"
TOKEN = "ghs_unitTestToken"
PR = Target(api_url=API, repo="o/r", number=7, token=TOKEN)
REPO = Target(api_url=API, repo="o/r", number=None, token=TOKEN)
REPORT = MARKER + "\n### report\n"


# --- where to post -------------------------------------------------------------------------


def resolve(env: dict[str, str], **flags: Any) -> Target:
    options = {"repo": None, "pr": None, "api_url": None, "issue": False, **flags}
    return github.resolve_target(env={"GITHUB_TOKEN": TOKEN, **env}, **options)


def event_file(tmp_path: Path, event: object) -> str:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    return str(path)


def test_flags_win_over_the_actions_env(tmp_path: Path) -> None:
    env = {
        "GITHUB_REPOSITORY": "env/repo",
        "GITHUB_API_URL": "https://ghe.example/api/v3",
        "GITHUB_EVENT_PATH": event_file(tmp_path, {"pull_request": {"number": 3}}),
    }
    assert resolve(env) == Target("https://ghe.example/api/v3", "env/repo", 3, TOKEN)
    flagged = resolve(env, repo="o/r", pr=7, api_url="http://127.0.0.1:9/")
    assert flagged == Target("http://127.0.0.1:9", "o/r", 7, TOKEN)


def test_defaults_to_github_com_and_issue_needs_no_pull_request() -> None:
    target = resolve({"GITHUB_REPOSITORY": "o/r"}, issue=True)
    assert target == Target(API, "o/r", None, TOKEN)
    assert target.where == "o/r"


def test_author_and_actions_come_from_the_flag_and_the_env() -> None:
    target = resolve({"GITHUB_ACTIONS": "true"}, repo="o/r", pr=7, author="my-app[bot]")
    assert (target.author, target.actions) == ("my-app[bot]", True)
    assert (resolve({}, repo="o/r", pr=7).author, resolve({}, repo="o/r", pr=7).actions) == (
        None,
        False,
    )
    with pytest.raises(UsageError, match="is not a GitHub login"):
        resolve({}, repo="o/r", pr=7, author="bad login\x1b")


def test_the_token_is_not_in_the_targets_repr() -> None:
    assert TOKEN not in repr(PR)


@pytest.mark.parametrize(
    ("env", "flags", "says"),
    [
        ({"GITHUB_TOKEN": ""}, {"repo": "o/r", "pr": 7}, "GITHUB_TOKEN is not set"),
        ({}, {"pr": 7}, "no repository"),
        ({}, {"repo": "not-a-repo", "pr": 7}, "is not OWNER/NAME"),
        ({}, {"repo": "o/r"}, "GITHUB_EVENT_PATH is not set"),
        ({}, {"repo": "o/r", "pr": 7, "api_url": "ftp://x"}, "--api-url 'ftp://x'"),
        ({"GITHUB_API_URL": "api.github.com"}, {"repo": "o/r", "pr": 7}, "GITHUB_API_URL"),
        ({}, {"repo": "o/r", "pr": 7, "issue": True}, "takes no --pr"),
        ({"GITHUB_EVENT_PATH": "/no/such/event.json"}, {"repo": "o/r"}, "cannot read"),
    ],
)
def test_missing_or_bad_pieces_are_usage_errors(
    env: dict[str, str], flags: dict[str, Any], says: str
) -> None:
    with pytest.raises(UsageError, match=says):
        resolve(env, **flags)


def test_an_event_without_a_pull_request_says_so(tmp_path: Path) -> None:
    env = {"GITHUB_EVENT_PATH": event_file(tmp_path, {"ref": "x"}), "GITHUB_EVENT_NAME": "push"}
    with pytest.raises(UsageError, match="the push event names none"):
        resolve(env, repo="o/r")
    (tmp_path / "event.json").write_text("{not json")
    with pytest.raises(UsageError, match="not a JSON event file"):
        resolve(env, repo="o/r")


@pytest.mark.parametrize(
    ("event", "number"),
    [
        ({"pull_request": {"number": 7}}, 7),  # pull_request, pull_request_target
        ({"issue": {"number": 8, "pull_request": {}}}, 8),  # issue_comment on a pull request
        ({"issue": {"number": 8}}, None),  # issue_comment on an issue
        ({"pull_request": {"number": "7"}}, None),
        ({"pull_request": {"number": True}}, None),
        ({"schedule": "0 6 * * *"}, None),
        ([], None),
    ],
)
def test_event_pr_number(event: object, number: int | None) -> None:
    assert github.event_pr_number(event) == number


# --- Link headers ----------------------------------------------------------------------------


def test_parse_link_reads_githubs_header() -> None:
    url = "https://api.github.com/repositories/1/issues/7/comments?per_page=100&page="
    header = f'<{url}2>; rel="next", <{url}5>; rel="last"'
    assert github.parse_link(header) == {"next": f"{url}2", "last": f"{url}5"}


def test_parse_link_edge_cases() -> None:
    assert github.parse_link(None) == {}
    assert github.parse_link("") == {}
    assert github.parse_link('<https://a/x>; rel="last"') == {"last": "https://a/x"}
    assert github.parse_link('<https://a/x?q=1,2>;rel="prev next"') == {
        "prev": "https://a/x?q=1,2",
        "next": "https://a/x?q=1,2",
    }
    assert github.parse_link('<https://a/1>; REL=NEXT, <https://a/2>; rel="next"') == {
        "next": "https://a/1"
    }


def test_next_page_must_stay_under_the_api_address() -> None:
    ghes = "https://ghe.example/api/v3"
    assert github.next_page('<https://ghe.example/api/v3/x?page=2>; rel="next"', ghes)
    assert github.next_page('<https://ghe.example/api/v3/x>; rel="last"', ghes) is None
    for away in (
        "https://evil.example/api/v3/x",
        "http://ghe.example/api/v3/x",
        "https://ghe.example/api/v30/x",
        "https://ghe.example/x",
    ):
        with pytest.raises(GitHubError, match="refusing to follow"):
            github.next_page(f'<{away}>; rel="next"', ghes)


# --- which comment is ours ---------------------------------------------------------------------


BOT = "keylint-bot"


def by(login: str, **item: Any) -> dict[str, Any]:
    return {**item, "user": {"login": login, "type": "User"}}


def test_find_ours_takes_the_first_body_that_starts_with_the_marker() -> None:
    items: list[dict[str, Any]] = [
        by(BOT, id=1, body="LGTM"),
        by(BOT, id=2, body=f"> {MARKER}\n> quoted"),
        by(BOT, id=3, body=f"see `{MARKER}`"),
        by(BOT, id=4, body=None),
        by(BOT, id=5, body=f"\n{MARKER}\nreport"),
        by(BOT, id=6, body=REPORT),
    ]
    assert github.find_ours(items, BOT) == github.Found(items[4])
    assert github.find_ours(items[:4], BOT) == github.Found(None)


def test_find_ours_skips_pull_requests_among_issues() -> None:
    items = [by(BOT, number=1, body=REPORT, pull_request={}), by(BOT, number=2, body=REPORT)]
    assert github.find_ours(items, BOT, issues=True).mine == items[1]
    assert github.find_ours(items, BOT).mine == items[0]


@pytest.mark.parametrize(
    ("authors", "author", "mine", "others"),
    [
        (["mallory", BOT], BOT, 1, ["mallory"]),  # a marked comment by someone else: not ours
        (["mallory"], BOT, None, ["mallory"]),
        (["Keylint-Bot"], BOT, 0, []),  # logins are case-insensitive
        (["github-actions[bot]", "mallory"], "github-actions[bot]", 0, []),  # stops at ours
        ([None], BOT, None, ["(unknown)"]),  # no author listed: never ours
        (["keylint-bot-evil", "keylint"], BOT, None, ["keylint-bot-evil", "keylint"]),
    ],
)
def test_find_ours_takes_only_the_authors_marked_item(
    authors: list[str | None], author: str, mine: int | None, others: list[str]
) -> None:
    items: list[dict[str, Any]] = [
        {"id": i, "body": REPORT} if login is None else by(login, id=i, body=REPORT)
        for i, login in enumerate(authors)
    ]
    found = github.find_ours(items, author)
    assert found.mine == (None if mine is None else items[mine])
    assert found.others == others


def test_others_note_names_the_authors_left_alone() -> None:
    assert github.others_note(github.Found(None), issues=False) is None
    one = github.others_note(github.Found(None, ["mallory"]), issues=False)
    assert one == (
        "left alone 1 comment that starts with keylint's marker but was written by mallory, "
        "not the token's account"
    )
    two = github.others_note(github.Found(None, ["m\x1b[2J", "eve"]), issues=True)
    assert two is not None and "2 issues" in two and "\x1b" not in two


def _result(*findings: Finding, status: str = "ok") -> Result:
    key = KeyReport(name="k", file="p.yaml", line=1, status=status, findings=list(findings))
    return Result(
        command="check",
        generated_at=datetime(2026, 11, 24, tzinfo=UTC),
        files=[FileReport(path="p.yaml", keys=[key])],
    )


def _finding(severity: Severity, *, waived: bool = False) -> Finding:
    return Finding(
        line=1,
        column=1,
        rule="KL306",
        name="max-age-missing",
        layer=Layer.CLEANUP,
        severity=severity,
        file="p.yaml",
        key="k",
        message="m",
        remediation="r",
        waived=waived,
    )


def test_is_clean() -> None:
    assert github.is_clean(_result())
    assert github.is_clean(_result(_finding(Severity.ERROR, waived=True)))
    assert not github.is_clean(_result(_finding(Severity.INFO)))  # exit 0, but a finding
    assert not github.is_clean(_result(status="unchecked"))  # exit 3


# --- what to send ------------------------------------------------------------------------------

MINE = {"id": 42, "number": 9, "body": REPORT, "html_url": "u"}


@pytest.mark.parametrize(
    ("existing", "clean", "keep", "calls"),
    [
        (
            None,
            False,
            False,
            [GitHubRequest("POST", "/repos/o/r/issues/7/comments", {"body": "new"})],
        ),
        (None, True, False, []),
        (None, True, True, []),
        (
            MINE,
            False,
            False,
            [GitHubRequest("PATCH", "/repos/o/r/issues/comments/42", {"body": "new"})],
        ),
        ({**MINE, "body": "new"}, False, False, []),
        (MINE, True, False, [GitHubRequest("DELETE", "/repos/o/r/issues/comments/42")]),
        (
            MINE,
            True,
            True,
            [GitHubRequest("PATCH", "/repos/o/r/issues/comments/42", {"body": "new"})],
        ),
    ],
)
def test_plan_comment(
    existing: dict[str, Any] | None, clean: bool, keep: bool, calls: list[GitHubRequest]
) -> None:
    plan = github.plan_comment(PR, existing, "new", clean=clean, keep_clean=keep)
    assert plan.calls == calls


@pytest.mark.parametrize(
    ("existing", "clean", "calls"),
    [
        (
            None,
            False,
            [
                GitHubRequest(
                    "POST", "/repos/o/r/issues", {"title": github.ISSUE_TITLE, "body": "new"}
                )
            ],
        ),
        (None, True, []),
        (MINE, False, [GitHubRequest("PATCH", "/repos/o/r/issues/9", {"body": "new"})]),
        ({**MINE, "body": "new"}, False, []),
        (
            MINE,
            True,
            [
                GitHubRequest(
                    "POST", "/repos/o/r/issues/9/comments", {"body": github.CLOSING_NOTE}
                ),
                GitHubRequest(
                    "PATCH", "/repos/o/r/issues/9", {"state": "closed", "state_reason": "completed"}
                ),
            ],
        ),
    ],
)
def test_plan_issue(
    existing: dict[str, Any] | None, clean: bool, calls: list[GitHubRequest]
) -> None:
    assert github.plan_issue(REPO, existing, "new", clean=clean).calls == calls


# --- errors as one line ------------------------------------------------------------------------


def error(status: int, method: str, body: object, **headers: str) -> GitHubError:
    content = json.dumps(body).encode() if body is not None else b"<html>"
    return github.error_from_response(method, "/repos/o/r/x", status, headers, content)


READ_ONLY = {"message": "Resource not accessible by integration", "documentation_url": "d"}


@pytest.mark.parametrize(
    ("err", "target", "says"),
    [
        (error(403, "POST", READ_ONLY), PR, "cannot write pull-request comments (403: Resource"),
        (error(403, "POST", READ_ONLY), PR, "fork"),
        (error(404, "PATCH", {"message": "Not Found"}), PR, "cannot write pull-request comments"),
        (error(403, "POST", READ_ONLY), REPO, "cannot write issues (403: Resource"),
        (error(403, "POST", READ_ONLY), REPO, "issues: write"),
        (error(404, "GET", {"message": "Not Found"}), PR, "found no o/r#7 at https://api.github"),
        (error(401, "GET", {"message": "Bad credentials"}), PR, "rejected the token (401: Bad"),
        (error(403, "GET", {"message": "x"}, **{"x-ratelimit-remaining": "0"}), PR, "rate limit"),
        (error(429, "POST", {"message": "secondary rate limit"}), PR, "rate limit"),
        (error(422, "POST", {"message": "Validation Failed"}), PR, "answered 422: Validation"),
        (error(502, "GET", None), PR, "answered 502: HTTP 502 to GET /repos/o/r/x"),
    ],
)
def test_explain(err: GitHubError, target: Target, says: str) -> None:
    line = github.explain(err, target)
    assert says in line
    assert "\n" not in line


# --- the adapter, through MockTransport --------------------------------------------------------


def test_requests_carry_the_headers_and_join_an_enterprise_path() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[])

    client = github.GitHub(
        api_url="https://ghe.example/api/v3", token=TOKEN, transport=httpx.MockTransport(answer)
    )
    assert list(client.items("/repos/o/r/issues", {"state": "open"})) == []
    [request] = seen
    assert str(request.url) == "https://ghe.example/api/v3/repos/o/r/issues?state=open&per_page=100"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Accept"] == "application/vnd.github+json"
    assert request.headers["X-GitHub-Api-Version"] == "2022-11-28"


def test_items_follow_next_links_and_stop_early() -> None:
    pages = {
        "1": ([{"id": 1, "body": "a"}, "junk"], f'<{API}/c?per_page=100&page=2>; rel="next"'),
        "2": ([by(BOT, id=2, body=REPORT)], f'<{API}/c?per_page=100&page=3>; rel="next"'),
        "3": ([{"id": 3, "body": "c"}], None),
    }
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        page = request.url.params.get("page", "1")
        asked.append(page)
        items, link = pages[page]
        return httpx.Response(200, json=items, headers={"Link": link} if link else {})

    client = github.GitHub(api_url=API, token=TOKEN, transport=httpx.MockTransport(answer))
    assert [i["id"] for i in client.items("/c", {})] == [1, 2, 3]
    asked.clear()
    assert github.find_ours(client.items("/c", {}), BOT).mine == by(BOT, id=2, body=REPORT)
    assert asked == ["1", "2"]


def test_an_endless_listing_is_cut_off() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=[], headers={"Link": f'<{API}/c?page=2>; rel="next"'})

    client = github.GitHub(api_url=API, token=TOKEN, transport=httpx.MockTransport(answer))
    with pytest.raises(GitHubError, match="more than 50 pages"):
        list(client.items("/c", {}))


@pytest.mark.parametrize(
    ("failure", "says"),
    [
        (httpx.ReadTimeout("slow"), "did not answer GET /repos/o/r/issues/7/comments within"),
        (httpx.ConnectError("refused"), "could not reach GitHub at https://api.github.com"),
    ],
)
def test_transport_failures_are_one_line(failure: Exception, says: str) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        raise failure

    target = dataclasses.replace(PR, author=BOT)  # the listing is the first request
    outcome = github.publish(target, REPORT, clean=False, transport=httpx.MockTransport(answer))
    assert not outcome.ok
    assert says in outcome.message


def test_redirects_are_not_followed() -> None:
    hosts: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        return httpx.Response(301, headers={"Location": "https://elsewhere.example/x"})

    outcome = github.publish(PR, REPORT, clean=False, transport=httpx.MockTransport(answer))
    assert not outcome.ok and "301" in outcome.message
    assert hosts == ["api.github.com"]


def test_publish_posts_then_reports_the_comments_address() -> None:
    sent: list[tuple[str, str]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append((request.method, request.url.path))
        if request.url.path == "/user":
            return httpx.Response(200, json={"login": BOT, "type": "User"})
        if request.method == "GET":
            return httpx.Response(200, json=[{"id": 1, "body": "LGTM"}])
        assert json.loads(request.content) == {"body": REPORT}
        return httpx.Response(201, json={"id": 2, "html_url": "https://github.com/o/r/pull/7#c2"})

    outcome = github.publish(PR, REPORT, clean=False, transport=httpx.MockTransport(answer))
    assert outcome == github.Outcome(True, "commented https://github.com/o/r/pull/7#c2")
    assert sent == [
        ("GET", "/user"),
        ("GET", "/repos/o/r/issues/7/comments"),
        ("POST", "/repos/o/r/issues/7/comments"),
    ]


def test_publish_maps_a_forks_403_to_one_line() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/user":
            return httpx.Response(403, json=READ_ONLY)  # a workflow's installation token
        if request.method == "GET":
            return httpx.Response(200, json=[])
        return httpx.Response(403, json=READ_ONLY)

    in_actions = dataclasses.replace(PR, actions=True)
    outcome = github.publish(in_actions, REPORT, clean=False, transport=httpx.MockTransport(answer))
    assert not outcome.ok
    assert outcome.message.startswith("cannot post the report to o/r#7: the token cannot write")
    assert TOKEN not in outcome.message


# --- whose comment is ours ---------------------------------------------------------------------


def github_answering(
    user: httpx.Response, listing: list[dict[str, Any]], sent: list[tuple[str, str]]
) -> httpx.MockTransport:
    """A GitHub whose GET /user gives `user`, whose listing is `listing`, and that answers a
    POST with a comment by github-actions[bot]."""

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append((request.method, request.url.path))
        if request.url.path == "/user":
            return user
        if request.method == "GET":
            return httpx.Response(200, json=listing)
        posted = by("github-actions[bot]", id=9, html_url="https://github.com/o/r/pull/7#c9")
        return httpx.Response(200 if request.method == "PATCH" else 201, json=posted)

    return httpx.MockTransport(answer)


REFUSED = httpx.Response(403, json=READ_ONLY)
ACTIONS_COMMENT = by("github-actions[bot]", id=5, body=REPORT, html_url="u5")


def test_in_actions_a_refused_user_means_the_actions_bot() -> None:
    sent: list[tuple[str, str]] = []
    listing = [by("mallory", id=4, body=REPORT), ACTIONS_COMMENT]
    transport = github_answering(REFUSED, listing, sent)
    target = dataclasses.replace(PR, actions=True)
    outcome = github.publish(target, "new", clean=False, transport=transport)
    assert outcome.ok, outcome
    assert sent[-1] == ("PATCH", "/repos/o/r/issues/comments/5")
    assert outcome.notes == (
        "left alone 1 comment that starts with keylint's marker but was written by mallory, "
        "not the token's account",
    )


def test_outside_actions_a_refused_user_sends_nothing_and_asks_for_author() -> None:
    sent: list[tuple[str, str]] = []
    transport = github_answering(REFUSED, [ACTIONS_COMMENT], sent)
    outcome = github.publish(PR, "new", clean=False, transport=transport)
    assert not outcome.ok
    assert "GET /user: 403: Resource not accessible by integration" in outcome.message
    assert "pass --author LOGIN" in outcome.message
    assert sent == [("GET", "/user")]


def test_author_flag_is_taken_without_asking() -> None:
    sent: list[tuple[str, str]] = []
    target = dataclasses.replace(PR, author="GitHub-Actions[bot]")
    transport = github_answering(REFUSED, [ACTIONS_COMMENT], sent)
    outcome = github.publish(target, "new", clean=True, transport=transport)
    assert outcome.ok and "deleted" in outcome.message
    assert sent == [
        ("GET", "/repos/o/r/issues/7/comments"),
        ("DELETE", "/repos/o/r/issues/comments/5"),
    ]


def test_a_rate_limited_user_lookup_is_not_taken_for_an_installation_token() -> None:
    limited = httpx.Response(
        403, json={"message": "API rate limit exceeded"}, headers={"x-ratelimit-remaining": "0"}
    )
    sent: list[tuple[str, str]] = []
    target = dataclasses.replace(PR, actions=True)
    transport = github_answering(limited, [], sent)
    outcome = github.publish(target, "new", clean=False, transport=transport)
    assert not outcome.ok and "rate limit" in outcome.message
    assert sent == [("GET", "/user")]


def test_a_report_posted_under_another_name_says_which_author_to_pass() -> None:
    sent: list[tuple[str, str]] = []
    user = httpx.Response(200, json={"login": BOT, "type": "User"})
    outcome = github.publish(PR, "new", clean=False, transport=github_answering(user, [], sent))
    assert outcome.ok
    assert outcome.notes == (
        "the report was posted as github-actions[bot], not keylint-bot: "
        "pass --author github-actions[bot] so the next run updates it",
    )


def test_a_user_answer_without_login_sends_nothing() -> None:
    sent: list[tuple[str, str]] = []
    odd = httpx.Response(200, json=[])
    outcome = github.publish(PR, "new", clean=False, transport=github_answering(odd, [], sent))
    assert not outcome.ok and "no login" in outcome.message
    assert sent == [("GET", "/user")]
