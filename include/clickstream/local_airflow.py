"""Run the project's DAG through a local Airflow: the environment, the pool, and one run per partition.

Used by ``make run`` (``clickstream airflow-run``), ``make airflow`` and the tests, so that
all of them configure Airflow the same way: an ``AIRFLOW_HOME`` inside the project, the
project's dags/ and plugins/, the embedded SQLite metadata DB unless told otherwise.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from datetime import date
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DAG_ID = "clickstream_elt"
WAREHOUSE_POOL = "clickstream_warehouse"


def airflow_env(
    data_dir: Path, airflow_home: Path | None = None, extra: dict[str, str] | None = None
) -> dict[str, str]:
    """Environment for Airflow commands: project folders, no examples, the data dir for the tasks."""
    env = dict(os.environ)
    home = airflow_home or Path(env.get("AIRFLOW_HOME") or PROJECT_ROOT / "airflow_home")
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__UNIT_TEST_MODE": env.get("AIRFLOW__CORE__UNIT_TEST_MODE", "False"),
            "CLICKSTREAM_DATA_DIR": str(data_dir.resolve()),
            "GX_ANALYTICS_ENABLED": "False",
            "TQDM_DISABLE": "1",
        }
    )
    env.update(extra or {})
    return env


def _airflow(args: list[str], env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).with_name("airflow")), *args]
    return subprocess.run(command, env=env, check=check, text=True, capture_output=True)


def prepare(env: dict[str, str]) -> None:
    """Migrate the metadata DB and create the warehouse pool (one slot: one DuckDB writer)."""
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    _airflow(["db", "migrate"], env)
    _airflow(["pools", "set", WAREHOUSE_POOL, "1", "DuckDB warehouse: one writer at a time"], env)


def dags_test(env: dict[str, str], day: date, full_refresh: bool = False) -> tuple[bool, str]:
    """One ``airflow dags test`` run for a partition; (succeeded, combined output)."""
    conf = json.dumps({"partition_date": day.isoformat(), "full_refresh": full_refresh})
    result = _airflow(["dags", "test", DAG_ID, "--conf", conf], env, check=False)
    output = result.stdout + result.stderr
    succeeded = result.returncode == 0 and "state=failed" not in output and "DagRunState.FAILED" not in output
    return succeeded, output


def run_partitions(data_dir: Path, days: Iterable[date], log_dir: Path) -> list[tuple[date, bool, Path]]:
    """Run the DAG for each partition in order; each run's output goes to a log file."""
    env = airflow_env(data_dir)
    prepare(env)
    log_dir.mkdir(parents=True, exist_ok=True)
    outcomes = []
    for day in days:
        ok, output = dags_test(env, day)
        log_path = log_dir / f"dags_test_{day}.log"
        log_path.write_text(output)
        outcomes.append((day, ok, log_path))
        print(f"  {day}: {'success' if ok else 'FAILED'} (log: {log_path})", flush=True)
        if not ok:
            break
    return outcomes
