"""Which partition a run processes, and how stages are dispatched."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from factories import row, write_csv

from clickstream.pipeline import (
    STAGES,
    WarehouseDirMissingError,
    parse_partition,
    partition_of_run,
    placement,
    resolve_partition,
    run_stage,
)
from clickstream.settings import get_settings

LOGICAL = datetime(2025, 3, 1, tzinfo=UTC)
RUN_AFTER = datetime(2025, 3, 9, 2, 30, tzinfo=UTC)


def test_the_param_wins():
    assert resolve_partition("2025-02-23", "2025-03-05", LOGICAL, RUN_AFTER) == date(2025, 2, 23)


def test_the_partition_key_comes_next():
    assert resolve_partition(None, "2025-03-05", LOGICAL, RUN_AFTER) == date(2025, 3, 5)


def test_then_the_day_of_the_logical_date():
    assert resolve_partition(None, None, LOGICAL, RUN_AFTER) == date(2025, 3, 1)


def test_an_empty_param_counts_as_none():
    assert resolve_partition("", None, LOGICAL, RUN_AFTER) == date(2025, 3, 1)


def test_the_logical_date_is_taken_in_utc():
    logical = datetime(2025, 3, 1, 1, 0, tzinfo=timezone(timedelta(hours=5)))  # 2025-02-28 20:00 UTC
    assert resolve_partition(None, None, logical, RUN_AFTER) == date(2025, 2, 28)


def test_a_run_without_a_logical_date_processes_the_utc_day_before_it_was_due():
    assert resolve_partition(None, None, None, RUN_AFTER) == date(2025, 3, 8)


def test_a_run_with_nothing_to_tell_the_day_is_refused():
    with pytest.raises(ValueError, match="cannot tell the partition"):
        resolve_partition(None, None, None, None)


def test_a_task_context_resolves_by_the_same_rule():
    dag_run = SimpleNamespace(partition_key=None, logical_date=LOGICAL, run_after=RUN_AFTER)
    assert partition_of_run({"params": {"partition_date": None}, "dag_run": dag_run}) == date(2025, 3, 1)


def test_a_malformed_date_says_what_is_expected():
    with pytest.raises(ValueError, match="'23/02/2025' is not a YYYY-MM-DD date"):
        parse_partition("23/02/2025")


def test_stages_are_the_six_in_order():
    assert STAGES == ("validate", "load", "transform", "analyze", "monitor", "publish")


def test_an_unknown_stage_is_refused(settings):
    with pytest.raises(ValueError, match="unknown stage 'export'"):
        run_stage("export", settings, date(2025, 2, 23), "r1")


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_has_its_library_function(stage):
    from clickstream.pipeline import entry_point

    assert entry_point(stage).__name__ == f"{stage}_partition"


# --- where a stage runs: pool, queue, warehouse dir --------------------------------------------------------------

def test_warehouse_stages_take_the_pool_and_the_warehouse_queue_and_validate_the_defaults(settings):
    assert {stage: placement(stage, settings) for stage in STAGES} == {
        "validate": {},
        **dict.fromkeys(("load", "transform", "analyze", "monitor", "publish"),
                        {"pool": "clickstream_warehouse", "queue": "warehouse"}),
    }


def test_the_warehouse_queue_is_a_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("CLICKSTREAM_WAREHOUSE_QUEUE", "duckdb-host")
    assert placement("load", get_settings(data_dir=tmp_path)) == {"pool": "clickstream_warehouse",
                                                                  "queue": "duckdb-host"}


def test_a_warehouse_dir_that_is_set_holds_the_warehouse_and_the_data_dir_none(tmp_path):
    folder = tmp_path / "warehouse"
    folder.mkdir()
    placed = get_settings(data_dir=tmp_path / "data", warehouse_dir=folder)
    write_csv(placed.raw_dir / "events_2025-02-23.csv", [row(timestamp="2025-02-23T10:00:00.000Z")])
    run_stage("validate", placed, date(2025, 2, 23), "r1")
    assert run_stage("load", placed, date(2025, 2, 23), "r1")["rows_loaded"] == 1
    assert placed.warehouse_path == folder / "warehouse.duckdb" and placed.warehouse_path.is_file()
    assert sorted(path.name for path in placed.data_dir.glob("*.duckdb*")) == []


def test_a_warehouse_stage_without_its_warehouse_dir_fails_and_creates_none(tmp_path):
    missing = get_settings(data_dir=tmp_path / "data", warehouse_dir=tmp_path / "not-mounted")
    write_csv(missing.raw_dir / "events_2025-02-23.csv", [row(timestamp="2025-02-23T10:00:00.000Z")])
    assert run_stage("validate", missing, date(2025, 2, 23), "r1")["status"] == "validated"  # needs no warehouse
    with pytest.raises(WarehouseDirMissingError, match=r"no warehouse dir .*not-mounted on .*: "
                                                       r"CLICKSTREAM_WAREHOUSE_DIR must be a folder this machine "
                                                       r"mounts; the warehouse stages run on the workers of the "
                                                       r"queue 'warehouse'"):
        run_stage("load", missing, date(2025, 2, 23), "r1")
    assert not (tmp_path / "not-mounted").exists()
