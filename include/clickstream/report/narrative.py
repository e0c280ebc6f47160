"""The "what changed" section: a few sentences written from the report's numbers, largest movements first."""

from __future__ import annotations

from collections import Counter, defaultdict

from clickstream.report import fmt
from clickstream.report.build import Kpi, Report

ANOMALY_CHECKS = ("volume_anomaly", "orders_anomaly", "revenue_anomaly", "conversion_rate_anomaly", "outlier_orders")
MIN_MOVEMENT = 0.02  # relative changes smaller than 2% are not called movements
MIN_CHANNEL_SESSIONS = 100  # channels with fewer sessions are too small to call the best converter


def _observed(text: str | None) -> str:
    """A gate's observed value, numbers to three significant digits (5.13121 -> 5.13)."""
    try:
        return f"{float(text):.3g}"
    except (TypeError, ValueError):
        return str(text)


def _direction(delta: float) -> str:
    return "up" if delta > 0 else "down"


def _relative(kpi: Kpi) -> float | None:
    return fmt.change(kpi.value, kpi.previous)


def headline(report: Report) -> str:
    window, current = report.window, report.periods["window"]
    revenue = next(k for k in report.kpis if k.spec.key == "revenue")
    orders = next(k for k in report.kpis if k.spec.key == "orders")
    days = window.days
    text = (f"Revenue over the {days} days to {fmt.day(window.day)} was {fmt.money(revenue.value)} from "
            f"{fmt.plural(orders.value, 'order')}")
    if report.has_previous and revenue.previous:
        text += (f", {_direction(revenue.value - revenue.previous)} {fmt.change_text(_relative(revenue)).lstrip('+−±')}"
                 f" on the previous {days} days ({fmt.money(revenue.previous)}; orders {orders.change[0]}).")
    else:
        text += ". There is no earlier period with data to compare against yet."
    if current["days_with_data"] < days:
        text += f" Only {current['days_with_data']} of the {days} days have data."
    return text


def movements(report: Report, limit: int = 3) -> str | None:
    if not report.has_previous:
        return None
    ranked = []
    for kpi in report.kpis:
        relative = _relative(kpi)
        if kpi.spec.key in ("revenue", "orders") or relative is None or abs(relative) < MIN_MOVEMENT:
            continue
        ranked.append((abs(relative), kpi))
    if not ranked:
        return "No other headline figure moved by more than 2% against the previous period."
    parts = []
    for _, kpi in sorted(ranked, key=lambda item: -item[0])[:limit]:
        change, delta = kpi.change
        verb = "rose" if delta > 0 else "fell"
        parts.append(f"{kpi.spec.label.lower()} {verb} {change.lstrip('+−')} to {kpi.text}")
    return "Largest other movements: " + "; ".join(parts) + "."


def partition_day(report: Report) -> str:
    day = report.periods["day"]
    label = fmt.day(report.day)
    if not day["sessions"] and not day["orders"]:
        return f"{label} has no sessions and no orders in the warehouse."
    if not day["orders"]:
        return f"No orders on {label}, from {fmt.plural(day['sessions'], 'session')}."
    text = (f"On {label}: {fmt.plural(day['sessions'], 'session')}, {fmt.plural(day['orders'], 'order')} and "
            f"{fmt.money(day['revenue'])} revenue")
    if report.has_compare_day:
        revenue = next(k for k in report.kpis if k.spec.key == "revenue")
        text += f" (revenue {revenue.day_change[0]} against {fmt.day(report.window.compare_day)})"
    return text + "."


def channels(report: Report) -> str | None:
    rows = report.channels
    if not rows or not any(row["revenue"] for row in rows):
        return None
    if report.has_previous:
        moves = sorted(rows, key=lambda r: r["revenue"] - r["prev_revenue"])
        down, up = moves[0], moves[-1]
        parts = []
        if up["revenue"] > up["prev_revenue"]:
            parts.append(f"{up['channel']} added the most revenue "
                         f"({fmt.signed(fmt.money(abs(up['revenue'] - up['prev_revenue'])), 1)} "
                         f"to {fmt.money(up['revenue'])})")
        if down["revenue"] < down["prev_revenue"]:
            parts.append(f"{down['channel']} lost the most "
                         f"({fmt.signed(fmt.money(abs(down['revenue'] - down['prev_revenue'])), -1)} "
                         f"to {fmt.money(down['revenue'])})")
        if parts:
            return "By channel: " + "; ".join(parts) + "."
    total = sum(row["revenue"] for row in rows)
    top = max(rows, key=lambda r: r["revenue"])
    text = f"{top['channel']} brought the most revenue ({fmt.money(top['revenue'])}, {fmt.pct(top['revenue'] / total)})"
    sized = [row for row in rows if row["sessions"] >= MIN_CHANNEL_SESSIONS and row["conversion_rate"] is not None]
    if sized:
        best = max(sized, key=lambda r: r["conversion_rate"])
        text += f"; {best['channel']} converted best ({fmt.pct(best['conversion_rate'])} of sessions)"
    return text + "."


def attribution(report: Report) -> str | None:
    if not report.attribution_callouts:
        return None
    top = report.attribution_callouts[0]
    return (f"Attribution: {top['channel']} is credited {fmt.money(top['last_touch'])} by last touch but "
            f"{fmt.money(top['first_touch'])} by first touch: it {top['role']}.")


def anomalies(report: Report) -> list[str]:
    failures = [row for row in report.gate_failures if row["suite"] == "watchdog"]
    found = [row for row in failures if row["check_name"] in ANOMALY_CHECKS]
    sentences = []
    critical = [row for row in failures if row["severity"] == "critical"]
    if critical:
        names = ", ".join(f"{row['check_name']} on {fmt.short_day(row['partition_date'])}" for row in critical)
        sentences.append(f"Critical watchdog failures in the window: {names}.")
    if found:
        parts = []
        for row in found:
            what = row["check_name"].replace("_", " ")
            parts.append(f"{what} on {fmt.short_day(row['partition_date'])} (observed {_observed(row['observed'])}, "
                         f"expected {row['threshold']})")
        sentences.append("The watchdog flagged: " + "; ".join(parts) + ".")
    others = Counter(row["check_name"] for row in failures
                     if row["check_name"] not in ANOMALY_CHECKS and row["severity"] != "critical")
    if others:
        listed = ", ".join(f"{name.replace('_', ' ')} on {fmt.plural(n, 'day')}" for name, n in others.items())
        sentences.append(f"Other watchdog warnings: {listed}.")
    if not failures and report.gates["watchdog"]:
        sentences.append("The watchdog flagged no anomalies in the window.")
    sentences.append(report.watchdog_note)
    return sentences


def data_quality(report: Report) -> str | None:
    day = report.load_totals["day"]
    if day is None:
        return f"No load of {fmt.day(report.day)} is recorded in load_audit."
    reasons = [row for row in report.quarantine_reasons if row["day_rows"]]
    if day["rows_quarantined"]:
        text = (f"On {fmt.short_day(report.day)}, {fmt.count(day['rows_quarantined'])} of "
                f"{fmt.count(day['rows_read'])} rows ({fmt.pct(day['quarantine_rate'])}) were quarantined")
    else:
        text = f"On {fmt.short_day(report.day)}, none of the {fmt.plural(day['rows_read'], 'row')} was quarantined"
    if reasons:
        top = max(reasons, key=lambda r: r["day_rows"])
        text += f", most for {top['reason']} ({fmt.count(top['day_rows'])})"
    duplicates = fmt.plural(day["duplicates"], "duplicate row") if day["duplicates"] else "no duplicate rows"
    text += f"; {duplicates} dropped."
    warnings = defaultdict(list)
    for row in report.gate_failures:
        if row["suite"] == "quarantine" and row["partition_date"] == report.day:
            warnings[row["severity"]].append(row["check_name"])
    for severity, names in warnings.items():
        text += f" Quarantine gate {severity}: {', '.join(names)}."
    return text


def write(report: Report) -> list[str]:
    """The sentences, most important first."""
    sentences = [headline(report), movements(report), partition_day(report), channels(report),
                 attribution(report), *anomalies(report), data_quality(report)]
    return [sentence for sentence in sentences if sentence]

