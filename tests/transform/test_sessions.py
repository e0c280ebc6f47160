"""Sessions: 30 minutes of inactivity (configurable) splits, midnight does not, bots never count."""

from __future__ import annotations

from datetime import UTC, datetime

from transform_helpers import CHROME, GOOGLEBOT, at, event, event_uuid, rows

from clickstream.settings import Settings


def test_a_gap_of_1799_seconds_stays_in_the_session(build):
    con = build([event("c1", at(0)), event("c1", at(1799))])
    assert rows(con, "SELECT count(*), sum(events) FROM sessions") == [(1, 2)]


def test_a_gap_of_exactly_1800_seconds_starts_a_new_session(build):
    con = build([event("c1", at(0)), event("c1", at(1800))])
    assert rows(con, "SELECT events, duration_s FROM sessions ORDER BY started_at") == [(1, 0.0), (1, 0.0)]


def test_the_gap_is_measured_from_the_previous_event_not_the_session_start(build):
    con = build([event("c1", at(0)), event("c1", at(1500)), event("c1", at(3000)), event("c1", at(4799))])
    assert rows(con, "SELECT events, duration_s FROM sessions") == [(4, 4799.0)]


def test_a_session_continues_across_midnight(build):
    before = datetime(2025, 2, 23, 23, 50, tzinfo=UTC)
    after = datetime(2025, 2, 24, 0, 10, tzinfo=UTC)
    con = build([event("c1", before), event("c1", after)])
    assert rows(con, "SELECT session_date, events, duration_s FROM sessions") == [(before.date(), 2, 1200.0)]


def test_the_timeout_is_a_setting(build, transform_settings):
    settings = Settings(data_dir=transform_settings.data_dir, session_timeout_s=600)
    con = build([event("c1", at(0)), event("c1", at(599)), event("c1", at(1199))], settings)
    assert rows(con, "SELECT events FROM sessions ORDER BY started_at") == [(2,), (1,)]


def test_clients_are_sessionised_separately(build):
    con = build([event("c1", at(0)), event("c2", at(60)), event("c1", at(120))])
    assert rows(con, "SELECT client_id, events FROM sessions ORDER BY client_id") == [("c1", 2), ("c2", 1)]


def test_bot_events_are_excluded_from_sessions(build):
    con = build([event("bot", at(0), user_agent=GOOGLEBOT), event("c1", at(0), user_agent="SiteSpider/1.0")])
    assert rows(con, "SELECT count(*) FROM sessions") == [(0,)]
    assert rows(con, "SELECT count(*) FILTER (WHERE is_bot) FROM stg_events") == [(2,)]


def test_session_columns_come_from_the_first_event_and_count_the_events(build):
    con = build(
        [
            event(
                "c1",
                at(0),
                url="https://puffy.com/mattress?utm_source=Google&utm_medium=CPC&utm_campaign=Spring",
                user_agent=CHROME,
            ),
            event("c1", at(60), "product_added_to_cart", url="https://puffy.com/cart"),
            event("c1", at(120), "checkout_started", url="https://puffy.com/checkout"),
        ]
    )
    assert rows(
        con,
        """SELECT landing_page, channel, source, medium, campaign, source_category, device_type, os, browser,
                  events, page_views, add_to_carts, checkout_starts, converted, orders, revenue
           FROM sessions""",
    ) == [("/mattress", "Paid Search", "google", "cpc", "spring", "SOURCE_CATEGORY_SEARCH", "desktop", "Windows",
           "Chrome", 3, 1, 1, 1, False, 0, 0)]


def test_events_tied_on_time_are_ordered_by_event_id(build):
    con = build(
        [
            event("c1", at(0), url="https://puffy.com/b", event_id="b"),
            event("c1", at(0), url="https://puffy.com/a", event_id="a"),
        ]
    )
    assert rows(con, "SELECT landing_page, session_id = md5('c1|' || ?)::UUID FROM sessions",
                [event_uuid("a")]) == [("/a", True)]


def test_session_ids_do_not_change_when_rebuilt(build, con, transform_settings):
    from clickstream.transform import run_transform

    build([event("c1", at(0)), event("c1", at(7200))])
    first = rows(con, "SELECT session_id FROM sessions ORDER BY session_id")
    run_transform(con, transform_settings, None, full_refresh=True)
    assert rows(con, "SELECT session_id FROM sessions ORDER BY session_id") == first
    assert len(first) == 2


def test_only_the_first_session_of_a_user_is_new(build):
    con = build([event("c1", at(0)), event("c1", at(0, days=1)), event("c2", at(0, days=2))])
    assert rows(con, "SELECT client_id, is_new_user FROM sessions ORDER BY started_at") == [
        ("c1", True),
        ("c1", False),
        ("c2", True),
    ]
