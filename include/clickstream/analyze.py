"""Stage 4, analyze: the business report of a partition, as one self-contained HTML page and Markdown.

Reads the warehouse read-only: the report queries (``sql/report``) run over the partition's
trailing ``report_window_days`` and the period before; ``clickstream.report`` turns the rows into
figures, sentences and charts. Writes ``reports/YYYY-MM-DD/report.html``, ``report.md`` and
``summary.json``, and copies them to ``reports/latest/`` unless a later partition is already there.
A report whose query results, settings and code are those of the report already written is not
rendered again (a rerun over unchanged data costs the queries only). The monitor stage calls
``write_report`` again after its gate, so that the report shows its own day's watchdog verdict. A new page
removes the ``report.pdf`` printed from the one it replaces; the DAG's deliver task prints the final page's.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from clickstream.atomic import write_text
from clickstream.digests import code_digest, digest
from clickstream.report import build, charts, narrative, render
from clickstream.report.data import REPORT_SQL_DIR, Window, collect, prefetch
from clickstream.report.pdf import PDF_NAME
from clickstream.settings import Settings
from clickstream.warehouse import connect, data_version

REPORT_CODE_DIR = Path(__file__).with_name("report")

FILES = ("report.html", "report.md", "summary.json")


def draw_charts(report: build.Report) -> dict[str, str | None]:
    """Every chart of the report; the four of the page's full width also in a narrow layout (``<name>_narrow``,
    panels one under the other), which the page shows on a phone."""
    wide = {
        "trend": lambda **width: charts.trend(report.daily, report.day, **width),
        "channels": lambda **width: charts.channels(report.channels, **width),
        "attribution": lambda **width: charts.attribution(report.attribution, build.MODELS, **width),
        "devices": lambda **width: charts.devices(report.devices, build.DIMENSIONS, **width),
    }
    return {
        **{name: draw() for name, draw in wide.items()},
        **{f"{name}_narrow": draw(width=charts.HALF) for name, draw in wide.items()},
        "funnel": charts.funnel(report.funnel),
        "lead_velocity": charts.lead_velocity(report.lead_velocity["buckets"]),
        "loads": charts.loads(report.loads),
        "session_gaps": charts.session_gaps(report.session_gaps["bins"], report.session_gaps["timeout_s"]),
    }


def report_window(settings: Settings, day: date) -> Window:
    """The report's window of a partition, as the settings make it."""
    return Window(day, settings.report_window_days, session_timeout_s=settings.session_timeout_s)


def _render_report(rows: dict[str, Any], window: Window, settings: Settings, run_id: str) -> build.Report:
    """The report of the query ``rows``: figures, sentences and charts."""
    report = build.build(rows, window, run_id, datetime.now(UTC),
                         settings.attribution_lookback_days, settings.time_decay_half_life_days)
    report.narrative = narrative.write(report)
    report.charts = draw_charts(report)
    return report


@cache
def _code_digest() -> str:
    """The report's code, templates and queries: a change renders every report again (the files found once)."""
    return code_digest(*REPORT_CODE_DIR.rglob("*.py"), *REPORT_CODE_DIR.rglob("*.j2"), *REPORT_SQL_DIR.glob("*.sql"),
                       Path(__file__))


def inputs_digest(rows: dict[str, Any], settings: Settings) -> str:
    """Everything a report shows, as a digest: the rows of its queries, the settings it reads, its code."""
    return digest([rows, _settings_used(settings), _code_digest()])


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


def _publish_latest(reports_dir: Path, folder: Path, day: date) -> bool:
    """Copy the partition's files to ``latest/`` unless it already holds a later partition."""
    latest = reports_dir / "latest"
    try:
        shown = date.fromisoformat(json.loads((latest / "summary.json").read_text())["partition_date"])
    except (OSError, ValueError, KeyError):
        shown = None
    if shown is not None and shown > day:
        return False
    (latest / PDF_NAME).unlink(missing_ok=True)  # the PDF of the page replaced; deliver prints the new one's
    for name in FILES:
        write_text(latest / name, (folder / name).read_text(encoding="utf-8"))
    return True


def write_report(con: Any, settings: Settings, day: date, run_id: str, full_refresh: bool = False) -> dict[str, Any]:
    """Write the partition's report from an open warehouse connection and return its summary. Unless
    ``full_refresh``, a report is left as it is, and says so, when no load, transform or gate run of a partition up
    to its day happened since it was written (``state``: no query runs), or when its queries give what they gave
    it (``inputs_digest``)."""
    started = time.perf_counter()
    folder = settings.reports_dir / day.isoformat()
    paths = {"report": str(folder / "report.html"), "markdown": str(folder / "report.md")}
    written = _written_summary(folder)
    state = _state_digest(data_version(con, day), settings)

    def skipped(reason: str) -> dict[str, Any]:
        return {**written, **paths, "status": "skipped_unchanged", "latest": None,
                "reason": f"{reason} the report of run {written.get('run_id')}",
                "seconds": round(time.perf_counter() - started, 3)}

    if not full_refresh and written.get("state") == state:
        return skipped("no load, transform or gate run since")
    window = report_window(settings, day)
    rows = collect(con, window)
    digest = inputs_digest(rows, settings)
    if not full_refresh and written.get("inputs") == digest:
        write_text(folder / "summary.json", json.dumps({**written, "state": state}, indent=2) + "\n")  # next: no query
        return skipped("same figures, settings and code as")
    report = _render_report(rows, window, settings, run_id)
    summary = {**summarise(report), "inputs": digest, "state": state}
    (folder / PDF_NAME).unlink(missing_ok=True)  # printed from the page about to be replaced (deliver prints anew)
    write_text(folder / "report.html", render.html(report))
    write_text(folder / "report.md", render.markdown(report))
    write_text(folder / "summary.json", json.dumps(summary, indent=2) + "\n")  # last: it vouches for the other two
    latest = _publish_latest(settings.reports_dir, folder, day)
    return {
        **summary, **paths,
        "status": "written",
        "latest": str(settings.reports_dir / "latest") if latest else None,
        "seconds": round(time.perf_counter() - started, 3),
    }


def prefetch_report(con: Any, settings: Settings, day: date) -> None:
    """Run now the report's queries that a gate run does not change (``write_report`` then reuses their rows)."""
    prefetch(con, report_window(settings, day))


def _state_digest(version: tuple | None, settings: Settings) -> str | None:
    """The warehouse's data version for a day with the report's settings and code; None when there is none."""
    if version is None:
        return None
    return digest([version, _settings_used(settings), _code_digest()])


def _settings_used(settings: Settings) -> list[int | float]:
    """The settings a report's figures depend on."""
    return [settings.report_window_days, settings.attribution_lookback_days, settings.time_decay_half_life_days,
            settings.session_timeout_s]


def _written_summary(folder: Path) -> dict[str, Any]:
    """The summary of the report in ``folder`` when all its files are there, else {}."""
    try:
        if all((folder / name).exists() for name in FILES):
            return json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    return {}


def analyze_partition(settings: Settings, day: date, run_id: str, full_refresh: bool = False) -> dict[str, Any]:
    """Write the partition's report and return its summary (the task's XCom)."""
    if not settings.warehouse_path.exists():
        raise FileNotFoundError(f"no warehouse at {settings.warehouse_path}: run validate, load and transform first")
    with connect(settings.warehouse_path, read_only=True) as con:
        return write_report(con, settings, day, run_id, full_refresh)
