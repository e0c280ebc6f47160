"""Failure emails: one per failed task, to CLICKSTREAM_ALERT_EMAILS, through smtp_default."""

from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import quote

import pytest
from smtp_sink import body_text, free_port, smtp_conn_uri, smtp_sink

from clickstream.alerts import FailureEmail, failure_subject, task_log_url
from clickstream.settings import get_settings

ERROR = "quarantine gate failed for partition 2025-02-23 (1 critical): quarantine_rate: observed 0.8, expected <= 0.05"


def context(partition="2025-02-23"):
    ti = SimpleNamespace(dag_id="clickstream_elt", task_id="validate")
    dag_run = SimpleNamespace(run_id="manual__1", partition_key=None, logical_date=None, run_after=None)
    return {"ti": ti, "dag_run": dag_run, "params": {"partition_date": partition}, "exception": RuntimeError(ERROR)}


def test_a_failure_sends_one_email_naming_dag_task_partition_and_checks(monkeypatch):
    with smtp_sink() as (inbox, uri):
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", uri)
        settings = get_settings(alert_emails="oncall@example.com, lead@example.com")
        FailureEmail(settings)(context())
    assert len(inbox.messages) == 1
    recipients, message = inbox.messages[0]
    body = body_text(message)
    assert recipients == ["oncall@example.com", "lead@example.com"]
    assert message["Subject"] == "[clickstream] FAILED clickstream_elt.validate for partition 2025-02-23"
    assert "quarantine_rate: observed 0.8, expected &lt;= 0.05" in body
    assert "manual__1" in body
    assert "http://localhost:8080/dags/clickstream_elt/runs/manual__1/tasks/validate" in body


def test_no_recipients_no_email(monkeypatch):
    with smtp_sink() as (inbox, uri):
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", uri)
        FailureEmail(get_settings(alert_emails=""))(context())
    assert inbox.messages == []


def test_an_unreachable_mail_server_is_logged_not_raised(monkeypatch, caplog):
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", smtp_conn_uri(free_port()))
    FailureEmail(get_settings(alert_emails="oncall@example.com"))(context())
    assert "could not send the failure email to oncall@example.com" in caplog.text


def test_templating_characters_in_an_error_are_sent_verbatim(monkeypatch):
    ctx = context()
    ctx["exception"] = RuntimeError("header: {{ not a template }} {% nor this %}")
    with smtp_sink() as (inbox, uri):
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", uri)
        FailureEmail(get_settings(alert_emails="oncall@example.com"))(ctx)
    assert "{{ not a template }} {% nor this %}" in body_text(inbox.messages[0][1])


def test_the_subject_names_dag_task_and_partition():
    assert failure_subject("d", "t", "2025-02-23") == "[clickstream] FAILED d.t for partition 2025-02-23"


@pytest.mark.parametrize("run_id", ["manual__2025-02-23T10:00:00+00:00", "scheduled__x"])
def test_log_links_quote_the_run_id(run_id):
    url = task_log_url("http://af:8080/", "clickstream_elt", run_id, "load")
    assert url == f"http://af:8080/dags/clickstream_elt/runs/{quote(run_id, safe='')}/tasks/load"


WARNINGS = {"gate": {"warnings": [{"check": "bot_share", "observed": "0.12", "threshold": "<= 0.1"}]}}


def test_warnings_are_emailed_only_when_asked(monkeypatch):
    from clickstream.alerts import notify_warnings

    with smtp_sink() as (inbox, uri):
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", uri)
        assert notify_warnings(get_settings(alert_emails="oncall@example.com"), context(), WARNINGS) is False
        settings = get_settings(alert_emails="oncall@example.com", notify_warnings=True)
        assert notify_warnings(settings, context(), WARNINGS) is True
        assert notify_warnings(settings, context(), {"gate": {"warnings": []}}) is False
    assert len(inbox.messages) == 1
    message = inbox.messages[0][1]
    assert message["Subject"] == "[clickstream] 1 warning(s) in clickstream_elt.validate for partition 2025-02-23"
    assert "bot_share: observed 0.12, expected &lt;= 0.1" in body_text(message)
