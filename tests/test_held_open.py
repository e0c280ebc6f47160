"""warehouse.held_open: a process that runs many stages (``clickstream run``) opens the warehouse once."""

from __future__ import annotations

import duckdb
import pytest

from clickstream.warehouse import connect, held_open


def test_every_stage_inside_gets_one_connection_closed_at_the_end(tmp_path):
    path = tmp_path / "w.duckdb"
    with held_open(path):
        with connect(path) as first, connect(path, read_only=True) as second:
            assert first is second
    with pytest.raises(duckdb.ConnectionException):
        first.execute("SELECT 1")


def test_a_stage_that_fails_leaves_no_transaction_to_the_next(tmp_path):
    path = tmp_path / "w.duckdb"
    with held_open(path):
        with connect(path) as con:
            con.execute("CREATE TABLE t (x INTEGER)")
        with pytest.raises(RuntimeError), connect(path) as con:
            con.execute("BEGIN")
            con.execute("INSERT INTO t VALUES (1)")
            raise RuntimeError("the stage failed")
        with connect(path) as con:
            assert con.execute("SELECT count(*) FROM t").fetchone() == (0,)
            con.execute("BEGIN")  # would raise if the failed stage's transaction were still open
            con.execute("COMMIT")


def test_nothing_is_opened_until_a_stage_connects(tmp_path):
    with held_open(tmp_path / "w.duckdb"):
        pass
    assert not (tmp_path / "w.duckdb").exists()


def test_another_file_is_opened_and_closed_as_usual(tmp_path):
    with held_open(tmp_path / "w.duckdb"), connect(tmp_path / "other.duckdb") as other:
        other.execute("SELECT 1")
    with pytest.raises(duckdb.ConnectionException):
        other.execute("SELECT 1")
