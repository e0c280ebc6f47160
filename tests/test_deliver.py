"""The deliver task: the day's PDF, and the stakeholders' email once per day and figures, a digest per backfill."""

from __future__ import annotations

import json
from datetime import date, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from clickstream import deliver, mail_ledger
from clickstream.errors import DataError
from clickstream.settings import get_settings

DAY = date(2025, 3, 8)
PDF = b"%PDF-1.7 the printed report"
STAKEHOLDERS = "founder@example.com, marketing@example.com"
SENTENCES = ["Revenue over the 14 days to Sat 8 Mar 2025 was $350,350 from 306 orders, up 4.0% on the previous "
             "14 days.", "Direct brought the most revenue ($118,380, 33.8%) & SMS converted best."]


def summary(day: date, sessions: int = 2375, run_id: str = "scheduled__2025-03-08") -> dict:
    """A report's summary.json as analyze writes it (the figures the email shows)."""
    kpis = {"sessions": (30881, 29000, sessions), "users": (18319, 18000, 2246), "orders": (306, 290, 21),
            "revenue": (350350.0, 336875.0, 22085.0), "conversion_rate": (0.0099, 0.01, 0.0084),
            "average_order_value": (1144.93, 1161.64, 1051.67), "bounce_rate": (0.769, 0.78, 0.767)}
    return {"partition_date": day.isoformat(), "run_id": run_id, "generated_at": f"{day}T02:31:00+00:00",
            "window": {"start": (day - timedelta(days=13)).isoformat(), "end": day.isoformat(), "days": 14,
                       "days_with_data": 14, "has_previous_period": True},
            "kpis": {key: {"window": w, "previous_window": p, "day": d} for key, (w, p, d) in kpis.items()},
            "what_changed": SENTENCES}


def write_day(settings, day: date, pdf: bool = True, **figures) -> Path:
    folder = settings.reports_dir / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.html").write_text("<!DOCTYPE html><title>report</title><h1>Report</h1>")
    (folder / "report.md").write_text("# Report\n")
    (folder / "summary.json").write_text(json.dumps(summary(day, **figures)))
    if pdf:
        (folder / "report.pdf").write_bytes(PDF)
    return folder


@pytest.fixture
def mailing(tmp_path):
    return get_settings(data_dir=tmp_path / "data", report_emails=STAKEHOLDERS,
                        airflow_base_url="https://airflow.example.com")


@pytest.fixture
def outbox() -> list[EmailMessage]:
    return []


def run(settings, outbox, day=DAY, run_id="scheduled__2025-03-08", **options):
    return deliver.deliver_partition(settings, day, run_id, send=outbox.append, **options)


def parts(message: EmailMessage) -> dict[str, object]:
    return {part.get_content_type(): part for part in message.walk() if not part.is_multipart()}


# --- the daily email ------------------------------------------------------------------------------------------


def test_the_daily_email_goes_to_the_stakeholders_with_the_days_figures_in_its_subject(mailing, outbox):
    write_day(mailing, DAY)
    result = run(mailing, outbox)
    (message,) = outbox
    assert message["To"] == "founder@example.com, marketing@example.com"
    assert message["From"] == "clickstream-elt@localhost"
    assert message["Subject"] == "[clickstream] Report for Sat 8 Mar 2025: sessions 2,375, orders 21, revenue $22,085"
    assert result["email"] == "sent (new)"


def test_the_email_has_a_text_part_an_html_part_and_the_pdf_attached(mailing, outbox):
    write_day(mailing, DAY)
    run(mailing, outbox)
    (message,) = outbox
    assert message.get_content_type() == "multipart/mixed"
    assert [part.get_content_type() for part in message.walk()] == [
        "multipart/mixed", "multipart/alternative", "text/plain", "text/html", "application/pdf"]
    attachment = parts(message)["application/pdf"]
    assert attachment.get_filename() == "clickstream-report-2025-03-08.pdf"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_content() == PDF


def test_the_html_part_has_the_kpi_cards_what_changed_and_the_link_with_inline_styles_only(mailing, outbox):
    write_day(mailing, DAY)
    run(mailing, outbox)
    body = parts(outbox[0])["text/html"].get_content()
    for figure in ("30,881", "18,319", "306", "$350,350", "0.99%", "$1,144.93", "76.9%", "+6.5%", "2,375"):
        assert figure in body, figure
    assert "Direct brought the most revenue ($118,380, 33.8%) &amp; SMS converted best." in body
    assert 'href="https://airflow.example.com/clickstream-reports/2025-03-08/report.html"' in body
    assert "<script" not in body and "<style" not in body and "class=" not in body and "<img" not in body


def test_the_text_part_says_the_same_in_plain_text(mailing, outbox):
    write_day(mailing, DAY)
    run(mailing, outbox)
    text = parts(outbox[0])["text/plain"].get_content()
    assert "- Sessions: 30,881 (+6.5% vs previous period); 8 Mar: 2,375" in text
    assert "- Conversion rate: 0.99% (−0.01 pp vs previous period); 8 Mar: 0.84%" in text
    assert f"- {SENTENCES[1]}" in text
    assert "The report in Airflow: https://airflow.example.com/clickstream-reports/2025-03-08/report.html" in text
    assert "<" not in text


def test_a_rerun_with_the_same_figures_sends_nothing(mailing, outbox):
    write_day(mailing, DAY)
    run(mailing, outbox)
    write_day(mailing, DAY, run_id="manual__rerun")  # a new run, a new page, the same figures
    result = run(mailing, outbox, run_id="manual__rerun")
    assert len(outbox) == 1
    assert result["email"] == "unchanged: the figures of 2025-03-08 are those emailed by run scheduled__2025-03-08"


def test_a_rerun_that_changes_the_figures_sends_a_corrected_email_once(mailing, outbox):
    write_day(mailing, DAY)
    run(mailing, outbox)
    write_day(mailing, DAY, sessions=2380)
    assert run(mailing, outbox, run_id="manual__fix")["email"] == "sent (corrected)"
    run(mailing, outbox, run_id="manual__fix")  # a retry of the same run
    assert len(outbox) == 2
    corrected = outbox[1]
    assert corrected["Subject"] == ("[clickstream] CORRECTED Report for Sat 8 Mar 2025: sessions 2,380, orders 21, "
                                    "revenue $22,085")
    assert parts(corrected)["text/plain"].get_content().startswith("Corrected: the figures of this day changed")
    assert "Corrected: the figures of this day changed" in parts(corrected)["text/html"].get_content()


def test_without_recipients_no_email_is_sent_but_the_pdf_is_printed(tmp_path, outbox, monkeypatch):
    settings = get_settings(data_dir=tmp_path / "data")
    write_day(settings, DAY, pdf=False)
    printed = []
    monkeypatch.setattr(deliver, "render_pdf", lambda html, pdf: printed.append(html) or pdf.write_bytes(PDF))
    result = run(settings, outbox)
    assert outbox == [] and result["email"] == "none: CLICKSTREAM_REPORT_EMAILS is empty"
    assert (result["pdf_status"], printed) == ("written", [settings.reports_dir / "2025-03-08" / "report.html"])


def test_a_pdf_already_printed_from_the_page_is_kept(mailing, outbox):
    write_day(mailing, DAY)
    assert run(mailing, outbox)["pdf_status"] == "kept"


def test_the_latest_folder_gets_the_pdf_of_the_report_it_shows(mailing, outbox):
    write_day(mailing, DAY)
    latest = mailing.reports_dir / "latest"
    latest.mkdir()
    (latest / "summary.json").write_text(json.dumps(summary(DAY)))
    run(mailing, outbox)
    assert (latest / "report.pdf").read_bytes() == PDF


def test_a_day_without_a_report_fails_with_what_to_run(mailing, outbox):
    with pytest.raises(DataError, match="no report for partition 2025-03-08: run analyze and monitor"):
        run(mailing, outbox)


def test_an_email_that_cannot_be_sent_fails_and_leaves_the_day_due(mailing, outbox):
    write_day(mailing, DAY)

    def refuse(message):
        raise ConnectionRefusedError("smtp down")

    with pytest.raises(ConnectionRefusedError):
        deliver.deliver_partition(mailing, DAY, "scheduled__2025-03-08", send=refuse)
    assert run(mailing, outbox)["email"] == "sent (new)"


# --- backfills ------------------------------------------------------------------------------------------------

RANGE = [date(2025, 2, 1) + timedelta(days=i) for i in range(3)]


def backfill(settings, outbox, day, still_running: int, **options):
    seen = []

    def unfinished(done):
        seen.append(sorted(done))
        return still_running

    result = run(settings, outbox, day, f"backfill__{day}", backfill=True, unfinished_runs=unfinished, **options)
    return result, seen


def test_a_backfill_sends_one_digest_for_its_range_when_its_last_run_is_through(mailing, outbox):
    for day in RANGE:
        write_day(mailing, day)
    first, _ = backfill(mailing, outbox, RANGE[0], still_running=2)
    second, _ = backfill(mailing, outbox, RANGE[2], still_running=1)
    last, seen = backfill(mailing, outbox, RANGE[1], still_running=0)
    assert (first["email"], first["digest"]) == ("pending: a backfill run, its day waits for the digest",
                                                 "waiting: 2 other run(s) of the DAG queued or running")
    assert seen == [[f"backfill__{day}" for day in RANGE]]  # the runs whose days wait, this one among them
    assert last["digest"] == "sent (3 days)"
    (digest,) = outbox
    assert digest["Subject"] == "[clickstream] Reports for 1 Feb – 3 Feb 2025: backfill digest of 3 days"
    text = parts(digest)["text/plain"].get_content()
    assert [line for line in text.splitlines() if line.startswith("- ") and " 2025: " in line] == [
        "- Sat 1 Feb 2025: sessions 2,375, orders 21, revenue $22,085, conversion rate 0.84%",
        "- Sun 2 Feb 2025: sessions 2,375, orders 21, revenue $22,085, conversion rate 0.84%",
        "- Mon 3 Feb 2025: sessions 2,375, orders 21, revenue $22,085, conversion rate 0.84%"]
    assert parts(digest)["application/pdf"].get_filename() == "clickstream-report-2025-02-03.pdf"


def test_the_days_of_a_digest_count_as_emailed(mailing, outbox):
    for day in RANGE:
        write_day(mailing, day)
        backfill(mailing, outbox, day, still_running=0 if day == RANGE[-1] else 1)
    assert run(mailing, outbox, RANGE[0], "manual__again")["email"].startswith("unchanged")
    assert len(outbox) == 1


def test_a_digest_marks_the_days_whose_figures_changed_since_they_were_emailed(mailing, outbox):
    write_day(mailing, RANGE[0])
    run(mailing, outbox, RANGE[0])
    write_day(mailing, RANGE[0], sessions=9)
    write_day(mailing, RANGE[1])
    backfill(mailing, outbox, RANGE[0], still_running=1)
    backfill(mailing, outbox, RANGE[1], still_running=0)
    assert outbox[-1]["Subject"] == ("[clickstream] Reports for 1 Feb – 2 Feb 2025: backfill digest of 2 days, "
                                     "1 corrected")
    assert "- Sat 1 Feb 2025 (corrected): sessions 9" in parts(outbox[-1])["text/plain"].get_content()


def test_days_a_backfill_left_waiting_go_out_with_the_next_runs_delivery(mailing, outbox):
    write_day(mailing, RANGE[0])
    backfill(mailing, outbox, RANGE[0], still_running=1)  # the other run then failed: it never delivers
    write_day(mailing, DAY)
    result = run(mailing, outbox, unfinished_runs=lambda done: 0)
    assert [message["Subject"].split(":")[0] for message in outbox] == [
        "[clickstream] Report for Sat 8 Mar 2025", "[clickstream] Reports for Sat 1 Feb 2025"]
    assert result["digest"] == "sent (1 day)"


def test_a_backfill_sends_nothing_when_the_setting_says_none(mailing, outbox):
    settings = mailing.model_copy(update={"report_backfill_email": "none"})
    write_day(settings, RANGE[0])
    result, _ = backfill(settings, outbox, RANGE[0], still_running=0)
    assert outbox == [] and result["email"] == "none: a backfill run, CLICKSTREAM_REPORT_BACKFILL_EMAIL=none"
    with mail_ledger.locked(settings.reports_dir) as ledger:
        assert ledger.pending == {}
