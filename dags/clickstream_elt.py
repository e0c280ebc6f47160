"""clickstream_elt: one UTC day of website events, validated, loaded, modelled, reported, monitored and published.

Wiring only: every task calls one stage of the ``clickstream`` library
(include/clickstream/), the same functions the ``clickstream`` CLI runs. Heavy
imports (polars, duckdb, Great Expectations) happen inside the tasks.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import Asset, Param, chain, dag, task

from clickstream.alerts import FailureEmail
from clickstream.pipeline import STAGES, placement
from clickstream.published import TABLES, asset_uri
from clickstream.settings import get_settings
from clickstream.timetable import DailyPartitionTimetable

SETTINGS = get_settings()
# Each published table, as an outlet of the publish task: the Assets view lists them, other DAGs schedule on them.
PUBLISHED_ASSETS = [Asset(asset_uri(SETTINGS.iceberg_namespace, table.name), group="iceberg") for table in TABLES]

DOC = """
### clickstream_elt
Processes one **partition** (a UTC calendar day of `raw/events_YYYY-MM-DD.csv`):

1. **validate**: contract check, quarantine of bad rows, Great Expectations `quarantine` gate.
2. **load**: idempotent publish into DuckDB (`raw_events`), with `load_audit`.
3. **transform**: SQL models in `sql/` (sessions, channels, orders, attribution, KPIs).
4. **analyze**: HTML + Markdown report under `reports/<partition>/`.
5. **monitor**: Great Expectations `watchdog` gate over the results.
6. **publish**: the analysts' tables as Apache Iceberg tables, the changed days in one snapshot per table, once
   the day's watchdog passed; each table is an Asset (`iceberg://<namespace>/<table>`) a DAG can be scheduled on.
7. **deliver** (beside publish, also after monitor): the report as `report.pdf` and the stakeholders' email to
   `CLICKSTREAM_REPORT_EMAILS` (once per day and figures; a backfill sends one digest).

**Which day a run processes**: the `partition_date` param when given; otherwise the UTC day of the run's
**logical date**. A scheduled run's logical date is the day before it fires (the run at 02:30 on the 25th
processes the 24th), so `airflow dags test clickstream_elt 2025-02-24` and a trigger with logical date
2025-02-24 process 2025-02-24, and `airflow backfill create --dag-id clickstream_elt --from-date 2025-02-01
--to-date 2025-02-28` processes every day of February 2025. A run without a logical date processes the day
before it was triggered. A stage whose inputs are unchanged since it last ran skips and says why;
`full_refresh` makes every stage do its work again (revalidate, reload, rebuild every model, re-check).
A failed gate fails the task without retries and emails `CLICKSTREAM_ALERT_EMAILS`.
"""


def _run_stage(stage: str, context: dict) -> dict:
    """Resolve the run's partition and run one library stage; data errors fail without retry."""
    from airflow.sdk.exceptions import AirflowFailException

    from clickstream.alerts import notify_warnings
    from clickstream.errors import DataError
    from clickstream.pipeline import partition_of_run, run_stage

    day, full_refresh = partition_of_run(context), bool(context["params"].get("full_refresh"))
    try:
        summary = run_stage(stage, SETTINGS, day, context["dag_run"].run_id, full_refresh=full_refresh)
    except DataError as error:
        raise AirflowFailException(str(error)) from error
    notify_warnings(SETTINGS, context, summary)
    return summary


@dag(
    dag_id="clickstream_elt",
    schedule=DailyPartitionTimetable(SETTINGS.schedule),
    start_date=datetime(2025, 2, 1),
    catchup=False,
    max_active_runs=SETTINGS.max_active_runs,
    tags=["clickstream", "elt", "duckdb", "iceberg"],
    doc_md=DOC,
    default_args={
        "owner": "data-team",
        "retries": 2,
        "retry_delay": timedelta(seconds=SETTINGS.retry_delay_s),
        "on_failure_callback": FailureEmail(SETTINGS),
    },
    params={
        "partition_date": Param(
            None,
            type=["null", "string"],
            format="date",
            title="Partition date",
            description="UTC day to process (YYYY-MM-DD). Empty: the day of the logical date (a scheduled run's is the "
            "day before it fires; no logical date: the day before the trigger).",
        ),
        "full_refresh": Param(
            False,
            type="boolean",
            title="Full refresh",
            description="Every stage does its work even when its inputs are unchanged: revalidate and reload the "
            "files, rebuild every model from scratch, write the report and check the day again.",
        ),
    },
)
def clickstream_elt():
    def stage_task(stage: str):
        # Stages that write or read the warehouse hold its one-slot pool and go to the warehouse's Celery queue;
        # validate does neither (default pool, default queue), so that in a backfill one day validates while
        # another loads, and its worker needs no warehouse.
        outlets = PUBLISHED_ASSETS if stage == "publish" else []

        @task(task_id=stage, **placement(stage, SETTINGS), outlets=outlets,
              doc_md=f"Runs `clickstream.pipeline.run_stage('{stage}', ...)`.")
        def run_stage_task(**context) -> dict:
            return _run_stage(stage, context)

        return run_stage_task()

    @task(task_id="deliver", doc_md="Runs `clickstream.deliver.deliver_in_airflow(...)`: the report's PDF and "
          "the stakeholders' email, once the day's watchdog passed (no warehouse: the default pool and queue).")
    def deliver_task(**context) -> dict:
        from clickstream.deliver import deliver_in_airflow

        return deliver_in_airflow(SETTINGS, context)

    stages = [stage_task(stage) for stage in STAGES]
    chain(*stages)
    stages[STAGES.index("monitor")] >> deliver_task()


clickstream_elt()
