"""Same input, same figures: two identical runs give identical tables and reports, and a day's report does not
change when later days are loaded."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date

import pytest

from clickstream.cli import main
from clickstream.generate import generate
from clickstream.warehouse import connect

FIRST, DAYS = date(2025, 2, 23), 4
# Columns that say when or by which run a row was written, not what it holds.
WHEN = {"loaded_at", "quarantined_at", "checked_at", "run_id", "seconds", "load_seconds", "validate_seconds",
        "applied_at"}
TABLES = ("raw_events", "landed_events", "quarantine", "sessions", "dim_users", "orders", "order_items", "attribution",
          "funnel_daily", "daily_kpis")


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    folder = tmp_path_factory.mktemp("determinism") / "raw-source"
    generate(folder, FIRST, DAYS, events_per_day=600, seed=21, truth=False)
    return folder / "raw"


def run_into(folder, raw) -> None:
    shutil.copytree(raw, folder / "raw")
    assert main(["--data-dir", str(folder), "run"]) == 0


def tables(folder) -> dict[str, list[tuple]]:
    with connect(folder / "warehouse.duckdb", read_only=True) as con:
        found = {}
        for table in TABLES:
            columns = [row[0] for row in con.execute(f"DESCRIBE {table}").fetchall() if row[0] not in WHEN]
            found[table] = con.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY ALL").fetchall()
        return found


def report_figures(folder, day: date) -> dict:
    """The day's report summary, less when it was made, by which run (the text names the run it read) and the digests
    of its inputs and of the warehouse's state (which hold the times of the loads and gates it read)."""
    text = (folder / "reports" / day.isoformat() / "summary.json").read_text()
    summary = json.loads(re.sub(r"cli__[0-9T:.Z-]+", "RUN", text))
    return {key: value for key, value in summary.items() if key not in (*WHEN, "generated_at", "inputs", "state")}


def test_two_identical_runs_give_identical_tables_and_reports(tmp_path, raw):
    run_into(tmp_path / "one", raw)
    run_into(tmp_path / "two", raw)
    assert tables(tmp_path / "one") == tables(tmp_path / "two")
    last = date.fromordinal(FIRST.toordinal() + DAYS - 1)
    assert report_figures(tmp_path / "one", last) == report_figures(tmp_path / "two", last)
