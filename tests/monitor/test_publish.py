"""The analysts' copy (``analytics.duckdb``): published by monitor once the watchdog passed, whole or not at all,
and never in the way of the pipeline."""

from __future__ import annotations

import errno
import hashlib
import shutil
import subprocess
import sys

import duckdb
import pytest
from watchdog_sample import DAYS, LAST

from clickstream.gates import GateFailedError
from clickstream.monitor import monitor_partition
from clickstream.publish import CopyMismatchError, at_the_end, publish_due, publish_if_changed
from clickstream.warehouse import connect

MARTS = ("sessions", "dim_users", "orders", "order_items", "attribution", "funnel_daily", "daily_kpis")


def rows(path, table: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()


def count(path, table: str) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def asides(settings) -> list[str]:
    return sorted(path.name for path in settings.data_dir.glob(".analytics.duckdb.*"))


def test_a_passing_run_publishes_a_copy_holding_the_warehouses_marts(warehouse):
    summary = monitor_partition(warehouse, LAST, "run-1")
    copy = warehouse.analytics_path
    assert summary["analytics_copy"] == str(copy) == str(warehouse.data_dir / "analytics.duckdb")
    assert {table: rows(copy, table) for table in MARTS} == {table: rows(warehouse.warehouse_path, table)
                                                             for table in MARTS}
    assert count(copy, "monitor_results") == 21  # this run's watchdog results among them


def test_a_failed_watchdog_leaves_the_previous_copy(warehouse):
    monitor_partition(warehouse, LAST, "run-1")
    published = digest(warehouse.analytics_path)
    with connect(warehouse.warehouse_path) as con:
        con.execute("UPDATE orders SET revenue = revenue + 12.34 "
                    "WHERE order_id = (SELECT min(order_id) FROM orders WHERE ordered_at::DATE = ?)", [LAST])
    with pytest.raises(GateFailedError, match="revenue_reconciliation"):
        monitor_partition(warehouse, LAST, "run-2", full_refresh=True)  # a hand edit: check again
    assert digest(warehouse.analytics_path) == published and asides(warehouse) == []


def test_a_reader_holding_the_copy_neither_blocks_a_run_nor_sees_it_change(warehouse, monkeypatch):
    monkeypatch.setenv("CLICKSTREAM_WAREHOUSE_LOCK_TIMEOUT_S", "0")  # a stage that had to wait would fail at once
    monitor_partition(warehouse, LAST, "run-1")
    reader = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True)\n"
         "for _ in sys.stdin: print(con.execute('SELECT count(*) FROM monitor_results').fetchone()[0], flush=True)",
         str(warehouse.analytics_path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        reader.stdin.write("count\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "21"
        monitor_partition(warehouse, DAYS[-2], "run-2")
        reader.stdin.write("count\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "21"  # its snapshot: the file it opened is unchanged
    finally:
        reader.stdin.close()
        reader.wait(timeout=30)
    assert count(warehouse.analytics_path, "monitor_results") == 42  # a new connection gets the new copy


def test_a_publish_failing_part_way_leaves_the_last_copy_whole_and_nothing_aside(warehouse, monkeypatch):
    monitor_partition(warehouse, LAST, "run-1")
    published = digest(warehouse.analytics_path)

    def disk_fills(source, target):
        with open(source, "rb") as reading, open(target, "wb") as writing:
            writing.write(reading.read(1 << 20))
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr("clickstream.publish.shutil.copyfile", disk_fills)
    with pytest.raises(OSError, match="No space left on device"):
        monitor_partition(warehouse, LAST, "run-2", full_refresh=True)  # checked again, so published again
    assert digest(warehouse.analytics_path) == published and asides(warehouse) == []
    assert count(warehouse.analytics_path, "monitor_results") == 21


def test_a_copy_that_does_not_hold_the_warehouses_rows_is_not_published(warehouse, monkeypatch):
    monitor_partition(warehouse, LAST, "run-1")
    published = digest(warehouse.analytics_path)
    stale = warehouse.data_dir / "stale.duckdb"
    shutil.copyfile(warehouse.analytics_path, stale)
    copy = shutil.copyfile
    monkeypatch.setattr("clickstream.publish.shutil.copyfile", lambda source, target: copy(stale, target))
    with pytest.raises(CopyMismatchError, match="differs from the warehouse in gate_results; .* was left as it"):
        monitor_partition(warehouse, LAST, "run-2", full_refresh=True)
    assert digest(warehouse.analytics_path) == published and asides(warehouse) == []


def test_a_copy_left_aside_by_a_killed_publish_is_removed_by_the_next(warehouse):
    left = warehouse.data_dir / ".analytics.duckdb.4194304.tmp"
    left.write_bytes(b"cut off")
    monitor_partition(warehouse, LAST, "run-1")
    assert asides(warehouse) == [] and count(warehouse.analytics_path, "monitor_results") == 21


def test_a_monitor_that_finds_the_warehouse_as_copied_does_not_copy_it_again(warehouse):
    first = monitor_partition(warehouse, LAST, "run-1")
    copied_at = warehouse.analytics_path.stat().st_mtime_ns
    again = monitor_partition(warehouse, LAST, "run-2", full_refresh=True)  # a new gate run: the copy is due
    assert (first["copy"], again["copy"]) == ("published", "published")
    assert warehouse.analytics_path.stat().st_mtime_ns != copied_at
    copied_at = warehouse.analytics_path.stat().st_mtime_ns
    with connect(warehouse.warehouse_path) as con:
        assert publish_if_changed(con, warehouse.warehouse_path, warehouse.analytics_path)["copy"] == "unchanged"
    assert warehouse.analytics_path.stat().st_mtime_ns == copied_at


def test_inside_at_the_end_monitors_leave_the_copy_to_one_publish(warehouse):
    with at_the_end():
        summaries = [monitor_partition(warehouse, day, "run-1") for day in DAYS[-2:]]
        assert [summary["copy"] for summary in summaries] == ["at_end_of_run", "at_end_of_run"]
        assert not warehouse.analytics_path.exists()
        assert publish_due(warehouse)["copy"] == "published"
    assert count(warehouse.analytics_path, "monitor_results") == 42  # both days' watchdog results


def test_publish_due_copies_nothing_when_the_copy_holds_the_warehouse_as_it_is(warehouse):
    with at_the_end():
        assert publish_due(warehouse)["copy"] == "published"
        copied_at = warehouse.analytics_path.stat().st_mtime_ns
        assert publish_due(warehouse)["copy"] == "unchanged"
    assert warehouse.analytics_path.stat().st_mtime_ns == copied_at
