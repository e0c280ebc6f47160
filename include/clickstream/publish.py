"""Publish ``analytics.duckdb``: a read-only copy of the warehouse for analysts, after a run's last gate passed.

DuckDB admits one writing process or any number of reading ones, never both, so an analyst holding
``warehouse.duckdb`` open (a notebook, the DuckDB CLI, a BI tool) would stop the pipeline's stages. They open the
copy instead. The monitor stage makes it once its watchdog gate has passed (write-audit-publish: analysts see only
audited data), from its own connection, which keeps other writers out: a checkpoint puts every committed row in the
file, the file is copied aside, the copy is opened and its row counts checked, and it is renamed over the last
copy. A reader holding the last copy keeps reading it (its open file is not changed); a new connection gets the
new one. A failure part-way leaves the last copy whole.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

import duckdb

from clickstream.errors import OperationalError


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
