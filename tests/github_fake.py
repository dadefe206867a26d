"""An in-memory GitHub on 127.0.0.1 that speaks the REST endpoints `keylint comment` uses.

Issue comments (list, create, update, delete) and issues (list open, create, update), paged
with Link headers at a small page size, behind a Bearer-token check; `deny_writes` answers
every write the way GitHub answers a fork's read-only token. Every comment and issue records
its author, as GitHub lists it (`user.login`, `user.type`): the token's account writes what
keylint creates. `GET /user` names that account for a personal token, and answers 403 for a
workflow's installation token (`installation=True`), whose writes GitHub attributes to
`github-actions[bot]` (or to `app_login`, for another app's installation token).
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

TOKEN = "ghs_fakeTokenForLoopbackTests0123456789"
USER_DOCS = "https://docs.github.com/rest/users/users#get-the-authenticated-user"
READ_ONLY = {
    "message": "Resource not accessible by integration",
    "documentation_url": "https://docs.github.com/rest/issues/comments#create-an-issue-comment",
    "status": "403",
}


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@dataclass
class FakeGitHub:
    """Start with `with FakeGitHub() as gh:`; `gh.url` is the API address to pass."""

    prefix: str = ""  # e.g. "/api/v3", as on GitHub Enterprise Server
    page_size: int = 2  # forced small, whatever per_page asks, so pagination is exercised
    token: str = TOKEN
    deny_writes: bool = False
    login: str = "keylint-bot"  # the user a personal token belongs to
    installation: bool = False  # an installation token: GET /user is refused
    app_login: str = "github-actions[bot]"  # whom an installation token's writes are by
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    issues: list[dict[str, Any]] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    _next_id: int = 1000
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __enter__(self) -> FakeGitHub:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def url(self) -> str:
        return self.origin + self.prefix

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    @property
    def token_author(self) -> str:
        """Whom GitHub names as the author of what this token writes."""
        return self.app_login if self.installation else self.login

    def add_comment(self, number: int, body: str, login: str = "someone") -> dict[str, Any]:
        """A comment written by `login` (somebody else, unless it is the token's author)."""
        comment_id = self.new_id()
        comment = {
            "id": comment_id,
            "body": body,
            "user": _user(login),
            "html_url": f"https://github.example/o/r/pull/{number}#issuecomment-{comment_id}",
        }
        self.comments.setdefault(number, []).append(comment)
        return comment

    def add_issue(
        self, body: str, *, pull_request: bool = False, title: str = "x", login: str = "someone"
    ) -> dict[str, Any]:
        number = len(self.issues) + 1
        issue: dict[str, Any] = {
            "number": number,
            "title": title,
            "body": body,
            "user": _user(login),
            "state": "open",
            "html_url": f"https://github.example/o/r/issues/{number}",
            "comments": [],
        }
        if pull_request:
            issue["pull_request"] = {"url": f"https://github.example/o/r/pull/{number}"}
        self.issues.append(issue)
        return issue

    def writes(self) -> list[tuple[str, str]]:
        return [(s.method, s.path) for s in self.seen if s.method != "GET"]


def _user(login: str) -> dict[str, str]:
    # Only GitHub Apps have logins ending in [bot]; GitHub lists them as type Bot.
    return {"login": login, "type": "Bot" if login.endswith("[bot]") else "User"}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeGitHub
    protocol_version = "HTTP/1.1"

    def log_message(self, *_: Any) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        fake = self.fake
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        with fake._lock:
            fake.seen.append(
                Seen(method, parts.path, parse_qs(parts.query), dict(self.headers), body)
            )
            if self.headers.get("Authorization") != f"Bearer {fake.token}":
                return self._send(401, {"message": "Bad credentials"})
            if parts.path == fake.prefix + "/user" and method == "GET":
                if fake.installation:  # GitHub's answer to an installation token
                    return self._send(403, {**READ_ONLY, "documentation_url": USER_DOCS})
                return self._send(200, {"id": 1, **_user(fake.login)})
            if not parts.path.startswith(fake.prefix + "/repos/o/r/"):
                return self._send(404, {"message": "Not Found"})
            if method != "GET" and fake.deny_writes:
                return self._send(403, READ_ONLY)
            route = parts.path[len(fake.prefix + "/repos/o/r") :]
            self._route(method, route, parse_qs(parts.query), body)

    def _route(self, method: str, route: str, query: dict[str, list[str]], body: Any) -> None:
        fake = self.fake
        if m := re.fullmatch(r"/issues/(\d+)/comments", route):
            number = int(m[1])
            if method == "GET":
                return self._page(fake.comments.get(number, []), query)
            if method == "POST":
                issue = next((i for i in fake.issues if i["number"] == number), None)
                if issue is not None:  # a comment on an issue keylint opened
                    issue["comments"].append(body["body"])
                    return self._send(201, {"id": fake.new_id(), "html_url": "c"})
                comment = fake.add_comment(number, body["body"], login=fake.token_author)
                return self._send(201, comment)
        if m := re.fullmatch(r"/issues/comments/(\d+)", route):
            found = [(n, c) for n, cs in fake.comments.items() for c in cs if c["id"] == int(m[1])]
            if not found:
                return self._send(404, {"message": "Not Found"})
            number, comment = found[0]
            if method == "PATCH":
                comment["body"] = body["body"]
                return self._send(200, comment)
            if method == "DELETE":
                fake.comments[number].remove(comment)
                return self._send(204, None)
        if route == "/issues":
            if method == "GET":
                state = query.get("state", ["open"])[0]
                return self._page([i for i in fake.issues if i["state"] == state], query)
            if method == "POST":
                issue = fake.add_issue(body["body"], title=body["title"], login=fake.token_author)
                return self._send(201, issue)
        if (m := re.fullmatch(r"/issues/(\d+)", route)) and method == "PATCH":
            issue = fake.issues[int(m[1]) - 1]
            issue.update(body)
            return self._send(200, issue)
        return self._send(404, {"message": "Not Found"})

    def _page(self, items: list[dict[str, Any]], query: dict[str, list[str]]) -> None:
        fake = self.fake
        size = min(int(query.get("per_page", ["30"])[0]), fake.page_size)
        page = int(query.get("page", ["1"])[0])
        last = max(1, -(-len(items) // size))
        path = urlsplit(self.path).path

        def link(to: int, rel: str) -> str:  # GitHub's links repeat the whole query
            params = {**{k: v[0] for k, v in query.items()}, "per_page": str(size), "page": str(to)}
            return f'<{fake.origin}{path}?{urlencode(params)}>; rel="{rel}"'

        links = []
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        if page > 1:
            links += [link(1, "first"), link(page - 1, "prev")]
        headers = {"Link": ", ".join(links)} if links else {}
        self._send(200, items[(page - 1) * size : page * size], headers)

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if data:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
