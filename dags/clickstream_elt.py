"""clickstream_elt: one UTC day of website events, validated, loaded, modelled, reported and monitored.

Wiring only: every task calls one stage of the ``clickstream`` library
(include/clickstream/), the same functions the ``clickstream`` CLI runs. Heavy
imports (polars, duckdb, Great Expectations) happen inside the tasks.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import CronTriggerTimetable, Param, chain, dag, task

from clickstream.alerts import FailureEmail
from clickstream.pipeline import STAGES, WAREHOUSE_POOL
from clickstream.settings import get_settings

SETTINGS = get_settings()

DOC = """
### clickstream_elt
Processes one **partition** (a UTC calendar day of `raw/events_YYYY-MM-DD.csv`):

1. **validate**: contract check, quarantine of bad rows, Great Expectations `quarantine` gate.
2. **load**: idempotent publish into DuckDB (`raw_events`), with `load_audit`.
3. **transform**: SQL models in `sql/` (sessions, channels, orders, attribution, KPIs).
4. **analyze**: HTML + Markdown report under `reports/<partition>/`.
5. **monitor**: Great Expectations `watchdog` gate over the results.

**Trigger** with `partition_date` (YYYY-MM-DD) to process a given day; scheduled runs
process the day before the run. `full_refresh` reloads unchanged files and rebuilds every model.
A failed gate fails the task without retries and emails `CLICKSTREAM_ALERT_EMAILS`.
"""


def _run_stage(stage: str, context: dict) -> dict:
    """Resolve the run's partition and run one library stage; data errors fail without retry."""
    from airflow.sdk.exceptions import AirflowFailException

    from clickstream.alerts import notify_warnings
    from clickstream.errors import DataError
    from clickstream.pipeline import resolve_partition, run_stage

    params, dag_run = context["params"], context["dag_run"]
    day = resolve_partition(params.get("partition_date"), getattr(dag_run, "partition_key", None), dag_run.run_after)
    try:
        summary = run_stage(stage, SETTINGS, day, dag_run.run_id, full_refresh=bool(params.get("full_refresh")))
    except DataError as error:
        raise AirflowFailException(str(error)) from error
    notify_warnings(SETTINGS, context, summary)
    return summary


@dag(
    dag_id="clickstream_elt",
    schedule=CronTriggerTimetable(SETTINGS.schedule, timezone="UTC"),
    start_date=datetime(2025, 2, 1),
    catchup=False,
    max_active_runs=1,
    tags=["clickstream", "elt", "duckdb"],
    doc_md=DOC,
    default_args={
        "owner": "data-team",
        "retries": 2,
        "retry_delay": timedelta(minutes=2),
        "on_failure_callback": FailureEmail(SETTINGS),
    },
    params={
        "partition_date": Param(
            None,
            type=["null", "string"],
            format="date",
            title="Partition date",
            description="UTC day to process (YYYY-MM-DD). Empty: the day before the run.",
        ),
        "full_refresh": Param(
            False,
            type="boolean",
            title="Full refresh",
            description="Reload files already loaded and rebuild every model from scratch.",
        ),
    },
)
def clickstream_elt():
    def stage_task(stage: str):
        @task(task_id=stage, pool=WAREHOUSE_POOL, doc_md=f"Runs `clickstream.pipeline.run_stage('{stage}', ...)`.")
        def run_stage_task(**context) -> dict:
            return _run_stage(stage, context)

        return run_stage_task()

    chain(*(stage_task(stage) for stage in STAGES))


clickstream_elt()
