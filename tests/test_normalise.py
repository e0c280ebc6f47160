"""The vectorised contract (Polars) agrees with the Pydantic reference on every row, good and bad."""

from __future__ import annotations

import itertools
import json
from datetime import date

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clickstream.contract import COLUMNS, canonical_json, judge, parse_event_data, parse_timestamp
from clickstream.normalise import apply_contract, read_event_data, with_utc_timestamp
from clickstream.settings import DEFAULT_CONVERSION_EVENTS, DEFAULT_EVENT_NAMES

DAY = date(2025, 2, 23)
blank = st.sampled_from(["", " ", "\t", None])
text = st.text(max_size=12)


def _timestamps() -> st.SearchStrategy[str]:
    digits = st.integers
    # Boundary values of every component, so that an off-by-one in either implementation shows.
    stamp = st.builds(
        lambda y, mo, d, sep, h, mi, s, frac, zone:
            f"{y:04d}-{mo:02d}-{d:02d}{sep}{h:02d}:{mi:02d}:{s:02d}{frac}{zone}",
        st.sampled_from([0, 1, 2024, 2025, 9999]), st.sampled_from([0, 1, 2, 12, 13]),
        st.sampled_from([0, 1, 22, 23, 24, 28, 29, 30, 31, 32]), st.sampled_from(["T", " ", "t"]),
        st.sampled_from([0, 23, 24]), st.sampled_from([0, 59, 60]), st.sampled_from([0, 59, 60]),
        st.sampled_from(["", ".1", ".123", ".1234567", "."]),
        st.sampled_from(["", "Z", "+01:00", "-05:30", "+23:59", "+24:00", "-00:60", "z"]),
    )
    near = st.builds(lambda d, h: f"2025-02-{d:02d}T{h:02d}:00:00.000Z", digits(19, 27), digits(0, 23))
    return st.one_of(near, stamp, text, blank)


def _event_data() -> st.SearchStrategy[str | None]:
    revenue = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10, 10**20), text,
                        st.sampled_from(['"12.50"', '"-1"', "null", "true", '"1e3"', '" 7 "']))
    objects = st.builds(lambda r: '{"transaction_id": "t", "revenue": %s}' % (r if isinstance(r, str) else r),
                        revenue)
    return st.one_of(blank, st.sampled_from(["null", "{}", "[]", '{"a": 1', '"x"', "{ }", '{"b":1,"a":2}',
                                             nested(32), nested(33), nested(4000)]), objects, text)


def nested(levels: int) -> str:
    """An event_data object nesting ``levels`` objects and arrays in all (the top object is the first)."""
    inner = levels - 1
    return '{"a": ' + "[" * inner + "1" + "]" * inner + "}"


rows = st.fixed_dictionaries({
    "client_id": st.one_of(blank, st.just("c1"), text),
    "page_url": st.one_of(blank, st.just("https://puffy.com/"), text),
    "referrer": st.one_of(blank, text),
    "timestamp": _timestamps(),
    "event_name": st.one_of(st.sampled_from([*DEFAULT_EVENT_NAMES, "PURCHASE", " Page_Viewed ", "click"]), blank,
                            text),
    "event_data": _event_data(),
    "user_agent": st.one_of(blank, text),
})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(rows, min_size=1, max_size=25))
def test_vectorised_contract_agrees_with_the_pydantic_model(batch):
    frame = pl.DataFrame(batch, schema={column: pl.String for column in COLUMNS}).with_row_index("source_line")
    checked = apply_contract(frame, DAY, DEFAULT_EVENT_NAMES, DEFAULT_CONVERSION_EVENTS)
    for raw, fast in zip(batch, checked.iter_rows(named=True), strict=True):
        verdict = judge(raw, DAY)
        assert tuple(fast["reasons"]) == verdict.reasons, raw
        if verdict.event is not None:
            event = verdict.event
            assert fast["event_at"] == event.timestamp
            assert fast["event_name"] == event.event_name
            assert fast["event_data"] == canonical_json(event.event_data)
            assert (fast["client_id"], fast["page_url"], fast["referrer"], fast["user_agent"]) == (
                event.client_id, event.page_url, event.referrer, event.user_agent)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.text(max_size=6)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([1e-4, 9.9e-5, 1e16, 9.999999999999998e15, -0.0]),  # where Python's float text changes form
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=500, deadline=None)
@given(json_values, st.sampled_from([{"sort_keys": False}, {"sort_keys": True}, {"indent": 1}]))
def test_event_data_reads_as_the_contract_reads_it(value, layout):
    text = json.dumps(value, ensure_ascii=False, **layout)  # Python writes NaN, Infinity and lone surrogates too
    reference = parse_event_data(text)
    assert read_event_data(text) == (reference, None if reference is None else canonical_json(reference))


@given(st.text(max_size=20))
def test_any_text_as_event_data_reads_as_the_contract_reads_it(text):
    reference = parse_event_data(text)
    assert read_event_data(text) == (reference, None if reference is None else canonical_json(reference))


def _timestamp_grid() -> list[str]:
    """Every combination of the fields' edge values: calendar, clock, separator, fraction and zone."""
    parts = itertools.product(
        (0, 1, 2025, 9999), (0, 1, 2, 12, 13), (0, 1, 28, 29, 30, 31, 32), ("T", " ", "t"), (0, 23, 24),
        (0, 59, 60), (0, 59, 60), ("", ".", ".5", ".123456", ".1234567"),
        ("", "Z", "z", "+00:00", "+01:00", "-05:30", "+23:59", "+24:00", "-00:60", "+0100"),
    )
    return [f"{y:04d}-{mo:02d}-{d:02d}{sep}{h:02d}:{mi:02d}:{s:02d}{fraction}{zone}"
            for y, mo, d, sep, h, mi, s, fraction, zone in parts]


def test_every_timestamp_of_the_edge_grid_parses_as_the_reference_does():
    texts = _timestamp_grid()
    parsed = with_utc_timestamp(pl.DataFrame({"text": texts}), "text", "at")["at"].to_list()
    disagreements = [(text, fast) for text, fast in zip(texts, parsed, strict=True) if fast != parse_timestamp(text)]
    assert (len(texts), disagreements) == (567_000, [])


@pytest.mark.parametrize(("levels", "is_object"), [(32, True), (33, False), (4000, False)])
def test_event_data_nested_deeper_than_the_limit_is_bad_event_data(levels, is_object):
    text = nested(levels)
    assert (parse_event_data(text) is not None, read_event_data(text)[1] is not None) == (is_object, is_object)
