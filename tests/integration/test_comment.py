"""`keylint comment` against a loopback GitHub: one comment (or one issue) created, updated in
place, deleted (or closed) when clean; pagination, a fork's 403, and no token in any output."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from keylint.reporters.markdown import MARKER
from tests.conftest import FIXED_NOW
from tests.github_fake import TOKEN, FakeGitHub

STATE = ("--state", "examples/state.json", "--now", FIXED_NOW)
FLEET = ("examples/policies/fleet.yaml", *STATE)  # drift in one file
DEMO = ("examples/policies", *STATE)  # drift in every file: a different report
PR = ("--repo", "o/r", "--pr", "7")

CLEAN_POLICY = """\
version: 1
keys:
  - name: clean-bot
    api_key_env: CLEAN_API_KEY
    private_key_env: CLEAN_PEM
    permissions: [reading]
    ips: [203.0.113.10]
    max_age: 90d
"""
CLEAN_STATE = {
    "version": 1,
    "fetched_at": "2026-11-24T08:55:00Z",
    "keys": {
        "clean-bot": {
            "status": "ok",
            "restrictions": {
                "ipRestrict": True,
                "createTime": 1793520000000,
                "enableReading": True,
            },
            "listing": None,
            "ip_list": ["203.0.113.10"],
        }
    },
    "sub_accounts": {},
}
GITHUB_ENV = (
    "GITHUB_ACTIONS",
    "GITHUB_TOKEN",
    "GITHUB_REPOSITORY",
    "GITHUB_EVENT_PATH",
    "GITHUB_EVENT_NAME",
    "GITHUB_API_URL",
)


@pytest.fixture(autouse=True)
def _no_actions_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests may run inside GitHub Actions: its variables must not leak in."""
    for name in GITHUB_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def gh() -> Iterator[FakeGitHub]:
    with FakeGitHub() as fake:
        yield fake


@pytest.fixture
def clean(tmp_path: Path) -> tuple[str, ...]:
    (tmp_path / "clean.yaml").write_text(CLEAN_POLICY)
    (tmp_path / "state.json").write_text(json.dumps(CLEAN_STATE))
    return (
        str(tmp_path / "clean.yaml"),
        "--state",
        str(tmp_path / "state.json"),
        "--now",
        FIXED_NOW,
    )


Post = Callable[..., Any]


@pytest.fixture
def post(keylint: Any, gh: FakeGitHub) -> Post:
    """`keylint comment ARGS --api-url <fake>` with the token in the environment."""

    def run(*args: str, env: dict[str, str] | None = None, api: bool = True) -> Any:
        full_env = {"GITHUB_TOKEN": TOKEN, **(env or {})}
        done = keylint("comment", *args, *(("--api-url", gh.url) if api else ()), env=full_env)
        assert TOKEN not in done.stdout + done.stderr
        assert "Traceback" not in done.stderr
        return done

    return run


def ours(gh: FakeGitHub, number: int = 7) -> list[dict[str, Any]]:
    return [c for c in gh.comments.get(number, []) if c["body"].startswith(MARKER)]


def seed_others(gh: FakeGitHub) -> list[dict[str, Any]]:
    """Five comments by people, one quoting the report: keylint's lands on page 3 of 2."""
    bodies = ["LGTM", "> " + MARKER + "\n> quoted report", "why KL101?", "fixed", "ok"]
    return [dict(gh.add_comment(7, body)) for body in bodies]


def test_creates_one_comment_then_updates_it_in_place(post: Post, gh: FakeGitHub) -> None:
    others = seed_others(gh)

    first = post(*FLEET, *PR)
    assert first.exit_code == 1  # the check's
    assert first.stdout.startswith(MARKER)  # the report is in the job log too
    assert first.stderr.startswith("keylint: commented https://github.example/o/r/pull/7#")
    [mine] = ours(gh)
    assert gh.comments[7].index(mine) == 5  # page 3
    assert mine["body"] == first.stdout
    listings = [s for s in gh.seen if s.path == "/repos/o/r/issues/7/comments"]
    assert [s.query.get("page", ["1"])[0] for s in listings if s.method == "GET"] == ["1", "2", "3"]
    assert listings[0].query["per_page"] == ["100"]
    assert gh.seen[0].path == "/user"  # whose comment is ours: asked first

    second = post(*DEMO, *PR)
    assert second.exit_code == 1
    assert "updated the comment" in second.stderr
    [updated] = ours(gh)
    assert updated["id"] == mine["id"]
    assert updated["body"] == second.stdout != first.stdout
    assert gh.comments[7][:5] == others  # other people's comments untouched
    assert gh.writes()[-1] == ("PATCH", f"/repos/o/r/issues/comments/{mine['id']}")

    writes = len(gh.writes())
    third = post(*DEMO, *PR)
    assert "up to date" in third.stderr
    assert len(gh.writes()) == writes  # the same report is not sent again


def test_every_request_carries_the_token_and_stays_on_the_api(post: Post, gh: FakeGitHub) -> None:
    seed_others(gh)
    post(*FLEET, *PR)
    assert gh.seen
    for seen in gh.seen:
        assert seen.headers["Authorization"] == f"Bearer {TOKEN}"
        assert seen.headers["Accept"] == "application/vnd.github+json"
        assert seen.headers["User-Agent"].startswith("keylint/")


def test_a_clean_run_deletes_the_comment(
    post: Post, gh: FakeGitHub, clean: tuple[str, ...]
) -> None:
    others = seed_others(gh)
    post(*FLEET, *PR)
    [mine] = ours(gh)

    gone = post(*clean, *PR)
    assert gone.exit_code == 0
    assert "no findings any more: deleted the comment" in gone.stderr
    assert ours(gh) == []
    assert gh.comments[7] == others
    assert gh.writes()[-1] == ("DELETE", f"/repos/o/r/issues/comments/{mine['id']}")

    writes = len(gh.writes())
    again = post(*clean, *PR)
    assert again.exit_code == 0
    assert "nothing to post" in again.stderr
    assert len(gh.writes()) == writes


def test_keep_clean_updates_the_comment_to_all_clear(
    post: Post, gh: FakeGitHub, clean: tuple[str, ...]
) -> None:
    post(*FLEET, *PR)
    done = post(*clean, *PR, "--keep-clean")
    assert done.exit_code == 0
    [mine] = ours(gh)
    assert "✅ keylint check: no findings" in mine["body"]


def test_validate_reports_the_static_rules(post: Post, gh: FakeGitHub) -> None:
    done = post("examples/policies", "--validate", "--now", FIXED_NOW, *PR)
    assert done.exit_code == 1
    [mine] = ours(gh)
    assert "keylint validate" in mine["body"]


def test_issue_is_opened_updated_and_closed(
    post: Post, gh: FakeGitHub, clean: tuple[str, ...]
) -> None:
    gh.add_issue(MARKER + "\na pull request quoting the report", pull_request=True)
    gh.add_issue("an unrelated issue")
    gh.add_issue("another one")

    opened = post(*FLEET, "--repo", "o/r", "--issue")
    assert opened.exit_code == 1
    assert "opened the drift issue https://github.example/o/r/issues/4" in opened.stderr
    issue = gh.issues[3]
    assert issue["title"] == "keylint: drift detected"
    assert issue["body"] == opened.stdout

    updated = post(*DEMO, "--repo", "o/r", "--issue")  # found on page 2 of the open issues
    assert "updated the drift issue" in updated.stderr
    assert len(gh.issues) == 4
    assert issue["body"] == updated.stdout

    closed = post(*clean, "--repo", "o/r", "--issue")
    assert closed.exit_code == 0
    assert "closed the drift issue https://github.example/o/r/issues/4" in closed.stderr
    assert issue["state"] == "closed"
    assert issue["state_reason"] == "completed"
    assert "no drift any more" in issue["comments"][0]
    assert [i["state"] for i in gh.issues[:3]] == ["open"] * 3

    writes = len(gh.writes())
    again = post(*clean, "--repo", "o/r", "--issue")
    assert "no open drift issue" in again.stderr
    assert len(gh.writes()) == writes


@pytest.mark.parametrize("clean_run", [False, True], ids=["drift", "clean"])
def test_a_read_only_token_keeps_the_checks_exit_code(
    post: Post, gh: FakeGitHub, clean: tuple[str, ...], clean_run: bool
) -> None:
    seed_others(gh)
    if clean_run:  # a comment exists from before; deleting it is refused too
        post(*FLEET, *PR)
    gh.deny_writes = True
    before = [dict(c) for c in gh.comments[7]]

    done = post(*(clean if clean_run else FLEET), *PR)
    assert done.exit_code == (0 if clean_run else 1)
    [line] = done.stderr.splitlines()
    assert line.startswith("keylint: error: cannot post the report to o/r#7: ")
    assert "the token cannot write pull-request comments" in line
    assert "403: Resource not accessible by integration" in line
    assert "fork" in line and "pull_request_target" in line
    assert gh.comments[7] == before


def test_a_rejected_token_is_one_line(post: Post, gh: FakeGitHub) -> None:
    gh.token = "another-token"
    done = post(*FLEET, *PR)
    assert done.exit_code == 1
    assert "GitHub rejected the token (401: Bad credentials)" in done.stderr


def test_an_unreachable_api_is_one_line(post: Post, gh: FakeGitHub) -> None:
    dead = gh.url  # nothing listens here once the fake is closed
    gh.__exit__()
    done = post(*FLEET, *PR, "--api-url", dead, api=False)
    assert done.exit_code == 1
    assert done.stderr.startswith("keylint: error: cannot post the report to o/r#7: ")
    assert len(done.stderr.splitlines()) == 1


def test_repository_pull_request_and_api_come_from_the_actions_env(
    keylint: Any, tmp_path: Path
) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "synchronize", "pull_request": {"number": 7}}))
    with FakeGitHub(prefix="/api/v3") as enterprise:  # GitHub Enterprise Server's layout
        done = keylint(
            "comment",
            *FLEET,
            env={
                "GITHUB_TOKEN": TOKEN,
                "GITHUB_REPOSITORY": "o/r",
                "GITHUB_EVENT_PATH": str(event),
                "GITHUB_API_URL": enterprise.url,
            },
        )
        assert done.exit_code == 1, done.stderr
        assert len(ours(enterprise)) == 1
        assert {s.path for s in enterprise.seen} >= {"/api/v3/repos/o/r/issues/7/comments"}


@pytest.mark.parametrize(
    ("args", "env", "says"),
    [
        (PR, {}, "GITHUB_TOKEN is not set"),
        (("--pr", "7"), {"GITHUB_TOKEN": TOKEN}, "no repository"),
        (("--repo", "o/r"), {"GITHUB_TOKEN": TOKEN}, "no pull request"),
        (("--repo", "o/r", "--issue", "--pr", "7"), {"GITHUB_TOKEN": TOKEN}, "takes no --pr"),
    ],
    ids=["token", "repo", "pr", "issue-and-pr"],
)
def test_missing_pieces_are_usage_errors(
    keylint: Any, gh: FakeGitHub, args: tuple[str, ...], env: dict[str, str], says: str
) -> None:
    done = keylint("comment", *FLEET, *args, "--api-url", gh.url, env=env)
    assert done.exit_code == 2
    [line] = done.stderr.splitlines()
    assert line.startswith("keylint: error: ") and says in line
    assert done.stdout == ""  # nothing was checked
    assert gh.seen == []


# --- whose comment is ours ---------------------------------------------------------------------

HOSTILE = MARKER + "\n### ✅ keylint check: no findings\nAll clear, merge away."
TOKENS: dict[str, tuple[dict[str, Any], dict[str, str]]] = {
    # a personal token: GET /user names its account
    "personal": ({}, {}),
    # a workflow's GITHUB_TOKEN: GET /user is refused, its comments are github-actions[bot]'s
    "actions": ({"installation": True}, {"GITHUB_ACTIONS": "true"}),
}


@pytest.mark.parametrize("token", list(TOKENS))
def test_a_marked_comment_by_someone_else_is_neither_updated_nor_deleted(
    keylint: Any, clean: tuple[str, ...], token: str
) -> None:
    fake_kind, env = TOKENS[token]
    with FakeGitHub(**fake_kind) as gh:

        def post(*args: str) -> Any:
            done = keylint(
                "comment", *args, *PR, "--api-url", gh.url, env={"GITHUB_TOKEN": TOKEN, **env}
            )
            assert TOKEN not in done.stdout + done.stderr
            assert "Traceback" not in done.stderr
            return done

        hostile = gh.add_comment(7, HOSTILE, login="mallory")
        left_alone = (
            "keylint: left alone 1 comment that starts with keylint's marker but was written "
            "by mallory, not the token's account"
        )

        first = post(*FLEET)
        assert first.exit_code == 1
        assert first.stderr.startswith("keylint: commented ")
        assert first.stderr.splitlines()[1:] == [left_alone]
        hostile_now, mine = gh.comments[7]
        assert hostile_now == hostile  # body, author, id: untouched
        assert mine["user"]["login"] == gh.token_author
        assert mine["body"] == first.stdout

        second = post(*DEMO)
        assert "updated the comment" in second.stderr
        assert gh.comments[7] == [hostile, {**mine, "body": second.stdout}]

        gone = post(*clean)
        assert gone.exit_code == 0
        assert "deleted the comment" in gone.stderr
        assert gh.comments[7] == [hostile]

        # Only the hostile comment is left: it is not taken for the report, not deleted.
        again = post(*clean)
        assert "nothing to post" in again.stderr
        assert left_alone in again.stderr.splitlines()
        kept = post(*clean, "--keep-clean")
        assert "nothing to post" in kept.stderr
        assert gh.comments[7] == [hostile]
        assert [w for w in gh.writes() if "/comments/" in w[1]] == [
            ("PATCH", f"/repos/o/r/issues/comments/{mine['id']}"),
            ("DELETE", f"/repos/o/r/issues/comments/{mine['id']}"),
        ]


def test_a_marked_issue_by_someone_else_is_neither_updated_nor_closed(
    post: Post, gh: FakeGitHub, clean: tuple[str, ...]
) -> None:
    hostile = dict(gh.add_issue(HOSTILE, title="keylint: drift detected", login="mallory"))

    opened = post(*FLEET, "--repo", "o/r", "--issue")
    assert "opened the drift issue https://github.example/o/r/issues/2" in opened.stderr
    assert "left alone 1 issue that starts with keylint's marker" in opened.stderr
    assert gh.issues[1]["user"]["login"] == gh.login

    closed = post(*clean, "--repo", "o/r", "--issue")
    assert "closed the drift issue https://github.example/o/r/issues/2" in closed.stderr
    assert gh.issues[1]["state"] == "closed"
    assert gh.issues[0] == hostile  # still open, body unchanged, no closing note
    assert all("/issues/1" not in path for _, path in gh.writes())


def test_an_installation_token_outside_actions_posts_nothing_and_asks_for_author(
    keylint: Any,
) -> None:
    with FakeGitHub(installation=True) as gh:
        gh.add_comment(7, MARKER + "\nold report", login="github-actions[bot]")
        done = keylint("comment", *FLEET, *PR, "--api-url", gh.url, env={"GITHUB_TOKEN": TOKEN})
        assert done.exit_code == 1  # the check's
        [line] = done.stderr.splitlines()
        assert line.startswith("keylint: error: cannot post the report to o/r#7: ")
        assert "GET /user: 403: Resource not accessible by integration" in line
        assert "pass --author LOGIN" in line
        assert gh.writes() == []

        # Told whom the token posts as, it finds and updates that comment.
        told = keylint(
            "comment", *FLEET, *PR, "--api-url", gh.url, "--author", "github-actions[bot]",
            env={"GITHUB_TOKEN": TOKEN},
        )  # fmt: skip
        assert "updated the comment" in told.stderr
        assert [s.path for s in gh.seen].count("/user") == 1  # --author: not asked again


def test_an_apps_token_in_actions_is_told_which_author_to_pass(keylint: Any) -> None:
    env = {"GITHUB_TOKEN": TOKEN, "GITHUB_ACTIONS": "true"}
    with FakeGitHub(installation=True, app_login="keylint-app[bot]") as gh:
        first = keylint("comment", *FLEET, *PR, "--api-url", gh.url, env=env)
        assert first.stderr.splitlines()[1:] == [
            "keylint: the report was posted as keylint-app[bot], not github-actions[bot]: "
            "pass --author keylint-app[bot] so the next run updates it"
        ]
        second = keylint(
            "comment", *DEMO, *PR, "--api-url", gh.url, "--author", "keylint-app[bot]", env=env
        )
        assert "updated the comment" in second.stderr
        assert len(gh.comments[7]) == 1
