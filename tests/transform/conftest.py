"""A real temporary DuckDB warehouse, migrated, and the transform run on hand-made rows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import duckdb
import pytest
from transform_helpers import insert

from clickstream.settings import Settings
from clickstream.transform import run_transform
from clickstream.warehouse import migrate


@pytest.fixture
def con(tmp_path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    connection.execute("SET TimeZone = 'UTC'")
    migrate(connection)
    yield connection
    connection.close()


@pytest.fixture
def transform_settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path)


@pytest.fixture
def build(con, transform_settings):
    """Insert rows, run a full rebuild, return the connection for queries."""

    def _build(rows: list[dict[str, Any]], settings: Settings | None = None) -> duckdb.DuckDBPyConnection:
        insert(con, rows)
        run_transform(con, settings or transform_settings, None, full_refresh=True)
        return con

    return _build
