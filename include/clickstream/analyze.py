"""Stage 4, analyze: the business report of a partition, as one self-contained HTML page and Markdown.

Reads the warehouse read-only: the report queries (``sql/report``) run over the partition's
trailing ``report_window_days`` and the period before; ``clickstream.report`` turns the rows into
figures, sentences and charts. Writes ``reports/YYYY-MM-DD/report.html``, ``report.md`` and
``summary.json``, and copies them to ``reports/latest/`` unless a later partition is already there.
"""

from __future__ import annotations

import json
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from clickstream.report import build, charts, narrative, render
from clickstream.report.data import Window, collect
from clickstream.settings import Settings
from clickstream.warehouse import connect

FILES = ("report.html", "report.md", "summary.json")


def draw_charts(report: build.Report) -> dict[str, str | None]:
    return {
        "trend": charts.trend(report.daily, report.day),
        "funnel": charts.funnel(report.funnel),
        "channels": charts.channels(report.channels),
        "attribution": charts.attribution(report.attribution, build.MODELS),
        "devices": charts.devices(report.devices, build.DIMENSIONS),
        "lead_velocity": charts.lead_velocity(report.lead_velocity["buckets"]),
        "loads": charts.loads(report.loads),
    }


def make_report(con: Any, settings: Settings, day: date, run_id: str) -> build.Report:
    """The partition's report, from an open warehouse connection."""
    window = Window(day, settings.report_window_days)
    report = build.build(collect(con, window), window, run_id, datetime.now(UTC),
                         settings.attribution_lookback_days, settings.time_decay_half_life_days)
    report.narrative = narrative.write(report)
    report.charts = draw_charts(report)
    return report


def summarise(report: build.Report) -> dict[str, Any]:
    """The JSON-able facts of a report: what the task returns and what the reports plugin lists."""
    return {
        "partition_date": report.day.isoformat(),
        "run_id": report.run_id,
        "generated_at": report.generated_at.isoformat(),
        "window": {"start": report.window.start.isoformat(), "end": report.day.isoformat(),
                   "days": report.window.days, "days_with_data": report.periods["window"]["days_with_data"],
                   "has_previous_period": report.has_previous},
        "kpis": {kpi.spec.key: {"window": kpi.value, "previous_window": kpi.previous, "day": kpi.day_value}
                 for kpi in report.kpis},
        "what_changed": report.narrative,
    }


def _write(path: Path, text: str) -> None:
    """Replace ``path`` atomically, so that the plugin never serves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.",
                                     delete=False) as handle:
        temporary = Path(handle.name)
        try:
            handle.write(text)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
    temporary.replace(path)


def _publish_latest(reports_dir: Path, folder: Path, day: date) -> bool:
    """Copy the partition's files to ``latest/`` unless it already holds a later partition."""
    latest = reports_dir / "latest"
    try:
        shown = date.fromisoformat(json.loads((latest / "summary.json").read_text())["partition_date"])
    except (OSError, ValueError, KeyError):
        shown = None
    if shown is not None and shown > day:
        return False
    for name in FILES:
        _write(latest / name, (folder / name).read_text(encoding="utf-8"))
    return True


def analyze_partition(settings: Settings, day: date, run_id: str) -> dict[str, Any]:
    """Write the partition's report and return its summary (the task's XCom)."""
    started = time.perf_counter()
    if not settings.warehouse_path.exists():
        raise FileNotFoundError(f"no warehouse at {settings.warehouse_path}: run validate, load and transform first")
    with connect(settings.warehouse_path, read_only=True) as con:
        report = make_report(con, settings, day, run_id)
    folder = settings.reports_dir / day.isoformat()
    summary = summarise(report)
    _write(folder / "report.html", render.html(report))
    _write(folder / "report.md", render.markdown(report))
    _write(folder / "summary.json", json.dumps(summary, indent=2) + "\n")
    latest = _publish_latest(settings.reports_dir, folder, day)
    return {
        **summary,
        "report": str(folder / "report.html"),
        "markdown": str(folder / "report.md"),
        "latest": str(settings.reports_dir / "latest") if latest else None,
        "seconds": round(time.perf_counter() - started, 3),
    }

