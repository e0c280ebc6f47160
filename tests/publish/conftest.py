"""Warehouses to publish from, made once by the pipeline itself: after two days (``two_days``) and after a third
(``three_days``), each day's watchdog passed. A test copies one into its own data dir and publishes from there."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from clickstream.cli import main
from clickstream.generate import generate
from clickstream.published import TABLES
from clickstream.settings import Settings, get_settings

DAYS = [date(2025, 2, 23), date(2025, 2, 24), date(2025, 2, 25)]


@pytest.fixture(scope="session")
def warehouses(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    data = tmp_path_factory.mktemp("publish-template") / "data"
    generate(data, DAYS[0], 3, events_per_day=400, seed=11, truth=False)
    assert main(["--data-dir", str(data), "run", "--end", str(DAYS[1])]) == 0
    two_days = data.parent / "two_days.duckdb"
    shutil.copyfile(data / "warehouse.duckdb", two_days)
    for stage in ("validate", "load", "transform", "analyze", "monitor"):
        assert main(["--data-dir", str(data), stage, "--partition", str(DAYS[2])]) == 0
    three_days = data.parent / "three_days.duckdb"
    shutil.copyfile(data / "warehouse.duckdb", three_days)
    return {"two_days": two_days, "three_days": three_days}


def data_dir_with(tmp_path: Path, warehouse: Path, **settings: object) -> Settings:
    """Settings of a new data dir holding a copy of ``warehouse`` and nothing published."""
    data = tmp_path / "data"
    data.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(warehouse, data / "warehouse.duckdb")
    return get_settings(data_dir=data, **settings)


def warehouse_rows(settings: Settings, name: str) -> list[tuple]:
    """A published table's rows as the warehouse has them (its derived day column included), sorted."""
    table = next(table for table in TABLES if table.name == name)
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return sorted_rows(con.sql(table.select).to_arrow_table())


def sorted_rows(arrow) -> list[tuple]:
    columns = arrow.column_names
    rows = [tuple(row[column] for column in columns) for row in arrow.to_pylist()]
    return sorted(rows, key=repr)
