"""The DAG's structure and policies, as Airflow's and Astronomer's best practices ask."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


@pytest.fixture(scope="module")
def dag(dagbag):
    return dagbag.dags["clickstream_elt"]


def test_dags_import_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert list(dagbag.dag_ids) == ["clickstream_elt"]


def test_the_dag_file_parses_fast_and_imports_no_heavy_library():
    code = (
        "import time, sys; import airflow.sdk; t = time.perf_counter(); sys.path.insert(0, sys.argv[1]);"
        "import clickstream_elt; print(time.perf_counter() - t);"
        "print(','.join(m for m in ('polars', 'duckdb', 'great_expectations', 'pandas') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code, str(DAGS)], capture_output=True, text=True, check=True)
    seconds, heavy = result.stdout.strip().splitlines()[-2:] + [""] * (2 - len(result.stdout.strip().splitlines()))
    assert float(seconds) < 2.0
    assert heavy == ""


def test_tasks_run_in_stage_order(dag):
    downstream = {task.task_id: sorted(task.downstream_task_ids) for task in dag.tasks}
    assert downstream == {
        "validate": ["load"],
        "load": ["transform"],
        "transform": ["analyze"],
        "analyze": ["monitor"],
        "monitor": ["deliver", "publish"],
        "publish": [],
        "deliver": [],
    }


def test_schedule_is_the_configured_cron_in_utc_without_catchup(dag):
    from clickstream.timetable import DailyPartitionTimetable

    assert isinstance(dag.timetable, DailyPartitionTimetable)
    assert dag.timetable.summary == "30 2 * * *"
    assert dag.catchup is False


def test_active_runs_are_the_setting_two_by_default(dag):
    assert dag.max_active_runs == 2


def test_partition_date_and_full_refresh_are_params(dag):
    params = dag.params.dump()
    assert params == {"partition_date": None, "full_refresh": False}
    schema = dag.params.get_param("partition_date").schema
    assert schema["format"] == "date" and schema["type"] == ["null", "string"]


def test_every_task_retries_has_an_owner_and_emails_on_failure(dag):
    from clickstream.alerts import FailureEmail

    for task in dag.tasks:
        assert task.retries >= 2, task.task_id
        assert task.owner == "data-team"
        callbacks = task.on_failure_callback if isinstance(task.on_failure_callback, list) else [
            task.on_failure_callback]
        assert any(isinstance(callback, FailureEmail) for callback in callbacks), task.task_id


def test_a_task_is_retried_after_the_retry_delay_setting():
    # A subprocess: the DAG reads its settings once, at import.
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import clickstream_elt as m; "
            "print({t.retry_delay.total_seconds() for t in m.clickstream_elt().tasks})")
    env = {**os.environ, "CLICKSTREAM_RETRY_DELAY_S": "5"}
    result = subprocess.run([sys.executable, "-c", code, str(DAGS)], capture_output=True, text=True, check=True,
                            env=env)
    assert result.stdout.strip().splitlines()[-1] == "{5.0}"


def test_the_retry_delay_is_two_minutes_by_default(dag):
    assert {task.retry_delay.total_seconds() for task in dag.tasks} == {120.0}


def test_warehouse_tasks_share_the_single_slot_pool_and_validate_runs_outside_it(dag):
    warehouse_stages = ("load", "transform", "analyze", "monitor", "publish")
    assert {task.task_id: task.pool for task in dag.tasks} == {
        "validate": "default_pool", **dict.fromkeys(warehouse_stages, "clickstream_warehouse"),
        "deliver": "default_pool"}  # deliver reads the report's files only


def test_warehouse_tasks_go_to_the_warehouse_queue_and_validate_to_the_default_one(dag):
    # "default": Airflow's [operators] default_queue, the queue of the compose stack's airflow-worker.
    warehouse_stages = ("load", "transform", "analyze", "monitor", "publish")  # publish reads the warehouse
    assert {task.task_id: task.queue for task in dag.tasks} == {
        "validate": "default", **dict.fromkeys(warehouse_stages, "warehouse"), "deliver": "default"}


def test_dag_is_tagged_and_documented(dag):
    assert {"clickstream", "elt"} <= set(dag.tags)
    assert "partition" in dag.doc_md


def test_the_publish_task_has_each_published_table_as_its_asset_and_no_other_task_has_one(dag):
    outlets = {task.task_id: [asset.uri for asset in task.outlets] for task in dag.tasks if task.outlets}
    assert outlets == {"publish": [f"iceberg://clickstream/{name}" for name in (
        "sessions", "orders", "order_items", "attribution", "daily_kpis", "funnel_daily", "dim_users", "load_audit",
        "quarantine", "gate_results")]}


def test_the_readmes_downstream_dag_is_scheduled_on_a_published_table(dag):
    import re

    readme = (DAGS.parent / "README.md").read_text()
    example = re.search(r"```python\n(@dag\(schedule=\[Asset.*?)```", readme, re.DOTALL)[1]
    assert len(example.strip().splitlines()) == 3
    from airflow.sdk import Asset, task
    from airflow.sdk import dag as dag_decorator

    namespace = {"Asset": Asset, "dag": dag_decorator, "task": task}
    exec(example + "\nconsumer = kpis_consumer()\n", namespace)
    consumer = namespace["consumer"]
    assert [asset.uri for asset in consumer.timetable.asset_condition.objects] == [
        "iceberg://clickstream/daily_kpis"]
    published = {asset.uri for task_ in dag.tasks for asset in task_.outlets}
    assert "iceberg://clickstream/daily_kpis" in published and [t.task_id for t in consumer.tasks] == ["read"]
