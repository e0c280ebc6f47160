"""The five stages by name: the one entry point the Airflow tasks and the CLI share.

Each stage takes the settings, a partition date and a run id and returns a small
JSON-able summary (the task's XCom). Stage modules are imported on use, so that
importing this module (as the DAG file does) stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from importlib import import_module
from typing import Any

from clickstream.settings import Settings

STAGES = ("validate", "load", "transform", "analyze", "monitor")
# The Airflow pool every stage runs in: one slot, because DuckDB allows one writer at a time.
WAREHOUSE_POOL = "clickstream_warehouse"
_ENTRY_POINTS = {
    "validate": ("clickstream.validate", "validate_partition"),
    "load": ("clickstream.load", "load_partition"),
    "transform": ("clickstream.transform", "transform_partition"),
    "analyze": ("clickstream.analyze", "analyze_partition"),
    "monitor": ("clickstream.monitor", "monitor_partition"),
}
_TAKES_FULL_REFRESH = {"load", "transform"}


def entry_point(stage: str) -> Callable[..., dict[str, Any]]:
    """The library function behind a stage (imported on first use)."""
    if stage not in _ENTRY_POINTS:
        raise ValueError(f"unknown stage {stage!r}; stages are {', '.join(STAGES)}")
    module, function = _ENTRY_POINTS[stage]
    return getattr(import_module(module), function)


def run_stage(stage: str, settings: Settings, day: date, run_id: str, full_refresh: bool = False) -> dict[str, Any]:
    """Run one stage for one partition and return its summary."""
    entry = entry_point(stage)
    options = {"full_refresh": full_refresh} if stage in _TAKES_FULL_REFRESH else {}
    return entry(settings, day, run_id, **options)


def parse_partition(text: str) -> date:
    """A ``YYYY-MM-DD`` partition date, with an error that says what was expected."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError as error:
        raise ValueError(f"partition date {text!r} is not a YYYY-MM-DD date") from error


def resolve_partition(param: str | None, partition_key: str | None, run_after: datetime | None) -> date:
    """The partition a run processes: the ``partition_date`` param, else the run's partition key,
    else the UTC day before the run was due (cron runs have zero-length data intervals in Airflow 3)."""
    for given in (param, partition_key):
        if given:
            return parse_partition(given[:10])
    if run_after is None:
        raise ValueError("cannot tell the partition: no partition_date param, partition key or run date")
    utc = run_after if run_after.tzinfo is None else run_after.astimezone(UTC)
    return utc.date() - timedelta(days=1)
