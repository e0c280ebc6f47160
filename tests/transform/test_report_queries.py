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
