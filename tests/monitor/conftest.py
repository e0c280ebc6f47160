"""A small warehouse built once (nine generated days through validate, load, transform); each test
gets its own copy to tamper with."""

from __future__ import annotations

import shutil

import pytest
from watchdog_sample import DAYS, START

from clickstream.generate import generate
from clickstream.pipeline import run_stage
from clickstream.settings import get_settings
from clickstream.transform import transform


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("watchdog-sample") / "data"
    generate(data_dir, START, len(DAYS), events_per_day=400, seed=12, truth=False)
    settings = get_settings(data_dir=data_dir)
    for day in DAYS:
        run_stage("validate", settings, day, "setup")
        run_stage("load", settings, day, "setup")
    transform(settings, None)
    return settings


@pytest.fixture
def warehouse(built, tmp_path):
    """Settings whose data dir holds a private copy of the built warehouse."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(built.warehouse_path, data_dir / "warehouse.duckdb")
    return get_settings(data_dir=data_dir)
