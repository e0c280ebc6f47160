"""The stakeholders' report email: one day's (or a backfill's digest), from the days' ``summary.json``.

A mail client is not a browser: the HTML body has inline styles only, tables for layout, no script, no image
and no CSS it would strip; a plain-text part says the same for clients that show no HTML. The body holds the
headline KPIs and the "what changed" sentences; the report's PDF is attached and the report in the Airflow UI
linked. A corrected email (the day's figures changed since it was mailed) says so in its subject and first line.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from clickstream.report import build, fmt
from clickstream.report.palette import ACCENT, BAD, GOOD, INK, LINE, MUTED, PANEL, WARN

FONT = "font-family:Arial,Helvetica,sans-serif;"


@dataclass(frozen=True)
class DayReport:
    """One day's report as the email shows it: its summary, its PDF, whether it corrects an earlier email."""

    summary: dict[str, Any]
    pdf: Path
    corrected: bool = False

    @property
    def day(self) -> date:
        return date.fromisoformat(self.summary["partition_date"])


@dataclass(frozen=True)
class Mail:
    subject: str
    html: str
    text: str
    attachment: Path
    attachment_name: str
    days: list[date] = field(default_factory=list)

    def message(self, sender: str, recipients: list[str]) -> EmailMessage:
        """multipart/mixed: the text and HTML parts as alternatives, then the PDF."""
        message = EmailMessage()
        message["Subject"], message["From"], message["To"] = self.subject, sender, ", ".join(recipients)
        message.set_content(self.text)
        message.add_alternative(self.html, subtype="html")
        message.add_attachment(self.attachment.read_bytes(), maintype="application", subtype="pdf",
                               filename=self.attachment_name)
        return message


def report_url(base_url: str, day: date | None = None) -> str:
    """The report of ``day`` served by the Reports plugin (plugins/clickstream_reports.py), or its list of reports."""
    root = f"{base_url.rstrip('/')}/clickstream-reports/"
    return f"{root}{day.isoformat()}/report.html" if day else root


@dataclass(frozen=True)
class KpiLine:
    label: str
    value: str
    change: str  # vs the previous window; "" when there is none
    tone: str  # good | bad | flat
    day: str


def kpi_lines(summary: dict[str, Any]) -> list[KpiLine]:
    """The headline KPIs of a summary, formatted as the report's cards show them."""
    has_previous = summary["window"]["has_previous_period"]
    lines = []
    for spec in build.KPIS:
        figures = summary["kpis"][spec.key]
        text, delta = build.change_of(spec.kind, figures["window"], figures["previous_window"])
        if not has_previous or delta is None or round(delta, 4) == 0:
            tone = "flat"
        else:
            tone = "good" if (delta > 0) == spec.higher_is_better else "bad"
        lines.append(KpiLine(spec.label, build.value_text(spec.kind, figures["window"]),
                             text if has_previous else "", tone, build.value_text(spec.kind, figures["day"])))
    return lines


def _period(summary: dict[str, Any]) -> str:
    window = summary["window"]
    span = fmt.span(date.fromisoformat(window["start"]), date.fromisoformat(window["end"]))
    return f"Last {window['days']} days: {span}" + (
        f" · compared with the {window['days']} days before" if window["has_previous_period"] else "")


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _cards_html(report: DayReport) -> str:
    tones = {"good": GOOD, "bad": BAD, "flat": MUTED}
    cells = []
    for line in kpi_lines(report.summary):
        change = (f'<div style="{FONT}font-size:13px;font-weight:bold;color:{tones[line.tone]}">{_e(line.change)} '
                  f'<span style="font-weight:normal;color:{MUTED}">vs previous period</span></div>'
                  if line.change else "")
        cells.append(
            f'<td width="50%" valign="top" style="padding:6px"><div style="border:1px solid {LINE};'
            f'border-radius:8px;background:{PANEL};padding:10px 12px">'
            f'<div style="{FONT}font-size:11px;font-weight:bold;color:{MUTED};text-transform:uppercase">'
            f'{_e(line.label)}</div><div style="{FONT}font-size:22px;font-weight:bold;color:{INK}">{_e(line.value)}'
            f'</div>{change}<div style="{FONT}font-size:12px;color:{MUTED}">{_e(fmt.short_day(report.day))}: '
            f'<b style="color:{INK}">{_e(line.day)}</b></div></div></td>')
    rows = "".join(f"<tr>{''.join(cells[i:i + 2])}</tr>" for i in range(0, len(cells), 2))
    return f'<table role="presentation" width="100%" cellpadding="0" cellspacing="0">{rows}</table>'


def _changes_html(summary: dict[str, Any]) -> str:
    items = "".join(f'<li style="margin:4px 0">{_e(sentence)}</li>' for sentence in summary["what_changed"])
    return (f'<h2 style="{FONT}font-size:17px;color:{INK};margin:20px 0 6px">What changed</h2>'
            f'<ul style="{FONT}font-size:14px;color:{INK};margin:0;padding-left:20px">{items}</ul>')


def _page(title: str, kicker: str, subtitle: str, corrected_note: str, content: str, link: str,
          link_text: str, footer: str) -> str:
    banner = (f'<p style="{FONT}background:#fef3c7;color:{WARN};border-radius:6px;padding:8px 12px;'
              f'font-weight:bold">{_e(corrected_note)}</p>' if corrected_note else "")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>' + _e(title) + "</title></head>"
        f'<body style="margin:0;background:#ffffff"><div style="{FONT}max-width:640px;margin:0 auto;padding:16px;'
        f'color:{INK}">{banner}'
        f'<div style="{FONT}font-size:12px;font-weight:bold;color:{ACCENT};text-transform:uppercase">{_e(kicker)}</div>'
        f'<h1 style="{FONT}font-size:24px;margin:4px 0">{_e(title)}</h1>'
        f'<div style="{FONT}font-size:13px;color:{MUTED};border-bottom:3px solid {ACCENT};padding-bottom:10px">'
        f"{_e(subtitle)}</div>{content}"
        f'<p style="{FONT}font-size:14px;margin:20px 0 6px"><a href="{_e(link)}" style="color:{ACCENT};'
        f'font-weight:bold">{_e(link_text)}</a> · the PDF is attached.</p>'
        f'<p style="{FONT}font-size:11px;color:{MUTED}">{_e(footer)}</p></div></body></html>'
    )


def _kpi_text(report: DayReport) -> list[str]:
    return [f"- {line.label}: {line.value}" + (f" ({line.change} vs previous period)" if line.change else "")
            + f"; {fmt.short_day(report.day)}: {line.day}" for line in kpi_lines(report.summary)]


def _corrected_note(report: DayReport) -> str:
    return ("Corrected: the figures of this day changed since its report was emailed; this email replaces that one."
            if report.corrected else "")


def daily(report: DayReport, base_url: str) -> Mail:
    """The email of one day's report."""
    summary, day = report.summary, report.day
    figures = {line.label: line.day for line in kpi_lines(summary)}
    subject = (f"[clickstream] {'CORRECTED ' if report.corrected else ''}Report for {fmt.day(day)}: "
               f"sessions {figures['Sessions']}, orders {figures['Orders']}, revenue {figures['Revenue']}")
    link = report_url(base_url, day)
    footer = f"Run {summary['run_id']} · generated {summary['generated_at'][:16].replace('T', ' ')} UTC"
    body = _page(fmt.day(day), f"Clickstream report · partition {day.isoformat()}", _period(summary),
                 _corrected_note(report), _cards_html(report) + _changes_html(summary), link,
                 "Open the report in Airflow", footer)
    text = "\n".join([
        *([_corrected_note(report), ""] if report.corrected else []),
        f"Clickstream report for {fmt.day(day)} (partition {day.isoformat()})", _period(summary), "",
        *_kpi_text(report), "", "What changed:", *(f"- {sentence}" for sentence in summary["what_changed"]), "",
        f"The report in Airflow: {link}", "The PDF is attached.", "", footer, ""])
    return Mail(subject, body, text, report.pdf, f"clickstream-report-{day.isoformat()}.pdf", [day])


def digest(reports: list[DayReport], base_url: str) -> Mail:
    """One email for the days a backfill reported: a row of figures a day, then the last day's KPIs and what changed;
    the last day's PDF attached."""
    reports = sorted(reports, key=lambda report: report.day)
    first, last = reports[0].day, reports[-1].day
    corrected = [report.day for report in reports if report.corrected]
    span = fmt.span(first, last)
    subject = f"[clickstream] Reports for {span}: backfill digest of {fmt.plural(len(reports), 'day')}" + (
        f", {len(corrected)} corrected" if corrected else "")
    head = "".join(f'<th align="right" style="{FONT}font-size:11px;color:{MUTED};padding:4px 6px">{_e(label)}</th>'
                   for label in ("Sessions", "Orders", "Revenue", "Conversion"))
    rows = []
    for report in reports:
        figures = {line.label: line.day for line in kpi_lines(report.summary)}
        mark = " (corrected)" if report.corrected else ""
        cells = "".join(f'<td align="right" style="{FONT}font-size:13px;padding:4px 6px;border-top:1px solid {LINE}">'
                        f"{_e(figures[label])}</td>" for label in ("Sessions", "Orders", "Revenue", "Conversion rate"))
        rows.append(f'<tr><td style="{FONT}font-size:13px;padding:4px 6px;border-top:1px solid {LINE}">'
                    f"{_e(fmt.day(report.day))}{_e(mark)}</td>{cells}</tr>")
    table = (f'<h2 style="{FONT}font-size:17px;margin:18px 0 6px">Each day</h2>'
             f'<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr>'
             f'<th align="left" style="{FONT}font-size:11px;color:{MUTED};padding:4px 6px">Day</th>{head}</tr>'
             f'{"".join(rows)}</table>'
             f'<h2 style="{FONT}font-size:17px;margin:18px 0 6px">{_e(fmt.day(last))}, the last day</h2>')
    note = (f"Corrected: the figures of {', '.join(fmt.short_day(day) for day in corrected)} changed since they "
            "were emailed." if corrected else "")
    summary = reports[-1].summary
    body = _page(span, f"Clickstream reports · backfill of {fmt.plural(len(reports), 'day')}", _period(summary),
                 note, table + _cards_html(reports[-1]) + _changes_html(summary), report_url(base_url),
                 "Open the reports in Airflow", f"Last run {summary['run_id']}")
    text = "\n".join([
        *([note, ""] if note else []), f"Clickstream reports for {span} (backfill digest)", "",
        *(f"- {fmt.day(report.day)}{' (corrected)' if report.corrected else ''}: " + ", ".join(
            f"{line.label.lower()} {line.day}" for line in kpi_lines(report.summary)
            if line.label in ("Sessions", "Orders", "Revenue", "Conversion rate")) for report in reports),
        "", f"{fmt.day(last)}, the last day: {_period(summary)}", *_kpi_text(reports[-1]), "", "What changed:",
        *(f"- {sentence}" for sentence in summary["what_changed"]), "",
        f"The reports in Airflow: {report_url(base_url)}", "The last day's PDF is attached.", ""])
    return Mail(subject, body, text, reports[-1].pdf, f"clickstream-report-{last.isoformat()}.pdf",
                [report.day for report in reports])
