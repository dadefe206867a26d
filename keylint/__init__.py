"""keylint: policy-as-code linter for Binance API keys."""

import sys as _sys

__version__ = "0.1.0"

# httpx's package imports its command-line tool (httpx._main, with click, rich and pygments)
# whenever those are installed, and typer installs rich: about 60 ms, a fifth of a live
# command's start-up, for a program keylint never runs. httpx wraps that import in
# `except ImportError` and defines a stub `httpx.main` instead (httpx 0.27 and 0.28, the
# versions pyproject allows); marking the module absent takes that path.
# tests/test_startup.py fails if a new httpx stops tolerating it.
if "httpx" not in _sys.modules:
    _sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
