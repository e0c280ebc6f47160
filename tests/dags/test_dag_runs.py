"""End to end through Airflow: dag.test() runs of clickstream_elt on generated files, and the alert
emails a failed gate sends (a real SMTP server on 127.0.0.1 as smtp_default)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from smtp_sink import body_text, smtp_sink

from clickstream.generate import generate
from clickstream.warehouse import connect

pytestmark = pytest.mark.slow
DAGS = Path(__file__).resolve().parents[2] / "dags"
DAY = date(2025, 2, 23)
TASKS = ["validate", "load", "transform", "analyze", "monitor", "publish", "deliver"]
STAKEHOLDERS = "founder@example.com"
ONCALL = "oncall@example.com"


@pytest.fixture(scope="module")
def airflow_db():
    """The test AIRFLOW_HOME's metadata DB (SQLite), migrated once."""
    subprocess.run([str(Path(sys.executable).with_name("airflow")), "db", "migrate"], check=True,
                   capture_output=True, env=os.environ)


@pytest.fixture
def run_dag(airflow_db, monkeypatch, tmp_path):
    """Run clickstream_elt for a partition with dag.test(); return (dag run, task states, inbox)."""
    data_dir = tmp_path / "data"
    monkeypatch.setenv("CLICKSTREAM_DATA_DIR", str(data_dir))
    monkeypatch.setenv("CLICKSTREAM_ALERT_EMAILS", ONCALL)

    def run(day: date = DAY, full_refresh: bool = False, **options):
        from airflow.dag_processing.dagbag import DagBag

        from clickstream.local_airflow import task_states

        with smtp_sink() as (inbox, uri):
            monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", uri)
            dag = DagBag(dag_folder=str(DAGS)).dags["clickstream_elt"]
            dag_run = dag.test(run_conf={"partition_date": day.isoformat(), "full_refresh": full_refresh}, **options)
        return str(dag_run.state), task_states(dag_run), inbox.messages

    run.data_dir = data_dir
    return run


def test_a_day_of_sample_data_runs_green_and_sends_no_email(run_dag):
    generate(run_dag.data_dir, DAY, 2, events_per_day=500, seed=3, truth=True)
    truth = json.loads((run_dag.data_dir / "truth.json").read_text())["partitions"][DAY.isoformat()]
    state, tasks, emails = run_dag()
    assert state == "success"
    assert tasks == dict.fromkeys(TASKS, "success")
    assert emails == []
    with connect(run_dag.data_dir / "warehouse.duckdb", read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw_events WHERE partition_date = ?", [DAY]).fetchone()[0] == (
            truth["loaded"])
        assert con.execute("SELECT count(*) FROM monitor_results WHERE partition_date = ?", [DAY]).fetchone()[0] > 0
    assert (run_dag.data_dir / "reports" / DAY.isoformat() / "report.html").exists()
    with connect(run_dag.data_dir / "warehouse.duckdb", read_only=True) as con:
        sessions = con.execute("SELECT count(*) FROM sessions").fetchone()[0]
    assert published_rows(run_dag.data_dir, "sessions") == sessions > 0  # the publish task's Iceberg table


def test_a_green_day_emails_its_report_with_the_pdf_to_the_stakeholders_once(run_dag, monkeypatch):
    monkeypatch.setenv("CLICKSTREAM_REPORT_EMAILS", STAKEHOLDERS)
    generate(run_dag.data_dir, DAY, 2, events_per_day=500, seed=3, truth=False)
    state, tasks, emails = run_dag()
    assert (state, tasks["deliver"]) == ("success", "success")
    (recipients, message), = emails
    assert recipients == [STAKEHOLDERS]
    assert message["Subject"].startswith("[clickstream] Report for Sun 23 Feb 2025: sessions ")
    (attachment,) = [part for part in message.walk() if part.get_content_type() == "application/pdf"]
    assert attachment.get_filename() == f"clickstream-report-{DAY}.pdf"
    assert attachment.get_payload(decode=True) == (run_dag.data_dir / "reports" / str(DAY) / "report.pdf").read_bytes()
    assert run_dag()[2] == []  # the same day again, the same figures: no second email


def published_rows(data_dir: Path, table: str) -> int:
    from clickstream.iceberg import open_catalog
    from clickstream.settings import Settings

    return open_catalog(Settings(data_dir=data_dir)).load_table(f"clickstream.{table}").scan().count()


def test_a_broken_day_fails_the_quarantine_gate_and_emails_once(run_dag):
    raw = run_dag.data_dir / "raw"
    raw.mkdir(parents=True)
    with (raw / f"events_{DAY}.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["client_id", "page_url", "referrer", "timestamp", "event_name", "event_data", "user_agent"])
        for i in range(100):
            client = f"c{i}" if i % 5 == 0 else ""  # 80% missing client_id
            writer.writerow([client, "https://puffy.com/", "", f"{DAY}T10:{i % 60:02d}:00.000Z", "page_viewed", "",
                             "Mozilla/5.0"])
    state, tasks, emails = run_dag()
    assert state == "failed"
    assert tasks == {"validate": "failed", **dict.fromkeys(TASKS[1:], "upstream_failed")}
    assert len(emails) == 1
    recipients, message = emails[0]
    assert recipients == [ONCALL]
    assert message["Subject"] == f"[clickstream] FAILED clickstream_elt.validate for partition {DAY}"
    assert "quarantine_rate: observed 0.8, expected &lt;= 0.05" in body_text(message)


def test_tampered_orders_fail_the_watchdog_and_email_once(run_dag):
    generate(run_dag.data_dir, DAY, 2, events_per_day=500, seed=3, truth=False)
    assert run_dag()[0] == "success"
    with connect(run_dag.data_dir / "warehouse.duckdb") as con:
        tampered = con.execute("UPDATE orders SET revenue = revenue + 100 WHERE ordered_at::DATE = ?", [DAY])
        assert tampered.fetchone()[0] >= 1
    # A hand edit is no load or transform: the watchdog is told to check the day again.
    state, tasks, emails = run_dag(full_refresh=True, mark_success_pattern="^(validate|load|transform|analyze)$")
    assert (state, tasks["monitor"], tasks["publish"]) == ("failed", "failed", "upstream_failed")
    assert len(emails) == 1
    message = emails[0][1]
    assert message["Subject"] == f"[clickstream] FAILED clickstream_elt.monitor for partition {DAY}"
    assert "revenue_reconciliation: observed" in body_text(message)


def test_airflow_dags_test_with_a_date_processes_that_day(airflow_db, tmp_path):
    """`airflow dags test clickstream_elt 2025-02-23`, as typed: no param, the logical date names the day."""
    data_dir = tmp_path / "data"
    generate(data_dir, DAY, 2, events_per_day=300, seed=5, truth=True)
    truth = json.loads((data_dir / "truth.json").read_text())["partitions"][DAY.isoformat()]
    env = {**os.environ, "CLICKSTREAM_DATA_DIR": str(data_dir)}
    result = subprocess.run([str(Path(sys.executable).with_name("airflow")), "dags", "test", "clickstream_elt",
                             DAY.isoformat()], env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    with connect(data_dir / "warehouse.duckdb", read_only=True) as con:
        audited = con.execute("SELECT DISTINCT partition_date, status FROM load_audit").fetchall()
        owned = con.execute("SELECT count(*) FROM raw_events WHERE partition_date = ?", [DAY]).fetchone()[0]
    assert audited == [(DAY, "loaded")]
    assert owned == truth["loaded"]
