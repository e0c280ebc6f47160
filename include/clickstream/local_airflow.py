"""Run the project's DAG through a local Airflow: the environment, the pool, and one run per partition.

Used by ``make run`` (``clickstream airflow-run``), ``make airflow`` and the tests, so that
all of them configure Airflow the same way: an ``AIRFLOW_HOME`` inside the project, the
project's dags/ and plugins/, the embedded SQLite metadata DB unless told otherwise.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from clickstream.pipeline import WAREHOUSE_POOL

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DAG_ID = "clickstream_elt"


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
            # airflow standalone starts its components as `airflow ...`: the venv's must come first.
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
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


@dataclass(frozen=True)
class RunOutcome:
    partition: date
    state: str
    task_states: dict[str, str]
    log_path: Path

    @property
    def succeeded(self) -> bool:
        return self.state == "success"


def run_partitions(data_dir: Path, days: Iterable[date], log_dir: Path) -> list[RunOutcome]:
    """Run the DAG with ``dag.test()`` (what ``airflow dags test`` runs) for each partition, in order.

    All runs share this process, so Airflow, Polars and Great Expectations are imported once rather
    than once per day; each run's log goes to its own file. Stops at the first failed run.
    """
    env = airflow_env(data_dir)
    prepare(env)
    os.environ.update(env)  # before Airflow is first imported in this process
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(PROJECT_ROOT / "dags"))
    if DAG_ID not in bag.dags:
        raise RuntimeError(f"{DAG_ID} did not load: {bag.import_errors}")
    dag = bag.dags[DAG_ID]
    log_dir.mkdir(parents=True, exist_ok=True)
    outcomes = []
    for day in days:
        log_path = log_dir / f"dag_test_{day}.log"
        with output_to(log_path):
            run = dag.test(run_conf={"partition_date": day.isoformat()})
        outcome = RunOutcome(day, str(run.state), task_states(run), log_path)
        outcomes.append(outcome)
        print(f"  {day}: {outcome.state:<8} {' '.join(f'{t}={s}' for t, s in outcome.task_states.items())}",
              flush=True)
        if not outcome.succeeded:
            break
    return outcomes


@contextmanager
def output_to(path: Path) -> Iterator[None]:
    """Send this process's stdout and stderr to a file at the descriptor level, where Airflow's
    structured logger (which keeps its own reference to the stream) writes too."""
    sys.stdout.flush(), sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with path.open("w") as log:
        os.dup2(log.fileno(), 1), os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush(), sys.stderr.flush()
            os.dup2(saved[0], 1), os.dup2(saved[1], 2)
            os.close(saved[0]), os.close(saved[1])


def task_states(run: Any) -> dict[str, str]:
    """Task id -> final state of a DagRun's task instances, in the DAG's order."""
    from airflow.utils.session import create_session

    with create_session() as session:
        instances = run.get_task_instances(session=session)
        return {ti.task_id: str(ti.state) for ti in sorted(instances, key=lambda ti: ti.start_date or ti.end_date)}
