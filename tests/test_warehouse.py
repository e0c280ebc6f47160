"""The warehouse schema: versioned migrations, applied once each, upgrading existing warehouses in place."""

from __future__ import annotations

import duckdb

from clickstream.warehouse import MIGRATIONS_DIR, migrate


def test_a_new_warehouse_gets_every_migration_once(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    assert migrate(con) == [1, 2, 3]
    assert migrate(con) == []


def test_a_version_2_warehouse_keeps_its_deliveries_when_landed_events_is_narrowed(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, "
                "applied_at TIMESTAMPTZ DEFAULT now())")
    for version, name in ((1, "001_raw.sql"), (2, "002_monitor_results.sql")):
        con.execute((MIGRATIONS_DIR / name).read_text())
        con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name])
    con.execute("""INSERT INTO landed_events VALUES ('e1', DATE '2025-02-23', 'c1', 'https://shop.example/', NULL,
                   TIMESTAMPTZ '2025-02-23 10:00:00+00', 'page_viewed', '{}', NULL, 'a.csv', 2,
                   TIMESTAMPTZ '2025-02-24 01:00:00+00')""")
    assert migrate(con) == [3]
    assert [column for column, *_ in con.execute("DESCRIBE landed_events").fetchall()] == [
        "event_id", "partition_date", "source_file", "source_line", "loaded_at"]
    assert con.execute("SELECT event_id, source_file, source_line FROM landed_events").fetchall() == [
        ("e1", "a.csv", 2)]
