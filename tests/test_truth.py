"""The pipeline's figures equal the generator's ground truth exactly (truth.json is computed by an
independent plain-Python reference of the same rules, not by the SQL under test)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest

from clickstream.generate import generate
from clickstream.pipeline import run_stage
from clickstream.settings import get_settings
from clickstream.warehouse import connect

START, DAYS = date(2025, 2, 23), 14


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    """14 generated days (default profile, every defect kind) through validate, load and transform."""
    data_dir = tmp_path_factory.mktemp("truth") / "data"
    generate(data_dir, START, DAYS, events_per_day=1200, seed=5, profile="default")
    settings = get_settings(data_dir=data_dir)
    loads = []
    for offset in range(DAYS):
        day = START + timedelta(days=offset)
        run_stage("validate", settings, day, "truth")
        loads.append(run_stage("load", settings, day, "truth"))
        run_stage("transform", settings, day, "truth")
    truth = json.loads((data_dir / "truth.json").read_text())
    with connect(settings.warehouse_path, read_only=True) as con:
        yield truth, con, loads


def scalar(con, sql):
    return con.execute(sql).fetchone()[0]


def grouped(con, sql):
    """A two-column query as {key: value}."""
    return dict(con.execute(sql).fetchall())


def nonzero(figures):
    """The truth lists every key, zeros included; a GROUP BY has no row for a zero."""
    return {key: value for key, value in figures.items() if value}


@pytest.mark.parametrize(("column", "table", "figure"), [
    ("reason", "quarantine", "quarantined_by_reason"),
    ("channel", "sessions", "sessions_by_channel"),
    ("source || ' / ' || medium", "sessions", "sessions_by_source_medium"),
])
def test_rows_by_key(pipeline, column, table, figure):
    truth, con, _ = pipeline
    assert grouped(con, f"SELECT {column}, count(*) FROM {table} GROUP BY ALL") == nonzero(truth[figure])


def test_duplicates_dropped(pipeline):
    truth, _, loads = pipeline
    assert sum(load["duplicates"] for load in loads) == truth["duplicates_dropped"]


def test_unique_valid_events(pipeline):
    truth, con, _ = pipeline
    assert scalar(con, "SELECT count(*) FROM raw_events") == truth["unique_valid_events"]


def test_bot_events(pipeline):
    truth, con, _ = pipeline
    assert scalar(con, "SELECT count(*) FROM stg_events WHERE is_bot") == truth["bot_events"]


def test_sessions_and_users(pipeline):
    truth, con, _ = pipeline
    assert con.execute("SELECT count(*), count(DISTINCT user_id) FROM sessions").fetchone() == (
        truth["sessions"], truth["users"])


def test_orders_and_revenue_to_the_cent(pipeline):
    truth, con, _ = pipeline
    assert con.execute("SELECT count(*), sum(revenue) FROM orders").fetchone() == (
        truth["orders"], Decimal(str(truth["revenue"])).quantize(Decimal("0.01")))


def test_funnel(pipeline):
    truth, con, _ = pipeline
    stages = con.execute("SELECT sum(page_view_sessions), sum(add_to_cart_sessions), sum(checkout_sessions), "
                         "sum(converted_sessions) FROM funnel_daily").fetchone()
    funnel = truth["funnel"]
    assert stages == (funnel["page_viewed"], funnel["product_added_to_cart"], funnel["checkout_started"],
                      funnel["converted"])


def test_attribution_revenue_per_model_and_channel_to_the_cent(pipeline):
    truth, con, _ = pipeline
    rows = con.execute("SELECT model, channel, round(sum(revenue_credit), 2) FROM attribution GROUP BY ALL")
    found: dict[str, dict[str, float]] = {}
    for model, channel, revenue in rows.fetchall():
        found.setdefault(model, {})[channel] = float(revenue)
    expected = {model: nonzero(channels) for model, channels in truth["attribution"].items()}
    assert found == expected
