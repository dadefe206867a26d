"""The GitHub core without a network: target resolution, Link headers, the marker, plans,
error lines; the adapter through httpx.MockTransport."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from keylint import github
from keylint.errors import UsageError
from keylint.findings import Finding, Layer, Severity
from keylint.github import Call, GitHubError, Target
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


def test_find_ours_takes_the_first_body_that_starts_with_the_marker() -> None:
    items: list[dict[str, Any]] = [
        {"id": 1, "body": "LGTM"},
        {"id": 2, "body": f"> {MARKER}\n> quoted"},
        {"id": 3, "body": f"see `{MARKER}`"},
        {"id": 4, "body": None},
        {"id": 5, "body": f"\n{MARKER}\nreport"},
        {"id": 6, "body": REPORT},
    ]
    assert github.find_ours(items) == items[4]
    assert github.find_ours(items[:4]) is None


def test_find_ours_skips_pull_requests_among_issues() -> None:
    items = [{"number": 1, "body": REPORT, "pull_request": {}}, {"number": 2, "body": REPORT}]
    assert github.find_ours(items, issues=True) == items[1]
    assert github.find_ours(items) == items[0]


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
        (None, False, False, [Call("POST", "/repos/o/r/issues/7/comments", {"body": "new"})]),
        (None, True, False, []),
        (None, True, True, []),
        (MINE, False, False, [Call("PATCH", "/repos/o/r/issues/comments/42", {"body": "new"})]),
        ({**MINE, "body": "new"}, False, False, []),
        (MINE, True, False, [Call("DELETE", "/repos/o/r/issues/comments/42")]),
        (MINE, True, True, [Call("PATCH", "/repos/o/r/issues/comments/42", {"body": "new"})]),
    ],
)
def test_plan_comment(
    existing: dict[str, Any] | None, clean: bool, keep: bool, calls: list[Call]
) -> None:
    plan = github.plan_comment(PR, existing, "new", clean=clean, keep_clean=keep)
    assert plan.calls == calls


@pytest.mark.parametrize(
    ("existing", "clean", "calls"),
    [
        (
            None,
            False,
            [Call("POST", "/repos/o/r/issues", {"title": github.ISSUE_TITLE, "body": "new"})],
        ),
        (None, True, []),
        (MINE, False, [Call("PATCH", "/repos/o/r/issues/9", {"body": "new"})]),
        ({**MINE, "body": "new"}, False, []),
        (
            MINE,
            True,
            [
                Call("POST", "/repos/o/r/issues/9/comments", {"body": github.CLOSING_NOTE}),
                Call(
                    "PATCH", "/repos/o/r/issues/9", {"state": "closed", "state_reason": "completed"}
                ),
            ],
        ),
    ],
)
def test_plan_issue(existing: dict[str, Any] | None, clean: bool, calls: list[Call]) -> None:
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
        "2": ([{"id": 2, "body": REPORT}], f'<{API}/c?per_page=100&page=3>; rel="next"'),
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
    assert github.find_ours(client.items("/c", {})) == {"id": 2, "body": REPORT}
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

    outcome = github.publish(PR, REPORT, clean=False, transport=httpx.MockTransport(answer))
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
        if request.method == "GET":
            return httpx.Response(200, json=[{"id": 1, "body": "LGTM"}])
        assert json.loads(request.content) == {"body": REPORT}
        return httpx.Response(201, json={"id": 2, "html_url": "https://github.com/o/r/pull/7#c2"})

    outcome = github.publish(PR, REPORT, clean=False, transport=httpx.MockTransport(answer))
    assert outcome == github.Outcome(True, "commented https://github.com/o/r/pull/7#c2")
    assert sent == [
        ("GET", "/repos/o/r/issues/7/comments"),
        ("POST", "/repos/o/r/issues/7/comments"),
    ]


def test_publish_maps_a_forks_403_to_one_line() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json=[])
        return httpx.Response(403, json=READ_ONLY)

    outcome = github.publish(PR, REPORT, clean=False, transport=httpx.MockTransport(answer))
    assert not outcome.ok
    assert outcome.message.startswith("cannot post the report to o/r#7: the token cannot write")
    assert TOKEN not in outcome.message
