from __future__ import annotations

import json

import pytest

from keylint.binance import errors, protocol

JSON = {"Content-Type": "application/json;charset=UTF-8"}


def body(obj: object) -> bytes:
    return json.dumps(obj).encode()


@pytest.mark.parametrize(
    ("status", "code", "kind", "retryable", "words"),
    [
        (400, -1021, errors.ClockSkew, False, "clock"),
        (400, -1022, errors.SignatureRejected, False, "secret or private key"),
        (401, -2014, errors.KeyFormatInvalid, False, "environment variable"),
        (401, -2015, errors.KeyRejected, False, "IP is not on the key's whitelist"),
        (400, -1003, errors.RateLimited, True, "weight"),
        (400, -1001, errors.ServerError, True, "retry later"),
        (400, -1102, errors.ApiError, False, "Mandatory parameter"),
        (503, -1021, errors.ServerError, True, "clock"),  # a 5xx is never final
    ],
)
def test_binance_codes_map_to_typed_errors(
    status: int, code: int, kind: type[errors.BinanceError], retryable: bool, words: str
) -> None:
    msg = "Mandatory parameter 'email' was not sent" if code == -1102 else "whatever"
    error = protocol.error_for_response(status, JSON, body({"code": code, "msg": msg}))
    assert type(error) is kind
    assert error.retryable is retryable
    assert words in error.reason


def test_429_and_418_carry_retry_after() -> None:
    limited = protocol.error_for_response(
        429, {**JSON, "Retry-After": "7"}, body({"code": -1003, "msg": "x"})
    )
    assert isinstance(limited, errors.RateLimited) and limited.retry_after == 7
    banned = protocol.error_for_response(418, {"retry-after": "120"}, b"")
    assert isinstance(banned, errors.IpBanned) and banned.retry_after == 120
    assert "banned" in banned.reason and "--concurrency" in banned.reason
    unparsed = protocol.error_for_response(429, {"Retry-After": "soon"}, b"")
    assert isinstance(unparsed, errors.RateLimited) and unparsed.retry_after is None


def test_403_is_the_waf_even_with_an_html_body() -> None:
    error = protocol.error_for_response(403, {"Content-Type": "text/html"}, b"<html>blocked</html>")
    assert isinstance(error, errors.WafBlocked) and not error.retryable
    assert "firewall" in error.reason


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_without_json_is_a_retryable_outage(status: int) -> None:
    error = protocol.error_for_response(
        status, {"Content-Type": "text/html"}, b"<h1>Bad gateway</h1>"
    )
    assert isinstance(error, errors.ServerError) and error.retryable


def test_4xx_without_code_is_malformed() -> None:
    assert isinstance(protocol.error_for_response(400, {}, b"nope"), errors.MalformedResponse)


@pytest.mark.parametrize("raw", [b"nope", body({"code": -1000, "msg": "Not found."})])
def test_404_is_a_wrong_url_never_retried(raw: bytes) -> None:
    error = protocol.error_for_response(404, JSON, raw, path="/wrong/api/v3/time")
    assert isinstance(error, errors.WrongUrl) and not error.retryable
    assert error.reason.startswith(
        "wrong URL: Binance answered HTTP 404 (not found) for /wrong/api/v3/time; "
        "the base URL looks wrong"
    )


@pytest.mark.parametrize(
    ("headers", "raw", "words"),
    [
        (JSON, b'{"ipRestrict": fals', "not valid JSON"),
        (JSON, b"", "empty body"),
        (JSON, b"\xff\xfe", "not valid JSON"),
        ({"Content-Type": "text/html"}, b"<html/>", "text/html instead of JSON"),
        ({}, b"{}", "no content type"),
    ],
)
def test_bad_success_bodies_are_malformed(headers: dict[str, str], raw: bytes, words: str) -> None:
    with pytest.raises(errors.MalformedResponse, match=words):
        protocol.parse_response(200, headers, raw)


def test_good_answer_is_decoded() -> None:
    assert protocol.parse_response(200, JSON, b'{"serverTime": 5}') == {"serverTime": 5}


def test_weight_headers_are_read_case_insensitively() -> None:
    weights = protocol.read_weights(
        {
            "X-SAPI-USED-UID-WEIGHT-1M": "6000",
            "x-sapi-used-ip-weight-1m": "3",
            "X-MBX-USED-WEIGHT-1M": "x",
        }
    )
    assert weights == protocol.Weights(sapi_ip=3, sapi_uid=6000, api_ip=None)
    assert weights.for_call(protocol.sub_account_api("a@b.c")) == 6000
    assert weights.for_call(protocol.api_restrictions()) == 3


def test_restrictions_keep_unknown_fields_and_reject_string_flags() -> None:
    data = {
        "ipRestrict": True,
        "createTime": 1,
        "enableReading": True,
        "enableNewThing": True,
        "note": "x",
    }
    assert protocol.parse_restrictions(data) == data
    with pytest.raises(errors.MalformedResponse):
        protocol.parse_restrictions({"enableWithdrawals": "false"})
    with pytest.raises(errors.MalformedResponse):
        protocol.parse_restrictions([1, 2])


@pytest.mark.parametrize("field", ["rows", "list"])
def test_listing_accepts_rows_and_legacy_list(field: str) -> None:
    page = protocol.parse_sub_account_api(
        {"total": 2, field: [{"apikey": "a" * 64}, {"apiKey": "b" * 64}]}
    )
    assert page.total == 2
    assert [protocol.row_api_key(r) for r in page.rows] == ["a" * 64, "b" * 64]
    assert protocol.parse_sub_account_api({"total": 0}).rows == []
    with pytest.raises(errors.MalformedResponse):
        protocol.parse_sub_account_api({"rows": [{"apiName": "no key"}]})


def test_ip_restriction_reads_the_string_flag_and_tolerates_names() -> None:
    parsed = protocol.parse_ip_restriction(
        {
            "ipRestrict": "true",
            "ipList": ["69.210.67.14", "partner-3"],
            "updateTime": 9,
            "apiKey": "k",
        }
    )
    assert parsed == protocol.IpRestriction(True, ["69.210.67.14", "partner-3"], 9)
    assert protocol.parse_ip_restriction({"ipRestrict": "false", "ipList": []}).ip_restrict is False
    assert protocol.parse_ip_restriction({"ipRestrict": False}).ip_restrict is False
    with pytest.raises(errors.MalformedResponse):
        protocol.parse_ip_restriction({"ipRestrict": "maybe"})


def test_server_time_and_sub_account_list() -> None:
    assert protocol.parse_server_time({"serverTime": 1499827319559}) == 1499827319559
    with pytest.raises(errors.MalformedResponse):
        protocol.parse_server_time({"serverTime": "now"})
    assert protocol.parse_sub_account_list({"subAccounts": [{"email": "a"}]}) == [{"email": "a"}]
    with pytest.raises(errors.MalformedResponse):
        protocol.parse_sub_account_list({"subAccounts": "x"})


def test_calls_page_with_documented_maxima() -> None:
    assert dict(protocol.sub_account_api("a@b.c", page=2).params)["size"] == "100"
    assert dict(protocol.sub_account_list().params)["limit"] == "200"
    assert protocol.sub_account_ip_restriction("a", "k").weight == 3000
    assert (
        protocol.sub_account_api("a").bucket != protocol.sub_account_ip_restriction("a", "k").bucket
    )
