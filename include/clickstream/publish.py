"""Stage 6, publish: the analysts' tables (``clickstream.published``) as Apache Iceberg tables, by the day.

Write-audit-publish: a day is published only if its latest watchdog run (in ``gate_results``) passed. Each table's
rows are digested per day in DuckDB (row count and the sum of the rows' hashes, with the schema); the days whose
digest differs from the one the table's current snapshot holds are rewritten, in one snapshot per table, and the
other days are not touched, so a run's cost follows the days it changed, not the warehouse. Readers see a table's
last snapshot until the new one is committed, then the new one whole; a reader holding a table keeps its snapshot
(its files stay until it expires, ``CLICKSTREAM_ICEBERG_KEEP_DAYS``).

The warehouse is opened read-only: this stage writes nothing there.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date
from typing import Any

from clickstream.digests import digest
from clickstream.errors import DataError
from clickstream.published import TABLES, PublishedTable
from clickstream.settings import Settings

# Part of every day's digest: a change of how rows are written (this number) rewrites every day once.
LAYOUT_VERSION = 1
DAY_MS = 86_400_000


class NotAuditedError(DataError):
    """The day's latest watchdog run failed, or it has none: its data may not reach the analysts."""


def watchdog_verdicts(con: Any, days: Sequence[date]) -> dict[date, tuple[str, list[str]]]:
    """Each day's latest watchdog run (by its time) and the critical checks it failed; days without one absent."""
    rows = con.execute(
        """WITH runs AS (SELECT partition_date, run_id, max(checked_at) AS checked_at FROM gate_results
                         WHERE suite = 'watchdog' AND partition_date IN (SELECT unnest($days::DATE[])) GROUP BY ALL),
                latest AS (SELECT partition_date, arg_max(run_id, checked_at) AS run_id FROM runs GROUP BY ALL)
           SELECT partition_date, run_id,
                  list(check_name ORDER BY check_name) FILTER (WHERE NOT success AND severity = 'critical')
           FROM latest JOIN gate_results USING (partition_date, run_id) WHERE suite = 'watchdog' GROUP BY ALL""",
        {"days": list(days)}).fetchall()
    return {day: (run_id, failed or []) for day, run_id, failed in rows}


def require_audited(con: Any, days: Sequence[date]) -> None:
    """Raise NotAuditedError unless every day's latest watchdog run passed."""
    verdicts = watchdog_verdicts(con, days)
    for day in days:
        if day not in verdicts:
            raise NotAuditedError(f"partition {day} has no watchdog result: nothing was published; run "
                                  f"`clickstream monitor --partition {day}` first")
        run_id, failed = verdicts[day]
        if failed:
            raise NotAuditedError(f"the latest watchdog of partition {day} (run {run_id}) failed "
                                  f"{', '.join(failed)}: nothing was published; fix the day and monitor it again")


def day_digests(con: Any, table: PublishedTable, schema_text: str) -> dict[str, str]:
    """The digest of each day's rows of a published table, by day (ISO date, or ``null``), computed in DuckDB."""
    layout = digest([LAYOUT_VERSION, schema_text])
    rows = con.execute(
        f"""SELECT coalesce({table.day_column}::VARCHAR, 'null'), count(*), sum(hash(t))
            FROM ({table.select}) AS t GROUP BY ALL""").fetchall()
    return {day: digest([layout, count, str(total)]) for day, count, total in rows}


def publish_table(con: Any, catalog: Any, namespace: str, table: PublishedTable, full_refresh: bool = False
                  ) -> dict[str, Any]:
    """Publish one table: its changed days (all, with ``full_refresh``) in one snapshot, or nothing if none."""
    from clickstream import iceberg

    schema = con.sql(f"{table.select} LIMIT 0").to_arrow_table().schema
    target = iceberg.ensure_table(catalog, f"{namespace}.{table.name}", schema, table.day_column)
    digests = day_digests(con, table, target.schema().as_arrow().to_string())
    stored = iceberg.stored_digests(target)
    changed = sorted(day for day in digests.keys() | stored.keys()
                     if full_refresh or digests.get(day) != stored.get(day))
    if not changed:
        current = target.current_snapshot()
        return {"status": "unchanged", "snapshot_id": current.snapshot_id if current else None}
    rows = con.sql(f"SELECT * FROM ({table.select}) WHERE coalesce({table.day_column}::VARCHAR, 'null') "
                   "IN (SELECT unnest($days::VARCHAR[]))", params={"days": changed}).to_arrow_table()
    return {"status": "published", **iceberg.replace_days(target, rows, changed, digests)}


def publish(settings: Settings, con: Any, full_refresh: bool = False) -> dict[str, Any]:
    """Every published table from the warehouse that ``con`` holds, then expiry of old snapshots and the views
    file; the summary of each table by name."""
    from clickstream import iceberg
    from clickstream.views import write_views

    catalog = iceberg.open_catalog(settings)
    tables = {table.name: publish_table(con, catalog, settings.iceberg_namespace, table, full_refresh)
              for table in TABLES}
    horizon = int(time.time() * 1000) - settings.iceberg_keep_days * DAY_MS
    for table in TABLES:
        loaded = catalog.load_table(f"{settings.iceberg_namespace}.{table.name}")
        tables[table.name].update(iceberg.expire(loaded, horizon))
    views = write_views(settings, catalog)
    return {"tables": tables, "views": views}


def publish_partition(settings: Settings, day: date | Sequence[date], run_id: str, full_refresh: bool = False
                      ) -> dict[str, Any]:
    """The publish stage for a day (``clickstream run``: for its days): refuse unless each day's latest watchdog
    passed, then publish what changed. ``status: skipped_unchanged`` when no table changed."""
    from clickstream.warehouse import connect

    started = time.perf_counter()
    days = [day] if isinstance(day, date) else list(day)
    if not settings.warehouse_path.exists():
        raise DataError(f"no warehouse at {settings.warehouse_path}: run validate, load, transform, analyze and "
                        "monitor first")
    with connect(settings.warehouse_path, read_only=True) as con:
        require_audited(con, days)
        result = publish(settings, con, full_refresh)
    tables = result["tables"]
    published = [name for name, table in tables.items() if table["status"] == "published"]
    return {"partition_date": days[0].isoformat() if len(days) == 1 else [d.isoformat() for d in days],
            "run_id": run_id, "status": "published" if published else "skipped_unchanged",
            **({} if published else {"reason": "every day of every table has the digest its current snapshot holds"}),
            "tables_published": len(published),
            "days_written": sum(tables[name]["days_written"] for name in published),
            "bytes_written": sum(tables[name]["bytes_written"] for name in published),
            "snapshots_expired": sum(table.get("snapshots_expired", 0) for table in tables.values()),
            "warehouse": settings.iceberg_warehouse_url, "namespace": settings.iceberg_namespace,
            "views": result["views"], "tables": tables, "seconds": round(time.perf_counter() - started, 3)}
