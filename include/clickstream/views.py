"""``analytics.duckdb`` for BI tools that open a DuckDB file: a view per published table over the data files of its
current snapshot, and a ``published_snapshots`` table saying which snapshot each view reads.

Its cost is O(tables): it holds file names, never rows. It is written aside and renamed over the last one, so a
tool holding the last one keeps reading it (its files stay until their snapshot expires). Only for a warehouse on
this machine's filesystem: DuckDB would need its httpfs extension and credentials to read s3:// files, and a user
who has them can read the tables themselves (``INSTALL iceberg``, README "Read the tables").
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlparse

import duckdb

from clickstream.published import TABLES
from clickstream.settings import Settings


def _local_path(location: str) -> str:
    parsed = urlparse(location)
    return unquote(parsed.path) if parsed.scheme == "file" else location


def write_views(settings: Settings, catalog: Any) -> str:
    """Write ``settings.analytics_path``; return its path, or why it was not written."""
    from clickstream.iceberg import live_files

    if urlparse(settings.iceberg_warehouse_url).scheme != "file":
        return "skipped: the warehouse is not on this machine's filesystem"
    target = settings.analytics_path
    aside = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    aside.unlink(missing_ok=True)
    try:
        with duckdb.connect(str(aside)) as con:
            con.execute("""CREATE TABLE published_snapshots (table_name VARCHAR, snapshot_id BIGINT,
                           committed_at TIMESTAMPTZ, rows BIGINT, data_files INTEGER, metadata_location VARCHAR)""")
            for published in TABLES:
                table = catalog.load_table(f"{settings.iceberg_namespace}.{published.name}")
                files = sorted(_local_path(data_file.file_path) for data_file in live_files(table))
                if files:
                    con.execute(f"CREATE VIEW {published.name} AS SELECT * FROM read_parquet($files, "
                                "union_by_name = true)".replace("$files", _sql_list(files)))
                else:  # read_parquet needs a file: an empty table of the same columns
                    empty = table.schema().as_arrow().empty_table()  # noqa: F841 (read by DuckDB by name)
                    con.execute(f"CREATE TABLE {published.name} AS SELECT * FROM empty")
                snapshot = table.current_snapshot()
                con.execute("INSERT INTO published_snapshots VALUES (?, ?, ?, ?, ?, ?)", [
                    published.name, snapshot.snapshot_id if snapshot else None,
                    datetime.fromtimestamp(snapshot.timestamp_ms / 1000, UTC) if snapshot else None,
                    int(snapshot.summary["total-records"]) if snapshot and snapshot.summary else 0,
                    len(files), table.metadata_location])
        os.replace(aside, target)
    except BaseException:
        aside.unlink(missing_ok=True)
        raise
    return str(target)


def _sql_list(paths: list[str]) -> str:
    """A DuckDB list literal of file paths (a view's text cannot hold bound parameters)."""
    return "[" + ", ".join("'" + path.replace("'", "''") + "'" for path in paths) + "]"

