"""The DAG's deliver task, after monitor: the day's report as ``report.pdf``, then the stakeholders' email.

Monitor fails on a failed watchdog, so this runs only for a day whose watchdog passed, and reads only the report
files (no warehouse: it runs outside the warehouse's pool, beside publish). The PDF is printed from the day's final
``report.html`` when there is none (analyze and monitor remove it when they write a new page). The email goes to
``CLICKSTREAM_REPORT_EMAILS`` through Airflow's ``smtp_default`` connection, as the alerts do, once per day and
figures (``mail_ledger``). A backfill's runs send no daily email: each adds its day to the ledger's pending days,
and the run that finds no other run of the DAG queued or running without its day in the ledger sends one digest of
them all (``CLICKSTREAM_REPORT_BACKFILL_EMAIL=digest``) or nothing (``none``). When a backfill's last runs fail,
the days that passed go out with the next run's deliver. An email that cannot be sent fails the task (it retries,
then the on-call is alerted), and the ledger keeps the day due.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from clickstream import mail_ledger
from clickstream.atomic import replace_with
from clickstream.errors import DataError
from clickstream.report import fmt, mail
from clickstream.report.pdf import PDF_NAME, render_pdf
from clickstream.settings import Settings

log = logging.getLogger(__name__)
Sender = Callable[[EmailMessage], None]
# How many runs of the DAG, other than those given (by run id), are queued or running.
UnfinishedRuns = Callable[[list[str]], int]


def _summary(folder: Path) -> dict[str, Any]:
    try:
        return json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def ensure_pdf(settings: Settings, day: date) -> tuple[Path, bool]:
    """The day's report.pdf, printed from its report.html unless it is there; also in latest/ when latest/ shows
    the same report. (path, whether it was printed now)."""
    folder = settings.reports_dir / day.isoformat()
    summary = _summary(folder)
    if not (folder / "report.html").is_file() or not summary:
        raise DataError(f"no report for partition {day}: run analyze and monitor for the day first")
    pdf = folder / PDF_NAME
    printed = not pdf.is_file()
    if printed:
        render_pdf(folder / "report.html", pdf)
    latest = settings.reports_dir / "latest"
    shown = _summary(latest)
    if (shown.get("partition_date"), shown.get("generated_at")) == (day.isoformat(), summary.get("generated_at")) \
            and not (latest / PDF_NAME).is_file():
        replace_with(latest / PDF_NAME, lambda beside: shutil.copyfile(pdf, beside))
    return pdf, printed


def smtp_sender(conn_id: str = "smtp_default") -> Sender:
    """Send through Airflow's SMTP connection. The hook builds HTML-only messages, so it connects (host, TLS,
    login, as the connection says) and its client sends this multipart one."""

    def send(message: EmailMessage) -> None:
        from airflow.providers.smtp.hooks.smtp import SmtpHook

        with SmtpHook(smtp_conn_id=conn_id) as hook:
            hook._smtp_client.send_message(message)  # private: the hook has no public send for a built message

    return send


def deliver_partition(settings: Settings, day: date, run_id: str, *, backfill: bool = False,
                      unfinished_runs: UnfinishedRuns | None = None, send: Sender | None = None) -> dict[str, Any]:
    """Print the day's PDF and send what email is due; return what was done (the task's XCom)."""
    pdf, printed = ensure_pdf(settings, day)
    result: dict[str, Any] = {"partition_date": day.isoformat(), "pdf": str(pdf),
                              "pdf_status": "written" if printed else "kept"}
    recipients = settings.report_recipients
    if not recipients:
        return {**result, "email": "none: CLICKSTREAM_REPORT_EMAILS is empty"}
    send = send or smtp_sender()
    summary = _summary(pdf.parent)
    figures = mail_ledger.figures_of(summary)

    def deliver(message: mail.Mail, ledger: mail_ledger.Ledger, figures_of: dict[date, str]) -> None:
        send(message.message(settings.alert_from_email, recipients))
        now = datetime.now(UTC).isoformat(timespec="seconds")
        for mailed in message.days:
            ledger.mark_sent(mailed, figures_of[mailed], run_id, now)
        log.info("emailed %r to %s", message.subject, ", ".join(recipients))

    with mail_ledger.locked(settings.reports_dir) as ledger:
        verdict = ledger.verdict(day, figures)
        if backfill and settings.report_backfill_email == "none":
            result["email"] = "none: a backfill run, CLICKSTREAM_REPORT_BACKFILL_EMAIL=none"
        elif backfill:
            ledger.pending[day.isoformat()] = {"figures": figures, "run_id": run_id}
            result["email"] = "pending: a backfill run, its day waits for the digest"
        elif verdict == mail_ledger.UNCHANGED:
            result["email"] = (f"unchanged: the figures of {day} are those emailed by run "
                               f"{ledger.sent[day.isoformat()]['run_id']}")
        else:
            message = mail.daily(mail.DayReport(summary, pdf, verdict == mail_ledger.CORRECTED),
                                 settings.airflow_base_url)
            deliver(message, ledger, {day: figures})
            result.update(email=f"sent ({verdict})", subject=message.subject)
        result.update(_digest(settings, ledger, run_id, unfinished_runs, deliver))
    return result


def _digest(settings: Settings, ledger: mail_ledger.Ledger, run_id: str, unfinished_runs: UnfinishedRuns | None,
            deliver: Callable[..., None]) -> dict[str, Any]:
    """Send the digest of the pending backfill days when no other run can still add one."""
    if not ledger.pending:
        return {}
    done = sorted({*(entry["run_id"] for entry in ledger.pending.values()), run_id})
    waiting = unfinished_runs(done) if unfinished_runs else 0
    if waiting:
        return {"digest": f"waiting: {waiting} other run(s) of the DAG queued or running"}
    reports, figures_of = [], {}
    for text, entry in sorted(ledger.pending.items()):
        day = date.fromisoformat(text)
        verdict = ledger.verdict(day, entry["figures"])
        if verdict == mail_ledger.UNCHANGED:
            continue
        pdf, _ = ensure_pdf(settings, day)
        reports.append(mail.DayReport(_summary(pdf.parent), pdf, verdict == mail_ledger.CORRECTED))
        figures_of[day] = entry["figures"]
    ledger.pending.clear()
    if not reports:
        return {"digest": "unchanged: every day of the backfill has the figures it was emailed with"}
    message = mail.digest(reports, settings.airflow_base_url)
    deliver(message, ledger, figures_of)
    return {"digest": f"sent ({fmt.plural(len(reports), 'day')})", "digest_subject": message.subject}


def deliver_in_airflow(settings: Settings, context: dict[str, Any]) -> dict[str, Any]:
    """``deliver_partition`` for a task's Airflow context: its partition and run, whether the run is a backfill's,
    and the DAG's other unfinished runs, counted through the task SDK (the metadata DB is not the task's to read)."""
    from clickstream.pipeline import partition_of_run

    ti, dag_run = context["ti"], context["dag_run"]
    states = ["queued", "running"]

    def unfinished_runs(done: list[str]) -> int:
        return (ti.get_dr_count(dag_id=dag_run.dag_id, states=states)
                - ti.get_dr_count(dag_id=dag_run.dag_id, run_ids=done, states=states))

    run_type = getattr(dag_run.run_type, "value", dag_run.run_type)
    return deliver_partition(settings, partition_of_run(context), dag_run.run_id, backfill=run_type == "backfill",
                             unfinished_runs=unfinished_runs)
