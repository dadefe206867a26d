"""What a live command's start-up imports (issue 17: start-up is paid on every run, and the
suite's ~150 keylint processes pay it too)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO

LIVE_MODULES = (
    "keylint.cli",
    "keylint.live",
    "keylint.binance.fetch",
    "keylint.remediate",
    "keylint.apply",
    "keylint.rotation",
)


def _imported_after(code: str) -> dict[str, str]:
    probe = (
        f"{code}\nimport sys\n"
        "for name in ('httpx', 'httpx._main', 'rich', 'pygments', 'click'):\n"
        "    print(name, repr(sys.modules.get(name, 'absent')).split(' from ')[0])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True
    )
    return dict(line.split(" ", 1) for line in done.stdout.splitlines())


def test_live_commands_skip_httpx_command_line_tool() -> None:
    """httpx's own CLI (click, rich, pygments: ~70 ms) is not loaded by keylint's live code."""
    loaded = _imported_after("\n".join(f"import {name}" for name in LIVE_MODULES))
    assert loaded["httpx"].startswith("<module 'httpx'"), loaded
    assert loaded["httpx._main"] == "None", loaded  # marked absent by keylint/__init__.py
    assert loaded["rich"] == loaded["pygments"] == loaded["click"] == "'absent'", loaded


def test_httpx_still_works_with_its_command_line_tool_marked_absent() -> None:
    """The mark relies on httpx catching ImportError around `from ._main import main` (httpx
    0.27 and 0.28). A release that stops doing so fails here, not in users' hands."""
    code = (
        "import keylint, httpx\n"
        "assert httpx.main.__module__ == 'httpx', httpx.main.__module__\n"  # httpx's own stub
        "transport = httpx.MockTransport(lambda request: httpx.Response(204))\n"
        "with httpx.Client(transport=transport) as client:\n"
        "    assert client.get('http://example.invalid/').status_code == 204\n"
        "print('ok')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert (done.returncode, done.stdout.strip()) == (0, "ok"), done.stderr


def test_httpx_imported_first_is_left_alone() -> None:
    """Importing httpx before keylint (a library user) keeps httpx's real command-line tool."""
    loaded = _imported_after("import httpx\nimport keylint")
    assert loaded["httpx._main"].startswith("<module 'httpx._main'"), loaded
