"""clickstream_elt on Airflow's real services, started the way docker-compose.yaml starts them (issue 8).

Once per module: a fresh PostgreSQL database as the metadata DB, ``airflow db migrate`` and the warehouse
pool, then ``api-server``, ``scheduler``, ``dag-processor``, ``triggerer`` and, with the CeleryExecutor of
the compose file, ``celery worker`` on the local Redis, as separate processes (tests/integration/
airflow_services.py). Generated data (2 days of ~500 events), alert emails to an SMTP server in this
process. The tests go through the REST API v2 with a SimpleAuthManager token, as the UI does, and through
the UI itself in headless Chromium, which takes the README's screenshots of the UI (tests/browser.py).
Service and task logs are copied to test-artifacts/airflow-services/.

Needs PostgreSQL on 127.0.0.1:5432 (skipped without it), Redis on 6379 for the CeleryExecutor (otherwise
the LocalExecutor runs the tasks; ``CLICKSTREAM_IT_EXECUTOR`` forces one), Chromium for the browser test.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import date
from functools import partial
from pathlib import Path
from urllib.parse import unquote

import pytest
from airflow_services import (
    ADMIN,
    AirflowServices,
    celery_executor_problem,
    postgres_unavailable,
    redis_unavailable,
    scheduled_day,
)
from browser import MAX_BYTES, launch, needs_chromium, save_screenshot
from smtp_sink import body_text, smtp_sink

from clickstream.generate import generate
from clickstream.local_airflow import DAG_ID, PROJECT_ROOT
from clickstream.pipeline import STAGES

pytestmark = pytest.mark.integration

DAY, NEXT_DAY = date(2025, 2, 23), date(2025, 2, 24)  # the first two generated days
LOGICAL_DAY = date(2025, 2, 25)  # triggered with a logical date and no param
BACKFILL_DAYS = [date(2025, 2, 26), date(2025, 2, 27), date(2025, 2, 28)]
GENERATED_DAYS = 6
BROKEN_DAY = date(2025, 3, 3)  # a day file with 80% missing client_id
TASKS = [*STAGES, "deliver"]  # deliver: the PDF and the stakeholders' email, after monitor
ONCALL = "oncall@example.com"
RUN_TIMEOUT = 360
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
UI_VIEWPORT = {"width": 1280, "height": 900}  # the whole Trigger form fits


@pytest.fixture(scope="module")
def celery_problem() -> str | None:
    """Why the compose file's CeleryExecutor cannot run here (None: it can)."""
    return redis_unavailable() or celery_executor_problem()


@pytest.fixture(scope="module")
def airflow(tmp_path_factory, celery_problem):
    """The running services (an AirflowServices with ``.inbox``, the alert emails received so far)."""
    reason = postgres_unavailable()
    if reason:
        pytest.skip(f"needs PostgreSQL for the Airflow metadata DB: {reason}")
    executor = os.environ.get("CLICKSTREAM_IT_EXECUTOR") or ("LocalExecutor" if celery_problem else "CeleryExecutor")
    root = tmp_path_factory.mktemp("airflow-services")
    data_dir = root / "data"
    generate(data_dir, DAY, GENERATED_DAYS, events_per_day=500, seed=3, truth=True)
    # The day the scheduled run at start processes (yesterday): its own file, generated aside (truth.json
    # is the one of the days above).
    generate(root / "scheduled", scheduled_day(), 1, events_per_day=300, seed=4, truth=False)
    shutil.copy(root / "scheduled" / "raw" / f"events_{scheduled_day()}.csv", data_dir / "raw")
    with smtp_sink() as (inbox, smtp_uri):
        services = AirflowServices(root, data_dir, executor=executor, extra_env={
            "CLICKSTREAM_ALERT_EMAILS": ONCALL,
            "AIRFLOW_CONN_SMTP_DEFAULT": smtp_uri,
        })
        services.inbox = inbox
        started = time.monotonic()
        try:
            services.start()
            yield services
        finally:
            services.timings["module total"] = time.monotonic() - started
            services.stop()
            keep_logs(services)


def keep_logs(services: AirflowServices) -> None:
    """Service logs, task logs and timings to test-artifacts/airflow-services/ (replacing the last run's)."""
    target = ARTIFACTS / "airflow-services"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    shutil.copytree(services.log_dir, target / "services")
    task_logs = services.root / "airflow_home" / "logs"
    if task_logs.is_dir():
        shutil.copytree(task_logs, target / "tasks")
    summary = {"executor": services.executor, "timings_s": {k: round(v, 1) for k, v in services.timings.items()}}
    (target / "summary.json").write_text(json.dumps(summary, indent=2))
    print(f"\nairflow services: {summary}; logs in {target}")


@pytest.fixture(scope="module")
def api(airflow):
    with airflow.client() as client:
        yield client


def run_partition(airflow: AirflowServices, api, day: date) -> tuple[dict, dict[str, str]]:
    """Trigger a run for the partition through the REST API, wait for it; (dag run, task states)."""
    started = time.monotonic()
    run = airflow.trigger(api, day.isoformat())
    assert run["conf"] == {"partition_date": day.isoformat()} and run["run_type"] == "manual"
    finished = airflow.wait_for_run(api, run["dag_run_id"], RUN_TIMEOUT)
    airflow.timings[f"run {day}"] = time.monotonic() - started
    return finished, airflow.task_states(api, run["dag_run_id"])


def loaded_in_truth(data_dir: Path, day: date) -> int:
    """The unique valid events the generator says the partition owns (its truth.json)."""
    return json.loads((data_dir / "truth.json").read_text())["partitions"][day.isoformat()]["loaded"]


def warehouse(airflow: AirflowServices, api):
    """A read-only connection to the warehouse once no run is active (DuckDB admits no reader beside another
    process's writer: the scheduled run, or a backfill's last tasks, may still be writing)."""
    from clickstream.warehouse import connect

    wait_until_idle(airflow, api, "reading the warehouse")
    return connect(airflow.data_dir / "warehouse.duckdb", read_only=True)


def wait_until_idle(airflow: AirflowServices, api, before: str) -> None:
    def idle() -> bool:
        runs = api.get(f"/api/v2/dags/{DAG_ID}/dagRuns", params={"state": ["queued", "running"]}).json()
        return runs["total_entries"] == 0

    airflow.wait_until(idle, RUN_TIMEOUT, f"every run to finish before {before}", interval=2)


def raw_event_count(airflow: AirflowServices, api, day: date) -> int:
    with warehouse(airflow, api) as con:  # closed at once: the worker writes
        return con.execute("SELECT count(*) FROM raw_events WHERE partition_date = ?", [day]).fetchone()[0]


def loaded_partitions(airflow: AirflowServices, api, run_ids: list[str]) -> dict[str, list[date]]:
    """Run id -> the partitions its load stage audited (what the run really processed)."""
    with warehouse(airflow, api) as con:
        rows = con.execute("SELECT DISTINCT run_id, partition_date FROM load_audit WHERE run_id IN "
                           f"({', '.join('?' * len(run_ids))}) ORDER BY 1, 2", run_ids).fetchall()
    found: dict[str, list[date]] = {run_id: [] for run_id in run_ids}
    for run_id, day in rows:
        found[run_id].append(day)
    return found


def logical_day(run: dict) -> date:
    return date.fromisoformat(run["logical_date"][:10])


def test_the_compose_executor_celery_can_run_here(celery_problem):
    """docker-compose.yaml runs the CeleryExecutor: its provider must import with the pinned packages."""
    if celery_problem and redis_unavailable():
        pytest.skip(f"needs Redis for the Celery broker: {celery_problem}")
    assert celery_problem is None, (
        f"the CeleryExecutor of docker-compose.yaml cannot start with the packages of constraints.txt: "
        f"{celery_problem}")


def test_every_service_is_healthy_and_the_dag_is_loaded_unpaused(airflow, api):
    # The fixture returns only once /monitor/health reports every part healthy (AirflowServices.start).
    dag = airflow.wait_until(lambda: (r := api.get(f"/api/v2/dags/{DAG_ID}")).status_code == 200 and r.json(),
                             120, f"the dag-processor to serialize {DAG_ID}")
    assert dag["is_paused"] is False
    assert api.get("/api/v2/importErrors").json()["total_entries"] == 0
    pool = api.get("/api/v2/pools/clickstream_warehouse").json()
    assert pool["slots"] == 1


def test_the_api_needs_a_token_and_refuses_a_wrong_password(airflow):
    import httpx

    assert airflow.token(ADMIN, "not-the-password").status_code == 401
    assert httpx.get(f"{airflow.base_url}/api/v2/dags/{DAG_ID}", timeout=30).status_code == 401
    assert airflow.token().status_code == 201


def test_a_triggered_partition_runs_green_and_loads_the_warehouse(airflow, api):
    run, tasks = run_partition(airflow, api, DAY)
    assert run["state"] == "success", tasks
    assert tasks == dict.fromkeys(TASKS, "success")
    assert loaded_partitions(airflow, api, [run["dag_run_id"]]) == {run["dag_run_id"]: [DAY]}
    assert raw_event_count(airflow, api, DAY) == loaded_in_truth(airflow.data_dir, DAY)
    assert (airflow.data_dir / "reports" / DAY.isoformat() / "report.html").stat().st_size > 10_000
    reports = api.get("/clickstream-reports/api/reports").json()  # the plugin, on the API server
    assert DAY.isoformat() in [report["partition_date"] for report in reports]
    assert airflow.inbox.messages == []


def test_a_broken_partition_fails_and_emails_the_oncall_once(airflow, api):
    raw = airflow.data_dir / "raw"
    with (raw / f"events_{BROKEN_DAY}.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["client_id", "page_url", "referrer", "timestamp", "event_name", "event_data", "user_agent"])
        for i in range(100):
            client = f"c{i}" if i % 5 == 0 else ""  # 80% missing client_id
            writer.writerow([client, "https://puffy.com/", "", f"{BROKEN_DAY}T10:{i % 60:02d}:00.000Z",
                             "page_viewed", "", "Mozilla/5.0"])
    sent_before = len(airflow.inbox.messages)
    run, tasks = run_partition(airflow, api, BROKEN_DAY)
    assert run["state"] == "failed"
    assert tasks["validate"] == "failed" and tasks["load"] == "upstream_failed", tasks
    airflow.wait_until(lambda: len(airflow.inbox.messages) > sent_before, 60, "the alert email")
    time.sleep(5)  # a second email (e.g. from a retry) would arrive by now
    emails = airflow.inbox.messages[sent_before:]
    assert len(emails) == 1
    recipients, message = emails[0]
    assert recipients == [ONCALL]
    assert message["Subject"] == f"[clickstream] FAILED {DAG_ID}.validate for partition {BROKEN_DAY}"
    body = body_text(message)
    assert "quarantine_rate: observed 0.8, expected &lt;= 0.05" in body
    assert f"{airflow.base_url}/dags/{DAG_ID}/runs/" in body  # the log link points at this API server
    log = api.get(f"/api/v2/dags/{DAG_ID}/dagRuns/{run['dag_run_id']}/taskInstances/validate/logs/1")
    assert log.status_code == 200 and "quarantine_rate" in log.text  # the worker's log, served by the API


def sign_in(page, airflow: AirflowServices, path: str) -> None:
    """Open ``path`` of the UI, signing in as the admin on SimpleAuthManager's login page it leads to."""
    page.set_default_timeout(60_000)
    page.goto(f"{airflow.base_url}{path}")
    page.wait_for_url("**/auth/login**")
    page.locator("input[name=username]").fill(ADMIN)
    page.locator("input[name=password]").fill(airflow.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{path}")


@pytest.mark.browser
@needs_chromium
def test_the_ui_signs_in_and_triggers_a_partition_that_succeeds(airflow, api, screenshots):
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport=UI_VIEWPORT)
        try:
            sign_in(page, airflow, f"/dags/{DAG_ID}")
            page.get_by_role("button", name="Trigger").first.click()
            form = page.get_by_role("dialog")
            expect(form.get_by_text("Partition date")).to_be_visible()
            field = form.locator("#element_partition_date")
            field.fill(NEXT_DAY.isoformat())
            field.blur()  # no text selection in the screenshot
            expect(field).to_have_value(NEXT_DAY.isoformat())
            box = form.bounding_box()
            assert box["y"] + box["height"] <= UI_VIEWPORT["height"]  # the Trigger button is in the picture
            size = save_screenshot(page.screenshot, screenshots / "airflow-trigger-form.png")
            assert size == (UI_VIEWPORT["width"], UI_VIEWPORT["height"])
            assert 20_000 < (screenshots / "airflow-trigger-form.png").stat().st_size < MAX_BYTES
            started = time.monotonic()
            form.get_by_role("button", name="Trigger").click()
            page.wait_for_url(f"**/dags/{DAG_ID}/runs/**")  # the UI opens the new run
            run_id = unquote(page.url.split("/runs/", 1)[1].split("/")[0].split("?")[0])
            run = api.get(f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}").json()
            assert run["conf"]["partition_date"] == NEXT_DAY.isoformat()
            assert (run["run_type"], run["triggering_user_name"]) == ("manual", ADMIN)

            finished = airflow.wait_for_run(api, run_id, RUN_TIMEOUT)
            airflow.timings[f"run {NEXT_DAY} (UI)"] = time.monotonic() - started
            assert finished["state"] == "success", airflow.task_states(api, run_id)
            page.reload()
            expect(page.get_by_text(run_id).first).to_be_visible()
            # The run's state badge, and one per task instance in the table below it.
            expect(page.get_by_text("Success", exact=True).filter(visible=True)).to_have_count(1 + len(TASKS))
            page.screenshot(path=str(ARTIFACTS / "airflow-ui-triggered-run.png"))
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "airflow-ui-failure.png"))
            raise
        finally:
            browser.close()
    assert airflow.task_states(api, run_id) == dict.fromkeys(TASKS, "success")
    assert raw_event_count(airflow, api, NEXT_DAY) == loaded_in_truth(airflow.data_dir, NEXT_DAY)


@pytest.mark.browser
@needs_chromium
def test_the_reports_view_lists_every_report_inside_the_ui(airflow, api, screenshots):
    from playwright.sync_api import expect, sync_playwright

    wait_until_idle(airflow, api, "listing the reports")  # (the scheduled run may still be writing one)
    listed = [report["partition_date"] for report in api.get("/clickstream-reports/api/reports").json()]
    assert listed, "no report to list: the tests that run a partition run before this one"
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport=UI_VIEWPORT)
        try:
            sign_in(page, airflow, f"/dags/{DAG_ID}")
            page.get_by_role("link", name="Reports").click()  # the plugin's item in the navigation
            frame = page.frame_locator("iframe")
            expect(frame.get_by_role("heading", name="Clickstream reports")).to_be_visible()
            expect(frame.locator("tbody tr td:first-child a")).to_have_text(listed)
            table = frame.locator("table").bounding_box()
            nav = page.get_by_role("link", name="Reports").bounding_box()
            bottom = round(max(table["y"] + table["height"] + 56, nav["y"] + nav["height"] + 24))
            clip = {"x": 0, "y": 0, "width": UI_VIEWPORT["width"], "height": bottom}
            size = save_screenshot(partial(page.screenshot, clip=clip), screenshots / "airflow-reports-view.png")
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "airflow-ui-failure.png"))
            raise
        finally:
            browser.close()
    assert size == (UI_VIEWPORT["width"], bottom)
    assert 5_000 < (screenshots / "airflow-reports-view.png").stat().st_size < MAX_BYTES


def test_a_trigger_with_a_logical_date_and_no_param_processes_that_day(airflow, api):
    response = api.post(f"/api/v2/dags/{DAG_ID}/dagRuns",
                        json={"logical_date": f"{LOGICAL_DAY}T00:00:00Z", "conf": {}})
    assert response.status_code == 200, response.text
    run_id = response.json()["dag_run_id"]
    finished = airflow.wait_for_run(api, run_id, RUN_TIMEOUT)
    assert finished["state"] == "success", airflow.task_states(api, run_id)
    assert loaded_partitions(airflow, api, [run_id]) == {run_id: [LOGICAL_DAY]}
    xcom = api.get(f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/validate/xcomEntries/return_value")
    assert xcom.json()["value"]["partition_date"] == LOGICAL_DAY.isoformat()


def test_a_backfill_of_three_dates_processes_the_day_each_run_names(airflow, api):
    """`airflow backfill create --from-date D1 --to-date D3`: one run per day, D1 to D3 inclusive, each
    processing the day of its logical date, executed by the scheduler two runs at a time."""
    started = time.monotonic()
    created = subprocess.run(
        [str(Path(sys.executable).with_name("airflow")), "backfill", "create", "--dag-id", DAG_ID,
         "--from-date", BACKFILL_DAYS[0].isoformat(), "--to-date", BACKFILL_DAYS[-1].isoformat()],
        env=airflow.env(), capture_output=True, text=True, timeout=180)
    assert created.returncode == 0, created.stdout[-2000:] + created.stderr[-2000:]

    def backfill_runs() -> list[dict]:
        runs = api.get(f"/api/v2/dags/{DAG_ID}/dagRuns", params={"run_type": "backfill"}).json()["dag_runs"]
        return runs if len(runs) == len(BACKFILL_DAYS) and all(
            run["state"] in ("success", "failed") for run in runs) else []

    runs = airflow.wait_until(backfill_runs, RUN_TIMEOUT * 2, "the backfill's three runs to finish", interval=5)
    airflow.timings["backfill of 3 days"] = time.monotonic() - started
    assert sorted((logical_day(run), run["state"]) for run in runs) == [(day, "success") for day in BACKFILL_DAYS]
    processed = loaded_partitions(airflow, api, [run["dag_run_id"] for run in runs])
    assert processed == {run["dag_run_id"]: [logical_day(run)] for run in runs}
    tries = [ti["try_number"] for run in runs for ti in api.get(
        f"/api/v2/dags/{DAG_ID}/dagRuns/{run['dag_run_id']}/taskInstances").json()["task_instances"]]
    assert tries == [1] * len(BACKFILL_DAYS) * len(TASKS)  # two days validating at once: no retry needed
    for day in BACKFILL_DAYS:  # every earlier day is loaded by now, so each day owns what the truth says
        assert raw_event_count(airflow, api, day) == loaded_in_truth(airflow.data_dir, day)


def test_the_scheduled_run_processes_the_day_before_it_fired(airflow, api):
    def scheduled_run() -> dict | None:
        runs = api.get(f"/api/v2/dags/{DAG_ID}/dagRuns", params={"run_type": "scheduled"}).json()["dag_runs"]
        return runs[0] if runs and runs[0]["state"] in ("success", "failed") else None

    run = airflow.wait_until(scheduled_run, RUN_TIMEOUT, "the scheduled run to finish", interval=3)
    assert (run["state"], logical_day(run)) == ("success", scheduled_day())
    assert loaded_partitions(airflow, api, [run["dag_run_id"]]) == {run["dag_run_id"]: [scheduled_day()]}
