"""The runner: model discovery, dependency order, full versus incremental, one transaction per run."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date
from pathlib import Path

import pytest
from transform_helpers import at, event, insert, purchase, rows

import clickstream.transform as transform_module
from clickstream.settings import Settings
from clickstream.transform import (
    PYTHON_MODELS,
    SCOPE_TABLES,
    SOURCES,
    discover,
    parse_model,
    run_order,
    run_transform,
    transform,
)

_TABLE_REFERENCE = re.compile(r"\b(?:from|join)\s+([a-z_][a-z0-9_]*)", re.IGNORECASE)
_CTE = re.compile(r"\b([a-z_][a-z0-9_]*)\s+as\s+\(", re.IGNORECASE)


def test_models_run_in_dependency_order():
    assert run_order(discover()) == [
        "conversion_events",
        "dim_user_agents",
        "seed_channel_rules",
        "seed_source_categories",
        "channel_rules",
        "stg_events_base",
        "stg_source_categories",
        "channel_of",
        "int_scoped_events",
        "stg_urls",
        "int_client_identity",
        "int_conversions",
        "int_session_events",
        "stg_events",
        "stg_traffic_channels",
        "int_session_totals",
        "order_items",
        "sessions",
        "funnel_daily",
        "orders",
        "attribution",
        "daily_kpis",
        "dim_users",
    ]


@pytest.mark.parametrize("name", sorted(discover()))
def test_declared_dependencies_are_exactly_the_tables_the_sql_reads(name):
    model = discover()[name]
    code = re.sub(r"--[^\n]*", "", model.sql)
    read = set(_TABLE_REFERENCE.findall(code)) - set(_CTE.findall(code)) - set(SCOPE_TABLES)
    macros = {dependency for dependency in model.depends_on
              if dependency in PYTHON_MODELS and PYTHON_MODELS[dependency].makes == "macro"}
    assert read == set(model.depends_on) - macros
    assert {macro for macro in macros if re.search(rf"\b{macro}\(", code)} == macros


def test_every_model_states_its_grain():
    for model in discover().values():
        assert model.grain.startswith("Grain: one row per"), model.name


def test_a_dependency_on_an_unknown_table_is_an_error(tmp_path):
    (tmp_path / "staging").mkdir()
    (tmp_path / "marts").mkdir()
    (tmp_path / "marts" / "m.sql").write_text(
        "-- Grain: one row per x.\n-- depends_on: nowhere\n-- scope: all\nselect 1"
    )
    with pytest.raises(ValueError, match="unknown tables"):
        run_order(discover(tmp_path))


def test_a_model_without_a_scope_is_an_error(tmp_path):
    path = tmp_path / "m.sql"
    path.write_text("-- Grain: one row per x.\n-- depends_on:\nselect 1")
    with pytest.raises(ValueError, match="scope"):
        parse_model(path)


def test_a_table_that_incremental_runs_update_must_name_its_unique_key(tmp_path):
    path = tmp_path / "m.sql"
    path.write_text("-- Grain: one row per x.\n-- depends_on:\n-- scope: client_id\nselect 1 as client_id")
    with pytest.raises(ValueError, match="unique_key"):
        parse_model(path)


@pytest.mark.parametrize("name", sorted(name for name, model in discover().items() if model.unique_key))
def test_a_models_unique_key_names_one_row(name, build):
    con = build([event("c1", at(0)), purchase("c1", at(60), 100), event("c2", at(0)), purchase("c2", at(30), 50),
                 event("c1", at(0, days=1)), purchase("c1", at(90, days=1), 70)])
    keys = ", ".join(discover()[name].unique_key)
    assert rows(con, f"SELECT count(*) FROM {name}")[0][0] > 0
    assert rows(con, f"SELECT count(*) FROM (SELECT {keys} FROM {name} GROUP BY ALL HAVING count(*) > 1)") == [(0,)]


def test_the_first_run_is_full_and_the_next_incremental(con, transform_settings):
    insert(con, [event("c1", at(0))])
    first = run_transform(con, transform_settings, date(2025, 2, 23))
    second = run_transform(con, transform_settings, date(2025, 2, 23))
    assert first["mode"] == "full"
    assert first["reason"].startswith("tables missing: channel_rules, conversion_events")
    assert (second["mode"], second["reason"]) == ("incremental", None)
    assert json.loads(json.dumps(second)) == second


def test_changed_parameters_force_a_full_rebuild(con, transform_settings):
    insert(con, [event("c1", at(0)), event("c1", at(900))])
    run_transform(con, transform_settings, None)
    shorter = Settings(data_dir=transform_settings.data_dir, session_timeout_s=600)
    summary = run_transform(con, shorter, date(2025, 2, 23))
    assert summary["mode"] == "full"
    assert rows(con, "SELECT count(*) FROM sessions") == [(2,)]


def test_the_summary_lists_every_model_with_rows_and_seconds(con, transform_settings):
    insert(con, [event("c1", at(0)), event("c2", at(0))])
    summary = run_transform(con, transform_settings, None)
    by_model = {entry["model"]: entry for entry in summary["models"]}
    assert list(by_model) == run_order(discover())
    assert by_model["sessions"]["rows"] == 2


def test_a_failing_run_leaves_the_previous_tables(con, transform_settings, monkeypatch):
    insert(con, [event("c1", at(0))])
    run_transform(con, transform_settings, None)
    insert(con, [event("c2", at(0))])
    models = discover()
    broken = dataclasses.replace(models["dim_users"], sql="select nonsense")
    monkeypatch.setattr("clickstream.transform.discover", lambda: models | {"dim_users": broken})
    with pytest.raises(Exception, match="nonsense"):
        run_transform(con, transform_settings, None, full_refresh=True)
    assert rows(con, "SELECT client_id FROM sessions") == [("c1",)]


def test_transform_opens_the_warehouse_of_the_settings(transform_settings):
    from clickstream.warehouse import connect

    with connect(transform_settings.warehouse_path) as con:
        insert(con, [event("c1", at(0))])
    summary = transform(transform_settings, None)
    assert summary["mode"] == "full"
    with connect(transform_settings.warehouse_path, read_only=True) as con:
        assert rows(con, "SELECT count(*) FROM sessions") == [(1,)]


def test_sources_are_the_load_stage_tables():
    migration = (Path(__file__).resolve().parents[2] / "sql" / "migrations" / "001_raw.sql").read_text()
    for source in SOURCES:
        assert f"CREATE TABLE IF NOT EXISTS {source} (" in migration


def _temporary_relations(con) -> dict[str, str]:
    return dict(con.execute(
        "SELECT table_name, 'table' FROM duckdb_tables() WHERE temporary UNION ALL "
        "SELECT view_name, 'view' FROM duckdb_views() WHERE temporary AND NOT internal").fetchall())


@pytest.mark.parametrize(("partition_date", "ephemeral_kind"), [(None, "view"), (date(2025, 2, 23), "table")],
                         ids=["full", "incremental"])
def test_run_only_relations_last_until_the_last_model_and_not_beyond_the_run(con, transform_settings, monkeypatch,
                                                                             partition_date, ephemeral_kind):
    insert(con, [event("c1", at(0)), event("c1", at(4000))])
    run_transform(con, transform_settings, None)
    seen: dict[str, dict[str, str]] = {}
    real_run_model = transform_module._run_model

    def recording_run_model(connection, name, model, full, settings):
        seen[name] = _temporary_relations(connection)
        return real_run_model(connection, name, model, full, settings)

    monkeypatch.setattr(transform_module, "_run_model", recording_run_model)
    run_transform(con, transform_settings, partition_date)
    # An ephemeral model is a view over everything in a full rebuild, a table of the scope's rows otherwise.
    at_last_model = seen[run_order(discover())[-1]]
    assert at_last_model["int_session_events"] == ephemeral_kind
    assert at_last_model["int_scoped_events"] == ephemeral_kind
    assert at_last_model["int_session_totals"] == "table"
    assert _temporary_relations(con) == {}
