"""From the report queries' rows to the report's figures: KPIs with changes, funnel, breakdowns, call-outs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from clickstream.report import fmt
from clickstream.report.data import Window

Rows = list[dict[str, Any]]

# Attribution models as the attribution mart names them, in the order the report shows them.
MODELS = {
    "first_touch": "First touch",
    "last_touch": "Last touch",
    "linear": "Linear",
    "position_based": "Position-based",
    "time_decay": "Time decay",
    "last_non_direct": "Last non-direct",
}
FUNNEL_STEPS = {
    "sessions": "Sessions",
    "add_to_cart_sessions": "Added to cart",
    "checkout_sessions": "Started checkout",
    "converted_sessions": "Ordered",
}
DIMENSIONS = {"device": "Device", "os": "Operating system", "browser": "Browser"}
VELOCITY_BUCKETS = {
    "within_1_hour": "< 1 hour",
    "within_1_day": "1–24 hours",
    "within_3_days": "1–3 days",
    "within_7_days": "3–7 days",
    "after_7_days": "7+ days",
}


@dataclass(frozen=True)
class KpiSpec:
    key: str
    label: str
    kind: str  # count | money | money_cents | rate
    higher_is_better: bool = True


KPIS = (
    KpiSpec("sessions", "Sessions", "count"),
    KpiSpec("users", "Users", "count"),
    KpiSpec("orders", "Orders", "count"),
    KpiSpec("revenue", "Revenue", "money"),
    KpiSpec("conversion_rate", "Conversion rate", "rate"),
    KpiSpec("average_order_value", "Average order value", "money_cents"),
    KpiSpec("bounce_rate", "Bounce rate", "rate", higher_is_better=False),
)


def value_text(kind: str, value: float | None) -> str:
    if kind == "count":
        return fmt.count(value)
    if kind == "rate":
        return fmt.pct(value)
    return fmt.money(value, cents=kind == "money_cents")


def change_of(kind: str, current: float | None, previous: float | None) -> tuple[str, float | None]:
    """The change as text (pp for rates, % otherwise) and its signed size, for colouring and ranking."""
    if kind == "rate":
        if current is None or previous is None:
            return fmt.DASH, None
        return fmt.points_text(current, previous), current - previous
    relative = fmt.change(current, previous)
    return fmt.change_text(relative), relative


@dataclass
class Kpi:
    spec: KpiSpec
    value: float | None
    previous: float | None
    day_value: float | None
    compare_value: float | None

    @property
    def text(self) -> str:
        return value_text(self.spec.kind, self.value)

    @property
    def change(self) -> tuple[str, float | None]:
        return change_of(self.spec.kind, self.value, self.previous)

    @property
    def previous_text(self) -> str:
        return value_text(self.spec.kind, self.previous)

    @property
    def day_text(self) -> str:
        return value_text(self.spec.kind, self.day_value)

    @property
    def day_change(self) -> tuple[str, float | None]:
        return change_of(self.spec.kind, self.day_value, self.compare_value)


@dataclass
class Report:
    """Everything the templates show; money and counts raw, formatted by the templates' filters."""

    window: Window
    run_id: str
    generated_at: datetime
    periods: dict[str, dict[str, Any]]
    kpis: list[Kpi]
    daily: Rows
    funnel: Rows
    previous_funnel: Rows
    channels: Rows
    source_medium: Rows
    attribution: Rows
    attribution_totals: dict[str, float]
    attribution_callouts: list[dict[str, Any]]
    devices: dict[str, Rows]
    new_returning: Rows
    lead_velocity: dict[str, Any]
    landing_pages: Rows
    loads: Rows
    load_totals: dict[str, Any]
    quarantine_reasons: Rows
    session_gaps: dict[str, Any]
    gates: dict[str, Rows]
    gate_failures: Rows
    watchdog_note: str
    lookback_days: int
    half_life_days: float
    narrative: list[str] = field(default_factory=list)
    charts: dict[str, str] = field(default_factory=dict)

    @property
    def day(self) -> date:
        return self.window.day

    @property
    def has_previous(self) -> bool:
        return bool(self.periods["previous_window"]["days_with_data"])

    @property
    def has_compare_day(self) -> bool:
        return bool(self.periods["compare_day"]["days_with_data"])


def _funnel(rows: Rows, period: str) -> Rows:
    steps = []
    for row in (r for r in rows if r["period"] == period):
        previous, entered = row["previous_step"], row["entered"]  # previous is None for the first step
        rate = row["reached"] / previous if previous else None
        steps.append({
            "step": FUNNEL_STEPS[row["step"]], "reached": row["reached"],
            "step_rate": rate,
            "drop_off": (1 - rate) if rate is not None else None,
            "of_sessions": row["reached"] / entered if entered else None,
        })
    return steps


def _attribution_callouts(rows: Rows, limit: int = 3) -> list[dict[str, Any]]:
    """Channels whose credit differs most between first and last touch: openers and closers."""
    ranked = sorted(rows, key=lambda r: (-abs(r["last_touch"] - r["first_touch"]), r["channel"]))
    callouts = []
    for row in ranked[:limit]:
        difference = row["last_touch"] - row["first_touch"]
        if round(difference, 2) == 0:
            continue
        role = ("closes more sales than it opens" if difference > 0
                else "opens more sales than it closes")
        callouts.append({"channel": row["channel"], "first_touch": row["first_touch"],
                         "last_touch": row["last_touch"], "difference": difference, "role": role})
    return callouts


GAP_BINS = range(-1, 25)  # the bins of sql/report/session_gap_histogram.sql: under 1 s, then four a decade from 1 s


def _session_gaps(summary: dict[str, Any], histogram: Rows, timeout_s: int) -> dict[str, Any]:
    """The window's gaps between a client's events against the session timeout: counts, shares and every bin."""
    counts = {row["bin"]: row["gaps"] for row in histogram}
    gaps = summary["gaps"]
    return {**summary, "timeout_s": timeout_s,
            "share_below": summary["below_timeout"] / gaps if gaps else None,
            "share_near": summary["near_timeout"] / gaps if gaps else None,
            "bins": [{"bin": number, "gaps": counts.get(number, 0)} for number in GAP_BINS]}


def _gates(rows: Rows) -> dict[str, Rows]:
    gates: dict[str, Rows] = {"quarantine": [], "watchdog": []}
    for row in rows:
        observed = row["observed"] or ""
        status = "skipped" if observed.startswith("skipped") else ("passed" if row["success"] else "failed")
        gates.setdefault(row["suite"], []).append({**row, "status": status})
    return gates


def _watchdog_note(watchdog: Rows, day: date, run_id: str) -> str:
    if not watchdog:
        return ("No watchdog results yet: this run's monitor task adds them to this report when its checks "
                "have run.")
    checked, checked_run = watchdog[0]["partition_date"], watchdog[0]["run_id"]
    if checked == day and checked_run == run_id:
        return f"Watchdog results of this run ({run_id}) for {fmt.day(day)}."
    if checked == day:
        return (f"Watchdog results for {fmt.day(day)} from an earlier run ({checked_run}): "
                "this run's monitor task replaces them when its checks have run.")
    return (f"Watchdog results for {fmt.day(day)} are not in yet: this run's monitor task adds them to this report "
            f"when its checks have run. Showing the latest available, for {fmt.day(checked)} (run {checked_run}).")


def build(rows: dict[str, Rows], window: Window, run_id: str, generated_at: datetime,
          lookback_days: int, half_life_days: float) -> Report:
    periods = {row["period"]: row for row in rows["kpis"]}
    current, previous = periods["window"], periods["previous_window"]
    day, compare = periods["day"], periods["compare_day"]
    kpis = [Kpi(spec, current[spec.key], previous[spec.key] if previous["days_with_data"] else None,
                day[spec.key], compare[spec.key] if compare["days_with_data"] else None) for spec in KPIS]

    attribution = rows["attribution"]
    totals = {model: sum(row[model] for row in attribution) for model in MODELS}
    devices = {dimension: [{**r, "value": r["value"].capitalize() if dimension == "device" else r["value"]}
                           for r in rows["devices"] if r["dimension"] == dimension] for dimension in DIMENSIONS}
    velocity = dict(rows["lead_velocity"][0])
    velocity["buckets"] = [{"label": label, "count": velocity[key]} for key, label in VELOCITY_BUCKETS.items()]
    velocity["lead_conversion"] = velocity["leads_converted"] / velocity["leads"] if velocity["leads"] else None

    loads = rows["loads"]
    load_totals = {key: sum(row[key] or 0 for row in loads)
                   for key in ("rows_read", "rows_loaded", "rows_quarantined", "duplicates")}
    load_totals["quarantine_rate"] = (load_totals["rows_quarantined"] / load_totals["rows_read"]
                                      if load_totals["rows_read"] else None)
    load_totals["day"] = next((row for row in loads if row["partition_date"] == window.day), None)
    gates = _gates(rows["gate_results"])

    return Report(
        window=window, run_id=run_id, generated_at=generated_at, periods=periods, kpis=kpis,
        daily=rows["daily"], funnel=_funnel(rows["funnel"], "window"),
        previous_funnel=_funnel(rows["funnel"], "previous_window"), channels=rows["channels"],
        source_medium=rows["source_medium"], attribution=attribution, attribution_totals=totals,
        attribution_callouts=_attribution_callouts(attribution),
        devices=devices, new_returning=rows["new_returning"], lead_velocity=velocity,
        landing_pages=rows["landing_pages"], loads=loads, load_totals=load_totals,
        quarantine_reasons=rows["quarantine_reasons"],
        session_gaps=_session_gaps(rows["session_gaps"][0], rows["session_gap_histogram"], window.session_timeout_s),
        gates=gates, gate_failures=rows["gate_failures"],
        watchdog_note=_watchdog_note(gates["watchdog"], window.day, run_id),
        lookback_days=lookback_days, half_life_days=half_life_days,
    )
