"""Stage load: valid events published once, idempotently, owned by the earliest partition, with an audit."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import uuid
from datetime import date

import pytest
from factories import CHROME, row, write_csv

from clickstream.load import NotValidatedError, load_partition
from clickstream.validate import validate_partition
from clickstream.warehouse import WarehouseBusyError, connect

D1, D2 = date(2025, 2, 23), date(2025, 2, 24)
DAY1 = [row(client_id=f"a{i}", timestamp=f"2025-02-23T10:{i:02d}:00.000Z") for i in range(30)]
DAY2 = [row(client_id=f"b{i}", timestamp=f"2025-02-24T10:{i:02d}:00.000Z") for i in range(30)]
LATE = row(client_id="a0", timestamp="2025-02-23T23:59:00.000Z")  # delivered by both days


def ingest(settings, day, run_id="r1", **options):
    validate_partition(settings, day, run_id)
    return load_partition(settings, day, run_id, **options)


def tables(settings):
    with connect(settings.warehouse_path) as con:
        return {name: con.execute(f"SELECT * EXCLUDE (loaded_at) FROM {name} ORDER BY ALL").fetchall()
                for name in ("raw_events", "landed_events")} | {
            "quarantine": con.execute("SELECT * EXCLUDE (run_id, quarantined_at) FROM quarantine ORDER BY ALL")
            .fetchall()}


def test_valid_rows_are_loaded_with_ids_and_lineage(settings):
    write_csv(settings.raw_dir / "events_2025-02-23.csv", DAY1)
    summary = ingest(settings, D1)
    with connect(settings.warehouse_path) as con:
        first = con.execute("SELECT source_file, source_line, partition_date, event_id FROM raw_events "
                            "ORDER BY source_line LIMIT 1").fetchone()
    assert summary["rows_loaded"] == 30
    assert first[:3] == ("events_2025-02-23.csv", 2, D1)


def test_an_event_id_is_the_md5_of_its_seven_normalised_fields_as_a_uuid(settings):
    write_csv(settings.raw_dir / "events_2025-02-23.csv", [row(client_id=" a0 ", event_name="Page_Viewed",
                                                               timestamp="2025-02-23 11:00:00+01:00")])
    ingest(settings, D1)
    fields = ["a0", "https://puffy.com/", "https://www.google.com/", "2025-02-23T10:00:00.000000Z", "page_viewed",
              "{}", CHROME]
    with connect(settings.warehouse_path) as con:
        assert con.execute("SELECT event_id FROM raw_events").fetchall() == [
            (uuid.UUID(hashlib.md5("\x1f".join(fields).encode()).hexdigest()),)]


def test_exact_duplicates_within_a_file_are_loaded_once_and_counted(settings):
    write_csv(settings.raw_dir / "events_2025-02-23.csv", [*DAY1, DAY1[0], DAY1[1]])
    summary = ingest(settings, D1)
    assert (summary["rows_valid"], summary["rows_loaded"], summary["duplicates"]) == (32, 30, 2)


def test_rows_that_differ_only_in_whitespace_case_or_json_spacing_are_duplicates(settings):
    twin = row(client_id=" a0 ", event_name="PAGE_VIEWED", timestamp="2025-02-23 10:00:00", event_data=" null ")
    write_csv(settings.raw_dir / "events_2025-02-23.csv", [*DAY1, twin])
    assert ingest(settings, D1)["duplicates"] == 1


def test_an_event_in_two_partitions_belongs_to_the_earliest(settings):
    write_csv(settings.raw_dir / "events_2025-02-23.csv", [*DAY1, LATE])
    write_csv(settings.raw_dir / "events_2025-02-24.csv", [*DAY2, LATE])
    ingest(settings, D1)
    second = ingest(settings, D2)
    with connect(settings.warehouse_path) as con:
        owner = con.execute("SELECT partition_date FROM raw_events WHERE event_at = '2025-02-23 23:59:00+00'")
        assert owner.fetchall() == [(D1,)]
    assert (second["rows_loaded"], second["duplicates"]) == (30, 1)


def test_an_event_dropped_by_its_owner_passes_to_the_next_partition_that_delivered_it(settings):
    path = write_csv(settings.raw_dir / "events_2025-02-23.csv", [*DAY1, LATE])
    write_csv(settings.raw_dir / "events_2025-02-24.csv", [*DAY2, LATE])
    ingest(settings, D1), ingest(settings, D2)
    write_csv(path, DAY1)
    ingest(settings, D1, "r2")
    with connect(settings.warehouse_path) as con:
        late = con.execute("SELECT partition_date, source_file, source_line, client_id FROM raw_events "
                           "WHERE event_at = '2025-02-23 23:59:00+00'").fetchall()
        total = con.execute("SELECT count(*) FROM raw_events").fetchone()[0]
    assert late == [(D2, "events_2025-02-24.csv", 32, "a0")]
    assert total == 61


def test_load_order_does_not_change_the_tables(settings, tmp_path):
    from clickstream.settings import get_settings

    other = get_settings(data_dir=tmp_path / "other")
    for target in (settings, other):
        write_csv(target.raw_dir / "events_2025-02-23.csv", [*DAY1, LATE])
        write_csv(target.raw_dir / "events_2025-02-24.csv", [*DAY2, LATE])
    ingest(settings, D1), ingest(settings, D2)
    ingest(other, D2), ingest(other, D1)
    assert tables(settings)["raw_events"] == tables(other)["raw_events"]
    assert len(tables(settings)["raw_events"]) == 61


def test_a_rerun_gives_identical_tables(settings):
    write_csv(settings.raw_dir / "events_2025-02-23.csv", [*DAY1, row(client_id="")])
    write_csv(settings.raw_dir / "events_2025-02-24.csv", DAY2)
    ingest(settings, D1), ingest(settings, D2)
    before = tables(settings)
    ingest(settings, D1, "r2", full_refresh=True)
    ingest(settings, D2, "r2", full_refresh=True)
    assert tables(settings) == before


def test_a_fixed_redelivered_file_replaces_the_partition(settings):
    path = write_csv(settings.raw_dir / "events_2025-02-23.csv", [*DAY1, row(client_id="")])
    ingest(settings, D1)
    write_csv(path, DAY1[:20])
    summary = ingest(settings, D1, "r2")
    current = tables(settings)
    assert summary["status"] == "loaded"
    assert (len(current["raw_events"]), len(current["quarantine"])) == (20, 0)


def test_an_unchanged_file_is_skipped_unless_full_refresh(settings):
    write_csv(settings.raw_dir / "events_2025-02-23.csv", DAY1)
    ingest(settings, D1, "r1")
    assert ingest(settings, D1, "r2")["status"] == "skipped_unchanged"
    assert ingest(settings, D1, "r3", full_refresh=True)["status"] == "loaded"


def test_every_file_and_run_is_audited(settings):
    write_csv(settings.raw_dir / "events_2025-02-23.csv", [*DAY1, DAY1[0], row(client_id="")])
    ingest(settings, D1, "r1")
    ingest(settings, D1, "r2")
    with connect(settings.warehouse_path) as con:
        audit = con.execute("SELECT run_id, status, rows_read, rows_loaded, rows_quarantined, duplicates, "
                            "length(sha256) FROM load_audit ORDER BY run_id").fetchall()
    assert audit == [("r1", "loaded", 32, 30, 1, 1, 64), ("r2", "skipped_unchanged", 32, 0, 1, 0, 64)]


def test_each_file_of_a_partition_is_audited_with_its_own_rows_and_duplicates(settings):
    write_csv(settings.raw_dir / "events_2025-02-23_a.csv", DAY1[:20])
    write_csv(settings.raw_dir / "events_2025-02-23_b.csv", DAY1[15:])  # five events the first file has too
    ingest(settings, D1)
    with connect(settings.warehouse_path) as con:
        audit = con.execute("SELECT source_file, rows_read, rows_loaded, duplicates FROM load_audit "
                            "ORDER BY source_file").fetchall()
    assert audit == [("events_2025-02-23_a.csv", 20, 20, 0), ("events_2025-02-23_b.csv", 15, 10, 5)]


def test_quarantined_rows_are_kept_in_the_warehouse(settings):
    write_csv(settings.raw_dir / "events_2025-02-23.csv", [*DAY1, row(client_id="", event_name="x")])
    ingest(settings, D1)
    assert tables(settings)["quarantine"][0][:5] == (
        D1, "events_2025-02-23.csv", 32, "missing_client_id", ["missing_client_id", "unknown_event_name"])


def test_a_partition_that_failed_validation_is_not_loaded(settings):
    write_csv(settings.raw_dir / "events_2025-02-23.csv", [row(client_id="")] * 3)
    with pytest.raises(Exception, match="quarantine gate failed"):
        validate_partition(settings, D1, "r1")
    with pytest.raises(NotValidatedError, match="failed its quarantine gate"):
        load_partition(settings, D1, "r1")


def hold_warehouse(settings, seconds: float, read_only: bool = False) -> subprocess.Popen:
    """Another process (a run, an analyst's notebook) holding the warehouse for ``seconds``."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=sys.argv[3] == "
         "'1'); print('ok', flush=True); time.sleep(float(sys.argv[2]))", str(settings.warehouse_path), str(seconds),
         "1" if read_only else "0"], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "ok"
    return holder


def test_a_writer_waits_for_another_process_to_let_go(settings):
    write_csv(settings.raw_dir / "events_2025-02-23.csv", DAY1)
    ingest(settings, D1)
    holder = hold_warehouse(settings, 1.5)
    try:
        with connect(settings.warehouse_path, lock_timeout_s=60) as con:
            assert holder.poll() is not None  # it got in only once the holder had gone
            assert con.execute("SELECT count(*) FROM raw_events").fetchone()[0] == 30
    finally:
        holder.kill()


@pytest.mark.parametrize("read_only", [False, True], ids=["writer", "reader"])
def test_a_holder_past_the_timeout_is_named_in_one_line(settings, read_only):
    write_csv(settings.raw_dir / "events_2025-02-23.csv", DAY1)
    ingest(settings, D1)
    holder = hold_warehouse(settings, 30, read_only=read_only)
    try:
        with pytest.raises(WarehouseBusyError) as raised, connect(settings.warehouse_path, lock_timeout_s=0.5):
            pass
    finally:
        holder.kill()
    message = str(raised.value)
    assert "\n" not in message and raised.value.__cause__ is None
    assert f"is held by process {holder.pid} (" in message and "was not released in 0.5 s" in message
