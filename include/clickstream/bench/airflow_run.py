"""Scenario: a data set's 14 days through Airflow (``run_partitions``: db migrate, the pool, one ``dag.test``
per day), in a throwaway ``AIRFLOW_HOME``."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path
from typing import Any

from clickstream.bench import progress
from clickstream.bench.data import DAYS, fresh_data_dir
from clickstream.bench.processes import run_child


def airflow_run(out: Path, folder: Path, raw: Path, days: list[str], rows: int) -> dict[str, Any]:
    progress.step(f"airflow ({len(days)} DAG runs)")
    data_dir = fresh_data_dir(folder / "airflow_run", raw)
    home = out / "airflow_home"
    shutil.rmtree(home, ignore_errors=True)
    result = run_child({"task": "airflow", "data_dir": str(data_dir), "airflow_home": str(home),
                        "days": days, "rows": rows}, folder / "logs" / "airflow.log")
    result.update(stage="airflow_14_days", scope=f"{DAYS} dag.test runs, all five tasks")
    progress.done(f"{result['seconds']:.1f} s" if result["ok"] else f"FAILED (see {result['log']})")
    return result


def task_airflow(spec: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """The partitions through Airflow, every entry point checked first."""
    from clickstream.pipeline import STAGES, entry_point

    for stage in STAGES:  # a missing one would fail the DAG's task only after its retries
        entry_point(stage)
    os.environ["AIRFLOW_HOME"] = spec["airflow_home"]
    os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "False"
    from clickstream.local_airflow import run_partitions

    data_dir = Path(spec["data_dir"])
    days = [date.fromisoformat(day) for day in spec["days"]]
    outcomes = run_partitions(data_dir, days, data_dir / "airflow_runs")
    failed = [outcome for outcome in outcomes if not outcome.succeeded]
    if failed or len(outcomes) != len(days):
        first = failed[0] if failed else outcomes[-1]
        raise RuntimeError(f"DAG run for {first.partition} ended {first.state}: {first.task_states}; "
                           f"see {first.log_path}")
    return spec["rows"], {"runs": len(outcomes), "states": sorted({outcome.state for outcome in outcomes})}
