"""The deployment itself: the repository's docker-compose.yaml, started and used the way the README tells a user
(issue 18). Runs under `make test-deploy` only (RUN_DEPLOY_TESTS=1), which starts a Docker engine and
builds the images first (.ci/docker/engine, .ci/docker/images); in CI those images are local stand-ins under the
names the compose file uses, since no registry is reachable.

The stack runs from a copy of the project in a temporary folder (its own .env, data/ and logs/), as the compose
project ``clickstream-deploy-test``, its ports published on free ports of 127.0.0.1. Every request goes to
127.0.0.1. The tests run in order, each on the state the previous left, like a person's session: start, trigger
a day, read its report, break a day, backfill, restart, scale the workers, tear down. Two Celery workers run
the tasks: ``airflow-worker`` validate (the default queue), ``airflow-worker-warehouse`` the stages that open the
warehouse (the warehouse queue), which lives in the project's ``warehouse/`` folder that only that worker mounts.

A failed step says which service or check failed: the services that are not healthy (or the failed task of a
run) with the tail of their log. The containers' and the tasks' logs of a failed run are kept under
test-artifacts/deploy/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import httpx
import iceberg_on_host
import pytest
from deploy_files import ROOT
from polling import poll
from smtp_sink import free_port

from clickstream.local_airflow import DAG_ID
from clickstream.pipeline import STAGES, WAREHOUSE_STAGES
from clickstream.published import TABLES, asset_uri
from clickstream.report import fmt
from clickstream.settings import Settings

pytestmark = [
    pytest.mark.deploy,
    pytest.mark.skipif(os.environ.get("RUN_DEPLOY_TESTS") != "1",
                       reason="the compose stack runs under `make test-deploy` (needs a Docker engine and the images)"),
]

PROJECT = "clickstream-deploy-test"
FIRST = date(2025, 2, 23)
DAYS = [FIRST + timedelta(days=n) for n in range(7)]  # generated: triggered, backfilled, backfilled with 2 workers
TRIGGERED, BACKFILL, SCALED_BACKFILL = DAYS[0], DAYS[1:4], DAYS[4:6]
BROKEN = date(2025, 3, 15)  # most client ids blank
# The run the scheduler makes when the DAG is switched on processes the last day whose cron fire has passed:
# yesterday, or the day before until 02:30 UTC. Both have a small file, so that run succeeds and mails nobody.
SCHEDULED = [datetime.now(UTC).date() - timedelta(days=n) for n in (2, 1)]
SERVICES = ("postgres", "redis", "mailpit", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
            "airflow-triggerer", "airflow-worker", "airflow-worker-warehouse")
WORKERS = ("airflow-worker", "airflow-worker-warehouse")
DEFAULT_QUEUE, WAREHOUSE_QUEUE = "default", "warehouse"  # Airflow's [operators] default_queue; .env.example's
ARTIFACTS = ROOT / "test-artifacts" / "deploy"
DURATIONS = ARTIFACTS / "task-durations.json"  # the triggered day's tasks, kept whether the run passes or fails
RUN_TIMEOUT = 600
# Edited in the project's .env during step 6, as a user edits it; every Airflow container must see them (step 6b).
EDITED_SETTINGS = {"CLICKSTREAM_MAX_QUARANTINE_RATE": "0.75"}
# Inside the worker's container: the shared libraries mapped into the process that preloaded (argv[1]) and into each
# of its Celery pool processes (named ForkPoolWorker until their first task, then after the task's supervisor).
POOL_PROBE = r"""
import json, os, sys
MARKS = {"duckdb": "/_duckdb.", "scipy": "/scipy/", "polars": "/_polars_runtime"}  # (numpy maps a libscipy_openblas)
def libraries(pid):
    maps = open(f"/proc/{pid}/maps").read()
    return {name: mark in maps for name, mark in MARKS.items()}
main = int(sys.argv[1])
pool, unreadable = {}, []
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        ppid = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
        name = open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="replace")
    except OSError:
        continue  # gone
    if ppid == main and int(pid) != os.getpid() and ("ForkPoolWorker" in name or "airflow supervisor" in name):
        try:
            pool[pid] = libraries(pid)
        except OSError:
            unreadable.append(pid)
print(json.dumps({"main": libraries(main), "pool": pool, "unreadable": unreadable}))
"""


@dataclass
class Stack:
    folder: Path
    web_port: int
    mail_port: int
    postgres_port: int
    password: str = ""
    artifacts: Path = ARTIFACTS  # where keep_logs() puts the logs of a failed run
    DIAGNOSIS = "docker compose ps:"  # how diagnosis() begins, so that a report holds it once (conftest.py)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def data_dir(self) -> Path:
        return self.folder / "data"

    @property
    def warehouse_dir(self) -> Path:
        """CLICKSTREAM_HOST_WAREHOUSE_DIR as .env.example sets it: mounted by the warehouse worker only."""
        return self.folder / "warehouse"

    def database_url(self, database: str) -> str:
        """A database of the stack's PostgreSQL as the host reaches it (published on 127.0.0.1)."""
        return f"postgresql+psycopg2://airflow:airflow@127.0.0.1:{self.postgres_port}/{database}"

    def compose(self, *args: str, timeout: float = 900, check: bool = True) -> subprocess.CompletedProcess[str]:
        """`docker compose ARGS` in the project's folder, as a user types it."""
        try:
            result = subprocess.run(["docker", "compose", "--project-name", PROJECT, *args], cwd=self.folder,
                                    capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as error:
            raise AssertionError(f"`docker compose {' '.join(args)}` still running after {timeout:.0f} s\n"
                                 f"{self.diagnosis()}") from error
        if check and result.returncode != 0:
            raise AssertionError(f"`docker compose {' '.join(args)}` exited {result.returncode}:\n"
                                 f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}\n{self.diagnosis()}")
        return result

    def token(self, password: str | None = None) -> httpx.Response:
        return httpx.post(f"{self.base_url}/auth/token", timeout=30,
                          json={"username": "admin", "password": self.password if password is None else password})

    def api(self) -> httpx.Client:
        response = self.token()
        response.raise_for_status()
        return httpx.Client(base_url=self.base_url, timeout=60,
                            headers={"Authorization": f"Bearer {response.json()['access_token']}"})

    def mails(self) -> list[dict[str, Any]]:
        listing = httpx.get(f"http://127.0.0.1:{self.mail_port}/api/v1/messages", timeout=30).json()
        return [httpx.get(f"http://127.0.0.1:{self.mail_port}/api/v1/message/{m['ID']}", timeout=30).json()
                for m in listing["messages"]]

    def wait(self, condition, timeout: float, what: str, interval: float = 3) -> Any:
        result = poll(condition, timeout, interval, not_yet=(httpx.HTTPError, ValueError, KeyError))
        if not result:
            raise AssertionError(f"waited {timeout:.0f} s for {what}\n{self.diagnosis()}")
        return result

    def status(self) -> str:
        return self.compose("ps", "--all", check=False).stdout

    def states(self) -> dict[str, tuple[str, str]]:
        """Service -> (state, health) of each container, from `docker compose ps`."""
        lines = self.compose("ps", "--all", "--format", "json").stdout.splitlines()
        rows = [json.loads(line) for line in lines if line.strip()]
        return {row["Service"]: (row["State"], row.get("Health", "")) for row in rows}

    def unwell(self) -> list[str]:
        """Services that are not running and healthy (airflow-init: not exited 0), each with its state."""
        lines = self.compose("ps", "--all", "--format", "json", check=False).stdout.splitlines()
        found = []
        for row in (json.loads(line) for line in lines if line.strip()):
            if row["Service"] == "airflow-init":
                if row.get("ExitCode") != 0 or row["State"] != "exited":
                    found.append(f"airflow-init: {row['State']}, exit code {row.get('ExitCode')}")
            elif (row["State"], row.get("Health", "")) != ("running", "healthy"):
                found.append(f"{row['Service']}: {row['State']} {row.get('Health', '')}".rstrip())
        return found

    def log_tail(self, service: str, lines: int = 40) -> str:
        log = self.compose("logs", "--no-color", "--tail", str(lines), service, check=False)
        return (log.stdout + log.stderr).rstrip()

    def diagnosis(self) -> str:
        """What to read first when a step fails: `docker compose ps` and the log tail of each unwell service."""
        parts = [f"{self.DIAGNOSIS}\n{self.status().rstrip()}"]
        for line in self.unwell():
            service = line.split(":", 1)[0]
            parts.append(f"--- {line}; the end of its log:\n{self.log_tail(service)}")
        return "\n".join(parts)

    def task_log_tail(self, run_id: str, task_id: str, lines: int = 30) -> str:
        """The end of a task's log, as the workers wrote it under logs/ (last attempt)."""
        logs = sorted((self.folder / "logs").glob(f"dag_id={DAG_ID}/run_id={run_id}/task_id={task_id}/attempt=*.log"))
        if not logs:
            return f"(no log of {task_id} under logs/)"
        return "\n".join(logs[-1].read_text(errors="replace").splitlines()[-lines:])

    def container(self, service: str) -> str:
        """The hostname of a service's one container, as Airflow records it of the tasks it ran: its short id."""
        ids = self.compose("ps", "--quiet", service).stdout.split()
        assert len(ids) == 1, f"{service}: {len(ids)} containers"
        return ids[0][:12]

    def preloads(self, service: str = "airflow-worker") -> list[tuple[str, int]]:
        """Each preload line a worker logged (clickstream.warm): what was imported in how long, and by which pid."""
        log = self.compose("logs", "--no-color", service).stdout
        return [(what, int(pid)) for what, pid in re.findall(r"clickstream preload: (.+?) \(pid (\d+)\)", log)]

    def edit_env(self, settings: dict[str, str]) -> None:
        """Set variables in the project's .env as a user edits it: each line replaced, or added at the end."""
        lines = (self.folder / ".env").read_text().splitlines()
        for name, value in settings.items():
            found = [i for i, line in enumerate(lines) if line.startswith(f"{name}=")]
            assert len(found) <= 1, f"{name} is set {len(found)} times in .env"
            if found:
                lines[found[0]] = f"{name}={value}"
            else:
                lines.append(f"{name}={value}")
        (self.folder / ".env").write_text("\n".join(lines) + "\n")

    def keep_logs(self) -> None:
        self.artifacts.mkdir(parents=True, exist_ok=True)
        for service in (*SERVICES, "airflow-init"):
            log = self.compose("logs", "--no-color", "--timestamps", service, check=False)
            (self.artifacts / f"{service}.log").write_text(log.stdout + log.stderr)
        (self.artifacts / "ps.txt").write_text(self.status())
        ids = self.compose("ps", "--all", "--quiet", check=False).stdout.split()
        if ids:  # the last health checks of each container, with their output: why one was unhealthy
            health = subprocess.run(["docker", "inspect", "--format", "{{.Name}} {{json .State.Health}}", *ids],
                                    capture_output=True, text=True)
            (self.artifacts / "health.txt").write_text(health.stdout + health.stderr)
        task_logs = self.folder / "logs"
        if task_logs.is_dir():
            shutil.copytree(task_logs, self.artifacts / "task-logs", dirs_exist_ok=True)


def project_copy(target: Path) -> None:
    """The repository's files as a fresh clone has them (tracked and new, never ignored ones)."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def fill_env(folder: Path, web_port: int, mail_port: int, postgres_port: int) -> str:
    """`cp .env.example .env` and the secrets, the way the README says; returns the admin password."""
    shutil.copy(folder / ".env.example", folder / ".env")
    readme = (ROOT / "README.md").read_text()
    generate = next(line for line in readme.splitlines() if line.startswith("python3 -c 'import base64"))
    subprocess.run(["bash", "-c", generate], cwd=folder, check=True)
    text = (folder / ".env").read_text()
    text = text.replace("AIRFLOW_WEB_ADDRESS=127.0.0.1:8080", f"AIRFLOW_WEB_ADDRESS=127.0.0.1:{web_port}")
    text = text.replace("MAILPIT_WEB_ADDRESS=127.0.0.1:8025", f"MAILPIT_WEB_ADDRESS=127.0.0.1:{mail_port}")
    text = text.replace("POSTGRES_ADDRESS=127.0.0.1:5433", f"POSTGRES_ADDRESS=127.0.0.1:{postgres_port}")
    text = text.replace("CLICKSTREAM_AIRFLOW_BASE_URL=http://localhost:8080",
                        f"CLICKSTREAM_AIRFLOW_BASE_URL=http://127.0.0.1:{web_port}")
    (folder / ".env").write_text(text)
    return next(line.split("=", 1)[1] for line in text.splitlines() if line.startswith("AIRFLOW_ADMIN_PASSWORD="))


def generate_days(data_dir: Path) -> None:
    from clickstream.generate import generate

    # Real-size days, as `make data` makes them (3,500 events, seed 7): the triggered day's task durations are
    # the deployment's figures (docs/deployment.md, "Warm workers").
    generate(data_dir, FIRST, len(DAYS), events_per_day=3500, seed=7, truth=True)
    recent = data_dir.parent / "recent"
    generate(recent, SCHEDULED[0], len(SCHEDULED), events_per_day=200, seed=12, truth=False)
    for day in SCHEDULED:
        shutil.copy(recent / "raw" / f"events_{day}.csv", data_dir / "raw")
    with (data_dir / "raw" / f"events_{BROKEN}.csv").open("w") as handle:
        handle.write("client_id,page_url,referrer,timestamp,event_name,event_data,user_agent\n")
        for i in range(100):
            client = f"c{i}" if i % 5 == 0 else ""  # 80 % of the client ids blank
            handle.write(f"{client},https://puffy.com/,,{BROKEN}T10:{i % 60:02d}:00.000Z,page_viewed,,Mozilla/5.0\n")


@pytest.fixture(scope="module")
def stack(tmp_path_factory, request) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("compose-project")
    project_copy(folder)
    stack = Stack(folder, free_port(), free_port(), free_port())
    stack.password = fill_env(folder, stack.web_port, stack.mail_port, stack.postgres_port)
    generate_days(stack.data_dir)
    yield from for_the_module(stack, request)


def for_the_module(stack: Stack, request: pytest.FixtureRequest) -> Iterator[Stack]:
    """A module's stack fixture from a clean start (an earlier failed run's logs and an earlier killed run's
    containers removed), taken down after the module, its containers' logs kept when a test failed."""
    shutil.rmtree(stack.artifacts, ignore_errors=True)
    stack.compose("down", "--volumes", "--remove-orphans", check=False)
    try:
        yield stack
    finally:
        if request.session.testsfailed:
            stack.keep_logs()
            print(f"\ncontainer logs kept in {stack.artifacts}")
        stack.compose("down", "--volumes", "--remove-orphans", check=False)


@pytest.fixture(scope="module")
def api(stack) -> Iterator[httpx.Client]:
    yield from up_with_api(stack)


def up_with_api(stack: Stack) -> Iterator[httpx.Client]:
    """A module's api fixture: the stack up and healthy, then a client of its REST API."""
    stack.compose("up", "--detach", "--wait", "--wait-timeout", "600", timeout=900)
    with stack.api() as client:
        yield client


def truth(stack: Stack, day: date) -> int:
    return json.loads((stack.data_dir / "truth.json").read_text())["partitions"][day.isoformat()]["loaded"]


def idle(stack: Stack, api: httpx.Client) -> None:
    """Wait until no run is queued or running: then the host may read the warehouse (DuckDB admits no reader
    beside another process's writer)."""
    def quiet() -> bool:
        runs = api.get(f"/api/v2/dags/{DAG_ID}/dagRuns", params={"state": ["queued", "running"]}).json()
        return runs["total_entries"] == 0

    stack.wait(quiet, RUN_TIMEOUT, "every run to finish")


def warehouse(stack: Stack, sql: str, params: list | None = None) -> list[tuple]:
    from clickstream.warehouse import connect

    with connect(stack.warehouse_dir / "warehouse.duckdb", read_only=True, lock_timeout_s=60) as con:
        return con.execute(sql, params or []).fetchall()


def wait_for_run(stack: Stack, api: httpx.Client, run_id: str) -> dict[str, Any]:
    def finished() -> dict[str, Any] | None:
        run = api.get(f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}").json()
        return run if run["state"] in ("success", "failed") else None

    return stack.wait(finished, RUN_TIMEOUT, f"run {run_id}")


def failed_tasks(stack: Stack, api: httpx.Client, run_id: str) -> str:
    """Each task's state and, for a failed one, the end of its log: the message of a run that should have passed."""
    instances = task_instances(api, run_id)
    lines = [f"run {run_id}: " + ", ".join(f"{task} {ti['state']}" for task, ti in instances.items())]
    for task, ti in instances.items():
        if ti["state"] == "failed":
            lines.append(f"--- {task} failed on {ti['hostname']} (try {ti['try_number']}); the end of its log:\n"
                         f"{stack.task_log_tail(run_id, task)}")
    return "\n".join(lines)


def task_instances(api: httpx.Client, run_id: str) -> dict[str, dict[str, Any]]:
    listing = api.get(f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances").json()["task_instances"]
    return {ti["task_id"]: ti for ti in listing}


def placed(instances: dict[str, dict[str, Any]]) -> dict[str, tuple[str, str]]:
    """Task -> (queue, hostname) of a run's task instances: where each one ran."""
    return {task: (ti["queue"], ti["hostname"]) for task, ti in instances.items()}


TASKS = (*STAGES, "deliver")  # deliver reads the report's files only: the default queue, as validate


def expected_placement(validate_on: str, warehouse_on: str) -> dict[str, tuple[str, str]]:
    """validate and deliver on the default queue's worker, every warehouse stage on the warehouse queue's."""
    return {task: (WAREHOUSE_QUEUE, warehouse_on) if task in WAREHOUSE_STAGES else (DEFAULT_QUEUE, validate_on)
            for task in TASKS}


def backfill(stack: Stack, api: httpx.Client, days: list[date]) -> list[dict[str, Any]]:
    """`airflow backfill create` inside the scheduler container; the backfill's runs once all have finished."""
    before = {run["dag_run_id"] for run in api.get(f"/api/v2/dags/{DAG_ID}/dagRuns",
                                                   params={"run_type": "backfill", "limit": 100}).json()["dag_runs"]}
    stack.compose("exec", "-T", "airflow-scheduler", "airflow", "backfill", "create", "--dag-id", DAG_ID,
                  "--from-date", days[0].isoformat(), "--to-date", days[-1].isoformat())

    def finished() -> list[dict[str, Any]]:
        runs = api.get(f"/api/v2/dags/{DAG_ID}/dagRuns", params={"run_type": "backfill", "limit": 100}).json()
        new = [run for run in runs["dag_runs"] if run["dag_run_id"] not in before]
        return new if len(new) == len(days) and all(run["state"] in ("success", "failed") for run in new) else []

    return stack.wait(finished, RUN_TIMEOUT * 2, f"the backfill of {days[0]}..{days[-1]}", interval=5)


def logical_day(run: dict[str, Any]) -> date:
    return date.fromisoformat(run["logical_date"][:10])


def audited(stack: Stack, run_ids: list[str]) -> dict[str, list[date]]:
    rows = warehouse(stack, "SELECT DISTINCT run_id, partition_date FROM load_audit WHERE run_id IN "
                            f"({', '.join('?' * len(run_ids))}) ORDER BY 1, 2", run_ids)
    found: dict[str, list[date]] = {run_id: [] for run_id in run_ids}
    for run_id, day in rows:
        found[run_id].append(day)
    return found


def test_1_every_service_reaches_healthy_and_init_completes(stack, api):
    states = stack.states()
    assert {service: states[service] for service in SERVICES} == dict.fromkeys(SERVICES, ("running", "healthy"))
    assert states["airflow-init"][0] == "exited"
    init = subprocess.run(["docker", "inspect", "--format", "{{.State.ExitCode}}",
                           f"{PROJECT}-airflow-init-1"], capture_output=True, text=True, check=True)
    assert init.stdout.strip() == "0"


def test_1b_the_worker_preloaded_its_libraries_before_it_started_its_pool(stack, api):
    # Before any task: a pool process that has run one holds the task's token and is made unreadable (non-dumpable)
    # by Airflow's supervisor.
    preloads = stack.preloads()
    assert len(preloads) == 1 and "great_expectations" in preloads[0][0], preloads  # one worker, started once
    warehouse_preloads = stack.preloads("airflow-worker-warehouse")  # the same settings: monitor's gate needs GX
    assert len(warehouse_preloads) == 1 and "great_expectations" in warehouse_preloads[0][0], warehouse_preloads
    found = stack.compose("exec", "-T", "airflow-worker", "python", "-c", POOL_PROBE, str(preloads[0][1]))
    processes = json.loads(found.stdout.strip().splitlines()[-1])
    warm = {"duckdb": True, "scipy": True, "polars": False}  # scipy: Great Expectations; polars is left to the tasks
    assert processes["main"] == warm
    # Airflow's default [celery] worker_concurrency: 16 pool processes.
    assert (processes["pool"], processes["unreadable"]) == (dict.fromkeys(processes["pool"], warm), [])
    assert len(processes["pool"]) == 16


def test_1c_the_warehouse_folder_is_mounted_by_the_warehouse_worker_only(stack, api):
    # "warehouse/" in the project's folder (CLICKSTREAM_HOST_WAREHOUSE_DIR), created by airflow-init for AIRFLOW_UID;
    # the default worker has no /opt/airflow/warehouse at all, so a warehouse stage sent there would fail at once.
    probe = "import os; print(os.path.isdir('/opt/airflow/warehouse'), os.access('/opt/airflow/warehouse', os.W_OK))"
    seen = {service: stack.compose("exec", "-T", service, "python", "-c", probe).stdout.split()
            for service in ("airflow-worker", "airflow-worker-warehouse", "airflow-apiserver")}
    assert seen == {"airflow-worker": ["False", "False"], "airflow-worker-warehouse": ["True", "True"],
                    "airflow-apiserver": ["False", "False"]}
    assert stack.warehouse_dir.is_dir()


def test_1d_init_created_the_iceberg_catalogs_database_which_the_host_reaches(stack, api):
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(stack.database_url("iceberg"))
    with psycopg.connect(host=url.host, port=url.port, user=url.username, password=url.password,
                         dbname=url.database, connect_timeout=10) as con:
        assert con.execute("SELECT current_database(), current_user").fetchone() == ("iceberg", "airflow")
    init_log = stack.compose("logs", "--no-color", "airflow-init").stdout
    assert "database iceberg: created" in init_log or "database iceberg: exists" in init_log, init_log[-2000:]


def seconds(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def record_durations(api: httpx.Client, run: dict[str, Any], instances: dict[str, dict[str, Any]],
                     events: int, preloads: list[tuple[str, int]]) -> dict[str, Any]:
    """Each task's start, end and seconds as the REST API reports them, written to DURATIONS; the other runs
    that ran meanwhile are named, since they share the worker and its 2 cores."""
    tasks = {task: {"start": instances[task]["start_date"], "end": instances[task]["end_date"],
                    "seconds": round(seconds(instances[task]["start_date"], instances[task]["end_date"]), 2)}
             for task in STAGES}
    runs = api.get(f"/api/v2/dags/{DAG_ID}/dagRuns", params={"limit": 100}).json()["dag_runs"]
    beside = sorted(other["dag_run_id"] for other in runs if other["dag_run_id"] != run["dag_run_id"]
                    and other["start_date"] and other["start_date"] < run["end_date"]
                    and (other["end_date"] or run["end_date"]) > run["start_date"])
    record = {"run_id": run["dag_run_id"], "partition_date": TRIGGERED.isoformat(), "events": events,
              "tasks": tasks, "task_seconds": round(sum(task["seconds"] for task in tasks.values()), 2),
              "run_seconds": round(seconds(run["start_date"], run["end_date"]), 2), "runs_beside": beside,
              "worker_preload": [what for what, _ in preloads]}
    DURATIONS.parent.mkdir(parents=True, exist_ok=True)
    DURATIONS.write_text(json.dumps(record, indent=2) + "\n")
    return record


def test_2_a_triggered_day_runs_on_the_worker_of_each_queue_and_lands_in_the_warehouse(stack, api, capsys):
    assert DAG_ID in [dag["dag_id"] for dag in api.get("/api/v2/dags").json()["dags"]]
    assert api.patch(f"/api/v2/dags/{DAG_ID}", json={"is_paused": False}).status_code == 200  # "switch it on"
    response = api.post(f"/api/v2/dags/{DAG_ID}/dagRuns",
                        json={"logical_date": None, "conf": {"partition_date": TRIGGERED.isoformat()}})
    assert response.status_code == 200, response.text
    run_id = response.json()["dag_run_id"]
    run = wait_for_run(stack, api, run_id)
    assert run["state"] == "success", failed_tasks(stack, api, run_id)
    instances = task_instances(api, run_id)
    events = json.loads((stack.data_dir / "truth.json").read_text())["partitions"][TRIGGERED.isoformat()]["rows"]
    durations = record_durations(api, run, instances, events, stack.preloads())
    with capsys.disabled():
        print(f"\n{TRIGGERED} ({events} events): "
              + ", ".join(f"{task} {durations['tasks'][task]['seconds']:.1f} s" for task in STAGES)
              + f"; tasks {durations['task_seconds']:.1f} s, run {durations['run_seconds']:.1f} s"
              + (f" (beside {', '.join(durations['runs_beside'])})" if durations["runs_beside"] else "")
              + f"; in {DURATIONS}")
    assert placed(instances) == expected_placement(stack.container("airflow-worker"),
                                                   stack.container("airflow-worker-warehouse"))
    idle(stack, api)
    assert audited(stack, [run_id]) == {run_id: [TRIGGERED]}
    expected = truth(stack, TRIGGERED)
    assert warehouse(stack, "SELECT sum(rows_loaded) FROM load_audit WHERE run_id = ?", [run_id]) == [(expected,)]
    assert warehouse(stack, "SELECT count(*) FROM raw_events WHERE partition_date = ?", [TRIGGERED]) == [(expected,)]
    assert not (stack.data_dir / "warehouse.duckdb").exists()  # the shared data dir holds no warehouse


def test_3_the_report_is_served_to_signed_in_users_only(stack, api):
    page = api.get(f"/clickstream-reports/{TRIGGERED}/report.html")
    assert page.status_code == 200 and f"{TRIGGERED}" in page.text
    anonymous = httpx.get(f"{stack.base_url}/clickstream-reports/{TRIGGERED}/report.html", timeout=30)
    assert anonymous.status_code == 401 and TRIGGERED.isoformat() not in anonymous.text
    browser = httpx.get(f"{stack.base_url}/clickstream-reports/{TRIGGERED}/report.html", timeout=30,
                        headers={"Accept": "text/html"})  # a browser without a session goes to the login
    assert browser.is_redirect and "login" in browser.headers["location"]
    outside = api.get("/clickstream-reports/..%2F..%2F..%2Fetc/passwd")
    assert outside.status_code == 404 and "root:" not in outside.text


def test_3b_the_triggered_days_report_mail_with_its_pdf_is_in_mailpit_and_the_view_serves_the_pdf(stack, api):
    subject = f"[clickstream] Report for {fmt.day(TRIGGERED)}: sessions "
    mails = stack.wait(lambda: [mail for mail in stack.mails() if mail["Subject"].startswith(subject)], 120,
                       "the report mail")
    assert len(mails) == 1
    assert [to["Address"] for to in mails[0]["To"]] == ["stakeholders@example.com"]
    assert [(a["FileName"], a["ContentType"]) for a in mails[0]["Attachments"]] == [
        (f"clickstream-report-{TRIGGERED}.pdf", "application/pdf")]
    assert "What changed" in mails[0]["HTML"] and "What changed" in mails[0]["Text"]
    pdf = api.get(f"/clickstream-reports/{TRIGGERED}/report.pdf")
    assert (pdf.status_code, pdf.headers["content-type"], pdf.content[:5]) == (200, "application/pdf", b"%PDF-")
    assert httpx.get(f"{stack.base_url}/clickstream-reports/{TRIGGERED}/report.pdf", timeout=30).status_code == 401


def test_4_a_broken_day_fails_at_validate_without_retries_and_mails_the_oncall_once(stack, api):
    mails_before = len(stack.mails())
    response = api.post(f"/api/v2/dags/{DAG_ID}/dagRuns",
                        json={"logical_date": None, "conf": {"partition_date": BROKEN.isoformat()}})
    run_id = response.json()["dag_run_id"]
    assert wait_for_run(stack, api, run_id)["state"] == "failed"
    instances = task_instances(api, run_id)
    assert (instances["validate"]["state"], instances["validate"]["try_number"]) == ("failed", 1)
    assert instances["load"]["state"] == "upstream_failed"
    assert "quarantine_rate" in stack.task_log_tail(run_id, "validate", lines=200)  # what a failed step shows
    stack.wait(lambda: len(stack.mails()) > mails_before, 120, "the alert mail")
    time.sleep(10)  # a second mail (a retry's) would have arrived by now
    new = stack.mails()[: len(stack.mails()) - mails_before]
    assert len(new) == 1
    assert new[0]["Subject"] == f"[clickstream] FAILED {DAG_ID}.validate for partition {BROKEN}"
    assert [to["Address"] for to in new[0]["To"]] == ["data-oncall@example.com"]
    assert "quarantine_rate" in new[0]["HTML"] + new[0]["Text"]


def test_5_a_backfill_validates_on_one_worker_and_runs_the_warehouse_stages_on_the_other(stack, api, capsys):
    mails_before = len(stack.mails())
    runs = backfill(stack, api, BACKFILL)
    assert sorted((logical_day(run), run["state"]) for run in runs) == [(day, "success") for day in BACKFILL], (
        "\n".join(failed_tasks(stack, api, run["dag_run_id"]) for run in runs))
    expected = expected_placement(stack.container("airflow-worker"), stack.container("airflow-worker-warehouse"))
    seen = {run["dag_run_id"]: placed(task_instances(api, run["dag_run_id"])) for run in runs}
    with capsys.disabled():
        for run_id, tasks in sorted(seen.items()):
            print(f"\n{run_id}: " + ", ".join(f"{task} {queue}@{host}" for task, (queue, host) in tasks.items()))
    assert seen == {run["dag_run_id"]: expected for run in runs}
    idle(stack, api)
    assert audited(stack, [run["dag_run_id"] for run in runs]) == {run["dag_run_id"]: [logical_day(run)]
                                                                    for run in runs}
    new = stack.mails()[: len(stack.mails()) - mails_before]  # mailpit lists the newest first
    assert [mail["Subject"] for mail in new] == [  # one digest for the range, no email a day
        f"[clickstream] Reports for {fmt.span(BACKFILL[0], BACKFILL[-1])}: backfill digest of {len(BACKFILL)} days"]


# Per day: rows and sums a table's copy must keep, read from the warehouse and from the published Iceberg table.
DAY_FIGURES = {
    "sessions": "SELECT session_date, count(*), sum(events), sum(revenue) FROM {} GROUP BY 1 ORDER BY 1",
    "orders": "SELECT order_date, count(*), sum(revenue) FROM {} GROUP BY 1 ORDER BY 1",
}


def test_5b_the_published_tables_read_from_the_host_equal_the_warehouse_and_each_run_is_an_asset_event(stack, api):
    idle(stack, api)
    namespace = Settings.model_fields["iceberg_namespace"].default  # compose leaves it at its default
    catalog = iceberg_on_host.open_catalog(stack.database_url("iceberg"), stack.data_dir)
    for table in TABLES:
        published = catalog.load_table(f"{namespace}.{table.name}").scan().to_arrow()
        assert published.num_rows == warehouse(stack, f"SELECT count(*) FROM {table.name}")[0][0], table.name
        if table.name in DAY_FIGURES:
            assert (duckdb.sql(DAY_FIGURES[table.name].format("published")).fetchall()
                    == warehouse(stack, DAY_FIGURES[table.name].format(table.name))), table.name
    successful = [run["dag_run_id"] for run in api.get(f"/api/v2/dags/{DAG_ID}/dagRuns",
                                                       params={"state": "success", "limit": 100}).json()["dag_runs"]]
    events = api.get("/api/v2/assets/events", params={"source_dag_id": DAG_ID, "source_task_id": "publish",
                                                      "limit": 1000}).json()["asset_events"]
    published_by = {(event["uri"], event["source_run_id"]) for event in events}
    missing = [(asset_uri(namespace, table.name), run_id) for run_id in successful for table in TABLES
               if (asset_uri(namespace, table.name), run_id) not in published_by]
    assert len(successful) >= 1 + len(BACKFILL) and missing == []


def test_6_restart_and_down_then_up_keep_the_warehouse_reports_and_run_history(stack, api):
    idle(stack, api)
    runs_before = api.get(f"/api/v2/dags/{DAG_ID}/dagRuns", params={"limit": 1}).json()["total_entries"]
    events_before = warehouse(stack, "SELECT count(*) FROM raw_events")
    stack.compose("restart", timeout=600)
    stack.compose("up", "--detach", "--wait", "--wait-timeout", "600", timeout=900)
    stack.compose("down", timeout=600)
    assert stack.states() == {}
    stack.edit_env(EDITED_SETTINGS)  # while it is down, so that this `up` is the one that recreates the containers
    stack.compose("up", "--detach", "--wait", "--wait-timeout", "600", timeout=900)
    with stack.api() as fresh:
        assert fresh.get(f"/api/v2/dags/{DAG_ID}/dagRuns", params={"limit": 1}).json()["total_entries"] == runs_before
        assert fresh.get(f"/clickstream-reports/{TRIGGERED}/report.html").status_code == 200
        idle(stack, fresh)
    assert warehouse(stack, "SELECT count(*) FROM raw_events") == events_before


def test_6b_a_setting_edited_in_env_reaches_the_tasks(stack):
    # The broken day again (80 % of its rows quarantined): the gate now compares with the .env's 0.75, not 0.05.
    with stack.api() as api:
        mails_before = len(stack.mails())
        response = api.post(f"/api/v2/dags/{DAG_ID}/dagRuns",
                            json={"logical_date": None, "conf": {"partition_date": BROKEN.isoformat()}})
        run_id = response.json()["dag_run_id"]
        assert wait_for_run(stack, api, run_id)["state"] == "failed"
        assert task_instances(api, run_id)["validate"]["try_number"] == 1
    log = stack.task_log_tail(run_id, "validate", lines=200)
    assert re.search(r"quarantine_rate: observed 0\.8\d*, expected <= 0\.75\b", log), log[-3000:]
    stack.wait(lambda: len(stack.mails()) > mails_before, 120, "the alert mail")
    assert "0.75" in stack.mails()[0]["HTML"] + stack.mails()[0]["Text"]  # the newest first


def test_7_two_workers_backfill_with_one_warehouse_writer_at_a_time(stack):
    stack.compose("up", "--detach", "--wait", "--wait-timeout", "600", "--scale", "airflow-worker=2", timeout=900)
    assert len(stack.compose("ps", "--quiet", "airflow-worker").stdout.split()) == 2
    with stack.api() as api:
        runs = backfill(stack, api, SCALED_BACKFILL)
        assert sorted((logical_day(run), run["state"]) for run in runs) == [
            (day, "success") for day in SCALED_BACKFILL], "\n".join(failed_tasks(stack, api, run["dag_run_id"])
                                                                   for run in runs)
        instances = [ti for run in runs for ti in task_instances(api, run["dag_run_id"]).values()]
    default_workers = {container[:12] for container in stack.compose("ps", "--quiet", "airflow-worker").stdout.split()}
    warehouse_worker = stack.container("airflow-worker-warehouse")
    assert {(ti["task_id"], ti["queue"], ti["hostname"] in default_workers, ti["hostname"] == warehouse_worker)
            for ti in instances} == {(task, WAREHOUSE_QUEUE, False, True) if task in WAREHOUSE_STAGES
                                     else (task, DEFAULT_QUEUE, True, False) for task in TASKS}
    spans = sorted((ti["start_date"], ti["end_date"]) for ti in instances if ti["pool"] == "clickstream_warehouse")
    assert len(spans) == len(WAREHOUSE_STAGES) * len(SCALED_BACKFILL)
    overlapping = [(a, b) for a, b in zip(spans, spans[1:], strict=False) if b[0] < a[1]]
    assert overlapping == []


def test_8_down_with_volumes_leaves_nothing_running(stack):
    stack.compose("down", "--volumes", timeout=600)
    label = f"label=com.docker.compose.project={PROJECT}"
    left = subprocess.run(["docker", "ps", "--all", "--quiet", "--filter", label],
                          capture_output=True, text=True, check=True).stdout.split()
    volumes = subprocess.run(["docker", "volume", "ls", "--quiet", "--filter", label],
                             capture_output=True, text=True, check=True).stdout.split()
    networks = subprocess.run(["docker", "network", "ls", "--quiet", "--filter", label],
                              capture_output=True, text=True, check=True).stdout.split()
    assert (left, volumes, networks) == ([], [], [])
