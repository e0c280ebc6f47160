"""The publish stage: every analysts' table in Iceberg, equal to the warehouse; a run rewrites only the days that
changed, in one snapshot per table; readers keep the snapshot they hold; old snapshots expire with their files."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import duckdb
import pytest
from conftest import DAYS, data_dir_with, sorted_rows, warehouse_rows

from clickstream.iceberg import expire, live_files, open_catalog
from clickstream.publish import NotAuditedError, publish_partition
from clickstream.published import TABLES

NAMES = [table.name for table in TABLES]


def publish(settings, day: date = DAYS[2], **options):
    return publish_partition(settings, day, "test-run", **options)


def table(settings, name: str):
    return open_catalog(settings).load_table(f"clickstream.{name}")


def edit(settings, sql: str, *params) -> None:
    """A hand edit of the warehouse (as a transform that changed the rows would)."""
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute(sql, list(params))


@pytest.fixture
def published(tmp_path, warehouses):
    settings = data_dir_with(tmp_path, warehouses["three_days"])
    summary = publish(settings)
    assert summary["status"] == "published"
    return settings


@pytest.mark.parametrize("name", NAMES)
def test_a_published_table_read_through_pyiceberg_equals_the_warehouse_table(published, name):
    assert sorted_rows(table(published, name).scan().to_arrow()) == warehouse_rows(published, name)


def test_the_first_publish_writes_every_day_of_every_table_in_one_snapshot_each(published):
    for published_table in TABLES:
        snapshots = table(published, published_table.name).snapshots()
        column = [field.name for field in table(published, published_table.name).schema().fields].index(
            published_table.day_column)
        days = sorted({str(row[column]) for row in warehouse_rows(published, published_table.name)})
        assert [len(snapshots), snapshots[0].summary["clickstream.days"]] == [1, ",".join(days)], published_table.name


def test_each_table_is_partitioned_by_identity_of_its_day(published):
    specs = {name: [(field.name, str(field.transform)) for field in table(published, name).spec().fields]
             for name in NAMES}
    assert specs == {
        "sessions": [("session_date", "identity")], "orders": [("order_date", "identity")],
        "order_items": [("order_date", "identity")], "attribution": [("order_date", "identity")],
        "daily_kpis": [("date", "identity")], "funnel_daily": [("date", "identity")],
        "dim_users": [("first_seen_date", "identity")], "load_audit": [("partition_date", "identity")],
        "quarantine": [("partition_date", "identity")], "gate_results": [("partition_date", "identity")]}


def test_a_rerun_with_nothing_changed_writes_nothing_and_commits_nothing(published):
    before = {name: table(published, name).metadata_location for name in NAMES}
    summary = publish(published)
    assert (summary["status"], summary["tables_published"], summary["bytes_written"]) == ("skipped_unchanged", 0, 0)
    assert {name: table(published, name).metadata_location for name in NAMES} == before  # not even a schema commit


def test_a_changed_day_rewrites_that_day_of_that_table_alone(published):
    kpis = table(published, "daily_kpis")
    untouched = sorted(f.file_path for f in live_files(kpis) if f.partition[0] != (DAYS[1] - date(1970, 1, 1)).days)
    edit(published, "UPDATE daily_kpis SET bot_events = bot_events + 1 WHERE date = ?", DAYS[1])
    summary = publish(published)
    assert summary["tables_published"] == 1
    assert {name: t["status"] for name, t in summary["tables"].items() if t["status"] == "published"} == {
        "daily_kpis": "published"}
    written = summary["tables"]["daily_kpis"]
    assert (written["days_written"], written["files_written"], written["rows_written"]) == (1, 1, 1)
    kpis = kpis.refresh()
    assert len(kpis.snapshots()) == 2
    assert kpis.current_snapshot().summary["clickstream.days"] == DAYS[1].isoformat()
    assert sorted(f.file_path for f in live_files(kpis) if f.partition[0] != (DAYS[1] - date(1970, 1, 1)).days) == (
        untouched)  # the other days' files are the same files
    assert sorted_rows(kpis.scan().to_arrow()) == warehouse_rows(published, "daily_kpis")


def test_a_day_gone_from_the_warehouse_is_removed_from_the_table(published):
    edit(published, "DELETE FROM load_audit WHERE partition_date = ?", DAYS[0])
    assert publish(published)["tables"]["load_audit"]["days_written"] == 1
    audit = table(published, "load_audit")
    assert sorted({row["partition_date"] for row in audit.scan().to_arrow().to_pylist()}) == DAYS[1:]
    assert f"clickstream.digest.{DAYS[0]}" not in audit.properties


def test_a_reader_holding_a_table_reads_the_same_rows_after_a_run_changed_it(published):
    held = table(published, "daily_kpis")
    before = sorted_rows(held.scan().to_arrow())
    edit(published, "UPDATE daily_kpis SET bot_events = bot_events + 1")
    publish(published)
    assert sorted_rows(held.scan().to_arrow()) == before  # its snapshot, whose files are all still there
    assert sorted_rows(held.refresh().scan().to_arrow()) == warehouse_rows(published, "daily_kpis") != before


def test_time_travel_reads_an_earlier_run_by_snapshot_id_and_by_timestamp(published):
    kpis = table(published, "daily_kpis")
    first, rows = kpis.current_snapshot(), sorted_rows(kpis.scan().to_arrow())
    time.sleep(0.01)
    edit(published, "UPDATE daily_kpis SET bot_events = bot_events + 1")
    publish(published)
    kpis = kpis.refresh()
    assert sorted_rows(kpis.scan(snapshot_id=first.snapshot_id).to_arrow()) == rows
    as_of = kpis.snapshot_as_of_timestamp(first.timestamp_ms)
    assert as_of.snapshot_id == first.snapshot_id


def test_an_expired_snapshots_files_are_gone_and_the_current_one_still_reads(published):
    kpis = table(published, "daily_kpis")
    first_files = {f.file_path for f in live_files(kpis)}
    edit(published, "UPDATE daily_kpis SET bot_events = bot_events + 1 WHERE date = ?", DAYS[0])
    publish(published)
    kpis = kpis.refresh()
    replaced = first_files - {f.file_path for f in live_files(kpis)}
    assert len(replaced) == 1 and all(Path(path.removeprefix("file://")).exists() for path in replaced)
    assert expire(kpis, int(time.time() * 1000) + 1) == {"snapshots_expired": 1, "files_deleted": 3}
    # the old day's data file, the first snapshot's manifest list and its manifest
    assert not any(Path(path.removeprefix("file://")).exists() for path in replaced)
    kpis = kpis.refresh()
    assert len(kpis.snapshots()) == 1
    assert sorted_rows(kpis.scan().to_arrow()) == warehouse_rows(published, "daily_kpis")


def test_snapshots_younger_than_the_days_kept_stay(published):
    edit(published, "UPDATE daily_kpis SET bot_events = bot_events + 1")
    summary = publish(published)  # CLICKSTREAM_ICEBERG_KEEP_DAYS = 7: both runs are minutes old
    assert summary["snapshots_expired"] == 0
    assert len(table(published, "daily_kpis").snapshots()) == 2


def test_a_new_warehouse_column_evolves_the_table_and_keeps_its_history(published):
    kpis = table(published, "daily_kpis")
    uuid, first, before = kpis.metadata.table_uuid, kpis.current_snapshot().snapshot_id, kpis.scan().to_arrow()
    edit(published, "ALTER TABLE daily_kpis ADD COLUMN note VARCHAR DEFAULT 'checked'")
    edit(published, "ALTER TABLE daily_kpis DROP COLUMN bot_events")
    summary = publish(published)
    assert summary["tables"]["daily_kpis"]["days_written"] == 3  # every day, now with the new columns
    kpis = table(published, "daily_kpis")
    assert kpis.metadata.table_uuid == uuid  # the same table, not a new one
    assert kpis.schema().column_names[-1] == "note" and "bot_events" not in kpis.schema().column_names
    assert sorted_rows(kpis.scan().to_arrow()) == warehouse_rows(published, "daily_kpis")
    assert sorted_rows(kpis.scan(snapshot_id=first).to_arrow()) == sorted_rows(before)  # as it was, bot_events too


def test_a_day_whose_latest_watchdog_failed_is_not_published(published):
    before = table(published, "daily_kpis").current_snapshot().snapshot_id
    edit(published, """INSERT INTO gate_results VALUES ('a-later-run', ?, 'watchdog', 'revenue_reconciliation',
                       'expect_column_values_to_be_between', 'critical', false, '1.2', '<= 0.01', now())""", DAYS[2])
    edit(published, "UPDATE daily_kpis SET bot_events = bot_events + 1")
    with pytest.raises(NotAuditedError, match=f"the latest watchdog of partition {DAYS[2]} \\(run a-later-run\\) "
                                              "failed revenue_reconciliation: nothing was published"):
        publish(published)
    assert table(published, "daily_kpis").current_snapshot().snapshot_id == before


def test_a_day_the_watchdog_never_checked_is_refused(tmp_path, warehouses):
    settings = data_dir_with(tmp_path, warehouses["two_days"])
    with pytest.raises(NotAuditedError, match=f"partition {DAYS[2]} has no watchdog result: nothing was published"):
        publish(settings, DAYS[2])
    assert not (settings.data_dir / "iceberg").exists()


def test_a_run_publishes_each_day_of_it_once_its_watchdog_passed(tmp_path, warehouses):
    settings = data_dir_with(tmp_path, warehouses["three_days"])
    summary = publish_partition(settings, DAYS, "test-run")
    assert summary["partition_date"] == [day.isoformat() for day in DAYS]
    assert summary["tables_published"] == len(NAMES)


def test_a_commit_beside_a_concurrent_one_is_retried_on_the_new_head(published):
    from clickstream.iceberg import replace_days, stored_digests

    stale = table(published, "daily_kpis")
    table(published, "daily_kpis").transaction().set_properties(owner="analysts").commit_transaction()
    with duckdb.connect(str(published.warehouse_path), read_only=True) as con:
        rows = con.sql("SELECT * FROM daily_kpis WHERE date = $d", params={"d": DAYS[0]}).to_arrow_table()
    replace_days(stale, rows, [DAYS[0].isoformat()], stored_digests(stale))
    kpis = table(published, "daily_kpis")
    assert kpis.properties["owner"] == "analysts" and len(kpis.snapshots()) == 2
    assert sorted_rows(kpis.scan().to_arrow()) == warehouse_rows(published, "daily_kpis")


def test_the_views_file_reads_each_tables_current_snapshot(published):
    with duckdb.connect(str(published.analytics_path), read_only=True) as con:
        snapshots = dict(con.execute("SELECT table_name, snapshot_id FROM published_snapshots").fetchall())
        sessions = sorted_rows(con.sql("SELECT * FROM sessions").to_arrow_table())
        tables = {row[0]: row[1] for row in con.execute(
            "SELECT table_name, table_type FROM information_schema.tables").fetchall()}
    assert snapshots == {name: table(published, name).current_snapshot().snapshot_id for name in NAMES}
    assert sessions == warehouse_rows(published, "sessions")
    assert {name: kind for name, kind in tables.items() if name != "published_snapshots"} == dict.fromkeys(
        NAMES, "VIEW")  # file names, no rows: its size does not grow with the data
    assert published.analytics_path.stat().st_size < 1_000_000


def test_clickstream_catalog_lists_each_table_with_its_current_snapshot_and_rows(published, capsys):
    from clickstream.cli import main

    assert main(["--data-dir", str(published.data_dir), "catalog"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["table", "snapshot", "id", "committed", "(UTC)", "rows", "files", "snapshots"]
    listed = {line.split()[0]: line.split() for line in lines[1:-1]}
    assert list(listed) == NAMES
    for name, fields in listed.items():
        current = table(published, name).current_snapshot()
        assert (int(fields[1]), int(fields[4]), fields[-1]) == (
            current.snapshot_id, len(warehouse_rows(published, name)), "1"), name
    assert lines[-1] == f"Catalog namespace clickstream; files under {published.iceberg_warehouse_url}"


def test_clickstream_catalog_before_any_publish_says_how_to_get_one(tmp_path, capsys):
    from clickstream.cli import main

    assert main(["--data-dir", str(tmp_path / "data"), "catalog"]) == 0
    assert capsys.readouterr().out == ("No table is published in namespace clickstream yet: run `clickstream run` "
                                       "first.\n")
