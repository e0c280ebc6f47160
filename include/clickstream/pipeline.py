"""The six stages by name: the one entry point the Airflow tasks and the CLI share.

Each stage takes the settings, a partition date and a run id and returns a small
JSON-able summary (the task's XCom). Stage modules are imported on use, so that
importing this module (as the DAG file does) stays cheap.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from importlib import import_module
from typing import Any

from clickstream.errors import OperationalError
from clickstream.settings import Settings

STAGES = ("validate", "load", "transform", "analyze", "monitor", "publish")
# The Airflow pool of the stages that open the warehouse: one slot, because DuckDB allows one writer at a time
# (and no reader beside a writer of another process). validate opens it not at all (its gate results are
# recorded by load, see gates.record_pending), so it runs outside the pool, and on the default Celery queue: only
# the workers of the warehouse queue (CLICKSTREAM_WAREHOUSE_QUEUE) need the warehouse file.
WAREHOUSE_POOL = "clickstream_warehouse"
WAREHOUSE_STAGES = ("load", "transform", "analyze", "monitor", "publish")  # publish reads it
_ENTRY_POINTS = {
    "validate": ("clickstream.validate", "validate_partition"),
    "load": ("clickstream.load", "load_partition"),
    "transform": ("clickstream.transform", "transform_partition"),
    "analyze": ("clickstream.analyze", "analyze_partition"),
    "monitor": ("clickstream.monitor", "monitor_partition"),
    "publish": ("clickstream.publish", "publish_partition"),
}


class WarehouseDirMissingError(OperationalError):
    """CLICKSTREAM_WAREHOUSE_DIR names a folder this machine does not have: the stage runs on the wrong worker."""


def placement(stage: str, settings: Settings) -> dict[str, str]:
    """The Airflow task arguments that put a stage where it can run: the warehouse stages in the warehouse's
    one-slot pool and on its Celery queue; validate (nothing given) in the default pool, on the default queue."""
    if stage in WAREHOUSE_STAGES:
        return {"pool": WAREHOUSE_POOL, "queue": settings.warehouse_queue}
    return {}


def require_warehouse_dir(settings: Settings) -> None:
    """A warehouse dir that is set must exist. A warehouse stage on a worker that does not mount it (a task sent
    to the wrong queue, a command run in the wrong container) then fails, instead of creating an empty warehouse of
    its own that no other stage sees."""
    folder = settings.warehouse_dir
    if folder is not None and not folder.is_dir():
        raise WarehouseDirMissingError(
            f"no warehouse dir {folder} on {socket.gethostname()}: CLICKSTREAM_WAREHOUSE_DIR must be a folder "
            f"this machine mounts; the warehouse stages run on the workers of the queue {settings.warehouse_queue!r}")


def entry_point(stage: str) -> Callable[..., dict[str, Any]]:
    """The library function behind a stage (imported on first use)."""
    if stage not in _ENTRY_POINTS:
        raise ValueError(f"unknown stage {stage!r}; stages are {', '.join(STAGES)}")
    module, function = _ENTRY_POINTS[stage]
    return getattr(import_module(module), function)


def run_stage(stage: str, settings: Settings, day: date | Sequence[date], run_id: str,
              full_refresh: bool = False) -> dict[str, Any]:
    """Run one stage for one partition (transform: or several) and return its summary. A stage whose inputs are
    unchanged since it last ran returns ``status: skipped_unchanged`` and why; ``full_refresh`` makes every stage
    do its work again."""
    function = entry_point(stage)
    if stage in WAREHOUSE_STAGES:
        require_warehouse_dir(settings)
    return function(settings, day, run_id, full_refresh=full_refresh)


def parse_partition(text: str) -> date:
    """A ``YYYY-MM-DD`` partition date, with an error that says what was expected."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError as error:
        raise ValueError(f"partition date {text!r} is not a YYYY-MM-DD date") from error


def resolve_partition(param: str | None, partition_key: str | None, logical_date: datetime | None,
                      run_after: datetime | None) -> date:
    """The partition a run processes, by one rule: the ``partition_date`` param; else the run's partition key;
    else the UTC day of its logical date (the DAG's timetable makes a scheduled run's logical date the midnight
    of the day before it fires, see ``clickstream.timetable``); else, for a run without a logical date, the UTC
    day before the run was due (the last whole day)."""
    for given in (param, partition_key):
        if given:
            return parse_partition(given[:10])
    if logical_date is not None:
        return _utc(logical_date).date()
    if run_after is None:
        raise ValueError("cannot tell the partition: no partition_date param, partition key, logical date or run date")
    return _utc(run_after).date() - timedelta(days=1)


def partition_of_run(context: Mapping[str, Any]) -> date:
    """``resolve_partition`` applied to an Airflow task's context (its params and its DAG run)."""
    dag_run = context["dag_run"]
    return resolve_partition((context.get("params") or {}).get("partition_date"),
                             getattr(dag_run, "partition_key", None), getattr(dag_run, "logical_date", None),
                             getattr(dag_run, "run_after", None))


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is None else moment.astimezone(UTC)
