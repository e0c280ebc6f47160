"""The row-by-row baseline: the straightforward approach the pipeline replaces, measured, never shipped.

``csv.DictReader``, every row judged by the Pydantic contract (``clickstream.contract.judge``), the valid rows
inserted into DuckDB as Python tuples in batches (through a pandas frame: ``executemany`` manages about 900
rows/s, so it would flatter the pipeline). No deduplication, no quarantine files. Two uses:

- ``task_baseline``: one file in a benchmark child (the scale scenario), timed from the inside;
- ``python -m clickstream.bench.baseline --warehouse W FILE...``: the real-size scenario's whole job as one
  process, timed from the outside by the parent: the files ingested, then its version of sessions, a
  gap-based sessionisation in SQL. It prints its figures as one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from clickstream.partitions import partition_of
from clickstream.settings import Settings

BATCH = 50_000  # valid rows per DuckDB insert
SESSION_GAP_S = Settings.model_fields["session_timeout_s"].default  # the pipeline's, which a gap of it ends
COLUMNS = ["client_id", "page_url", "referrer", "event_at", "event_name", "event_data", "user_agent"]
CREATE = """CREATE TABLE IF NOT EXISTS events (client_id VARCHAR, page_url VARCHAR, referrer VARCHAR,
            event_at TIMESTAMPTZ, event_name VARCHAR, event_data JSON, user_agent VARCHAR)"""
SESSIONS = f"""
CREATE OR REPLACE TABLE sessions AS
WITH gaps AS (
    SELECT client_id, event_at,
           CASE WHEN event_at - lag(event_at) OVER (PARTITION BY client_id ORDER BY event_at)
                     < INTERVAL {SESSION_GAP_S} SECOND THEN 0 ELSE 1 END AS starts_session
    FROM events
), numbered AS (
    SELECT *, sum(starts_session) OVER (PARTITION BY client_id ORDER BY event_at
                                         ROWS UNBOUNDED PRECEDING) AS session_number
    FROM gaps
)
SELECT client_id, session_number, min(event_at) AS started_at, max(event_at) AS ended_at, count(*) AS events
FROM numbered
GROUP BY client_id, session_number
"""


def ingest(con: Any, path: Path, day: date) -> dict[str, Any]:
    """One file into ``events``, row by row; rows read, rows valid, seconds reading+judging and inserting."""
    import csv

    import pandas as pd

    from clickstream.contract import canonical_json, judge, normalise_header

    rows = valid = 0
    judge_s = insert_s = 0.0
    batch: list[tuple[Any, ...]] = []

    def flush() -> float:
        began = time.perf_counter()
        frame = pd.DataFrame.from_records(batch, columns=COLUMNS)  # noqa: F841 (read by DuckDB by name)
        con.execute("INSERT INTO events SELECT * FROM frame")
        batch.clear()
        return time.perf_counter() - began

    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        reader.fieldnames = [normalise_header(name) for name in reader.fieldnames or []]
        mark = time.perf_counter()
        for row in reader:
            rows += 1
            event = judge(row, day).event
            if event is not None:
                valid += 1
                batch.append((event.client_id, event.page_url, event.referrer, event.timestamp, event.event_name,
                              canonical_json(event.event_data), event.user_agent))
                if len(batch) >= BATCH:
                    judge_s += time.perf_counter() - mark
                    insert_s += flush()
                    mark = time.perf_counter()
        judge_s += time.perf_counter() - mark
    if batch:
        insert_s += flush()
    return {"rows": rows, "rows_valid": valid, "read_and_judge_s": judge_s, "insert_s": insert_s}


def task_baseline(spec: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """One day's file (a benchmark child task)."""
    import duckdb

    warehouse = Path(spec["warehouse"])
    warehouse.unlink(missing_ok=True)
    con = duckdb.connect(str(warehouse))
    con.execute(CREATE)
    figures = ingest(con, Path(spec["file"]), date.fromisoformat(spec["day"]))
    con.close()
    return figures["rows"], {"rows_valid": figures["rows_valid"],
                             "read_and_judge_s": round(figures["read_and_judge_s"], 3),
                             "insert_s": round(figures["insert_s"], 3),
                             "insert": f"pandas DataFrame of Python tuples, {BATCH:,} rows per INSERT"}


def day_of(path: Path) -> date:
    """The partition a file belongs to, from the date in its name (``events_2025-02-23.csv``)."""
    day = partition_of(path)
    if day is None:
        raise SystemExit(f"baseline: {path} has no date in its name")
    return day


def run_job(warehouse: Path, files: list[Path]) -> dict[str, Any]:
    """The whole job: every file ingested, then sessions; the seconds of each part inside this process."""
    import duckdb

    warehouse.unlink(missing_ok=True)
    con = duckdb.connect(str(warehouse))
    con.execute(CREATE)
    began = time.perf_counter()
    figures = [ingest(con, path, day_of(path)) for path in files]
    con.execute("CHECKPOINT")  # the events on disk: what the pipeline's load ends with too
    ingested = time.perf_counter()
    con.execute(SESSIONS)
    sessions = con.execute("SELECT count(*) FROM sessions").fetchone()[0]
    con.close()
    finished = time.perf_counter()
    return {"files": len(files), "rows": sum(f["rows"] for f in figures),
            "rows_valid": sum(f["rows_valid"] for f in figures), "sessions": sessions,
            "ingest_s": round(ingested - began, 3), "sessions_s": round(finished - ingested, 3)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m clickstream.bench.baseline", description=__doc__)
    parser.add_argument("--warehouse", type=Path, required=True, help="a DuckDB file, replaced")
    parser.add_argument("files", type=Path, nargs="+")
    arguments = parser.parse_args()
    print(json.dumps(run_job(arguments.warehouse, arguments.files)), flush=True)
    sys.exit(0)
