"""Faults in the running deployment (issue 30): the everyday events of a real host, each met by the compose stack
while a run works, and each ending as the library's guarantees promise: the run succeeds after Airflow's retries,
or fails with exactly one alert and a Clear then completes it; either way the warehouse equals a clean run's.

Runs under `make test-deploy` (RUN_DEPLOY_TESTS=1) after test_stack.py, on a stack of its own (the same compose
project name, started after the other's `down`), whose .env has short retries (CLICKSTREAM_RETRY_DELAY_S) and a
short wait for a held warehouse (CLICKSTREAM_WAREHOUSE_LOCK_TIMEOUT_S). The known state: five days and the two
recent ones run clean; their warehouse (row counts and checksums of raw_events and the marts) is what every
scenario, which reruns some of those days with `full_refresh` under a fault, must leave.

To hit a task while it runs, the test holds the warehouse open read-only from the host (DuckDB: a writer waits
for the readers): the task then waits in its connect, "running" for up to the lock timeout, and the fault
lands there. A failed scenario keeps the containers' and the tasks' logs in test-artifacts/faults/.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb
import httpx
import pytest
from deploy_files import ROOT
from polling import poll
from smtp_sink import free_port
from test_stack import (
    DAYS,
    PROJECT,
    TASKS,
    Stack,
    audited,
    failed_tasks,
    fill_env,
    for_the_module,
    generate_days,
    idle,
    logical_day,
    project_copy,
    task_instances,
    up_with_api,
    wait_for_run,
    warehouse,
)

from clickstream.local_airflow import DAG_ID

pytestmark = [
    pytest.mark.deploy,
    pytest.mark.skipif(os.environ.get("RUN_DEPLOY_TESTS") != "1",
                       reason="the compose stack runs under `make test-deploy` (needs a Docker engine and the images)"),
]

ARTIFACTS = ROOT / "test-artifacts" / "faults"
RESULTS = ARTIFACTS / "results.json"  # one line per scenario, kept whether it passes or fails
FAULT_SETTINGS = {"CLICKSTREAM_RETRY_DELAY_S": "5", "CLICKSTREAM_WAREHOUSE_LOCK_TIMEOUT_S": "20"}
FAULT_DAYS = DAYS[:5]
WAREHOUSE_WORKER = "airflow-worker-warehouse"
# Compared with the clean run: the landed events and every mart (published as Iceberg tables).
COMPARED = ("raw_events", "sessions", "orders", "order_items", "attribution", "daily_kpis", "funnel_daily",
            "dim_users")
VOLATILE = {"loaded_at"}  # when a row was written, not what it holds


@pytest.fixture(scope="module")
def stack(tmp_path_factory, request) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("compose-faults")
    project_copy(folder)
    stack = Stack(folder, free_port(), free_port(), free_port(), artifacts=ARTIFACTS)
    stack.password = fill_env(folder, stack.web_port, stack.mail_port, stack.postgres_port)
    # The DAG's cron fired an hour ago and fires next in 23 hours: the one scheduled run, at the switch-on, is
    # over before the clean state is taken, and no other starts during the scenarios.
    fired = datetime.now(UTC) - timedelta(hours=1)
    stack.edit_env({**FAULT_SETTINGS, "CLICKSTREAM_SCHEDULE": f'"{fired.minute} {fired.hour} * * *"'})
    generate_days(stack.data_dir)
    yield from for_the_module(stack, request)


@pytest.fixture(scope="module")
def api(stack) -> Iterator[httpx.Client]:
    yield from up_with_api(stack)


@pytest.fixture(scope="module")
def clean(stack, api) -> dict[str, tuple[int, str]]:
    """The known state: every generated day run once, without a fault; its warehouse's fingerprint."""
    assert api.patch(f"/api/v2/dags/{DAG_ID}", json={"is_paused": False}).status_code == 200  # and its scheduled run
    run_ids = [trigger(api, day, full_refresh=False) for day in FAULT_DAYS]
    states = {run_id: wait_for_run(stack, api, run_id)["state"] for run_id in run_ids}
    assert set(states.values()) == {"success"}, "\n".join(failed_tasks(stack, api, run_id) for run_id in run_ids)
    idle(stack, api)
    return fingerprint(stack)


def trigger(api: httpx.Client, day: date, full_refresh: bool = True) -> str:
    """A run of ``day``, as the Trigger form makes it; ``full_refresh`` has every stage work again."""
    response = api.post(f"/api/v2/dags/{DAG_ID}/dagRuns", json={
        "logical_date": None, "conf": {"partition_date": day.isoformat(), "full_refresh": full_refresh}})
    assert response.status_code == 200, response.text
    return response.json()["dag_run_id"]


def fingerprint(stack: Stack) -> dict[str, tuple[int, str]]:
    """Table -> (rows, a checksum of every row), order-free; doubles rounded to 9 places."""
    found = {}
    for table in COMPARED:
        columns = warehouse(stack, "SELECT column_name, data_type FROM information_schema.columns "
                                   "WHERE table_name = ? ORDER BY ordinal_position", [table])
        values = [f'round("{name}", 9)' if kind in ("DOUBLE", "FLOAT") else f'"{name}"'
                  for name, kind in columns if name not in VOLATILE]
        assert values, f"no table {table} in the warehouse"
        rows, digest = warehouse(stack, f"SELECT count(*), coalesce(sum(hash({', '.join(values)})), 0)::VARCHAR "
                                        f"FROM {table}")[0]
        found[table] = (rows, digest)
    return found


def restart_count(service: str) -> int:
    return int(inspect(service, "{{.RestartCount}}"))


def container(service: str) -> str:
    return f"{PROJECT}-{service}-1"


def inspect(service: str, template: str) -> str:
    return subprocess.run(["docker", "inspect", "--format", template, container(service)], capture_output=True,
                          text=True, check=True).stdout.strip()


def kill_main_process(service: str) -> None:
    """SIGKILL of the container's main process from the host, as the kernel's OOM killer ends it: the container
    exits 137 and its restart policy starts it again (a `docker kill` would be a manual stop, left stopped)."""
    os.kill(int(inspect(service, "{{.State.Pid}}")), signal.SIGKILL)


def docker_restart(service: str) -> None:
    subprocess.run(["docker", "restart", container(service)], capture_output=True, text=True, check=True, timeout=120)


@contextmanager
def warehouse_held(stack: Stack) -> Iterator[None]:
    """The warehouse open read-only from the host, as a notebook holds it: every stage that opens it waits."""
    path = str(stack.warehouse_dir / "warehouse.duckdb")
    con = poll(lambda: duckdb.connect(path, read_only=True), 30, 0.1, not_yet=(duckdb.IOException,))
    assert con, "could not open the warehouse from the host"
    try:
        yield
    finally:
        con.close()


def wait_for_task(stack: Stack, api: httpx.Client, run_id: str, task: str, states: set[str],
                  timeout: float = 300) -> dict[str, Any]:
    def reached() -> dict[str, Any] | None:
        ti = task_instances(api, run_id).get(task)
        return ti if ti and ti["state"] in states else None

    return stack.wait(reached, timeout, f"{task} of {run_id} to be {' or '.join(sorted(states))}", interval=0.1)


def tries(api: httpx.Client, run_id: str) -> dict[str, int]:
    return {task: ti["try_number"] for task, ti in task_instances(api, run_id).items()}


ONCALL = "data-oncall@example.com"  # the stack's CLICKSTREAM_ALERT_EMAILS


def alerts_since(stack: Stack, before: int) -> list[dict[str, Any]]:
    """The alerts among the mails that arrived after the first ``before`` (mailpit lists the newest first): those
    to the on-call, not the stakeholders' daily report (a day reported once already is not mailed again)."""
    mails = stack.mails()
    return [mail for mail in mails[: len(mails) - before] if ONCALL in [to["Address"] for to in mail["To"]]]


def record(scenario: str, **outcome: Any) -> None:
    """A scenario's outcome as a line of RESULTS (docs/deployment.md, "Faults", has the table)."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as handle:
        handle.write(json.dumps({"scenario": scenario, **outcome}, default=str) + "\n")
    print(f"\n{scenario}: {outcome}")


def test_1_the_warehouse_worker_killed_during_load_restarts_and_load_runs_again(stack, api, clean):
    mails, restarts = len(stack.mails()), restart_count(WAREHOUSE_WORKER)
    started = time.monotonic()
    with warehouse_held(stack):
        run_id = trigger(api, FAULT_DAYS[0])
        wait_for_task(stack, api, run_id, "load", {"running"})
        time.sleep(2)  # load waits for the warehouse
        kill_main_process(WAREHOUSE_WORKER)
    run = wait_for_run(stack, api, run_id)
    seconds = round(time.monotonic() - started)
    idle(stack, api)
    record("worker SIGKILL during load", state=run["state"], tries=tries(api, run_id), seconds=seconds,
           alerts=len(alerts_since(stack, mails)), restarts=restart_count(WAREHOUSE_WORKER) - restarts)
    assert run["state"] == "success", failed_tasks(stack, api, run_id)
    assert tries(api, run_id) == {**dict.fromkeys(TASKS, 1), "load": 2}
    assert restart_count(WAREHOUSE_WORKER) == restarts + 1
    assert alerts_since(stack, mails) == []
    assert fingerprint(stack) == clean


def test_2_the_warehouse_worker_killed_during_transform_restarts_and_transform_runs_again(stack, api, clean):
    mails, restarts = len(stack.mails()), restart_count(WAREHOUSE_WORKER)
    run_id = trigger(api, FAULT_DAYS[1])
    wait_for_task(stack, api, run_id, "load", {"success"})
    with warehouse_held(stack):  # before transform opens it, a scheduler loop after load ended
        assert task_instances(api, run_id)["transform"]["state"] != "success", "transform ended before it was held"
        wait_for_task(stack, api, run_id, "transform", {"running"})
        time.sleep(2)
        kill_main_process(WAREHOUSE_WORKER)
    run = wait_for_run(stack, api, run_id)
    idle(stack, api)
    record("worker SIGKILL during transform", state=run["state"], tries=tries(api, run_id),
           alerts=len(alerts_since(stack, mails)), restarts=restart_count(WAREHOUSE_WORKER) - restarts)
    assert run["state"] == "success", failed_tasks(stack, api, run_id)
    assert tries(api, run_id) == {**dict.fromkeys(TASKS, 1), "transform": 2}
    assert alerts_since(stack, mails) == []
    assert fingerprint(stack) == clean


def restarted_during_load(stack: Stack, api: httpx.Client, day: date, service: str) -> int:
    """Run ``day``, restarting the ``service`` container while its load runs (held, so that it is still running);
    the run succeeds; how many alerts arrived meanwhile (recorded with the run's outcome)."""
    mails = len(stack.mails())
    with warehouse_held(stack):
        run_id = trigger(api, day)
        wait_for_task(stack, api, run_id, "load", {"running"})
        docker_restart(service)
    run = wait_for_run(stack, api, run_id)
    idle(stack, api)
    alerts = len(alerts_since(stack, mails))
    record(f"{service} restart during load", state=run["state"], tries=tries(api, run_id), alerts=alerts)
    assert run["state"] == "success", failed_tasks(stack, api, run_id)
    return alerts


def test_3_postgres_restarted_during_a_run(stack, api, clean):
    assert restarted_during_load(stack, api, FAULT_DAYS[2], "postgres") == 0  # alerts
    assert fingerprint(stack) == clean


def test_4_the_scheduler_restarted_during_a_five_day_backfill(stack, api, clean):
    mails = len(stack.mails())
    stack.compose("exec", "-T", "airflow-scheduler", "airflow", "backfill", "create", "--dag-id", DAG_ID,
                  "--from-date", FAULT_DAYS[0].isoformat(), "--to-date", FAULT_DAYS[-1].isoformat(),
                  "--dag-run-conf", json.dumps({"full_refresh": True}))

    def backfill_runs() -> list[dict[str, Any]]:
        return api.get(f"/api/v2/dags/{DAG_ID}/dagRuns", params={"run_type": "backfill", "limit": 100}).json()[
            "dag_runs"]

    # Mid-backfill: once its first day succeeded, while others have still to run.
    stack.wait(lambda: any(run["state"] == "success" for run in backfill_runs()), 600, "the backfill's first day",
               interval=1)
    unfinished = sum(run["state"] not in ("success", "failed") for run in backfill_runs())
    docker_restart("airflow-scheduler")

    def finished() -> list[dict[str, Any]]:
        found = backfill_runs()
        done = len(found) == len(FAULT_DAYS) and all(run["state"] in ("success", "failed") for run in found)
        return found if done else []

    runs = stack.wait(finished, 900, "the backfill to finish", interval=5)
    idle(stack, api)
    record("scheduler restart during a 5-day backfill", unfinished_at_restart=unfinished,
           states=sorted((logical_day(run).isoformat(), run["state"]) for run in runs),
           alerts=len(alerts_since(stack, mails)))
    assert unfinished > 0
    assert sorted((logical_day(run), run["state"]) for run in runs) == [(day, "success") for day in FAULT_DAYS], (
        "\n".join(failed_tasks(stack, api, run["dag_run_id"]) for run in runs))
    assert audited(stack, [run["dag_run_id"] for run in runs]) == {run["dag_run_id"]: [logical_day(run)]
                                                                    for run in runs}
    assert alerts_since(stack, mails) == []
    assert fingerprint(stack) == clean


def test_5_the_api_server_restarted_while_a_task_runs(stack, api, clean):
    assert restarted_during_load(stack, api, FAULT_DAYS[3], "airflow-apiserver") == 0  # alerts
    assert fingerprint(stack) == clean


def test_6_retries_exhausted_alert_once_and_a_clear_completes_the_day(stack, api, clean):
    day, mails = FAULT_DAYS[4], len(stack.mails())
    with warehouse_held(stack):  # for longer than load's three tries wait (CLICKSTREAM_WAREHOUSE_LOCK_TIMEOUT_S)
        run_id = trigger(api, day)
        failed = wait_for_run(stack, api, run_id)
        stack.wait(lambda: alerts_since(stack, mails), 120, "the alert mail")
        time.sleep(10)  # a second mail (of a retry, of a downstream task) would have arrived by now
    alerts = alerts_since(stack, mails)
    failed_tries = tries(api, run_id)
    failed_states = {task: ti["state"] for task, ti in task_instances(api, run_id).items()}
    cleared = api.post(f"/api/v2/dags/{DAG_ID}/clearTaskInstances", json={
        "dag_run_id": run_id, "task_ids": ["load"], "include_downstream": True, "only_failed": False,
        "dry_run": False})
    assert cleared.status_code == 200, cleared.text
    run = wait_for_run(stack, api, run_id)
    idle(stack, api)
    record("retries exhausted (warehouse held), then Clear", failed_state=failed["state"], failed_tries=failed_tries,
           alerts=len(alerts), subject=alerts[0]["Subject"] if alerts else None, state_after_clear=run["state"],
           alerts_after_clear=len(alerts_since(stack, mails)))
    assert (failed["state"], failed_tries["load"], failed_states["transform"]) == ("failed", 3, "upstream_failed")
    assert len(alerts) == 1
    assert alerts[0]["Subject"] == f"[clickstream] FAILED {DAG_ID}.load for partition {day}"
    assert "warehouse is busy" in alerts[0]["HTML"] and "was not released in 20 s" in alerts[0]["HTML"]
    assert run["state"] == "success", failed_tasks(stack, api, run_id)
    assert len(alerts_since(stack, mails)) == 1
    assert fingerprint(stack) == clean
