"""publish killed outright (SIGKILL: no handler runs) at several points: every table still reads its last snapshot
whole (or, for the tables committed before the kill, the new one whole), and the next publish completes and equals
the warehouse. The publish runs in its own process, which kills itself at the chosen point."""

from __future__ import annotations

import shutil
import subprocess
import sys

import duckdb
import pytest
from conftest import DAYS, data_dir_with, sorted_rows, warehouse_rows

from clickstream.iceberg import open_catalog
from clickstream.publish import publish_partition
from clickstream.published import TABLES

NAMES = [table.name for table in TABLES]
KILLED_PUBLISH = """
import os, signal, sys
import clickstream.iceberg as iceberg
import clickstream.views as views
from pyiceberg.table import Transaction
from clickstream.cli import main

point = sys.argv[1]
commit = Transaction.commit_transaction
calls = []


def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)


def commit_then_maybe_die(self):
    calls.append(1)
    if point == "data files of the first table written, before its commit" and len(calls) == 1:
        die()
    result = commit(self)
    if point == "after the fourth table's commit" and len(calls) == 4:
        die()
    return result


Transaction.commit_transaction = commit_then_maybe_die
if point == "every table committed, before expiry":
    iceberg.expire = die
if point == "views file written aside, before its rename":
    views.os.replace = die
sys.exit(main(sys.argv[2:]))
"""
POINTS = {  # the point, and how many tables (in the list's order) have their new snapshot after the kill
    "data files of the first table written, before its commit": 0,
    "after the fourth table's commit": 4,
    "every table committed, before expiry": len(NAMES),
    "views file written aside, before its rename": len(NAMES),
}


@pytest.mark.parametrize("point", POINTS)
def test_a_killed_publish_leaves_each_table_whole_and_the_next_one_publishes_the_warehouse(
        tmp_path, warehouses, point):
    settings = data_dir_with(tmp_path, warehouses["two_days"])
    publish_partition(settings, DAYS[1], "first-run")
    catalog = open_catalog(settings)
    held = {name: catalog.load_table(f"clickstream.{name}") for name in NAMES}
    before = {name: sorted_rows(table.scan().to_arrow()) for name, table in held.items()}
    with duckdb.connect(str(settings.analytics_path), read_only=True) as con:
        views_before = con.execute("SELECT count(*) FROM sessions").fetchone()[0]
    shutil.copyfile(warehouses["three_days"], settings.warehouse_path)  # the third day, loaded and checked

    killed = subprocess.run([sys.executable, "-c", KILLED_PUBLISH, point, "--data-dir", str(settings.data_dir),
                             "publish", "--partition", str(DAYS[2])], capture_output=True, text=True, timeout=300)
    assert killed.returncode == -9, killed.stderr[-2000:]

    after = {name: sorted_rows(catalog.load_table(f"clickstream.{name}").scan().to_arrow()) for name in NAMES}
    new = {name: warehouse_rows(settings, name) for name in NAMES}
    assert all(new[name] != before[name] for name in NAMES)  # the third day changes every table
    committed = POINTS[point]
    assert after == {name: new[name] if index < committed else before[name] for index, name in enumerate(NAMES)}
    assert {name: sorted_rows(table.scan().to_arrow()) for name, table in held.items()} == before  # held snapshots
    with duckdb.connect(str(settings.analytics_path), read_only=True) as con:  # the last views file, whole
        assert con.execute("SELECT count(*) FROM sessions").fetchone()[0] == views_before

    assert subprocess.run([sys.executable, "-m", "clickstream.cli", "--data-dir", str(settings.data_dir), "publish",
                           "--partition", str(DAYS[2])], capture_output=True, timeout=300).returncode == 0
    catalog = open_catalog(settings)
    assert {name: sorted_rows(catalog.load_table(f"clickstream.{name}").scan().to_arrow()) for name in NAMES} == new
    assert {name: len(catalog.load_table(f"clickstream.{name}").snapshots()) for name in NAMES} == dict.fromkeys(
        NAMES, 2)  # one snapshot per run, whether the table was committed before the kill or after it
    with duckdb.connect(str(settings.analytics_path), read_only=True) as con:
        assert sorted_rows(con.sql("SELECT * FROM sessions").to_arrow_table()) == new["sessions"]
