"""The report's queries over hand-made warehouse rows: what a day's report counts."""

from __future__ import annotations

from datetime import date

from transform_helpers import GOOGLEBOT, at, event, purchase

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


def _gap_events():
    """Client c1's gaps 0 (a tie), 30 s, 10 min, 40 min; c2's one day; a bot's and a single event's none; c4's only
    event in the window follows one before it, so its gap is not the window's."""
    return [
        event("c1", at(0)), event("c1", at(0)), event("c1", at(30)), event("c1", at(630)), event("c1", at(3030)),
        event("c2", at(0)), event("c2", at(days=1)),
        event("bot", at(0), user_agent=GOOGLEBOT), event("bot", at(5), user_agent=GOOGLEBOT),
        event("c3", at(0)),
        event("c4", at(days=-16)), event("c4", at(0)),
    ]


def test_the_session_gaps_of_the_window_count_below_and_near_the_timeout(build):
    con = build(_gap_events())
    (row,) = run_query(con, "session_gaps", Window(date(2025, 2, 24), 14, session_timeout_s=1800))
    assert row == {"gaps": 5, "below_timeout": 3, "near_timeout": 1, "median_s": 600.0}


def test_a_longer_timeout_counts_more_gaps_below_it(build):
    con = build(_gap_events())
    (row,) = run_query(con, "session_gaps", Window(date(2025, 2, 24), 14, session_timeout_s=3600))
    assert (row["below_timeout"], row["near_timeout"]) == (4, 1)  # 40 min is below 1 h and within 30 min to 2 h


def test_the_session_gap_histogram_bins_gaps_four_to_a_decade_and_ties_under_a_second(build):
    con = build(_gap_events())
    rows = run_query(con, "session_gap_histogram", Window(date(2025, 2, 24), 14))
    # 0 s: bin -1; 30 s: 10^1.48 -> 5; 600 s: 10^2.78 -> 11; 2400 s: 10^3.38 -> 13; 86400 s: 10^4.94 -> 19
    assert [(r["bin"], r["gaps"]) for r in rows] == [(-1, 1), (5, 1), (11, 1), (13, 1), (19, 1)]
