"""The compose init step's database creation (clickstream.databases), on the local PostgreSQL (127.0.0.1:5432, as
the integration tests use it); skipped without one."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest

from clickstream.databases import ensure_database

SERVER = "postgresql+psycopg2://postgres@127.0.0.1:5432"


def _admin(statement: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres", autocommit=True,
                         connect_timeout=3) as con:
        cursor = con.execute(statement)
        return cursor.fetchall() if cursor.description else []


@pytest.fixture
def name() -> Iterator[str]:
    try:
        _admin("SELECT 1")
    except Exception as error:  # noqa: BLE001 (any failure to connect is a reason to skip)
        pytest.skip(f"needs PostgreSQL on 127.0.0.1:5432 as postgres: {error}")
    name = f"clickstream_test_iceberg_{uuid.uuid4().hex[:8]}"
    yield name
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def databases_named(name: str) -> list[tuple]:
    return _admin(f"SELECT datname FROM pg_database WHERE datname = '{name}'")


def test_a_missing_database_is_created_and_a_second_call_changes_nothing(name):
    assert ensure_database(f"{SERVER}/{name}") is True
    assert databases_named(name) == [(name,)]
    assert ensure_database(f"{SERVER}/{name}") is False
    assert databases_named(name) == [(name,)]


def test_the_init_step_runs_it_as_a_module_and_says_what_it_did(name):
    command = [sys.executable, "-m", "clickstream.databases", f"{SERVER}/{name}"]
    first = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    second = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    assert (first.stdout, second.stdout) == (f"database {name}: created\n", f"database {name}: exists\n")


def test_a_url_without_a_database_is_refused():
    with pytest.raises(ValueError, match=r"postgresql\+psycopg2://airflow:\*\*\*@postgres names no database"):
        ensure_database("postgresql+psycopg2://airflow:airflow@postgres")
