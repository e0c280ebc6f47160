"""Stage 5, monitor: the ``watchdog`` gate over a partition's warehouse figures.

The figures are computed in DuckDB (``sql/monitor/watchdog_metrics.sql`` plus robust
z-scores of the daily figures against their trailing history) and validated with Great
Expectations. A failed critical check raises ``GateFailedError``; warnings are recorded.
"""

from __future__ import annotations

import json
import statistics
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from clickstream import gates
from clickstream.atomic import write_text
from clickstream.digests import code_digest, digest
from clickstream.settings import Settings
from clickstream.suites import ANOMALY_FIGURES, WATCHDOG, watchdog_suite
from clickstream.warehouse import SQL_DIR, connect, data_version

METRICS_SQL = SQL_DIR / "monitor" / "watchdog_metrics.sql"
ATTRIBUTION_MODELS = 6
MAD_TO_SIGMA = 1.4826  # makes the median absolute deviation estimate a normal distribution's sigma
MEAN_AD_TO_SIGMA = 1.2533  # the same for the mean absolute deviation


def robust_z(value: float, history: list[float]) -> float:
    """(value - median) / (1.4826 * MAD), the modified z-score.

    When more than half the history equals its median (MAD = 0, common for small daily order counts),
    the mean absolute deviation stands in; a constant history gives 0 for its own value, else inf.
    """
    median = statistics.median(history)
    deviations = [abs(x - median) for x in history]
    mad = statistics.median(deviations)
    if mad > 0:
        return (value - median) / (MAD_TO_SIGMA * mad)
    mean_ad = statistics.fmean(deviations)
    if mean_ad > 0:
        return (value - median) / (MEAN_AD_TO_SIGMA * mean_ad)
    return 0.0 if value == median else float("inf")


def _daily_figures(con: Any, day: date, history_days: int) -> tuple[dict[str, float], dict[str, list[float]]]:
    """The partition's daily figures and those of up to ``history_days`` earlier partitions with data."""
    rows = con.execute(
        """WITH volume AS (SELECT partition_date AS date, count(*) AS volume FROM raw_events GROUP BY ALL)
           SELECT v.date, v.volume::DOUBLE, coalesce(k.orders, 0)::DOUBLE, coalesce(k.revenue, 0)::DOUBLE,
                  coalesce(k.conversion_rate, 0)::DOUBLE
           FROM volume AS v LEFT JOIN daily_kpis AS k USING (date)
           WHERE v.date <= ? ORDER BY v.date DESC LIMIT ?""",
        [day, history_days + 1],
    ).fetchall()
    today = {figure: 0.0 for figure in ANOMALY_FIGURES}
    history: dict[str, list[float]] = {figure: [] for figure in ANOMALY_FIGURES}
    for row in rows:
        values = dict(zip(ANOMALY_FIGURES, row[1:], strict=True))
        target = today if row[0] == day else None
        for figure, value in values.items():
            if target is not None:
                target[figure] = value
            else:
                history[figure].append(value)
    return today, history


def compute_metrics(con: Any, settings: Settings, day: date) -> tuple[dict[str, Any], dict[str, str]]:
    """Every watchdog figure for a partition, and why a figure was skipped (check name -> note)."""
    con.execute("SET VARIABLE partition_date = ?", [day])
    con.execute("SET VARIABLE session_timeout_s = ?", [settings.session_timeout_s])
    con.execute("SET VARIABLE conversion_events = ?", [list(settings.conversion_events)])
    con.execute("SET VARIABLE attribution_model_count = ?", [ATTRIBUTION_MODELS])
    cursor = con.execute(METRICS_SQL.read_text())
    names = [column[0] for column in cursor.description]
    metrics: dict[str, Any] = dict(zip(names, cursor.fetchone(), strict=True))
    metrics["revenue_positive_or_no_orders"] = int(metrics["orders"] == 0 or metrics["orders_revenue"] > 0)

    skipped: dict[str, str] = {}
    today, history = _daily_figures(con, day, settings.anomaly_history_days)
    enough = len(history["volume"]) >= settings.anomaly_min_history_days
    for figure in ANOMALY_FIGURES:
        if enough:
            metrics[f"{figure}_z"] = robust_z(today[figure], history[figure])
            metrics[f"{figure}_abs_z"] = abs(metrics[f"{figure}_z"])
        else:
            metrics[f"{figure}_z"] = metrics[f"{figure}_abs_z"] = None
            skipped[f"{figure}_anomaly"] = (f"skipped: {len(history['volume'])} earlier partitions, "
                                            f"needs {settings.anomaly_min_history_days}")
    metrics["outlier_orders"], note = _outlier_orders(con, settings, day, enough)
    if note:
        skipped["outlier_orders"] = note
    return metrics, skipped


def _outlier_orders(con: Any, settings: Settings, day: date, enough: bool) -> tuple[int | None, str | None]:
    if not enough:
        return None, "skipped: not enough history"
    start = day - timedelta(days=settings.anomaly_history_days)
    cutoff, count = con.execute(
        """WITH cutoff AS (SELECT quantile_cont(revenue, ?) AS q, count(*) AS n FROM orders
                           WHERE ordered_at::DATE >= ? AND ordered_at::DATE < ?)
           SELECT (SELECT q FROM cutoff), (SELECT n FROM cutoff)""",
        [settings.outlier_order_quantile, start, day],
    ).fetchone()
    if not count:
        return None, "skipped: no orders in the history window"
    outliers = con.execute("SELECT count(*) FROM orders WHERE ordered_at::DATE = ? AND revenue > ?",
                           [day, cutoff]).fetchone()[0]
    return outliers, None


def monitor_partition(settings: Settings, day: date, run_id: str, full_refresh: bool = False) -> dict[str, Any]:
    """Run the watchdog for a partition and complete its report with the verdict; raise ``GateFailedError`` when
    a critical check fails. Figures equal to those of the last passing check (same suite) are not checked again
    unless ``full_refresh``."""
    from clickstream.analyze import prefetch_report, write_report

    path = settings.monitoring_dir / f"{day}.json"
    suite = watchdog_suite(settings, settings.session_timeout_s)
    last = _last_result(path)

    def skipped(reason: str) -> dict[str, Any]:
        return {"partition_date": day.isoformat(), "run_id": run_id, "status": "skipped_unchanged", "passed": True,
                "checked_by": last["run_id"], "results_file": str(path),
                "reason": f"{reason} the passing check of run {last['run_id']}"}

    with connect(settings.warehouse_path) as con:
        state = _state_digest(data_version(con), settings, suite)
        if not full_refresh and last.get("passed") and last.get("state") == state:
            return skipped("no load or transform since")
        metrics, skipped_checks = compute_metrics(con, settings, day)
        figures = {key: _plain(value) for key, value in metrics.items()}
        inputs = _inputs_digest(figures, skipped_checks, suite)
        if not full_refresh and last.get("passed") and last.get("inputs") == inputs:
            write_text(path, json.dumps({**last, "state": state}, indent=2, default=str))  # the next rerun: no query
            return skipped("same figures and suite as")
        checks = [check for check in suite if check.name not in skipped_checks]
        # In a new process Great Expectations takes 2 s to load: meanwhile, DuckDB (which lets go of the GIL) runs
        # the report's queries that the gate run does not change.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="monitor-background") as background:
            gate_ready = background.submit(gates.prepare, WATCHDOG, checks, settings.gx_dir)
            prefetch_report(con, settings, day)
            gate_ready.result()
        report = gates.run_suite(WATCHDOG, checks, figures, day, run_id, settings.gx_dir, settings.gx_keep_days)
        for check in suite:
            if check.name in skipped_checks:
                report.results.append(gates.CheckResult(check.name, check.expectation, check.severity, True,
                                                        skipped_checks[check.name], check.threshold,
                                                        check.description))
        gates.record(report, con, path, extra={"metrics": figures, "inputs": inputs, "state": state})
        written = write_report(con, settings, day, run_id)  # the report of the day, now with this verdict
    summary = {"partition_date": day.isoformat(), "run_id": run_id, "status": "checked", **report.summary(),
               "results_file": str(path), "report": written["report"], "checked_at": datetime.now(UTC).isoformat()}
    if report.critical_failures:
        gates.update_data_docs(settings.gx_dir)  # the on-call opens the failed run's page; passing runs: on demand
        raise gates.GateFailedError(report)
    return summary


def _state_digest(version: tuple | None, settings: Settings, suite: list[gates.Check]) -> str | None:
    """The warehouse's loads and transforms with what else the watchdog's figures and verdict depend on (its
    settings, its SQL and code, the suite); None when there is no version."""
    if version is None:
        return None
    used = settings.model_dump(mode="json", include={"session_timeout_s", "conversion_events", "anomaly_history_days",
                                                     "anomaly_min_history_days", "outlier_order_quantile"})
    return digest([version, used, code_digest(METRICS_SQL, Path(__file__)), gates.definition(suite)])


def _inputs_digest(figures: dict[str, Any], skipped: dict[str, str], suite: list[gates.Check]) -> str:
    """What a watchdog verdict depends on: the figures, the checks skipped and why, the suite's definition."""
    return digest([figures, skipped, gates.definition(suite)])


def _last_result(path: Path) -> dict[str, Any]:
    """The partition's last watchdog result (``monitoring/D.json``), or {} when there is none to read."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _plain(value: Any) -> Any:
    """JSON- and pandas-friendly numbers (DuckDB returns Decimal for money)."""
    from decimal import Decimal

    return float(value) if isinstance(value, Decimal) else value
