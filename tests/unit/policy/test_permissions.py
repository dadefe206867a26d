"""Permission names as policies write them."""

from __future__ import annotations

from keylint.policy.permissions import BINANCE_FIELD, canonical


def test_every_permission_has_its_binance_alias() -> None:
    assert len(BINANCE_FIELD) == 11
    for name, field in BINANCE_FIELD.items():
        assert canonical(name) == canonical(field) == name
    assert canonical("enableEverything") is None
