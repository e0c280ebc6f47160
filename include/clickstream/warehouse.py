"""The DuckDB warehouse: one file, one writer at a time, schema by versioned migrations."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"
MIGRATIONS_DIR = SQL_DIR / "migrations"


class WarehouseBusyError(RuntimeError):
    """Another process holds the warehouse's write lock."""


def _migrations() -> list[tuple[int, Path]]:
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        match = re.match(r"(\d+)_", path.name)
        if match:
            found.append((int(match.group(1)), path))
    return found


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply the migrations not yet applied, each in its own transaction; return their versions."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, "
        "applied_at TIMESTAMPTZ DEFAULT now())"
    )
    applied = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    done = []
    for version, path in _migrations():
        if version in applied:
            continue
        con.execute("BEGIN")
        con.execute(path.read_text())
        con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, path.name])
        con.execute("COMMIT")
        done.append(version)
    return done


@contextmanager
def connect(
    path: Path, read_only: bool = False, memory_limit: str | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse (migrated when writable); a lock held elsewhere is a WarehouseBusyError.

    DuckDB would take 80% of RAM by default; the limit (CLICKSTREAM_DUCKDB_MEMORY_LIMIT) keeps a stage's
    memory bounded, spilling to a temp folder beside the warehouse instead.
    """
    from clickstream.settings import get_settings

    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    config = {
        "memory_limit": memory_limit or get_settings().duckdb_memory_limit,
        "temp_directory": str(path.parent / ".duckdb_spill"),
    }
    try:
        con = duckdb.connect(str(path), read_only=read_only, config=config)
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise WarehouseBusyError(
                f"warehouse is busy: {path} is open for writing by another process; "
                "wait for it to finish (the DAG's warehouse pool runs one writer at a time)"
            ) from error
        raise
    try:
        con.execute("SET TimeZone = 'UTC'")
        if not read_only:
            migrate(con)
        yield con
    finally:
        con.close()
