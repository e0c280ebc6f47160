"""Stage analyze: the partition's report holds the warehouse's figures, says what changed, renders any day."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from analyze_sample import RUN_ID, WINDOW_DAYS, build_warehouse
from factories import row, write_csv

from clickstream import analyze
from clickstream.analyze import analyze_partition
from clickstream.report import build, fmt, narrative
from clickstream.report.data import Window, collect
from clickstream.settings import get_settings
from clickstream.warehouse import connect


def query(settings, sql, *params):
    with connect(settings.warehouse_path, read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def scalar(settings, sql, *params):
    return query(settings, sql, *params)[0]


@pytest.fixture
def isolated(sample, tmp_path):
    """Settings over a copy of the sample warehouse: reports written here leave the shared ones alone."""
    (tmp_path / "data").mkdir()
    shutil.copyfile(sample.settings.warehouse_path, tmp_path / "data" / "warehouse.duckdb")
    return get_settings(data_dir=tmp_path / "data", report_window_days=WINDOW_DAYS)


def html_of(summary) -> str:
    return Path(summary["report"]).read_text(encoding="utf-8")


def text_of(html: str) -> str:
    """The page's visible text, whitespace collapsed (tags and inline images dropped)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", "", html, flags=re.S)))


def built_report(settings, day, gate_failures=()):
    """The report's figures without charts or files (cheap), optionally with extra failed checks."""
    window = Window(day, settings.report_window_days)
    with connect(settings.warehouse_path, read_only=True) as con:
        rows = collect(con, window)
    rows["gate_failures"] = [*gate_failures, *rows["gate_failures"]]
    return build.build(rows, window, RUN_ID, datetime.now(UTC), 7, 7.0)


# --- files ------------------------------------------------------------------------------------------------


def test_the_report_is_written_for_the_partition_and_copied_to_latest(sample, sample_report):
    folder = sample.settings.reports_dir / sample.last.isoformat()
    latest = sample.settings.reports_dir / "latest"
    assert sample_report["report"] == str(folder / "report.html")
    for name in ("report.html", "report.md", "summary.json"):
        assert (latest / name).read_bytes() == (folder / name).read_bytes()


def test_the_summary_is_json_and_names_the_partition_and_run(sample, sample_report):
    saved = json.loads((sample.settings.reports_dir / sample.last.isoformat() / "summary.json").read_text())
    assert json.loads(json.dumps(sample_report))["kpis"] == saved["kpis"]
    assert (saved["partition_date"], saved["run_id"]) == (sample.last.isoformat(), RUN_ID)
    assert saved["window"] == {"start": (sample.last - timedelta(days=WINDOW_DAYS - 1)).isoformat(),
                               "end": sample.last.isoformat(), "days": WINDOW_DAYS, "days_with_data": WINDOW_DAYS,
                               "has_previous_period": True}


def test_a_new_page_removes_the_pdf_printed_from_the_old_one_and_an_unchanged_one_keeps_it(sample, isolated):
    analyze_partition(isolated, sample.last, RUN_ID)
    folder, latest = isolated.reports_dir / sample.last.isoformat(), isolated.reports_dir / "latest"
    for pdf in (folder / "report.pdf", latest / "report.pdf"):
        pdf.write_bytes(b"%PDF- printed from the page")
    assert analyze_partition(isolated, sample.last, RUN_ID)["status"] == "skipped_unchanged"
    assert (folder / "report.pdf").exists() and (latest / "report.pdf").exists()
    assert analyze_partition(isolated, sample.last, "a-new-run", full_refresh=True)["status"] == "written"
    assert not (folder / "report.pdf").exists() and not (latest / "report.pdf").exists()


def test_the_warehouse_is_opened_read_only(sample, isolated, monkeypatch):
    opened = []
    real = analyze.connect

    def spy(path, read_only=False):
        opened.append(read_only)
        return real(path, read_only=read_only)

    monkeypatch.setattr(analyze, "connect", spy)
    analyze_partition(isolated, sample.last, RUN_ID)
    assert opened == [True]


def test_a_missing_warehouse_is_an_error_that_says_what_to_run(settings):
    with pytest.raises(FileNotFoundError, match="run validate, load and transform first"):
        analyze_partition(settings, date(2025, 2, 23), RUN_ID)


# --- figures against the warehouse ----------------------------------------------------------------------


def test_window_kpis_are_the_warehouse_figures(sample, sample_report):
    start, end = sample.last - timedelta(days=WINDOW_DAYS - 1), sample.last
    sessions, users, converted, bounced = scalar(
        sample.settings,
        "SELECT count(*), count(DISTINCT user_id), count(*) FILTER (WHERE converted), "
        "count(*) FILTER (WHERE events = 1) FROM sessions WHERE session_date BETWEEN ? AND ?", start, end)
    orders, revenue = scalar(sample.settings, "SELECT count(*), sum(revenue) FROM orders "
                                              "WHERE order_date BETWEEN ? AND ?", start, end)
    kpis = {key: value["window"] for key, value in sample_report["kpis"].items()}
    assert kpis == {"sessions": sessions, "users": users, "orders": orders, "revenue": float(revenue),
                    "conversion_rate": converted / sessions, "average_order_value": float(revenue) / orders,
                    "bounce_rate": bounced / sessions}


def test_window_kpis_are_shown_formatted_for_people(sample, sample_report):
    kpis = sample_report["kpis"]
    text = text_of(html_of(sample_report))
    assert f"Sessions {kpis['sessions']['window']:,} " in text
    assert f"Revenue ${round(kpis['revenue']['window']):,} " in text
    assert f"Conversion rate {kpis['conversion_rate']['window'] * 100:.2f}% " in text


def test_day_kpis_are_the_partitions_row_of_daily_kpis(sample, sample_report):
    sessions, users, orders, revenue = scalar(
        sample.settings, "SELECT sessions, users, orders, revenue FROM daily_kpis WHERE date = ?", sample.last)
    day = {key: value["day"] for key, value in sample_report["kpis"].items()}
    assert (day["sessions"], day["users"], day["orders"], day["revenue"]) == (sessions, users, orders, float(revenue))


def test_revenue_change_against_the_previous_window_is_shown(sample, sample_report):
    previous = float(scalar(sample.settings, "SELECT sum(revenue) FROM orders WHERE order_date BETWEEN ? AND ?",
                            sample.last - timedelta(days=2 * WINDOW_DAYS - 1),
                            sample.last - timedelta(days=WINDOW_DAYS))[0])
    current = sample_report["kpis"]["revenue"]["window"]
    assert sample_report["kpis"]["revenue"]["previous_window"] == previous
    assert fmt.change_text((current - previous) / previous) in html_of(sample_report)


def test_every_attribution_model_credits_the_whole_window_revenue(sample, sample_report):
    report = built_report(sample.settings, sample.last)
    revenue = sample_report["kpis"]["revenue"]["window"]
    assert report.attribution_totals == {model: pytest.approx(revenue, abs=0.01) for model in build.MODELS}


def test_channels_add_up_to_the_window_totals(sample, sample_report):
    report = built_report(sample.settings, sample.last)
    kpis = sample_report["kpis"]
    assert sum(c["sessions"] for c in report.channels) == kpis["sessions"]["window"]
    assert sum(c["orders"] for c in report.channels) == kpis["orders"]["window"]
    assert sum(c["revenue"] for c in report.channels) == pytest.approx(kpis["revenue"]["window"], abs=0.01)


def test_funnel_steps_are_the_sums_of_funnel_daily_with_their_drop_off(sample):
    sums = scalar(sample.settings, "SELECT sum(sessions), sum(add_to_cart_sessions), sum(checkout_sessions), "
                                   "sum(converted_sessions) FROM funnel_daily WHERE date BETWEEN ? AND ?",
                  sample.last - timedelta(days=WINDOW_DAYS - 1), sample.last)
    steps = built_report(sample.settings, sample.last).funnel
    assert [step["reached"] for step in steps] == list(sums)
    assert steps[1]["drop_off"] == pytest.approx(1 - sums[1] / sums[0])


def test_device_shares_of_each_dimension_add_up_to_one(sample):
    devices = built_report(sample.settings, sample.last).devices
    assert {name: pytest.approx(sum(r["session_share"] for r in rows)) for name, rows in devices.items()} == {
        "device": 1.0, "os": 1.0, "browser": 1.0}


def test_lead_velocity_buckets_add_up_to_the_first_purchases_of_leads(sample):
    velocity = built_report(sample.settings, sample.last).lead_velocity
    assert sum(bucket["count"] for bucket in velocity["buckets"]) == velocity["first_purchases"]


def test_data_quality_is_the_partitions_latest_load(sample, sample_report):
    read, loaded, quarantined, duplicates = scalar(
        sample.settings, "SELECT rows_read, rows_loaded, rows_quarantined, duplicates FROM load_audit "
                         "WHERE partition_date = ? AND status = 'loaded'", sample.last)
    day = built_report(sample.settings, sample.last).load_totals["day"]
    assert (day["rows_read"], day["rows_loaded"], day["rows_quarantined"], day["duplicates"]) == (
        read, loaded, quarantined, duplicates)
    assert f"{quarantined} of {read:,} rows" in html_of(sample_report)


def test_quarantine_reasons_are_counted_for_the_day(sample):
    expected = dict(query(sample.settings, "SELECT reason, count(*) FROM quarantine WHERE partition_date = ? "
                                           "GROUP BY reason", sample.last))
    reasons = built_report(sample.settings, sample.last).quarantine_reasons
    assert {r["reason"]: r["day_rows"] for r in reasons if r["day_rows"]} == expected


def test_the_session_timeout_check_counts_a_gap_per_event_after_each_clients_first_of_the_window(sample,
                                                                                                 sample_report):
    window = Window(sample.last, sample.settings.report_window_days)
    events, clients = scalar(sample.settings, "SELECT count(*), count(DISTINCT client_id) FROM stg_events_base "
                                              "WHERE NOT is_bot AND event_date BETWEEN ? AND ?", window.start,
                             window.day)
    gaps = built_report(sample.settings, sample.last).session_gaps
    assert gaps["gaps"] == events - clients > 0
    assert gaps["share_below"] == gaps["below_timeout"] / gaps["gaps"]
    assert sum(row["gaps"] for row in gaps["bins"]) == gaps["gaps"]
    page = html_of(sample_report)
    assert f"{gaps['below_timeout']:,} gaps stay in a session" in page
    assert f"Below the 30 min timeout</div><div class=\"value\">{fmt.pct(gaps['share_below'])}" in page


def test_session_gap_shares_are_of_every_gap_and_every_bin_is_listed():
    summary = {"gaps": 5, "below_timeout": 3, "near_timeout": 1, "median_s": 600.0}
    gaps = build._session_gaps(summary, [{"bin": -1, "gaps": 1}, {"bin": 13, "gaps": 4}], 1800)
    assert (gaps["share_below"], gaps["share_near"], gaps["timeout_s"]) == (0.6, 0.2, 1800)
    assert [row["bin"] for row in gaps["bins"]] == list(range(-1, 25))
    assert [row["gaps"] for row in gaps["bins"] if row["gaps"]] == [1, 4]


def test_no_gaps_give_no_shares():
    gaps = build._session_gaps({"gaps": 0, "below_timeout": 0, "near_timeout": 0, "median_s": None}, [], 1800)
    assert (gaps["share_below"], gaps["share_near"]) == (None, None)


def test_the_quarantine_gate_of_the_partition_is_listed_with_severities(sample, sample_report):
    checks = scalar(sample.settings, "SELECT count(*) FROM gate_results WHERE suite = 'quarantine' AND "
                                     "partition_date = ?", sample.last)[0]
    gates = built_report(sample.settings, sample.last).gates["quarantine"]
    assert len(gates) == checks == 8
    assert {g["severity"] for g in gates} == {"critical", "warning"}
    assert "quarantine_rate" in html_of(sample_report)


# --- what changed -------------------------------------------------------------------------------------------


def test_the_watchdog_results_shown_are_the_previous_partitions_and_the_report_says_so(sample, sample_report):
    report = built_report(sample.settings, sample.last)
    previous = sample.last - timedelta(days=1)
    assert {g["partition_date"] for g in report.gates["watchdog"]} == {previous}
    assert f"Showing the latest available, for {fmt.day(previous)}" in html_of(sample_report)


def test_a_watchdog_anomaly_in_the_window_is_called_out(sample):
    flagged = {"partition_date": sample.last - timedelta(days=2), "suite": "watchdog", "check_name": "revenue_anomaly",
               "severity": "warning", "observed": "4.2", "threshold": "|robust z| <= 3", "run_id": "r"}
    sentences = narrative.write(built_report(sample.settings, sample.last, gate_failures=[flagged]))
    day = fmt.short_day(flagged["partition_date"])
    assert f"The watchdog flagged: revenue anomaly on {day} (observed 4.2, expected |robust z| <= 3)." in sentences


def test_what_changed_leads_with_revenue_against_the_previous_period(sample, sample_report):
    first = sample_report["what_changed"][0]
    revenue = sample_report["kpis"]["revenue"]
    assert first.startswith(f"Revenue over the {WINDOW_DAYS} days to {fmt.day(sample.last)} was "
                            f"${round(revenue['window']):,} from")
    assert f"on the previous {WINDOW_DAYS} days (${round(revenue['previous_window']):,};" in first


def test_the_html_is_self_contained(sample_report):
    html = html_of(sample_report)
    assert "<script" not in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    images = re.findall(r'<img[^>]+src="([^"]+)"', html)
    assert images and all(src.startswith("data:image/svg+xml;base64,") for src in images)


def test_the_markdown_has_the_kpi_table_and_what_changed(sample_report):
    markdown = Path(sample_report["markdown"]).read_text(encoding="utf-8")
    revenue = sample_report["kpis"]["revenue"]
    assert f"| Revenue | ${round(revenue['window']):,} |" in markdown
    assert f"- {sample_report['what_changed'][0]}" in markdown


# --- first day and empty day --------------------------------------------------------------------------------


def test_the_first_day_has_no_previous_period_and_leaves_latest_alone(sample, sample_report):
    summary = analyze_partition(sample.settings, sample.days[0], RUN_ID)
    assert summary["window"]["has_previous_period"] is False
    assert {kpi["previous_window"] for kpi in summary["kpis"].values()} == {None}
    assert "No previous period yet" in html_of(summary)
    assert "There is no earlier period with data to compare against yet." in summary["what_changed"][0]
    assert summary["latest"] is None
    latest = json.loads((sample.settings.reports_dir / "latest" / "summary.json").read_text())
    assert latest["partition_date"] == sample.last.isoformat()


PAGE_VIEWS_ONLY = [row(client_id=f"c{i}", timestamp=f"2025-02-23T1{i}:00:00.000Z") for i in range(6)]


def test_a_day_without_orders_renders_with_zeros_and_says_so(settings):
    write_csv(settings.raw_dir / "events_2025-02-23.csv", PAGE_VIEWS_ONLY)
    build_warehouse(settings, [date(2025, 2, 23)], monitored=[])
    summary = analyze_partition(settings, date(2025, 2, 23), RUN_ID)
    text = text_of(html_of(summary))
    assert {key: value["day"] for key, value in summary["kpis"].items()} == {
        "sessions": 6, "users": 6, "orders": 0, "revenue": 0.0, "conversion_rate": 0.0,
        "average_order_value": None, "bounce_rate": 1.0}
    assert "No orders on Sun 23 Feb 2025, from 6 sessions." in summary["what_changed"]
    assert "Average order value – " in text and "Bounce rate 100.0% " in text
    assert "No orders in the window, so no revenue to attribute." in text
    assert "No lead bought in the window." in text


def test_a_partition_without_any_data_still_renders(sample, isolated):
    summary = analyze_partition(isolated, sample.last + timedelta(days=30), RUN_ID)
    assert summary["kpis"]["sessions"]["window"] == 0
    assert summary["window"]["days_with_data"] == 0
    assert "has no sessions and no orders in the warehouse." in " ".join(summary["what_changed"])


def test_money_counts_and_rates_are_formatted_for_people():
    assert (fmt.money(1234567.891), fmt.money(1434.5, cents=True), fmt.money(-25), fmt.money(None)) == (
        "$1,234,568", "$1,434.50", "−$25", "–")
    assert (fmt.count(12322), fmt.pct(0.722), fmt.pct(0.00795), fmt.change_text(0.1234), fmt.change_text(-0.04)) == (
        "12,322", "72.2%", "0.80%", "+12.3%", "−4.0%")
    assert (fmt.points_text(0.0080, 0.0100), fmt.hours(0.18), fmt.hours(30), fmt.hours(100)) == (
        "−0.20 pp", "11 min", "30.0 h", "4.2 days")


def test_the_report_monitor_completes_reruns_only_the_gate_queries_when_nothing_was_loaded_since(sample, monkeypatch):
    from clickstream.report import data
    from clickstream.report.data import Window, collect
    from clickstream.warehouse import connect

    ran = []
    monkeypatch.setattr(data, "run_query", lambda con, name, window: ran.append(name) or [])
    monkeypatch.setattr(data, "_LAST", {})
    window = Window(sample.last, sample.settings.report_window_days)
    with connect(sample.settings.warehouse_path, read_only=True) as con:
        collect(con, window)
        first = list(ran)
        ran.clear()
        collect(con, window)
    assert sorted(first) == sorted(data.QUERIES) and sorted(ran) == sorted(data.GATE_QUERIES)
