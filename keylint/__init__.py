"""keylint: policy-as-code linter for Binance API keys."""

__version__ = "0.1.0"
