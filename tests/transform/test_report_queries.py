"""The report's queries over hand-made warehouse rows: what a day's report counts."""

from __future__ import annotations

from datetime import date

from transform_helpers import at, event, purchase

from clickstream.report.data import Window, run_query


def test_a_lead_who_buys_on_a_later_day_is_not_converted_in_an_earlier_days_report(build):
    con = build([
        event("c1", at(0), "email_filled_on_popup", data={"user_email": "a@example.com"}),  # 2025-02-23
        purchase("c1", at(days=2), 100),  # 2025-02-25
    ])
    before = run_query(con, "lead_velocity", Window(date(2025, 2, 23), 14))[0]
    after = run_query(con, "lead_velocity", Window(date(2025, 2, 25), 14))[0]
    assert (before["leads"], before["leads_converted"]) == (1, 0)
    assert (after["leads"], after["leads_converted"], after["first_purchases"]) == (1, 1, 1)


def test_sources_and_media_are_ranked_by_sessions_with_their_channel_and_orders(build):
    shop = "https://puffy.com/"
    con = build([
        event("c1", at(0), url=shop + "?utm_source=facebook&utm_medium=cpc"),
        purchase("c1", at(60), 250),
        event("c2", at(0), url=shop + "?utm_source=Facebook&utm_medium=CPC"),
        event("c3", at(0), referrer="https://www.google.com/"),
        event("c4", at(0), referrer="https://www.google.com/"),
        event("c5", at(0), referrer="https://www.google.com/"),
        event("c6", at(0)),
    ])
    rows = run_query(con, "source_medium", Window(date(2025, 2, 23), 14, top_n=2))
    assert [(r["source"], r["medium"], r["channel"], r["sessions"], r["converted_sessions"], r["orders"], r["revenue"])
            for r in rows] == [("google", "organic", "Organic Search", 3, 0, 0, 0),
                               ("facebook", "cpc", "Paid Social", 2, 1, 1, 250.0)]
    assert rows[1]["conversion_rate"] == 0.5
