"""Permission names: canonical keylint names and Binance's apiRestrictions field names."""

from __future__ import annotations

# canonical name -> Binance field of GET /sapi/v1/account/apiRestrictions (SPEC §1)
BINANCE_FIELD: dict[str, str] = {
    "reading": "enableReading",
    "spot_and_margin_trading": "enableSpotAndMarginTrading",
    "margin_loan_repay_transfer": "enableMargin",
    "futures": "enableFutures",
    "european_options": "enableVanillaOptions",
    "portfolio_margin_trading": "enablePortfolioMarginTrading",
    "withdrawals": "enableWithdrawals",
    "internal_transfer": "enableInternalTransfer",
    "universal_transfer": "permitsUniversalTransfer",
    "fix_api_trade": "enableFixApiTrade",
    "fix_read_only": "enableFixReadOnly",
}
CANONICAL: dict[str, str] = {field: name for name, field in BINANCE_FIELD.items()}

# The five permissions the master's listing shows of a sub-account key, and the only ones the
# master can set (subAccountApiPermission) or give a new key (create): canonical -> flag.
LISTING_FIELD: dict[str, str] = {
    "spot_and_margin_trading": "canTrade",
    "margin_loan_repay_transfer": "canMarginLoanRepay",
    "futures": "canFuturesTrade",
    "universal_transfer": "canUniversalTransfer",
    "european_options": "canVanillaOptions",
}

# Moving money out of the account: Binance only allows withdrawals on IP-bound keys.
MONEY_MOVING = ("withdrawals", "internal_transfer", "universal_transfer")
# Placing orders: Binance lapses these after 30 days on a key without trusted IPs.
TRADING = (
    "spot_and_margin_trading",
    "futures",
    "european_options",
    "portfolio_margin_trading",
    "fix_api_trade",
)


def canonical(name: str) -> str | None:
    """The canonical name for a canonical name or a Binance field name; None if unknown."""
    if name in BINANCE_FIELD:
        return name
    return CANONICAL.get(name)


def all_names() -> list[str]:
    """Every accepted spelling: canonical names first, then Binance field names."""
    return [*BINANCE_FIELD, *BINANCE_FIELD.values()]


# The switch's label in Binance's API Management page, for hints a person follows by hand.
UI_LABEL: dict[str, str] = {
    "reading": "Enable Reading",
    "spot_and_margin_trading": "Enable Spot & Margin Trading",
    "margin_loan_repay_transfer": "Enable Margin Loan, Repay & Transfer",
    "futures": "Enable Futures",
    "european_options": "Enable European Options",
    "portfolio_margin_trading": "Enable Portfolio Margin Trading",
    "withdrawals": "Enable Withdrawals",
    "internal_transfer": "Permits Internal Transfer",
    "universal_transfer": "Permits Universal Transfer",
    "fix_api_trade": "Enable FIX API Trade",
    "fix_read_only": "Enable FIX Read Only",
}
