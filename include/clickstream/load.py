"""Stage 2, load: publish a validated partition into DuckDB in one transaction.

Write-audit-publish: the validate stage wrote and audited the partition's files; here
the partition's previous deliveries are replaced, so a rerun, a backfill or a re-delivered
file gives the same tables as one clean run. An event delivered by several partitions
is owned by the earliest one, whatever order the partitions are loaded in. Only rows whose
owner changes are written to ``raw_events``: a rerun of unchanged files rewrites nothing there.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from clickstream import gates
from clickstream.contract import WINDOW_DAYS
from clickstream.settings import Settings
from clickstream.validate import (
    MANIFEST,
    VALID_DIR,
    NotValidatedError,
    StagingDamagedError,
    damaged,
    staging_dir,
    verified_parts,
)
from clickstream.warehouse import connect, rollback

# The identity of an event: the md5 of its seven normalised fields (see clickstream.contract), as a UUID.
EVENT_ID_SQL = """md5(concat_ws(chr(31), client_id, page_url, coalesce(referrer, chr(0)),
    strftime(event_at, '%Y-%m-%dT%H:%M:%S.%fZ'), event_name, event_data::VARCHAR,
    coalesce(user_agent, chr(0))))::UUID"""
# An event's time is part of its identity and lies within WINDOW_DAYS of every partition that delivers it
# (the contract's window), so the partitions that can share events with partition D lie within twice that of D.
SHARING_DAYS = 2 * WINDOW_DAYS

EVENT_COLUMNS = ("event_id, partition_date, client_id, page_url, referrer, event_at, event_name, event_data, "
                 "user_agent, source_file, source_line, loaded_at")
LANDED_COLUMNS = "event_id, partition_date, source_file, source_line, loaded_at"


def _manifest(settings: Settings, day: date) -> dict[str, Any]:
    path = staging_dir(settings, day) / MANIFEST
    if not path.exists():
        raise NotValidatedError(f"partition {day} has not been validated: {path} is missing; run validate first")
    manifest = json.loads(path.read_text())
    if not manifest.get("passed"):
        raise NotValidatedError(f"partition {day} failed its quarantine gate (see {path}); fix the files, revalidate")
    if "staged" not in manifest:
        raise NotValidatedError(f"partition {day} was staged by an older version (no list of staged files in {path});"
                                f" revalidate it: clickstream validate --partition {day}")
    return manifest


def _unchanged(con: Any, day: date, files: list[dict[str, Any]]) -> bool:
    """True when the partition's files are exactly those of its last load (same names, sha256 and rows read).

    A load publishes in one transaction, so its audit rows stand for a whole partition."""
    last = con.execute(
        """SELECT source_file, sha256, rows_read FROM load_audit
           WHERE partition_date = ? AND status = 'loaded'
             AND run_id = (SELECT arg_max(run_id, loaded_at) FROM load_audit
                           WHERE partition_date = ? AND status = 'loaded')""",
        [day, day],
    ).fetchall()
    return bool(last) and sorted(last) == sorted((info["file"], info["sha256"], info["rows"]) for info in files)


def _publish(con: Any, folder: Path, day: date, loaded_at: datetime, manifest: dict[str, Any]) -> None:
    """Replace the partition's deliveries, then move ownership in ``raw_events`` only where it changed.

    An event's seven fields are hashed into its id, so every delivery of it holds the same
    content: ``landed_events`` keeps just who delivered what, and a row passing to another
    partition keeps its content with the new owner's lineage.
    """
    parts = verified_parts(folder, day, manifest)
    if not parts:
        raise NotValidatedError(f"partition {day} has no staged valid rows in {folder / VALID_DIR}; revalidate it")
    # Constant bounds let DuckDB skip the row groups of partitions that cannot hold these events.
    sharing = [day - timedelta(days=SHARING_DAYS), day + timedelta(days=SHARING_DAYS)]
    try:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE incoming AS
                SELECT {EVENT_ID_SQL} AS event_id, ?::DATE AS partition_date, client_id, page_url, referrer,
                       event_at, event_name, event_data::JSON AS event_data, user_agent, source_file, source_line,
                       ?::TIMESTAMPTZ AS loaded_at
                FROM read_parquet(?)""",
            [day, loaded_at, [str(part) for part in parts]],
        )
    except duckdb.Error as error:  # a part cut off or overwritten in place: same size, unreadable
        detail = f"{type(error).__name__}: {str(error).splitlines()[0]}"
        raise StagingDamagedError(damaged(day, folder, detail)) from None
    staged_rows = sum(part["rows"] for part in manifest["staged"])
    incoming = con.execute("SELECT count(*) FROM incoming").fetchone()[0]
    if incoming != staged_rows:
        raise StagingDamagedError(damaged(day, folder, f"{incoming} rows, the manifest says {staged_rows}"))
    con.execute(
        """CREATE OR REPLACE TEMP TABLE candidates AS
           SELECT event_id FROM landed_events WHERE partition_date = ?
           UNION SELECT event_id FROM incoming""",
        [day],
    )
    con.execute("DELETE FROM landed_events WHERE partition_date = ?", [day])
    con.execute(
        f"""INSERT INTO landed_events ({LANDED_COLUMNS})
            SELECT {LANDED_COLUMNS} FROM incoming
            QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY source_file, source_line) = 1"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE owners AS
            SELECT {LANDED_COLUMNS} FROM landed_events
            WHERE partition_date BETWEEN ? AND ? AND event_id IN (SELECT event_id FROM candidates)
            QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY partition_date, source_file, source_line) = 1""",
        sharing,
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE changes AS
           WITH current_owners AS (
               SELECT event_id, partition_date, source_file, source_line FROM raw_events
               WHERE partition_date BETWEEN ? AND ? AND event_id IN (SELECT event_id FROM candidates))
           SELECT coalesce(new.event_id, old.event_id) AS event_id, old.partition_date AS old_partition,
                  new.partition_date AS new_partition, new.source_file, new.source_line, new.loaded_at
           FROM owners AS new FULL JOIN current_owners AS old ON new.event_id = old.event_id
           WHERE new.event_id IS NULL OR old.event_id IS NULL OR new.partition_date <> old.partition_date
              OR new.source_file <> old.source_file OR new.source_line <> old.source_line""",
        sharing,
    )
    # Events passing from this partition to another that delivered them too: same content, new lineage.
    con.execute(
        """CREATE OR REPLACE TEMP TABLE passed_on AS
           SELECT r.* REPLACE (c.new_partition AS partition_date, c.source_file AS source_file,
                               c.source_line AS source_line, c.loaded_at AS loaded_at)
           FROM raw_events AS r JOIN changes AS c ON r.event_id = c.event_id
           WHERE r.partition_date = ? AND c.old_partition = ? AND c.new_partition <> ?""",
        [day, day, day],
    )
    old_partitions = [row[0] for row in con.execute(
        "SELECT DISTINCT old_partition FROM changes WHERE old_partition IS NOT NULL").fetchall()]
    if old_partitions:
        # Constant dates let DuckDB skip the row groups of every other partition.
        con.execute(
            f"""DELETE FROM raw_events
                WHERE partition_date IN ({", ".join("?" * len(old_partitions))})
                  AND event_id IN (SELECT event_id FROM changes WHERE old_partition IS NOT NULL)""",
            old_partitions,
        )
    con.execute(
        f"""INSERT INTO raw_events ({EVENT_COLUMNS})
            SELECT {", ".join(f"i.{column}" for column in EVENT_COLUMNS.split(", "))}
            FROM incoming AS i JOIN changes AS c
              ON i.event_id = c.event_id AND c.new_partition = i.partition_date
             AND i.source_file = c.source_file AND i.source_line = c.source_line
            UNION ALL
            SELECT {EVENT_COLUMNS} FROM passed_on"""
    )
    con.execute("DELETE FROM quarantine WHERE partition_date = ?", [day])


def _counts_by_file(con: Any, day: date) -> dict[str, dict[str, int]]:
    """Per file: valid rows, and rows that are their event's owning delivery after this load.

    An owner in this partition is one of its incoming rows (its earlier deliveries were just replaced),
    so counting owners per file needs no join back to them.
    """
    valid = dict(con.execute("SELECT source_file, count(*) FROM incoming GROUP BY source_file").fetchall())
    loaded = dict(con.execute(
        "SELECT source_file, count(*) FROM owners WHERE partition_date = ? GROUP BY source_file", [day]).fetchall())
    return {name: {"valid": count, "loaded": loaded.get(name, 0)} for name, count in valid.items()}


def load_partition(settings: Settings, day: date, run_id: str, full_refresh: bool = False) -> dict[str, Any]:
    """Load one validated partition; skip it when its files are unchanged since the last load."""
    started = time.perf_counter()
    manifest = _manifest(settings, day)
    loaded_at = datetime.now(UTC)
    folder = staging_dir(settings, day)
    with connect(settings.warehouse_path) as con:
        gates.record_pending(con, settings.gates_dir)  # gate runs validate saved, this day's quarantine gate among them
        if not full_refresh and _unchanged(con, day, manifest["files"]):
            _audit(con, run_id, day, manifest, {}, "skipped_unchanged", loaded_at, 0.0)
            return {"partition_date": day.isoformat(), "run_id": run_id, "status": "skipped_unchanged",
                    "rows_loaded": 0, "reason": "same files and sha256 as the last load; use full_refresh to reload"}
        con.execute("BEGIN")
        try:
            _publish(con, folder, day, loaded_at, manifest)
            con.execute(
                """INSERT INTO quarantine (partition_date, source_file, line_number, reason, reasons, client_id,
                       page_url, referrer, "timestamp", event_name, event_data, user_agent, run_id, quarantined_at,
                       raw_line)
                   SELECT ?::DATE, source_file, line_number, reason, reasons, client_id, page_url, referrer,
                          "timestamp", event_name, event_data, user_agent, ?, ?::TIMESTAMPTZ, raw_line
                   FROM read_parquet(?)""",
                [day, run_id, loaded_at, str(folder / "quarantine.parquet")],
            )
            by_file = _counts_by_file(con, day)
            seconds = time.perf_counter() - started
            _audit(con, run_id, day, manifest, by_file, "loaded", loaded_at, seconds)
            con.execute("COMMIT")
        except BaseException:
            rollback(con)
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
