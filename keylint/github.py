"""`keylint comment`: the Markdown report as ONE pull-request comment or ONE drift issue.

The core does no I/O: where to post (flags, then the Actions environment and event file), how
to page (Link headers), which comment or issue is ours (the marker, written by the token's own
account), what to send (create, update, delete, close) and how to explain a refusal in one
line. `GitHub` is the thin httpx adapter that sends it, and `publish` runs the two in order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from keylint import __version__
from keylint.errors import UsageError
from keylint.reporters.markdown import MARKER
from keylint.result import EXIT_OK, Result
from keylint.tls import context_for

DEFAULT_API_URL = "https://api.github.com"
ISSUE_TITLE = "keylint: drift detected"
CLOSING_NOTE = (
    "✅ keylint finds no drift any more: closing this issue. A new one opens if drift comes back."
)
PAGE_SIZE = 100  # GitHub's largest page
MAX_PAGES = 50  # 5,000 comments: a Link header that never ends must not loop forever
DEFAULT_TIMEOUT = 30.0  # seconds per request
FORK_HINT = (
    "a pull request from a fork gets a read-only GITHUB_TOKEN; post from a "
    "`pull_request_target` or follow-up `workflow_run` workflow, or grant the job "
    "`permissions: pull-requests: write`"
)
ISSUE_HINT = "grant the job `permissions: issues: write`"
# Whom a workflow's GITHUB_TOKEN posts as. That token is an installation token, and GitHub
# refuses it `GET /user` (403 "Resource not accessible by integration") and `GET /app` (which
# takes the app's JWT), so in Actions this login is the only answer there is. Logins ending in
# `[bot]` belong to GitHub Apps: no person can register one to pass as keylint.
ACTIONS_BOT = "github-actions[bot]"
AUTHOR_HINT = (
    "pass --author LOGIN, the account the token posts as (a GitHub App posts as APP-SLUG[bot])"
)

_REPO = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
# A GitHub login: letters, digits and hyphens, and an app's `[bot]` suffix.
_LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?")
_LINK = re.compile(r"<([^>]*)>((?:\s*;\s*[^;,]*)*)")

Json = dict[str, Any]


@dataclass(frozen=True)
class Target:
    """Where the report goes: a pull request's conversation, or the repository's issues."""

    api_url: str
    repo: str  # OWNER/NAME
    number: int | None  # the pull request; None for the drift issue (--issue)
    token: str = field(repr=False)
    author: str | None = None  # --author: whose comments are keylint's; None: ask GitHub
    actions: bool = False  # running in GitHub Actions (GITHUB_ACTIONS=true)

    @property
    def where(self) -> str:
        return f"{self.repo}#{self.number}" if self.number is not None else self.repo


def resolve_target(
    *,
    repo: str | None,
    pr: int | None,
    api_url: str | None,
    issue: bool,
    env: Mapping[str, str],
    author: str | None = None,
) -> Target:
    """Flags first, then the standard Actions variables; a missing piece is a UsageError."""
    repo = repo or env.get("GITHUB_REPOSITORY") or None
    if repo is None:
        raise UsageError("no repository: pass --repo OWNER/NAME or set GITHUB_REPOSITORY")
    if not _REPO.fullmatch(repo):
        raise UsageError(f"repository {repo!r} is not OWNER/NAME")
    if api_url is not None:
        api = check_api_url(api_url, "--api-url")
    else:
        api = check_api_url(env.get("GITHUB_API_URL") or DEFAULT_API_URL, "GITHUB_API_URL")
    number: int | None = None
    if issue:
        if pr is not None:
            raise UsageError("--issue keeps one issue of the repository; it takes no --pr")
    else:
        number = pr if pr is not None else pr_from_event(env)
    token = env.get("GITHUB_TOKEN", "").strip()
    if not token:
        raise UsageError(
            "GITHUB_TOKEN is not set: keylint reads the GitHub token only from the environment "
            "(in a workflow: `env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}`)"
        )
    if author is not None and not _LOGIN.fullmatch(author):
        raise UsageError(f"--author {author!r} is not a GitHub login (e.g. octocat, my-app[bot])")
    return Target(
        api_url=api,
        repo=repo,
        number=number,
        token=token,
        author=author,
        actions=env.get("GITHUB_ACTIONS") == "true",
    )


def check_api_url(url: str, source: str) -> str:
    """The GitHub API address must be an http(s) URL: it receives the token."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.query:
        raise UsageError(
            f"{source} {url!r} is not an http(s) API address (e.g. https://api.github.com, "
            "or https://HOST/api/v3 for GitHub Enterprise Server)"
        )
    return url.rstrip("/")


def pr_from_event(env: Mapping[str, str]) -> int:
    """The pull request of the running workflow, from the event file Actions provides."""
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        raise UsageError(
            "no pull request: pass --pr N, or run in a pull_request workflow "
            "(GITHUB_EVENT_PATH is not set); for a scheduled run use --issue"
        )
    try:
        event = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read GITHUB_EVENT_PATH {path}: {exc.strerror}") from None
    except ValueError:
        raise UsageError(f"GITHUB_EVENT_PATH {path} is not a JSON event file") from None
    number = event_pr_number(event)
    if number is None:
        name = env.get("GITHUB_EVENT_NAME") or "this"
        raise UsageError(
            f"no pull request: the {name} event names none; pass --pr N, "
            "or --issue for a scheduled run"
        )
    return number


def event_pr_number(event: Any) -> int | None:
    """`pull_request.number` (pull_request, pull_request_target), or the number of a comment
    event's issue when that issue is a pull request."""
    if not isinstance(event, dict):
        return None
    pull = event.get("pull_request")
    if isinstance(pull, dict):
        return _number(pull.get("number"))
    issue = event.get("issue")
    if isinstance(issue, dict) and "pull_request" in issue:
        return _number(issue.get("number"))
    return None


def _number(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None


def parse_link(header: str | None) -> dict[str, str]:
    """The URLs of a Link header (RFC 8288) by relation: {"next": ..., "last": ...}."""
    links: dict[str, str] = {}
    for match in _LINK.finditer(header or ""):
        url, params = match.groups()
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "rel":
                for rel in value.strip().strip('"').split():
                    links.setdefault(rel.lower(), url)
    return links


def next_page(header: str | None, api_url: str) -> str | None:
    """The next page's URL, which must lie under the API address: the token goes with it."""
    url = parse_link(header).get("next")
    if url is None:
        return None
    if not under(url, api_url):
        raise GitHubError(f"refusing to follow a pagination link away from {api_url}: {url}")
    return url


def under(url: str, api_url: str) -> bool:
    """Whether `url` has the API address's scheme and host, and lies below its path."""
    link, api = urlsplit(url), urlsplit(api_url)
    return (
        link.scheme == api.scheme
        and link.netloc.lower() == api.netloc.lower()
        and (link.path.rstrip("/") + "/").startswith(api.path.rstrip("/") + "/")
    )


def is_ours(item: Mapping[str, Any]) -> bool:
    """A body keylint wrote starts with the marker; someone quoting or discussing it does not."""
    body = item.get("body")
    return isinstance(body, str) and body.lstrip().startswith(MARKER)


def author_of(item: Mapping[str, Any]) -> str | None:
    """The login of a comment's or issue's author, as GitHub lists it."""
    user = item.get("user")
    login = user.get("login") if isinstance(user, dict) else None
    return login if isinstance(login, str) else None


def same_login(a: str | None, b: str) -> bool:
    # GitHub logins are case-insensitive.
    return a is not None and a.casefold() == b.casefold()


@dataclass(frozen=True)
class Found:
    """keylint's own comment or issue (None if there is none yet), and the logins of the
    others that carry the marker: anyone can write it, so those are left alone."""

    mine: Json | None
    others: list[str] = field(default_factory=list)


def find_ours(items: Iterable[Json], author: str, *, issues: bool = False) -> Found:
    """The first comment (or, with `issues`, issue that is not a pull request) that carries the
    marker and was written by `author`, the account the token posts as."""
    others: list[str] = []
    for item in items:
        if issues and "pull_request" in item:
            continue
        if not is_ours(item):
            continue
        login = author_of(item)
        if same_login(login, author):
            return Found(item, others)
        others.append(login or "(unknown)")
    return Found(None, others)


def others_note(found: Found, *, issues: bool) -> str | None:
    """One line naming the marked comments (or issues) keylint left alone, if any."""
    if not found.others:
        return None
    count = len(found.others)
    what = ("issue" if issues else "comment") + ("" if count == 1 else "s")
    logins = ", ".join(sorted({show_login(login) for login in found.others}))
    return (
        f"left alone {count} {what} that start{'s' if count == 1 else ''} with keylint's marker "
        f"but {'was' if count == 1 else 'were'} written by {logins}, not the token's account"
    )


def show_login(login: str) -> str:
    """A login from GitHub as printed: one with a control or non-ASCII character is shown
    escaped, so a hostile answer cannot drive the terminal or the Actions log."""
    return login if login.isascii() and login.isprintable() else ascii(login)


def is_clean(result: Result) -> bool:
    """Nothing to report: exit code 0 and no finding that is not waived."""
    return result.exit_code == EXIT_OK and all(f.waived for f in result.findings)


@dataclass(frozen=True)
class GitHubRequest:
    """One request to send: method, path under the API address, JSON body."""

    method: str
    path: str
    body: Json | None = None


@dataclass(frozen=True)
class CommentUpdate:
    """The requests that bring GitHub in line with the report, and the line that says so
    (`{url}` stands for the comment's or issue's address once known)."""

    calls: list[GitHubRequest]
    message: str


def comments_path(target: Target) -> str:
    return f"/repos/{target.repo}/issues/{target.number}/comments"


def issues_path(target: Target) -> str:
    return f"/repos/{target.repo}/issues"


def plan_comment(
    target: Target, existing: Json | None, body: str, *, clean: bool, keep_clean: bool
) -> CommentUpdate:
    """Create, update or delete the one report comment of a pull request."""
    if existing is None:
        if clean:
            return CommentUpdate([], f"no findings: nothing to post on {target.where}")
        return CommentUpdate(
            [GitHubRequest("POST", comments_path(target), {"body": body})], "commented {url}"
        )
    own = f"/repos/{target.repo}/issues/comments/{existing['id']}"
    if clean and not keep_clean:
        return CommentUpdate(
            [GitHubRequest("DELETE", own)], "no findings any more: deleted the comment {url}"
        )
    if existing.get("body") == body:
        return CommentUpdate([], "the comment is up to date: {url}")
    return CommentUpdate([GitHubRequest("PATCH", own, {"body": body})], "updated the comment {url}")


def plan_issue(
    target: Target, existing: Json | None, body: str, *, clean: bool, title: str = ISSUE_TITLE
) -> CommentUpdate:
    """Open, update or close the one drift issue of a repository."""
    if existing is None:
        if clean:
            return CommentUpdate([], f"no drift: no open drift issue in {target.repo}")
        return CommentUpdate(
            [GitHubRequest("POST", issues_path(target), {"title": title, "body": body})],
            "opened the drift issue {url}",
        )
    own = f"{issues_path(target)}/{existing['number']}"
    if clean:
        return CommentUpdate(
            [
                GitHubRequest("POST", f"{own}/comments", {"body": CLOSING_NOTE}),
                GitHubRequest("PATCH", own, {"state": "closed", "state_reason": "completed"}),
            ],
            "no drift any more: closed the drift issue {url}",
        )
    if existing.get("body") == body:
        return CommentUpdate([], "the drift issue is up to date: {url}")
    return CommentUpdate(
        [GitHubRequest("PATCH", own, {"body": body})], "updated the drift issue {url}"
    )


class GitHubError(Exception):
    """GitHub refused a request, or could not be reached; `status` is None for the latter."""

    def __init__(self, message: str, *, status: int | None = None, method: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.method = method
        self.rate_limited = False


def error_from_response(
    method: str, path: str, status: int, headers: Mapping[str, str], content: bytes
) -> GitHubError:
    """GitHub's error answer as a GitHubError carrying its own message."""
    message = ""
    try:
        answer = json.loads(content)
    except ValueError:
        answer = None
    if isinstance(answer, dict) and isinstance(answer.get("message"), str):
        message = answer["message"]
    message = " ".join(message.split())[:300] or f"HTTP {status} to {method} {path}"
    error = GitHubError(message, status=status, method=method)
    error.rate_limited = status in (403, 429) and (
        headers.get("x-ratelimit-remaining") == "0" or "rate limit" in message.lower()
    )
    return error


def explain(error: GitHubError, target: Target) -> str:
    """One line a person can act on (the token never appears in it)."""
    status, said = error.status, error.message
    if status is None:
        return said
    if error.rate_limited:
        return f"GitHub's rate limit is reached ({status}: {said}); run again later"
    if status == 401:
        return f"GitHub rejected the token ({status}: {said}); check GITHUB_TOKEN"
    if status == 403 or (status == 404 and error.method != "GET"):
        what = "issues" if target.number is None else "pull-request comments"
        hint = ISSUE_HINT if target.number is None else FORK_HINT
        return f"the token cannot write {what} ({status}: {said}): {hint}"
    if status == 404:
        return (
            f"GitHub found no {target.where} at {target.api_url} ({status}: {said}); "
            "check --repo, --pr and --api-url, and that the token may read the repository"
        )
    return f"GitHub answered {status}: {said}"


class GitHub:
    """The thin httpx adapter: JSON in and out, pagination, failures as GitHubError.

    Redirects are not followed and pagination links must stay under the API address, so the
    token is only ever sent to the address it was given for.
    """

    def __init__(
        self,
        *,
        api_url: str,
        token: str,
        transport: httpx.BaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.api_url = api_url
        self.timeout = timeout
        self._client = httpx.Client(
            base_url=api_url,
            headers={
                "Accept": "application/vnd.github+json",
                "Authorization": f"Bearer {token}",
                "User-Agent": f"keylint/{__version__}",
                "X-GitHub-Api-Version": "2022-11-28",
            },
            transport=transport,
            timeout=timeout,
            follow_redirects=False,
            verify=context_for(api_url),
        )

    def __enter__(self) -> GitHub:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def send(self, call: GitHubRequest, params: Mapping[str, str] | None = None) -> httpx.Response:
        """Send one request; any answer but 2xx raises GitHubError."""
        try:
            response = self._client.request(call.method, call.path, json=call.body, params=params)
        except httpx.TimeoutException:
            raise GitHubError(
                f"GitHub did not answer {call.method} {call.path} within {self.timeout:g} s",
                method=call.method,
            ) from None
        except httpx.HTTPError as exc:
            raise GitHubError(
                f"could not reach GitHub at {self.api_url}: {exc}", method=call.method
            ) from None
        if not response.is_success:
            raise error_from_response(
                call.method, call.path, response.status_code, response.headers, response.content
            )
        return response

    def items(self, path: str, params: Mapping[str, str]) -> Iterator[Json]:
        """Every item of a listing, page after page (lazily: a caller may stop early)."""
        call = GitHubRequest("GET", path)
        query: Mapping[str, str] | None = {**params, "per_page": str(PAGE_SIZE)}
        for _ in range(MAX_PAGES):
            response = self.send(call, query)
            page = _json(response)
            if not isinstance(page, list):
                raise GitHubError(f"GitHub answered GET {path} with no list", method="GET")
            yield from (item for item in page if isinstance(item, dict))
            url = next_page(response.headers.get("link"), self.api_url)
            if url is None:
                return
            call, query = GitHubRequest("GET", url), None  # the next link carries the query itself
        raise GitHubError(f"GET {path} has more than {MAX_PAGES} pages", method="GET")


def _json(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


@dataclass(frozen=True)
class Outcome:
    """What `publish` did, as one line for stderr; `ok` is False when GitHub refused. `notes`
    are further lines worth knowing (comments left alone, an author to pass next time)."""

    ok: bool
    message: str
    notes: tuple[str, ...] = ()


def whoami(gh: GitHub, target: Target) -> str:
    """The login whose comments are keylint's: --author, else the token's user (`GET /user`),
    else, for a workflow's installation token that GitHub refuses `/user`, ACTIONS_BOT."""
    if target.author is not None:
        return target.author
    try:
        user = _json(gh.send(GitHubRequest("GET", "/user")))
    except GitHubError as exc:
        if exc.status != 403 or exc.rate_limited:
            raise
        if target.actions:
            return ACTIONS_BOT
        raise GitHubError(
            f"GitHub does not say whom this token posts as (GET /user: {exc.status}: "
            f"{exc.message}), so keylint cannot tell its comments from others': {AUTHOR_HINT}"
        ) from None
    login = user.get("login") if isinstance(user, dict) else None
    if not isinstance(login, str) or not login:
        raise GitHubError(f"GitHub answered GET /user with no login: {AUTHOR_HINT}")
    return login


def publish(
    target: Target,
    body: str,
    *,
    clean: bool,
    keep_clean: bool = False,
    transport: httpx.BaseTransport | None = None,
) -> Outcome:
    """Bring the pull request's comment (or the drift issue) in line with the report."""
    issues = target.number is None
    notes: list[str] = []
    try:
        with GitHub(api_url=target.api_url, token=target.token, transport=transport) as gh:
            author = whoami(gh, target)
            if issues:
                listing = gh.items(issues_path(target), {"state": "open"})
                found = find_ours(listing, author, issues=True)
                plan = plan_issue(target, found.mine, body, clean=clean)
            else:
                found = find_ours(gh.items(comments_path(target), {}), author)
                plan = plan_comment(target, found.mine, body, clean=clean, keep_clean=keep_clean)
            if note := others_note(found, issues=issues):
                notes.append(note)
            url = str((found.mine or {}).get("html_url") or "")
            for call in plan.calls:
                answer = _json(gh.send(call))
                if isinstance(answer, dict) and answer.get("html_url"):
                    url = str(answer["html_url"])
                if found.mine is None and isinstance(answer, dict):
                    # Posted under another name than the one looked for (an app's token in
                    # Actions): the next run would not find it and would post a second one.
                    posted_as = author_of(answer)
                    if posted_as is not None and not same_login(posted_as, author):
                        notes.append(
                            f"the report was posted as {show_login(posted_as)}, not {author}: "
                            f"pass --author {show_login(posted_as)} so the next run updates it"
                        )
    except GitHubError as exc:
        return Outcome(
            False,
            f"cannot post the report to {target.where}: {explain(exc, target)}",
            tuple(notes),
        )
    return Outcome(True, plan.message.replace("{url}", url or target.where), tuple(notes))
