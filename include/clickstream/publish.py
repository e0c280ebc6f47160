"""Publish ``analytics.duckdb``: a read-only copy of the warehouse for analysts, after a run's last gate passed.

DuckDB admits one writing process or any number of reading ones, never both, so an analyst holding
``warehouse.duckdb`` open (a notebook, the DuckDB CLI, a BI tool) would stop the pipeline's stages. They open the
copy instead. The monitor stage makes it once its watchdog gate has passed (write-audit-publish: analysts see only
audited data), from its own connection, which keeps other writers out: a checkpoint puts every committed row in the
file, the file is copied aside, the copy is opened and its row counts checked, and it is renamed over the last
copy. A reader holding the last copy keeps reading it (its open file is not changed); a new connection gets the
new one. A failure part-way leaves the last copy whole.

The copy is made only when the warehouse changed since the last one (``publish_if_changed``), and a process that
checks many days (``clickstream run``, inside ``at_the_end``) makes it once, after its last watchdog passed: 14
copies of a growing file cost a 28,000-event-a-day run over a second.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from clickstream.digests import digest
from clickstream.errors import OperationalError
from clickstream.warehouse import data_version

# True inside ``at_the_end``: monitors leave the copy to ``publish_due``.
_AT_THE_END = False


class CopyMismatchError(OperationalError):
    """The copy written aside does not hold the warehouse's rows; the last copy stays."""


def _aside(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}.tmp")


def _row_counts(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, int]:
    """Rows of every table of ``database`` (its main schema), by table name."""
    tables = [row[0] for row in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' "
        "AND NOT temporary ORDER BY table_name", [database]).fetchall()]
    if not tables:
        return {}
    union = " UNION ALL ".join(f"SELECT '{table}', count(*) FROM \"{database}\".main.\"{table}\"" for table in tables)
    return dict(con.execute(union).fetchall())


def publish_copy(con: duckdb.DuckDBPyConnection, warehouse: Path, target: Path) -> dict[str, Any]:
    """Copy the warehouse that ``con`` holds open for writing to ``target``, atomically; return what was published.

    ``con`` must be the process's only connection to the warehouse, with no transaction open: its write lock keeps
    every other process out while the file is copied, so any copy left aside is a killed publisher's.
    """
    started = time.perf_counter()
    for stale in target.parent.glob(f".{target.name}.*.tmp"):
        stale.unlink(missing_ok=True)
    database = con.execute("SELECT current_database()").fetchone()[0]
    expected = _row_counts(con, database)
    con.execute("CHECKPOINT")  # every committed row in the file itself, none left in the write-ahead log
    aside = _aside(target)
    try:
        shutil.copyfile(warehouse, aside)
        quoted = str(aside).replace("'", "''")
        con.execute(f"ATTACH '{quoted}' AS analytics_copy (READ_ONLY)")
        try:
            found = _row_counts(con, "analytics_copy")
        finally:
            con.execute("DETACH analytics_copy")
        if found != expected:
            differ = sorted(name for name in expected.keys() | found.keys() if expected.get(name) != found.get(name))
            raise CopyMismatchError(f"the analysts' copy written aside ({aside}) differs from the warehouse in "
                                    f"{', '.join(differ)}; {target} was left as it was")
        os.replace(aside, target)
    except BaseException:
        aside.unlink(missing_ok=True)
        raise
    return {"analytics_copy": str(target), "tables": len(expected), "rows": sum(expected.values()),
            "publish_seconds": round(time.perf_counter() - started, 3)}


def _version_file(target: Path) -> Path:
    """Beside the copy: the warehouse's data version it holds (written after the copy is in place)."""
    return target.with_name(f"{target.name}.version")


def publish_if_changed(con: duckdb.DuckDBPyConnection, warehouse: Path, target: Path) -> dict[str, Any]:
    """``publish_copy``, unless ``target`` already holds the warehouse at its current data version (its loads,
    transforms and gate runs): then ``copy: unchanged`` and no copy."""
    version = digest(data_version(con, date.max))
    version_file = _version_file(target)
    try:
        unchanged = target.exists() and version_file.read_text() == version
    except OSError:
        unchanged = False
    if unchanged:
        return {"analytics_copy": str(target), "copy": "unchanged"}
    published = publish_copy(con, warehouse, target)
    version_file.write_text(version)
    return {**published, "copy": "published"}


def after_watchdog(con: duckdb.DuckDBPyConnection, warehouse: Path, target: Path) -> dict[str, Any]:
    """What monitor does once its watchdog passed: publish the copy if the warehouse changed, or, inside
    ``at_the_end``, leave it to ``publish_due``."""
    if _AT_THE_END:
        return {"analytics_copy": str(target), "copy": "at_end_of_run"}
    return publish_if_changed(con, warehouse, target)


@contextmanager
def at_the_end() -> Iterator[None]:
    """Monitors inside leave the copy to ``publish_due``, which the caller runs once every day passed."""
    global _AT_THE_END
    outer, _AT_THE_END = _AT_THE_END, True
    try:
        yield
    finally:
        _AT_THE_END = outer


def publish_due(settings: Any) -> dict[str, Any]:
    """The copy, once, after every watchdog of a run passed (from the warehouse's connection), unless it holds the
    warehouse as it is: a copy a failed publish left behind is made by the next run, all of whose stages skip."""
    from clickstream.warehouse import connect

    with connect(settings.warehouse_path) as con:
        return publish_if_changed(con, settings.warehouse_path, settings.analytics_path)
