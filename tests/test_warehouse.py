"""The warehouse schema: versioned migrations, applied once each, upgrading existing warehouses in place."""

from __future__ import annotations

import uuid

import duckdb

from clickstream.warehouse import MIGRATIONS_DIR, migrate

E1 = "0cc175b9c0f1b6a831c399e269772661"  # an event id as versions 1 to 3 stored it: md5 hex digits


def at_version(tmp_path, version: int) -> duckdb.DuckDBPyConnection:
    """A warehouse with the migrations up to ``version`` applied."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, "
                "applied_at TIMESTAMPTZ DEFAULT now())")
    for path in sorted(MIGRATIONS_DIR.glob("*.sql"))[:version]:
        con.execute(path.read_text())
        con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [int(path.name[:3]), path.name])
    return con


def test_a_new_warehouse_gets_every_migration_once(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    assert migrate(con) == [1, 2, 3, 4, 5]
    assert migrate(con) == []


def test_a_version_2_warehouse_keeps_its_deliveries_when_landed_events_is_narrowed(tmp_path):
    con = at_version(tmp_path, 2)
    con.execute(f"""INSERT INTO landed_events VALUES ('{E1}', DATE '2025-02-23', 'c1', 'https://shop.example/', NULL,
                    TIMESTAMPTZ '2025-02-23 10:00:00+00', 'page_viewed', '{{}}', NULL, 'a.csv', 2,
                    TIMESTAMPTZ '2025-02-24 01:00:00+00')""")
    assert migrate(con) == [3, 4, 5]
    assert [column for column, *_ in con.execute("DESCRIBE landed_events").fetchall()] == [
        "event_id", "partition_date", "source_file", "source_line", "loaded_at"]
    assert con.execute("SELECT event_id, source_file, source_line FROM landed_events").fetchall() == [
        (uuid.UUID(E1), "a.csv", 2)]


def test_a_version_3_warehouse_keeps_its_event_ids_as_the_same_digest_in_uuid_form(tmp_path):
    con = at_version(tmp_path, 3)
    con.execute(f"""INSERT INTO raw_events VALUES ('{E1}', DATE '2025-02-23', 'c1', 'https://shop.example/', NULL,
                    TIMESTAMPTZ '2025-02-23 10:00:00+00', 'page_viewed', '{{}}', NULL, 'a.csv', 2,
                    TIMESTAMPTZ '2025-02-24 01:00:00+00')""")
    con.execute(f"INSERT INTO landed_events VALUES ('{E1}', DATE '2025-02-23', 'a.csv', 2, "
                "TIMESTAMPTZ '2025-02-24 01:00:00+00')")
    assert migrate(con) == [4, 5]
    assert con.execute("SELECT typeof(event_id), replace(event_id::VARCHAR, '-', '') FROM raw_events "
                       "UNION ALL SELECT typeof(event_id), replace(event_id::VARCHAR, '-', '') FROM landed_events"
                       ).fetchall() == [("UUID", E1), ("UUID", E1)]
