"""The plain options objects' parsing and defaults."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from keylint.commands import init
from keylint.errors import UsageError
from keylint.findings import Severity
from keylint.options import InitOptions, check_base_url, parse_now, severity_threshold

NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)


def test_usage_errors_are_raised_for_the_cli_to_word() -> None:
    with pytest.raises(UsageError, match="say which keys to declare"):
        init.run(InitOptions(now=NOW))
    with pytest.raises(UsageError, match="ISO 8601"):
        parse_now("yesterday")
    with pytest.raises(UsageError, match="user name or password"):
        check_base_url("https://user:pw@api.binance.com")
    assert severity_threshold("never") is None
    assert severity_threshold("warning") is Severity.WARNING


def test_cli_default_concurrency_mirrors_the_client() -> None:
    from keylint.binance.client import DEFAULT_CONCURRENCY
    from keylint.options import DEFAULT_CONCURRENCY as CLI_DEFAULT

    assert CLI_DEFAULT == DEFAULT_CONCURRENCY
