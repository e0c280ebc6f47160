"""The event contract, one rule at a time, on the Pydantic reference (clickstream.contract.judge)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from factories import HEADER, row

from clickstream.contract import REASON_CODES, judge, normalise_header

DAY = date(2025, 2, 23)
PURCHASE = '{"transaction_id": "t1", "revenue": 100.5, "items": []}'


def reasons(**fields: str) -> tuple[str, ...]:
    return judge(dict(zip(HEADER, row(**fields), strict=True)), DAY).reasons


def test_a_clean_page_view_is_valid():
    assert reasons() == ()


@pytest.mark.parametrize("client_id", ["", "   "])
def test_missing_client_id(client_id):
    assert reasons(client_id=client_id) == ("missing_client_id",)


@pytest.mark.parametrize("timestamp", ["2025-02-23", "23/02/2025 10:00", "2025-02-30T10:00:00Z",
                                       "2025-02-23T24:00:00Z", "2025-02-23T10:00:60Z", "2025-02-23T10:00:00+25:00",
                                       "２０２５-02-23T10:00:00Z", ""])
def test_bad_timestamp(timestamp):
    assert reasons(timestamp=timestamp) == ("bad_timestamp",)


@pytest.mark.parametrize(("text", "expected"), [
    ("2025-02-23T10:00:00.123Z", datetime(2025, 2, 23, 10, 0, 0, 123000, UTC)),
    ("2025-02-23 10:00:00", datetime(2025, 2, 23, 10, 0, tzinfo=UTC)),
    ("2025-02-23T12:30:00+02:30", datetime(2025, 2, 23, 10, 0, tzinfo=UTC)),
    ("2025-02-23T10:00:00.1234567Z", datetime(2025, 2, 23, 10, 0, 0, 123456, UTC)),
])
def test_timestamps_are_read_as_utc_instants(text, expected):
    verdict = judge(dict(zip(HEADER, row(timestamp=text), strict=True)), DAY)
    assert verdict.event.timestamp == expected


def test_unknown_event_name():
    assert reasons(event_name="page_view") == ("unknown_event_name",)


def test_event_names_are_case_insensitive():
    verdict = judge(dict(zip(HEADER, row(event_name=" Page_Viewed "), strict=True)), DAY)
    assert verdict.reasons == () and verdict.event.event_name == "page_viewed"


@pytest.mark.parametrize("event_data", ['{"a": 1', "[1, 2]", '"text"', "42", "NULL"])
def test_bad_event_data(event_data):
    assert reasons(event_data=event_data) == ("bad_event_data",)


@pytest.mark.parametrize("event_data", ["", "null", " null ", "{}"])
def test_empty_event_data_means_an_empty_object(event_data):
    verdict = judge(dict(zip(HEADER, row(event_data=event_data), strict=True)), DAY)
    assert verdict.reasons == () and verdict.event.event_data == {}


def test_missing_page_url():
    assert reasons(page_url=" ") == ("missing_page_url",)


@pytest.mark.parametrize("event_data", ['{"transaction_id": "t1"}', '{"revenue": "abc"}', '{"revenue": -5}',
                                        '{"revenue": null}', '{"revenue": true}', '{"revenue": NaN}',
                                        '{"revenue": 1e16}'])
def test_bad_revenue(event_data):
    assert reasons(event_name="checkout_completed", event_data=event_data) == ("bad_revenue",)


@pytest.mark.parametrize("event_data", [PURCHASE, '{"revenue": "99.90"}', '{"revenue": 0}'])
def test_conversions_with_a_number_or_numeric_string_revenue_are_valid(event_data):
    assert reasons(event_name="purchase", event_data=event_data) == ()


def test_revenue_is_only_required_of_conversions():
    assert reasons(event_name="product_added_to_cart", event_data='{"item_id": "x"}') == ()


@pytest.mark.parametrize(("timestamp", "expected"), [
    ("2025-02-22T00:00:00Z", ()),
    ("2025-02-24T23:59:59Z", ()),
    ("2025-02-21T23:59:59Z", ("timestamp_out_of_window",)),
    ("2025-02-25T00:00:00Z", ("timestamp_out_of_window",)),
    ("2025-02-25T01:00:00+02:00", ()),
])
def test_timestamp_window_is_the_files_day_and_its_neighbours(timestamp, expected):
    assert reasons(timestamp=timestamp) == expected


def test_a_row_gets_every_code_that_applies_in_contract_order():
    verdict = judge(dict(zip(HEADER, row(client_id="", page_url="", timestamp="2025-03-09T00:00:00Z",
                                         event_name="purchase", event_data="{}"), strict=True)), DAY)
    assert verdict.reasons == ("missing_client_id", "missing_page_url", "bad_revenue", "timestamp_out_of_window")
    assert verdict.reason == "missing_client_id"


def test_reason_codes_are_the_documented_seven():
    assert REASON_CODES == ("missing_client_id", "bad_timestamp", "unknown_event_name", "bad_event_data",
                            "missing_page_url", "bad_revenue", "timestamp_out_of_window")


@pytest.mark.parametrize(("raw", "expected"), [
    ("\ufeffclient_id", "client_id"), ("clientId", "client_id"), (" PageUrl ", "page_url"),
    ("EVENT_NAME", "event_name"), ("eventData", "event_data"), ("userAgent", "user_agent"), ("extra", "extra"),
])
def test_headers_are_normalised(raw, expected):
    assert normalise_header(raw) == expected
