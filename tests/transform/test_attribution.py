"""Attribution: six models over the user's sessions in the lookback window, credits summing to 1 per order."""

from __future__ import annotations

import pytest
from transform_helpers import CHROME, DAY, at, event, purchase, rows

EMAIL = {"user_email": "u@x.com"}

# One user on two devices: four sessions in the 7-day window, the order opening the last one.
JOURNEY = [
    event("c1", at(-10 * DAY), referrer="https://bing.com/"),  # outside the window
    event("c1", at(-7 * DAY), referrer="https://www.google.com/"),  # A: Organic Search, exactly 7 days
    event("c1", at(-7 * DAY + 60), "email_filled_on_popup", data=EMAIL),
    event("c2", at(-3.5 * DAY), url="https://puffy.com/?utm_medium=email", user_agent=CHROME),  # B: Email
    event("c1", at(-1 * DAY)),  # C: Direct
    purchase("c2", at(0), 100, user_email="u@x.com", transaction_id="t9"),  # D: Direct, the order
]
A, B, C, D = "c1:-7", "c2:-3.5", "c1:-1", "c2:0"
WEIGHTS = {A: 2**-1, B: 2**-0.5, C: 2 ** (-1 / 7), D: 1.0}  # 2^(-age / 7 days)
EXPECTED = {
    "first_touch": {A: 1.0},
    "last_touch": {D: 1.0},
    "linear": {A: 0.25, B: 0.25, C: 0.25, D: 0.25},
    "position_based": {A: 0.4, B: 0.1, C: 0.1, D: 0.4},
    "time_decay": {key: weight / sum(WEIGHTS.values()) for key, weight in WEIGHTS.items()},
    "last_non_direct": {B: 1.0},
}


def credits(con, model: str) -> dict[str, float]:
    found = rows(
        con,
        """SELECT s.client_id || ':' || regexp_replace(
                      round((epoch(s.started_at) - epoch(TIMESTAMPTZ '2025-02-23 10:00:00+00')) / 86400, 1)::varchar,
                      '\\.0$', ''),
                  a.credit
           FROM attribution a JOIN sessions s USING (session_id) WHERE a.model = ?""",
        [model],
    )
    return dict(found)


@pytest.mark.parametrize("model", sorted(EXPECTED))
def test_credits_of_each_model_on_a_four_session_journey(build, model):
    con = build(JOURNEY)
    assert credits(con, model) == pytest.approx(EXPECTED[model], abs=1e-12)


def test_revenue_credit_is_the_credit_share_of_the_order_revenue(build):
    con = build(JOURNEY)
    found = rows(
        con,
        """SELECT channel, sum(revenue_credit) FROM attribution
           WHERE model = 'position_based' GROUP BY channel""",
    )
    assert dict(found) == pytest.approx({"Direct": 50.0, "Email": 10.0, "Organic Search": 40.0}, abs=1e-9)


def test_credits_and_revenue_credits_add_up_per_order_and_model(build):
    con = build(JOURNEY + [purchase("c3", at(DAY), "250.50", transaction_id="t10")])
    totals = rows(
        con,
        """SELECT o.order_id, a.model, sum(a.credit), sum(a.revenue_credit), any_value(o.revenue)::double
           FROM attribution a JOIN orders o USING (order_id) GROUP BY ALL""",
    )
    assert len(totals) == 12
    for _order, _model, credit, revenue_credit, revenue in totals:
        assert credit == pytest.approx(1.0, abs=1e-12)
        assert revenue_credit == pytest.approx(revenue, abs=1e-9)


def test_a_session_one_second_older_than_the_lookback_gets_no_credit(build):
    con = build([event("c1", at(-7 * DAY - 1), referrer="https://www.google.com/"), purchase("c1", at(0), 10)])
    assert rows(con, "SELECT model, channel, credit FROM attribution WHERE model = 'first_touch'") == [
        ("first_touch", "Direct", 1.0)
    ]


def test_sessions_after_the_order_get_no_credit(build):
    con = build([purchase("c1", at(0), 10), event("c1", at(3600), referrer="https://www.google.com/")])
    assert rows(con, "SELECT DISTINCT channel FROM attribution") == [("Direct",)]


def test_a_single_session_gets_all_credit_in_every_model(build):
    con = build([event("c1", at(0), referrer="https://www.google.com/"), purchase("c1", at(60), 80)])
    assert rows(con, "SELECT model, channel, credit, revenue_credit FROM attribution ORDER BY model") == [
        (model, "Organic Search", 1.0, 80.0) for model in sorted(EXPECTED)
    ]


def test_position_based_splits_two_sessions_evenly(build):
    con = build([event("c1", at(-DAY), referrer="https://www.google.com/"), purchase("c1", at(0), 10)])
    found = rows(con, "SELECT channel, credit FROM attribution WHERE model = 'position_based' ORDER BY channel")
    assert found == [("Direct", 0.5), ("Organic Search", 0.5)]


def test_last_non_direct_falls_back_to_the_last_session_when_all_are_direct(build):
    con = build([event("c1", at(-DAY)), purchase("c1", at(0), 10)])
    found = rows(
        con,
        """SELECT a.session_id = o.session_id, a.credit
           FROM attribution a JOIN orders o USING (order_id) WHERE a.model = 'last_non_direct'""",
    )
    assert found == [(True, 1.0)]


def test_the_lookback_window_is_a_setting(build, transform_settings):
    from clickstream.settings import Settings

    settings = Settings(data_dir=transform_settings.data_dir, attribution_lookback_days=2)
    con = build(JOURNEY, settings)
    assert credits(con, "linear") == pytest.approx({C: 0.5, D: 0.5})
