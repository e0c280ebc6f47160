"""The truth's invariants, and the behaviour the pipeline's tests rely on being in the data."""

from __future__ import annotations

from fractions import Fraction
from itertools import pairwise

from generated_runs import Run

from clickstream.generate import marts
from clickstream.generate.attribution import MODELS
from clickstream.generate.channels import CHANNELS
from clickstream.generate.reference import load
from clickstream.settings import DEFAULT_CONVERSION_EVENTS


def test_every_row_is_loaded_quarantined_or_a_duplicate(default_run: Run) -> None:
    truth = default_run.truth
    assert truth["rows_written"] == truth["unique_valid_events"] + truth["quarantined_rows"] + truth[
        "duplicates_dropped"]
    assert sum(truth["quarantined_by_reason"].values()) == truth["quarantined_rows"]
    for stats in truth["partitions"].values():
        assert stats["rows"] == stats["loaded"] + stats["quarantined"] + stats["duplicates"]
        assert sum(stats["quarantined_by_reason"].values()) == stats["quarantined"]
    assert sum(p["loaded"] for p in truth["partitions"].values()) == truth["unique_valid_events"]
    assert truth["rejected_files"] == [] and truth["extra_columns"] == {}


def test_attribution_shares_out_exactly_the_revenue(default_run: Run) -> None:
    truth = default_run.truth
    assert set(truth["attribution"]) == set(MODELS)
    for model, by_channel in truth["attribution"].items():
        assert list(by_channel) == list(CHANNELS)
        # Each channel is rounded once, so the rounded figures may drift by under half a cent each.
        assert abs(sum(by_channel.values()) - truth["revenue"]) <= 0.005 * len(CHANNELS), model
    built = _built(default_run)
    revenue = sum((order.revenue for order in built.orders), Fraction(0))
    for model in MODELS:
        total = sum(built.attribution[model].values(), Fraction(0))
        assert abs(total - revenue) < Fraction(1, 10**6) if model == "time_decay" else total == revenue
    assert truth["checks"]["attribution_half_cent_ties"] == 0


def test_sessions_funnel_and_money_add_up(default_run: Run) -> None:
    truth = default_run.truth
    assert sum(truth["sessions_by_channel"].values()) == truth["sessions"]
    assert all(truth["sessions_by_channel"][name] > 0 for name in CHANNELS)
    stages = ("page_viewed", "product_added_to_cart", "checkout_started", "converted")
    funnel = truth["funnel"]
    assert [funnel[stage] for stage in stages] == sorted((funnel[stage] for stage in stages), reverse=True)
    for day in funnel["by_day"].values():
        assert [day[stage] for stage in stages] == sorted((day[stage] for stage in stages), reverse=True)
    for stage in stages:
        assert sum(day[stage] for day in funnel["by_day"].values()) == funnel[stage]
    daily = truth["daily"].values()
    assert sum(day["sessions"] for day in daily) == truth["sessions"]
    assert sum(day["orders"] for day in daily) == truth["orders"]
    assert abs(sum(day["revenue"] for day in daily) - truth["revenue"]) < 0.005
    assert 0 < funnel["converted"] <= truth["orders"] and truth["users"] <= truth["sessions"]


def test_the_edge_cases_the_pipeline_must_handle_are_present(default_run: Run) -> None:
    checks = default_run.truth["checks"]
    assert checks["midnight_sessions"] >= 1
    assert checks["stitched_users"] >= 1
    assert checks["boundary_gaps_1799s"] >= 1 and checks["boundary_gaps_1800s"] >= 1
    # What makes the truth independent of choices the rules leave open:
    assert checks["same_instant_events"] == 0, "a client's events are never tied in time"
    assert checks["mixed_bot_clients"] == 0, "a client is a bot or not, never both"
    assert 0 < default_run.truth["bot_events"] < 0.1 * default_run.truth["unique_valid_events"]


def test_1799_seconds_continue_a_session_and_1800_start_one(default_run: Run) -> None:
    built = _built(default_run)
    inside = {round((b.ts - a.ts).total_seconds()) for s in built.sessions for a, b in pairwise(s.events)}
    assert 1799 in inside and max(inside) < 1800
    by_client: dict[str, list] = {}
    for session in built.sessions:
        by_client.setdefault(session.client_id, []).append(session)
    between = {(b.started_at - a.ended_at).total_seconds() for runs in by_client.values() for a, b in pairwise(runs)}
    assert 1800.0 in between and min(between) >= 1800


def test_the_outlier_order_is_there(default_run: Run) -> None:
    assert max(order.revenue for order in _built(default_run).orders) == 15888


def _built(run: Run) -> marts.Built:
    events = load(run.files).events
    return marts.build(events, DEFAULT_CONVERSION_EVENTS, 1800, 7, 7.0)
