"""The row-by-row baseline's whole job: every file judged row by row and inserted, then sessions by a 30-minute
gap, on a file whose figures are known."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb

from clickstream.bench.baseline import run_job

HEADER = "client_id,page_url,referrer,timestamp,event_name,event_data,user_agent\n"
A = "23c602e0-53f7-4c5c-ac2a-3a1ff8680a78"
B = "40d15090-f50b-44e0-aa08-569e1a327b97"
AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:135.0) Gecko/20100101 Firefox/135.0"


def event(client: str, at: str) -> str:
    return f"{client},https://puffy.com/,,2025-02-23T{at}Z,page_viewed,{{}},{AGENT}\n"


def write_day(folder: Path) -> Path:
    """Client A: 00:00, 00:10 (same session), 00:40 (30 minutes later, the timeout: a new one, as the pipeline
    cuts); client B: one event; and one row the contract rejects (no client id)."""
    path = folder / "events_2025-02-23.csv"
    path.write_text(HEADER + event(A, "00:00:00.000") + event(A, "00:10:00.000") + event(A, "00:40:00.000")
                    + event(B, "00:05:00.000") + event("", "00:06:00.000"))
    return path


def test_every_row_is_judged_the_valid_ones_inserted_and_sessions_cut_at_a_30_minute_gap(tmp_path: Path) -> None:
    figures = run_job(tmp_path / "baseline.duckdb", [write_day(tmp_path)])
    assert {key: figures[key] for key in ("files", "rows", "rows_valid", "sessions")} == {
        "files": 1, "rows": 5, "rows_valid": 4, "sessions": 3}
    with duckdb.connect(str(tmp_path / "baseline.duckdb"), read_only=True) as con:
        assert con.execute("SELECT client_id, events FROM sessions ORDER BY client_id, started_at").fetchall() == [
            (A, 2), (A, 1), (B, 1)]
    assert figures["ingest_s"] > 0 and figures["sessions_s"] > 0


def test_as_a_process_it_prints_its_figures_as_one_json_line(tmp_path: Path) -> None:
    day = write_day(tmp_path)
    done = subprocess.run([sys.executable, "-m", "clickstream.bench.baseline", "--warehouse",
                           str(tmp_path / "b.duckdb"), str(day)], capture_output=True, text=True, check=True)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert {key: figures[key] for key in ("files", "rows", "rows_valid", "sessions")} == {
        "files": 1, "rows": 5, "rows_valid": 4, "sessions": 3}
