"""Stage 2, load: publish a validated partition into DuckDB in one transaction.

Write-audit-publish: the validate stage wrote and audited the partition's files; here
the partition's previous rows are replaced, so a rerun, a backfill or a re-delivered
file gives the same tables as one clean run. An event delivered by several partitions
is owned by the earliest one, whatever order the partitions are loaded in.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime
from typing import Any

from clickstream.errors import DataError
from clickstream.settings import Settings
from clickstream.validate import staging_dir
from clickstream.warehouse import connect

# The identity of an event: its seven normalised fields (see clickstream.contract).
EVENT_ID_SQL = """md5(concat_ws(chr(31), client_id, page_url, coalesce(referrer, chr(0)),
    strftime(event_at, '%Y-%m-%dT%H:%M:%S.%fZ'), event_name, event_data::VARCHAR, coalesce(user_agent, chr(0))))"""

EVENT_COLUMNS = ("event_id, partition_date, client_id, page_url, referrer, event_at, event_name, event_data, "
                 "user_agent, source_file, source_line, loaded_at")


class NotValidatedError(DataError):
    """The partition has no passing validation to load from."""


def _manifest(settings: Settings, day: date) -> dict[str, Any]:
    path = staging_dir(settings, day) / "manifest.json"
    if not path.exists():
        raise NotValidatedError(f"partition {day} has not been validated: {path} is missing; run validate first")
    manifest = json.loads(path.read_text())
    if not manifest.get("passed"):
        raise NotValidatedError(f"partition {day} failed its quarantine gate (see {path}); fix the files, revalidate")
    return manifest


def _unchanged(con: Any, day: date, files: list[dict[str, Any]]) -> bool:
    """True when the partition's files are exactly those of its last load (same names and sha256)."""
    last = con.execute(
        """SELECT source_file, sha256 FROM load_audit
           WHERE partition_date = ? AND status = 'loaded'
             AND run_id = (SELECT arg_max(run_id, loaded_at) FROM load_audit
                           WHERE partition_date = ? AND status = 'loaded')""",
        [day, day],
    ).fetchall()
    return bool(last) and sorted(last) == sorted((info["file"], info["sha256"]) for info in files)


def _publish(con: Any, settings: Settings, day: date, loaded_at: datetime) -> None:
    folder = staging_dir(settings, day)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE incoming AS
            SELECT {EVENT_ID_SQL} AS event_id, ?::DATE AS partition_date, client_id, page_url, referrer, event_at,
                   event_name, event_data::JSON AS event_data, user_agent, source_file, source_line,
                   ?::TIMESTAMPTZ AS loaded_at
            FROM read_parquet(?)""",
        [day, loaded_at, str(folder / "valid.parquet")],
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE affected AS
           SELECT event_id FROM landed_events WHERE partition_date = ?
           UNION SELECT event_id FROM incoming""",
        [day],
    )
    con.execute("DELETE FROM landed_events WHERE partition_date = ?", [day])
    con.execute(
        f"""INSERT INTO landed_events ({EVENT_COLUMNS})
            SELECT {EVENT_COLUMNS} FROM incoming
            QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY source_file, source_line) = 1"""
    )
    con.execute("DELETE FROM raw_events WHERE event_id IN (SELECT event_id FROM affected)")
    con.execute(
        f"""INSERT INTO raw_events ({EVENT_COLUMNS})
            SELECT {EVENT_COLUMNS} FROM landed_events
            WHERE event_id IN (SELECT event_id FROM affected)
            QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY partition_date, source_file, source_line) = 1"""
    )
    con.execute("DELETE FROM quarantine WHERE partition_date = ?", [day])


def _counts_by_file(con: Any, day: date) -> dict[str, dict[str, int]]:
    rows = con.execute(
        """SELECT i.source_file, count(*) AS valid,
                  count(*) FILTER (WHERE r.source_line = i.source_line AND r.source_file = i.source_file
                                   AND r.partition_date = ?) AS loaded
           FROM incoming i LEFT JOIN raw_events r USING (event_id)
           GROUP BY i.source_file""",
        [day],
    ).fetchall()
    return {name: {"valid": valid, "loaded": loaded} for name, valid, loaded in rows}


def load_partition(settings: Settings, day: date, run_id: str, full_refresh: bool = False) -> dict[str, Any]:
    """Load one validated partition; skip it when its files are unchanged since the last load."""
    started = time.perf_counter()
    manifest = _manifest(settings, day)
    loaded_at = datetime.now(UTC)
    folder = staging_dir(settings, day)
    with connect(settings.warehouse_path) as con:
        if not full_refresh and _unchanged(con, day, manifest["files"]):
            _audit(con, run_id, day, manifest, {}, "skipped_unchanged", loaded_at, 0.0)
            return {"partition_date": day.isoformat(), "run_id": run_id, "status": "skipped_unchanged",
                    "rows_loaded": 0, "reason": "same files and sha256 as the last load; use full_refresh to reload"}
        con.execute("BEGIN")
        try:
            _publish(con, settings, day, loaded_at)
            con.execute(
                """INSERT INTO quarantine
                   SELECT ?::DATE, source_file, line_number, reason, reasons, client_id, page_url, referrer,
                          "timestamp", event_name, event_data, user_agent, ?, ?::TIMESTAMPTZ
                   FROM read_parquet(?)""",
                [day, run_id, loaded_at, str(folder / "quarantine.parquet")],
            )
            by_file = _counts_by_file(con, day)
            seconds = time.perf_counter() - started
            _audit(con, run_id, day, manifest, by_file, "loaded", loaded_at, seconds)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        loaded = sum(counts["loaded"] for counts in by_file.values())
        valid = sum(counts["valid"] for counts in by_file.values())
        owned = con.execute("SELECT count(*) FROM raw_events WHERE partition_date = ?", [day]).fetchone()[0]
    return {
        "partition_date": day.isoformat(),
        "run_id": run_id,
        "status": "loaded",
        "rows_valid": valid,
        "rows_loaded": loaded,
        "duplicates": valid - loaded,
        "rows_quarantined": manifest["rows_quarantined"],
        "events_in_partition": owned,
        "seconds": round(time.perf_counter() - started, 3),
    }


def _audit(con: Any, run_id: str, day: date, manifest: dict[str, Any], by_file: dict[str, dict[str, int]],
           status: str, loaded_at: datetime, seconds: float) -> None:
    rows = []
    for info in manifest["files"]:
        counts = by_file.get(info["file"], {"valid": 0, "loaded": 0})
        rows.append([run_id, day, info["file"], info["sha256"], status, info["rows"], counts["loaded"],
                     info["quarantined"], counts["valid"] - counts["loaded"],
                     manifest.get("seconds"), round(seconds, 3), loaded_at])
    con.executemany("INSERT INTO load_audit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
