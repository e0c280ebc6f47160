"""The watchdog gate: each check passes on the pipeline's own output and fails when the figure it guards
is broken. Critical failures raise, naming every failed check with its observed value and threshold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from watchdog_sample import DAYS, LAST

from clickstream.gates import GateFailedError
from clickstream.monitor import monitor_partition, robust_z
from clickstream.warehouse import connect

CRITICAL = ["freshness", "quarantine_rate", "revenue_reconciliation", "attribution_credits_sum_to_one",
            "attribution_revenue_complete", "attribution_every_model", "session_gap_inside", "session_gap_between",
            "order_id_unique", "revenue_positive", "orders_have_sessions", "sessions_have_a_channel"]


def tamper(settings, *statements, params=()):
    with connect(settings.warehouse_path) as con:
        for statement in statements:
            con.execute(statement, list(params))


def results(settings, day=LAST):
    """Run the watchdog; return {check: (success, observed)} whether or not it raised. The tests edit the warehouse by
    hand, which is not a load or a transform, so the watchdog is told to check again (full_refresh)."""
    try:
        monitor_partition(settings, day, "test", full_refresh=True)
    except GateFailedError:
        pass
    payload = json.loads((settings.monitoring_dir / f"{day}.json").read_text())
    return {r["check"]: (r["success"], r["observed"]) for r in payload["results"]}


def order_day(settings):
    """A partition with orders and the id of one of its orders."""
    with connect(settings.warehouse_path, read_only=True) as con:
        return con.execute("SELECT ordered_at::DATE, order_id FROM orders ORDER BY ordered_at DESC LIMIT 1").fetchone()


def test_the_pipelines_own_output_passes_every_critical_check(warehouse):
    summary = monitor_partition(warehouse, LAST, "test")
    assert summary["passed"] is True and summary["critical_failures"] == []
    assert {name: ok for name, (ok, _) in results(warehouse).items() if name in CRITICAL} == dict.fromkeys(
        CRITICAL, True)


def test_a_passing_watchdog_leaves_its_data_docs_page_to_clickstream_docs(built, warehouse):
    import shutil

    from clickstream.gates import data_docs_index, update_data_docs

    shutil.copytree(built.gx_dir, warehouse.gx_dir)  # the quarantine gates' nine stored runs, not yet rendered
    monitor_partition(warehouse, LAST, "run-docs")
    assert not data_docs_index(warehouse.gx_dir).exists()
    assert update_data_docs(warehouse.gx_dir) == 10  # on demand: nine quarantine runs and this watchdog run


def test_a_failing_watchdog_renders_its_data_docs_page_before_it_raises(warehouse):
    from clickstream.gates import data_docs_index

    tamper(warehouse, "UPDATE orders SET revenue = -revenue")
    with pytest.raises(GateFailedError):
        monitor_partition(warehouse, LAST, "run-failing")
    pages = data_docs_index(warehouse.gx_dir).parent / "validations" / "watchdog"
    assert [page.parent.parent.name for page in pages.rglob("*.html")] == [f"{LAST}_run-failing"]


def test_unchanged_figures_are_not_checked_again_and_the_summary_says_why(warehouse):
    monitor_partition(warehouse, LAST, "run-1")
    again = monitor_partition(warehouse, LAST, "run-2")
    assert (again["status"], again["checked_by"], again["passed"]) == ("skipped_unchanged", "run-1", True)
    assert again["reason"] == "no load or transform since the passing check of run run-1"


def test_changed_figures_are_checked_again(warehouse):
    from clickstream.transform import transform

    monitor_partition(warehouse, LAST, "run-1")
    tamper(warehouse, "DELETE FROM raw_events WHERE event_id IN (SELECT event_id FROM raw_events WHERE "
                      "event_at::DATE = ? AND event_name = 'page_viewed' ORDER BY event_id LIMIT 3)", params=[LAST])
    transform(warehouse, LAST, full_refresh=True)  # the warehouse's version moves on, as after a load
    assert monitor_partition(warehouse, LAST, "run-2")["status"] == "checked"


def test_a_transform_that_leaves_the_figures_alone_skips_the_check_by_comparing_them(warehouse):
    from clickstream.transform import transform

    monitor_partition(warehouse, LAST, "run-1")
    transform(warehouse, LAST, full_refresh=True)
    assert monitor_partition(warehouse, LAST, "run-2")["reason"] == (
        "same figures and suite as the passing check of run run-1")


def test_full_refresh_checks_unchanged_figures_again(warehouse):
    monitor_partition(warehouse, LAST, "run-1")
    assert monitor_partition(warehouse, LAST, "run-2", full_refresh=True)["status"] == "checked"


def test_the_report_of_the_day_shows_this_runs_watchdog_verdict(warehouse):
    from clickstream.report import fmt

    summary = monitor_partition(warehouse, LAST, "run-verdict")
    html = Path(summary["report"]).read_text(encoding="utf-8")
    assert f"Watchdog results of this run (run-verdict) for {fmt.day(LAST)}." in html
    assert "are not in yet" not in html


def test_results_are_kept_in_monitor_results(warehouse):
    monitor_partition(warehouse, LAST, "run-1")
    with connect(warehouse.warehouse_path, read_only=True) as con:
        rows = con.execute("SELECT run_id, partition_date, count(*) FROM monitor_results GROUP BY ALL").fetchall()
    assert rows == [("run-1", LAST, 21)]


def test_a_critical_failure_names_each_failed_check_with_observed_value_and_threshold(warehouse):
    day, order_id = order_day(warehouse)
    tamper(warehouse, "UPDATE orders SET revenue = revenue + 12.34, session_id = uuid() WHERE order_id = ?",
           params=[order_id])
    with pytest.raises(GateFailedError) as failure:
        monitor_partition(warehouse, day, "test")
    message = str(failure.value)
    assert "revenue_reconciliation: observed 12.34, expected 0.00 difference" in message
    assert "orders_have_sessions: observed 1, expected 0 orders" in message


def test_freshness_fails_for_a_partition_without_events(warehouse):
    assert results(warehouse, DAYS[0].replace(year=2024))["freshness"] == (False, "0")


def test_quarantine_rate_fails_above_the_limit(warehouse):
    tamper(warehouse, "UPDATE load_audit SET rows_quarantined = rows_read WHERE partition_date = ?",
           params=[LAST])
    assert results(warehouse)["quarantine_rate"] == (False, "1")


def test_revenue_reconciliation_fails_when_an_order_loses_a_cent(warehouse):
    day, order_id = order_day(warehouse)
    tamper(warehouse, "UPDATE orders SET revenue = revenue - 0.01 WHERE order_id = ?", params=[order_id])
    assert results(warehouse, day)["revenue_reconciliation"] == (False, "0.01")


def test_credits_must_sum_to_one(warehouse):
    day, order_id = order_day(warehouse)
    tamper(warehouse, "UPDATE attribution SET credit = credit / 2 WHERE order_id = ? AND model = 'linear'",
           params=[order_id])
    assert results(warehouse, day)["attribution_credits_sum_to_one"] == (False, "0.5")


def test_revenue_credit_must_add_up_to_orders_revenue(warehouse):
    day, order_id = order_day(warehouse)
    tamper(warehouse, "UPDATE attribution SET revenue_credit = revenue_credit + 1 "
                      "WHERE order_id = ? AND model = 'first_touch'", params=[order_id])
    assert results(warehouse, day)["attribution_revenue_complete"] == (False, "1")


def test_every_model_must_credit_every_order(warehouse):
    day, order_id = order_day(warehouse)
    tamper(warehouse, "DELETE FROM attribution WHERE order_id = ? AND model = 'time_decay'", params=[order_id])
    assert results(warehouse, day)["attribution_every_model"] == (False, "1")


def _two_sessions_of_one_client(settings):
    with connect(settings.warehouse_path, read_only=True) as con:
        return con.execute(
            """SELECT a.session_id, b.session_id, b.started_at::DATE,
                      (epoch_us(b.started_at) - epoch_us(a.ended_at)) / 1e6 AS gap_s
               FROM sessions a JOIN sessions b ON a.client_id = b.client_id AND b.started_at > a.ended_at
               ORDER BY b.started_at DESC, a.started_at DESC LIMIT 1""").fetchone()


def test_a_session_must_not_contain_a_gap_of_the_timeout(warehouse):
    first, second, day, gap_s = _two_sessions_of_one_client(warehouse)
    tamper(warehouse, "UPDATE sessions SET ended_at = (SELECT ended_at FROM sessions WHERE session_id = ?) "
                      "WHERE session_id = ?", params=[second, first])
    tamper(warehouse, "DELETE FROM sessions WHERE session_id = ?", params=[second])
    assert results(warehouse, day)["session_gap_inside"] == (False, f"{gap_s:.6g}")


def test_consecutive_sessions_must_be_the_timeout_apart(warehouse):
    first, second, day, _ = _two_sessions_of_one_client(warehouse)
    tamper(warehouse, "UPDATE sessions SET started_at = (SELECT ended_at + INTERVAL 10 MINUTE FROM sessions "
                      "WHERE session_id = ?) WHERE session_id = ?", params=[first, second])
    assert results(warehouse, day)["session_gap_between"] == (False, "600")


def test_order_ids_must_be_unique(warehouse):
    day, order_id = order_day(warehouse)
    tamper(warehouse, "INSERT INTO orders SELECT * FROM orders WHERE order_id = ?", params=[order_id])
    assert results(warehouse, day)["order_id_unique"] == (False, "1")


def test_a_day_with_orders_must_have_revenue(warehouse):
    day, _ = order_day(warehouse)
    tamper(warehouse, "UPDATE orders SET revenue = 0 WHERE ordered_at::DATE = ?", params=[day])
    assert results(warehouse, day)["revenue_positive"] == (False, "0")


def test_every_order_must_have_a_session(warehouse):
    day, order_id = order_day(warehouse)
    tamper(warehouse, "UPDATE orders SET session_id = uuid() WHERE order_id = ?", params=[order_id])
    assert results(warehouse, day)["orders_have_sessions"] == (False, "1")


@pytest.mark.parametrize("broken", ["channel = 'Paid Serch'", "medium = NULL"])
def test_every_session_must_have_a_source_medium_and_a_channel_of_the_group(warehouse, broken):
    tamper(warehouse, f"UPDATE sessions SET {broken} WHERE session_id = (SELECT min(session_id) FROM sessions "
                      "WHERE started_at::DATE = ?)", params=[LAST])
    assert results(warehouse)["sessions_have_a_channel"] == (False, "1")


def test_anomalies_are_skipped_with_a_note_without_a_week_of_history(warehouse):
    assert results(warehouse, DAYS[3])["orders_anomaly"] == (True, "skipped: 3 earlier partitions, needs 7")


def test_a_volume_collapse_is_flagged_as_a_warning_not_a_failure(warehouse):
    tamper(warehouse, "DELETE FROM raw_events WHERE partition_date = ? AND hash(event_id) % 10 <> 0",
           params=[LAST])
    assert results(warehouse)["volume_anomaly"][0] is False
    with connect(warehouse.warehouse_path, read_only=True) as con:
        severity = con.execute("SELECT severity FROM monitor_results WHERE check_name = 'volume_anomaly'").fetchone()
    assert severity == ("warning",)


def test_ordinary_days_raise_no_volume_anomaly(warehouse):
    assert results(warehouse)["volume_anomaly"][0] is True


@pytest.mark.parametrize(("check", "setting"), [("bot_share", "max_bot_rate"),
                                                 ("null_referrer_share", "max_null_referrer_rate"),
                                                 ("unassigned_session_share", "max_unassigned_session_rate")])
def test_share_warnings_follow_their_settings(warehouse, check, setting):
    setattr(warehouse, setting, 1.0)
    assert results(warehouse)[check][0] is True
    setattr(warehouse, setting, 0.0)
    assert results(warehouse)[check][0] is False


def test_revenue_mismatch_orders_are_a_warning(warehouse):
    day, order_id = order_day(warehouse)
    tamper(warehouse, "UPDATE orders SET revenue_mismatch = (order_id = ?)", params=[order_id])
    assert results(warehouse, day)["revenue_mismatch_orders"] == (False, "1")


def test_an_order_far_above_history_is_an_outlier(warehouse):
    day, order_id = order_day(warehouse)
    assert results(warehouse, day)["outlier_orders"][0] is True
    tamper(warehouse, "UPDATE orders SET revenue = 1e6 WHERE order_id = ?", params=[order_id])
    assert results(warehouse, day)["outlier_orders"] == (False, "1")


def test_robust_z_is_distance_from_the_median_in_scaled_mads():
    assert robust_z(14, [8, 10, 12, 9, 11]) == pytest.approx(4 / 1.4826)


def test_robust_z_falls_back_to_the_mean_absolute_deviation_when_mad_is_zero():
    assert robust_z(14, [10, 10, 11, 9, 10]) == pytest.approx(4 / (1.2533 * 0.4))


def test_robust_z_of_a_constant_history():
    assert (robust_z(10, [10, 10, 10]), robust_z(11, [10, 10, 10])) == (0.0, float("inf"))
