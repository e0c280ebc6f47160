"""Failure emails: one per failed task, through Airflow's ``smtp_default`` connection.

The callback is built from the settings when the DAG is parsed but imports the SMTP
provider only when a task fails. An email that cannot be sent is logged, never raised:
the alert must not hide the failure it reports.
"""

from __future__ import annotations

import html
import logging
from typing import Any
from urllib.parse import quote

from clickstream.settings import Settings

log = logging.getLogger(__name__)


def failure_subject(dag_id: str, task_id: str, partition: str) -> str:
    return f"[clickstream] FAILED {dag_id}.{task_id} for partition {partition}"


def task_log_url(base_url: str, dag_id: str, run_id: str, task_id: str) -> str:
    """The task instance's page in the Airflow 3 UI, where its log is."""
    return f"{base_url.rstrip('/')}/dags/{quote(dag_id)}/runs/{quote(run_id, safe='')}/tasks/{quote(task_id)}"


def failure_body(dag_id: str, task_id: str, run_id: str, partition: str, error: str, log_url: str) -> str:
    """HTML body: what failed, the failed checks as the error states them, and where the log is."""
    checks = [part.strip() for part in error.split("; ")] if ": " in error else [error]
    items = "".join(f"<li>{html.escape(check)}</li>" for check in checks)
    return (
        f"<p>Task <b>{html.escape(task_id)}</b> of DAG <b>{html.escape(dag_id)}</b> failed "
        f"for partition <b>{html.escape(partition)}</b>.</p>"
        f"<p>Run id: <code>{html.escape(run_id)}</code></p>"
        f"<p>Error:</p><ul>{items}</ul>"
        f'<p>Task log: <a href="{html.escape(log_url)}">{html.escape(log_url)}</a></p>'
    )


class FailureEmail:
    """An ``on_failure_callback`` that emails the on-call (``CLICKSTREAM_ALERT_EMAILS``)."""

    def __init__(self, settings: Settings, conn_id: str = "smtp_default") -> None:
        self.recipients = settings.alert_recipients
        self.from_email = settings.alert_from_email
        self.base_url = settings.airflow_base_url
        self.conn_id = conn_id

    def __call__(self, context: dict[str, Any]) -> None:
        if not self.recipients:
            log.info("no CLICKSTREAM_ALERT_EMAILS set: failure email not sent")
            return
        try:
            self._send(context)
        except Exception:  # an unsendable alert is logged, never raised
            log.exception("could not send the failure email to %s", ", ".join(self.recipients))

    def _send(self, context: dict[str, Any]) -> None:
        from airflow.providers.smtp.notifications.smtp import SmtpNotifier

        ti = context["ti"]
        dag_run = context["dag_run"]
        partition = partition_label(context)
        error = str(context.get("exception") or "unknown error")
        body = failure_body(ti.dag_id, ti.task_id, dag_run.run_id, partition, error,
                            task_log_url(self.base_url, ti.dag_id, dag_run.run_id, ti.task_id))
        notifier = SmtpNotifier(
            to=self.recipients,
            from_email=self.from_email,
            smtp_conn_id=self.conn_id,
            subject=failure_subject(ti.dag_id, ti.task_id, partition),
            html_content=body,
        )
        # notify(), not notifier(context): calling it would render the texts as Jinja templates,
        # and an error message is data, never a template.
        notifier.notify(context)


def warnings_subject(dag_id: str, task_id: str, partition: str, count: int) -> str:
    return f"[clickstream] {count} warning(s) in {dag_id}.{task_id} for partition {partition}"


def warnings_body(task_id: str, run_id: str, partition: str, warnings: list[dict[str, Any]], log_url: str) -> str:
    items = "".join(
        f"<li>{html.escape(w['check'])}: observed {html.escape(str(w['observed']))}, "
        f"expected {html.escape(str(w['threshold']))}</li>"
        for w in warnings
    )
    return (
        f"<p>The {html.escape(task_id)} gate passed for partition <b>{html.escape(partition)}</b> "
        f"with {len(warnings)} warning(s):</p><ul>{items}</ul>"
        f"<p>Run id: <code>{html.escape(run_id)}</code></p>"
        f'<p>Task log: <a href="{html.escape(log_url)}">{html.escape(log_url)}</a></p>'
    )


def notify_warnings(settings: Settings, context: dict[str, Any], summary: dict[str, Any],
                    conn_id: str = "smtp_default") -> bool:
    """Email a gate's warnings when ``CLICKSTREAM_NOTIFY_WARNINGS`` is on; True when an email was sent."""
    gate = summary.get("gate", summary)
    warnings = gate.get("warnings") or []
    if not (settings.notify_warnings and settings.alert_recipients and warnings):
        return False
    ti, dag_run = context["ti"], context["dag_run"]
    partition = partition_label(context)
    try:
        from airflow.providers.smtp.hooks.smtp import SmtpHook

        with SmtpHook(smtp_conn_id=conn_id) as hook:
            hook.send_email_smtp(
                to=settings.alert_recipients,
                from_email=settings.alert_from_email,
                subject=warnings_subject(ti.dag_id, ti.task_id, partition, len(warnings)),
                html_content=warnings_body(ti.task_id, dag_run.run_id, partition, warnings,
                                           task_log_url(settings.airflow_base_url, ti.dag_id, dag_run.run_id,
                                                        ti.task_id)),
            )
    except Exception:  # a warning summary that cannot be sent is logged, never fails the task
        log.exception("could not send the warnings email to %s", ", ".join(settings.alert_recipients))
        return False
    return True


def partition_label(context: dict[str, Any]) -> str:
    """The partition a running task works on, from its Airflow context, or "unknown" when it cannot be told."""
    from clickstream import pipeline

    try:
        return pipeline.partition_of_run(context).isoformat()
    except ValueError:
        return "unknown"
