"""The transform stage: run the SQL models of ``sql/staging`` and ``sql/marts`` in dependency order.

A model is one SELECT in one file, headed by its grain and these declarations::

    -- depends_on: stg_events, channel_rules     tables it reads (models, sources, Python models such
                                                  as dim_user_agents): the run order
    -- scope: client_id | user_id | date | url | all   the key by which an incremental run replaces
                                                  its rows (all: always rebuilt whole)
    -- materialized: temp | ephemeral | view      optional, default a table; temp: a table for this
                                                  run only; ephemeral: a view in a full rebuild, a
                                                  temp table of the in-scope rows in an incremental run
    -- unique_key: session_id                     the columns that name a row: required of a table
                                                  that an incremental run updates (scope other than all)

A full rebuild creates every table from scratch. An incremental run for partition D first fills the
scope tables (``_scope_incremental.sql``: the clients, users and dates D can change), then computes each
model's in-scope rows and writes only those that differ from the table's: rows of changed or vanished
keys are deleted, rows of new or changed keys inserted. Models filter their inputs on the same scope
tables in both modes (a full rebuild's scope is everything), so both run one SQL text and give one result.

Settings reach the SQL as DuckDB variables (``SET VARIABLE`` with bound values, read with
``getvariable()``), never formatted into it. The whole run is one transaction: readers see the old
tables or the new ones, never a half-built mix.
"""

from __future__ import annotations

import graphlib
import hashlib
import json
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from clickstream.channel_group import (
    create_channel_macro,
    create_seed_channel_rules,
    create_seed_source_categories,
    reference_digest,
)
from clickstream.settings import Settings
from clickstream.useragents import parser_version, refresh_user_agents
from clickstream.warehouse import SQL_DIR, connect, rollback

log = logging.getLogger(__name__)

MODEL_DIRS = ("staging", "marts")
SOURCES = frozenset({"raw_events", "quarantine"})


@dataclass(frozen=True)
class PythonModel:
    """A step written in Python that makes a table kept between runs, a temp table of this run, or a per-run macro."""

    build: Callable[[duckdb.DuckDBPyConnection, Settings], dict[str, int]]
    depends_on: tuple[str, ...] = ()
    makes: str = "table"  # table | temp | macro

    @property
    def keeps_table(self) -> bool:
        return self.makes == "table"


PYTHON_MODELS = {
    "dim_user_agents": PythonModel(lambda con, settings: refresh_user_agents(con)),
    # The channel group's files (clickstream/channel_group.py), checked and read for the staging models.
    "seed_source_categories": PythonModel(create_seed_source_categories, makes="temp"),
    "seed_channel_rules": PythonModel(create_seed_channel_rules, makes="temp"),
    "channel_of": PythonModel(create_channel_macro, depends_on=("channel_rules",), makes="macro"),
}
# scope key -> (scope table, its column); an incremental run replaces rows whose key is in the table.
SCOPES = {
    "client_id": ("scope_clients", "client_id"),
    "user_id": ("scope_users", "user_id"),
    "date": ("scope_dates", "date"),
    "url": ("scope_urls", "url"),
}
SCOPE_TABLES = ("scope_direct", "scope_users", "scope_clients", "scope_dates", "scope_urls")
MATERIALIZATIONS = ("table", "temp", "view", "ephemeral")
RUN_ONLY = ("temp", "ephemeral")
_HEADER = re.compile(r"^--\s*(depends_on|scope|materialized|unique_key):(.*)$", re.MULTILINE)


@dataclass(frozen=True)
class Model:
    """One SQL model file and its declared header."""

    name: str
    path: Path
    sql: str
    depends_on: tuple[str, ...]
    scope: str
    materialized: str = "table"
    unique_key: tuple[str, ...] = ()

    @property
    def grain(self) -> str:
        return self.sql.splitlines()[0].removeprefix("--").strip()


def parse_model(path: Path) -> Model:
    """Read a model file's header; a missing or unknown declaration is an error, not a default."""
    sql = path.read_text()
    header = {key: value.strip() for key, value in _HEADER.findall(sql)}
    if "depends_on" not in header or "scope" not in header:
        raise ValueError(f"{path}: a model declares '-- depends_on:' and '-- scope:'")
    if header["scope"] not in (*SCOPES, "all"):
        raise ValueError(f"{path}: scope must be one of {sorted(SCOPES)} or 'all'")
    if header.get("materialized", "table") not in MATERIALIZATIONS:
        raise ValueError(f"{path}: materialized must be one of {MATERIALIZATIONS}")
    if not sql.startswith("-- Grain:"):
        raise ValueError(f"{path}: a model's first line is '-- Grain: ...'")
    depends_on = tuple(name.strip() for name in header["depends_on"].split(",") if name.strip())
    unique_key = tuple(name.strip() for name in header.get("unique_key", "").split(",") if name.strip())
    materialized = header.get("materialized", "table")
    if materialized == "table" and header["scope"] != "all" and not unique_key:
        raise ValueError(f"{path}: a table that incremental runs update declares '-- unique_key:'")
    return Model(path.stem, path, sql, depends_on, header["scope"], materialized, unique_key)


def discover(sql_dir: Path = SQL_DIR) -> dict[str, Model]:
    """Every model in sql/staging and sql/marts (files starting with '_' are run-level scripts)."""
    models = {}
    for folder in MODEL_DIRS:
        for path in sorted((sql_dir / folder).glob("*.sql")):
            if not path.name.startswith("_"):
                model = parse_model(path)
                models[model.name] = model
    return models


def run_order(models: dict[str, Model]) -> list[str]:
    """Model and Python-model names, each after everything it depends on (ties alphabetical)."""
    known = set(models) | set(PYTHON_MODELS) | SOURCES
    graph: dict[str, set[str]] = {name: set(model.depends_on) for name, model in PYTHON_MODELS.items()}
    for name, model in sorted(models.items()):
        unknown = set(model.depends_on) - known
        if unknown:
            raise ValueError(f"{model.path}: depends on unknown tables {sorted(unknown)}")
        graph[name] = set(model.depends_on) - SOURCES
    sorter = graphlib.TopologicalSorter(graph)
    sorter.prepare()
    order: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        order.extend(ready)
        sorter.done(*ready)
    return order


def fingerprint(settings: Settings, sql_dir: Path = SQL_DIR) -> str:
    """Hash of everything the tables depend on besides the data: SQL, parameters, parser versions, the channel
    group's files.

    An incremental run is only exact on top of tables built by the same definitions, so a changed
    fingerprint turns the next run into a full rebuild.
    """
    digest = hashlib.sha256()
    for folder in MODEL_DIRS:
        for path in sorted((sql_dir / folder).glob("*.sql")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(json.dumps(_parameters(settings), sort_keys=True).encode())
    digest.update(parser_version().encode())
    digest.update(reference_digest(settings).encode())
    return digest.hexdigest()


def _parameters(settings: Settings) -> dict[str, Any]:
    return {
        "session_timeout_s": settings.session_timeout_s,
        "attribution_lookback_days": settings.attribution_lookback_days,
        "time_decay_half_life_days": settings.time_decay_half_life_days,
        "conversion_events": list(settings.conversion_events),
    }


def _set_variables(con: duckdb.DuckDBPyConnection, settings: Settings, days: list[date] | None) -> None:
    params = _parameters(settings)
    con.execute("SET VARIABLE session_timeout_s = ?::BIGINT", [params["session_timeout_s"]])
    con.execute("SET VARIABLE attribution_lookback_days = ?::INTEGER", [params["attribution_lookback_days"]])
    con.execute("SET VARIABLE time_decay_half_life_days = ?::DOUBLE", [params["time_decay_half_life_days"]])
    con.execute("SET VARIABLE conversion_events = ?::VARCHAR[]", [params["conversion_events"]])
    con.execute("SET VARIABLE partition_dates = ?::DATE[]", [days or []])
    con.execute("SET VARIABLE first_partition = ?::DATE", [min(days) if days else None])
    con.execute("SET VARIABLE last_partition = ?::DATE", [max(days) if days else None])


def _table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """A persistent table or view of that name (a model's output)."""
    return con.execute(
        """SELECT count(*) FROM (SELECT table_name AS name FROM duckdb_tables() WHERE NOT temporary
                                 UNION ALL SELECT view_name FROM duckdb_views() WHERE NOT temporary)
           WHERE name = ?""",
        [name],
    ).fetchone()[0] > 0


def _full_rebuild_reason(
    con: duckdb.DuckDBPyConnection,
    models: dict[str, Model],
    current: str,
    days: list[date] | None,
    full_refresh: bool,
) -> str | None:
    """Why this run must rebuild everything, or None when an incremental run is exact."""
    if full_refresh:
        return "full_refresh requested"
    if not days:
        return "no partition given"
    persistent = [name for name, model in models.items() if model.materialized not in RUN_ONLY]
    persistent += [name for name, model in PYTHON_MODELS.items() if model.keeps_table]
    missing = [name for name in persistent if not _table_exists(con, name)]
    if missing:
        return f"tables missing: {', '.join(missing)}"
    last = con.execute("SELECT fingerprint FROM transform_runs ORDER BY finished_at DESC LIMIT 1").fetchone()
    if last is None or last[0] != current:
        return "models, parameters, parser versions or channel group changed since the last run"
    return None


def _transformed_since_last_load(con: duckdb.DuckDBPyConnection, partition_date: date) -> bool:
    """A transform of this partition (or a full one) finished after the partition's last load: the tables
    already hold what an incremental run would compute (callers check that the fingerprint is unchanged)."""
    return con.execute(
        """SELECT coalesce(max(finished_at) > (SELECT max(loaded_at) FROM load_audit
                                               WHERE partition_date = $day AND status = 'loaded'), false)
           FROM transform_runs WHERE mode = 'full' OR partition_date = $day""",
        {"day": partition_date},
    ).fetchone()[0]


def _relation_kind(model: Model, full: bool) -> str:
    """VIEW or TABLE: an ephemeral model is a view in a full rebuild (every row is in scope), else a temp table."""
    return "VIEW" if model.materialized == "view" or (model.materialized == "ephemeral" and full) else "TABLE"


def _run_model(con: duckdb.DuckDBPyConnection, name: str, model: Model | None, full: bool,
               settings: Settings) -> dict[str, Any]:
    """Build one model; its entry in the summary (row counts only for tables, a view has none to give)."""
    started = time.perf_counter()
    result: dict[str, Any] = {"model": name}
    as_view = model is not None and _relation_kind(model, full) == "VIEW"
    if model is None:
        result.update(PYTHON_MODELS[name].build(con, settings))
    elif model.materialized == "view":
        if full:  # otherwise the fingerprint says the definition is unchanged
            con.execute(f"CREATE OR REPLACE VIEW {name} AS {model.sql}")
    elif model.materialized == "ephemeral" and full:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {model.sql}")
    elif model.materialized in RUN_ONLY:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {model.sql}")
    elif full or model.scope == "all":
        con.execute(f"CREATE OR REPLACE TABLE {name} AS {model.sql}")
    else:
        result.update(_write_changed_rows(con, name, model))
    if not as_view and (model is not None or PYTHON_MODELS[name].keeps_table):
        result["rows"] = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
    result["seconds"] = round(time.perf_counter() - started, 3)
    return result


def _write_changed_rows(con: duckdb.DuckDBPyConnection, name: str, model: Model) -> dict[str, int]:
    """Make the table's in-scope rows the model's, deleting and inserting only the rows that differ.

    Rows that did not change stay where they are. Deleting and inserting every in-scope row made
    the commit's checkpoint rewrite row groups across the whole of sessions, dim_users and
    int_client_identity: 5 s of a 24 s one-day run at 10 M events.
    """
    table, column = SCOPES[model.scope]
    columns = ", ".join(f'"{row[0]}"' for row in con.execute(f"DESCRIBE {name}").fetchall())
    con.execute(f"CREATE OR REPLACE TEMP TABLE model_rows AS {model.sql}")
    current = f"SELECT {columns} FROM {name} WHERE {model.scope} IN (SELECT {column} FROM {table})"
    fresh = f"SELECT {columns} FROM model_rows"
    keys = model.unique_key
    # One join on the key; a row whose values differ, or that one side lacks, is a changed key.
    con.execute(f"""CREATE OR REPLACE TEMP TABLE changed_keys AS
                    SELECT {", ".join(f"coalesce(fresh.{key}, current.{key}) AS {key}" for key in keys)}
                    FROM ({fresh}) AS fresh FULL JOIN ({current}) AS current ON {_same_key("fresh", "current", keys)}
                    WHERE fresh IS DISTINCT FROM current""")
    delete = f"DELETE FROM {name} USING changed_keys WHERE {_same_key(name, 'changed_keys', keys)}"
    result = {"deleted": con.execute(delete).fetchone()[0]}
    insert = f"""INSERT INTO {name} BY NAME SELECT model_rows.* FROM model_rows
                 SEMI JOIN changed_keys ON {_same_key("model_rows", "changed_keys", keys)}"""
    result["inserted"] = con.execute(insert).fetchone()[0]
    con.execute("DROP TABLE model_rows")
    con.execute("DROP TABLE changed_keys")
    return result


def _same_key(left: str, right: str, keys: tuple[str, ...]) -> str:
    """A join condition: the two relations' rows have the same key."""
    return " AND ".join(f"{left}.{key} = {right}.{key}" for key in keys)


# Under two of DuckDB's row groups (122,880 rows each) a second thread has little to scan, and its own hash tables
# and buffers cost memory: a full rebuild of 49,000 events peaked 14 MB lower on one thread, in the same time
# (0.9 s); of 392,000, two threads were 0.4 s faster.
ONE_THREAD_BELOW_ROWS = 2 * 122_880


RUNS_TABLE = """
CREATE TABLE IF NOT EXISTS transform_runs (
    finished_at    TIMESTAMPTZ NOT NULL,
    run_id         VARCHAR,
    partition_date DATE,
    mode           VARCHAR     NOT NULL,  -- full | incremental
    reason         VARCHAR,               -- why a full rebuild
    fingerprint    VARCHAR     NOT NULL,
    seconds        DOUBLE      NOT NULL,
    summary        JSON        NOT NULL
)
"""


def run_transform(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    partitions: date | Sequence[date] | None,
    full_refresh: bool = False,
    run_id: str | None = None,
) -> dict[str, Any]:
    """Build the staging and mart tables: incrementally for the ``partitions`` (one day or several) when that is
    exact, and not at all when every one of them was transformed since its last load.

    Returns a JSON-able summary: status, mode, reason for a full rebuild, scope sizes, and per model its
    seconds and row counts.
    """
    started = time.perf_counter()
    days = sorted({partitions} if isinstance(partitions, date) else set(partitions)) if partitions else None
    models = discover()
    order = run_order(models)
    current = fingerprint(settings)
    con.execute("SET TimeZone = 'UTC'")
    con.execute(RUNS_TABLE)
    reason = _full_rebuild_reason(con, models, current, days, full_refresh)
    full = reason is not None
    if not full:
        days = [day for day in days if not _transformed_since_last_load(con, day)]
        if not days:
            return {"mode": "skipped", "status": "skipped_unchanged", "partition_dates": _iso(partitions),
                    "reason": "no load of the partition since a transform covered it, with the same models and "
                              "parameters; full_refresh rebuilds"}
    summary: dict[str, Any] = {
        "status": "transformed",
        "mode": "full" if full else "incremental",
        "partition_dates": _iso(days),
        "reason": reason,
    }
    _set_variables(con, settings, days)
    # Tables are sets: keeping the input order of 10 M rows through joins costs memory, and spilling
    # under the memory limit made the sessions model a third slower.
    con.execute("SET preserve_insertion_order = false")
    if con.execute("SELECT count(*) FROM raw_events").fetchone()[0] < ONE_THREAD_BELOW_ROWS:
        con.execute("SET threads = 1")
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute((SQL_DIR / "staging" / "_macros.sql").read_text())
        con.execute((SQL_DIR / "staging" / ("_scope_full.sql" if full else "_scope_incremental.sql")).read_text())
        scope_tables = ("scope_dates", "scope_urls") if full else SCOPE_TABLES
        summary["scope"] = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in scope_tables}
        summary["models"] = [_run_model(con, name, models.get(name), full, settings) for name in order]
        # Run-only relations go with the run. Dropping one earlier frees nothing: DuckDB keeps a dropped
        # table's data until the transaction commits, so a run-only table costs memory (or spill) to the end.
        for name in reversed(order):
            if name in models and models[name].materialized in RUN_ONLY:
                con.execute(f"DROP {_relation_kind(models[name], full)} IF EXISTS temp.main.{name}")
            elif name in PYTHON_MODELS and PYTHON_MODELS[name].makes == "temp":
                con.execute(f"DROP TABLE IF EXISTS temp.main.{name}")
        for name in SCOPE_TABLES:
            con.execute(f"DROP TABLE IF EXISTS temp.main.{name}")
        summary["seconds"] = round(time.perf_counter() - started, 3)
        con.executemany(  # a row per partition covered, which later runs' skip checks read
            "INSERT INTO transform_runs VALUES (now(), ?, ?, ?, ?, ?, ?, ?)",
            [[run_id, day, summary["mode"], reason, current, summary["seconds"], json.dumps(summary)]
             for day in (days or [None])],
        )
        con.execute("COMMIT")
    except BaseException:
        rollback(con)
        raise
    finally:
        con.execute("RESET preserve_insertion_order")
        con.execute("RESET threads")
    log.info("transform %s for %s in %.1f s", summary["mode"], summary["partition_dates"], summary["seconds"])
    return summary


def _iso(days: date | Sequence[date] | None) -> list[str]:
    return [] if days is None else [days.isoformat()] if isinstance(days, date) else [day.isoformat() for day in days]


def transform(
    settings: Settings, partitions: date | Sequence[date] | None, full_refresh: bool = False,
    run_id: str | None = None,
) -> dict[str, Any]:
    """Open the warehouse and run the transform."""
    with connect(settings.warehouse_path) as con:
        return run_transform(con, settings, partitions, full_refresh, run_id)


def transform_partition(settings: Settings, day: date | Sequence[date], run_id: str,
                        full_refresh: bool = False) -> dict[str, Any]:
    """The stage entry point of ``clickstream.pipeline`` (Airflow task and CLI): ``transform`` for one day, or
    for several at once (``clickstream run`` after loading them: one incremental run instead of one a day)."""
    return transform(settings, day, full_refresh, run_id)
