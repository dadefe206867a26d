"""Binance's endpoints keylint calls (binance-api.md), named once for the protocol that calls
them, the plan that shows them and the rules whose hints name them."""

from __future__ import annotations

PATH_TIME = "/api/v3/time"
PATH_API_RESTRICTIONS = "/sapi/v1/account/apiRestrictions"
PATH_SUB_API = "/sapi/v1/sub-account/subAccountApi"
PATH_SUB_API_IP = "/sapi/v1/sub-account/subAccountApi/ipRestriction"
PATH_SUB_LIST = "/sapi/v1/sub-account/list"
# The master's writes to a sub-account key (keylint apply); each weighs 3000 UID a call.
PATH_SUB_API_IP_V2 = "/sapi/v2/sub-account/subAccountApi/ipRestriction"
PATH_SUB_API_IP_LIST = "/sapi/v1/sub-account/subAccountApi/ipRestriction/ipList"
PATH_SUB_API_PERMISSION = "/sapi/v1/sub-account/subAccountApiPermission"
