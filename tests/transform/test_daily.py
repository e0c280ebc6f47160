"""Daily funnel and KPIs: sessions by start date, orders by order date, bots and quarantine by day."""

from __future__ import annotations

from datetime import date

from transform_helpers import DAY, GOOGLEBOT, at, event, purchase, rows

D1, D2 = date(2025, 2, 23), date(2025, 2, 24)


def rows_of_two_days():
    return [
        # Day 1: three sessions; one bounces, one reaches the cart, one converts.
        event("a", at(0)),
        event("b", at(0)),
        event("b", at(60), "product_added_to_cart"),
        event("c", at(0)),
        event("c", at(60), "product_added_to_cart"),
        event("c", at(120), "checkout_started"),
        purchase("c", at(180), 300),
        event("bot", at(0), user_agent=GOOGLEBOT),
        event("bot", at(1), user_agent=GOOGLEBOT),
        # Day 2: a returning user and a new one; one order of 100.
        event("a", at(DAY)),
        event("a", at(DAY + 60)),
        event("d", at(DAY)),
        purchase("d", at(DAY + 60), 100),
    ]


def quarantine(con, day: date, count: int) -> None:
    for line in range(count):
        con.execute(
            """INSERT INTO quarantine VALUES (?, 'f.csv', ?, 'missing_client_id', ['missing_client_id'], NULL,
               'https://puffy.com/', NULL, '2025-02-23T10:00:00Z', 'page_viewed', NULL, NULL, 'run', now(), NULL)""",
            [day, line],
        )


def test_funnel_counts_sessions_reaching_each_step_by_start_date(build):
    con = build(rows_of_two_days())
    assert rows(con, "SELECT * FROM funnel_daily ORDER BY date") == [
        (D1, 3, 3, 2, 1, 1),
        (D2, 2, 2, 0, 0, 1),
    ]


def test_daily_kpis(build, con):
    quarantine(con, D2, 2)
    build(rows_of_two_days())
    assert rows(
        con,
        """SELECT date, sessions, users, new_users, orders, revenue::double, converted_sessions, conversion_rate,
                  average_order_value, bounce_rate, bot_events, quarantined_rows
           FROM daily_kpis ORDER BY date""",
    ) == [
        (D1, 3, 3, 3, 1, 300.0, 1, 1 / 3, 300.0, 1 / 3, 2, 0),
        (D2, 2, 2, 1, 1, 100.0, 1, 0.5, 100.0, 0.0, 0, 2),
    ]


def test_a_day_with_only_quarantined_rows_still_has_a_kpi_row(build, con):
    quarantine(con, D2, 1)
    build([event("a", at(0))])
    assert rows(con, "SELECT date, sessions, conversion_rate, quarantined_rows FROM daily_kpis ORDER BY date") == [
        (D1, 1, 0.0, 0),
        (D2, 0, None, 1),
    ]
