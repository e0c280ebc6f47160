"""The report's charts as inline SVG data URIs, drawn with ``svg`` and ``plot``; one colour per channel throughout.

Each function takes the report's rows and returns a ``data:image/svg+xml;base64,...`` URI, or None when
there is nothing to draw (the template then says why). Full-width charts are laid out 960 units wide,
half-width ones 480: about a pixel a unit in the page's desktop column, scaled by the ``viewBox`` elsewhere.
On a phone a 960-unit chart shrinks to a third, too small to read, so the full-width ones also draw
for a narrower ``width`` (``HALF``), their panels one under the other, for the page to show there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from clickstream.report import fmt, palette
from clickstream.report.plot import (
    LINE,
    Box,
    ColumnLabels,
    Scale,
    Series,
    axis_title,
    bars,
    legend,
    legend_rows,
    row_labels,
    thin,
    title,
    value_axis,
)
from clickstream.report.svg import (
    AXIS,
    INK,
    LABEL,
    TICK,
    TITLE,
    Drawing,
    compact_money,
    percent,
    text_width,
    thousands,
    wrap,
)

# GA4's default channels: a hue per family, dark for paid and light for organic where both exist.
CHANNEL_COLOURS = {
    "Direct": "#4E79A7",
    "Organic Search": "#59A14F",
    "Paid Search": "#F28E2B",
    "Email": "#E15759",
    "Paid Social": "#B07AA1",
    "Organic Social": "#FF9DA7",
    "Referral": "#9C755F",
    "Affiliates": "#EDC948",
    "Display": "#76B7B2",
    "Cross-network": "#499894",
    "Paid Shopping": "#B6992D",
    "Organic Shopping": "#F1CE63",
    "Paid Video": "#D37295",
    "Organic Video": "#FABFD2",
    "Paid Other": "#79706E",
    "Audio": "#D7B5A6",
    "SMS": "#A0CBE8",
    "Mobile Push Notifications": "#8CD17D",
    "Unassigned": "#BAB0AC",
}
EXTRA_COLOURS = ("#86BCB6", "#D4A6C8", "#FFBE7D", "#1F77B4", "#17BECF", "#BCBD22")  # a custom channel group's
MODEL_COLOURS = {
    "first_touch": "#1F5F9E",
    "last_touch": "#E8731A",
    "linear": "#9DBEDC",
    "position_based": "#6C8EBF",
    "time_decay": "#C3A6D3",
    "last_non_direct": "#F6BE8A",
}
ACCENT, PALE = palette.ACCENT, "#9DBEDC"
FUNNEL_COLOURS = (ACCENT, "#3F7FBF", "#6C9FD1", "#59A14F")
LOAD_COLOURS = {"Loaded": PALE, "Quarantined": "#E15759", "Duplicates": "#EDC948"}
WIDE, HALF = 960.0, 480.0  # the page's content column and half of it
ACROSS = 700.0  # narrower than this, panels go one under the other


def channel_colour(channel: str) -> str:
    """A channel's colour, the same in every chart; unknown channels get a stable spare colour."""
    if channel in CHANNEL_COLOURS:
        return CHANNEL_COLOURS[channel]
    return EXTRA_COLOURS[sum(map(ord, channel)) % len(EXTRA_COLOURS)]


def _widest(labels: Sequence[str], size: float = LABEL) -> float:
    return max((text_width(label, size) for label in labels), default=0.0)


def trend(daily: Sequence[dict[str, Any]], day: Any, *, width: float = WIDE) -> str | None:
    """Sessions, orders and revenue per day of the window, one panel each; the partition's bars darker."""
    if not daily:
        return None
    panels = (("sessions", "Sessions", thousands, True), ("orders", "Orders", thousands, True),
              ("revenue", "Revenue (USD)", compact_money, False))
    scales = [Scale.of([row[key] for row in daily], label, integer=integer) for key, _, label, integer in panels]
    left = max(scale.widest() for scale in scales) + 10
    plot = width - left - 4
    dates = [row["date"] for row in daily]
    partition = dates.index(day) if day in dates else None
    colours = [ACCENT if index == partition else PALE for index in range(len(daily))]
    d = Drawing(width, f"Sessions, orders and revenue per day, {fmt.span(dates[0], dates[-1])}"
                       + (f"; {fmt.short_day(day)} highlighted" if partition is not None else ""))
    y = 0.0
    for (key, name, _, _), scale in zip(panels, scales, strict=True):
        title(d, 0, y + 10, name)
        box = Box(left, y + 30, plot, 100)
        value_axis(d, box, scale, horizontal=False)
        bars(d, box, [Series(name, [row[key] for row in daily], colours)], scale, horizontal=False, band=0.72)
        y = box.bottom + 14
    keep = len(dates) - 1 if partition is None else partition
    labels = thin([fmt.short_day(date) for date in dates], plot / len(dates), keep)
    plan = ColumnLabels.plan(labels, plot / len(dates))
    plan.draw(d, Box(left, 0, plot, box.bottom), bold=partition)
    note = wrap("Date (UTC); the report's partition in dark blue" if partition is not None else "Date (UTC)",
                width - 8, LABEL)
    for number, line in enumerate(note):
        axis_title(d, left + plot / 2, box.bottom + plan.height + 10 + LABEL * LINE * number, line)
    return d.uri(box.bottom + plan.height + 20 + LABEL * LINE * (len(note) - 1))


def funnel(steps: Sequence[dict[str, Any]]) -> str | None:
    """Sessions reaching each step, labelled with the share continuing from the step before."""
    if not steps or not steps[0]["reached"]:
        return None
    names = [step["step"] for step in steps]
    values = [step["reached"] for step in steps]
    notes = [fmt.count(step["reached"]) + (f" ({fmt.pct(step['step_rate'])})" if step["step_rate"] is not None
                                           else "") for step in steps]
    left = _widest(names) + 10
    box = Box(left, 4, HALF - left - _widest(notes) - 10, 34 * len(steps))
    d = Drawing(HALF, "Sessions reaching each funnel step: " + ", ".join(
        f"{name} {note}" for name, note in zip(names, notes, strict=True)))
    scale = Scale((0.0, float(max(values))), thousands)  # no axis: the longest bar spans the plot, labels say the rest
    bars(d, box, [Series("Sessions", values, [FUNNEL_COLOURS[i % len(FUNNEL_COLOURS)] for i in range(len(steps))])],
         scale, horizontal=True, band=0.62)
    row_labels(d, box, names)
    for index, (value, note) in enumerate(zip(values, notes, strict=True)):
        d.text(box.x + scale.length(value, box.width) + 5, box.y + 34 * (index + 0.5), note, fill=INK, kind="value")
    y = box.bottom + 8
    for line in wrap("Sessions reaching the step (share continuing from the step before)", HALF - 8, TICK):
        axis_title(d, HALF / 2, y + TICK * 0.6, line, size=TICK)
        y += TICK * LINE
    return d.uri(y + 4)


def channels(rows: Sequence[dict[str, Any]], *, width: float = WIDE) -> str | None:
    """Sessions, revenue and conversion rate per channel: three panels side by side sharing the channel names,
    or one under the other when ``width`` is narrow."""
    rows = [row for row in rows if row["sessions"] or row["revenue"]]
    if not rows:
        return None
    names = [row["channel"] for row in rows]
    colours = [channel_colour(name) for name in names]
    panels = (("sessions", "Sessions", thousands, True), ("revenue", "Revenue (USD)", compact_money, False),
              ("conversion_rate", "Conversion rate", percent, False))
    scales = [Scale.of([row[key] or 0 for row in rows], label, bins=3, integer=integer)
              for key, _, label, integer in panels]
    left, right = _widest(names) + 10, max(scale.widest() for scale in scales) / 2 + 4
    gap = max(a.widest() / 2 + b.widest() / 2 + 16 for a, b in zip(scales, scales[1:], strict=False))
    across = width >= ACROSS
    plot = (width - left - 2 * gap - right) / 3 if across else width - left - right
    step = 26 * len(rows) + 26 + (0 if across else TICK * 2 + 16)  # one panel under the next
    d = Drawing(width, "Sessions, revenue and conversion rate by channel, in the window")
    for number, ((key, name, _, _), scale) in enumerate(zip(panels, scales, strict=True)):
        box = (Box(left + number * (plot + gap), 26, plot, 26 * len(rows)) if across
               else Box(left, 26 + number * step, plot, 26 * len(rows)))
        title(d, box.x if across else 0, box.y - 16, name)
        value_axis(d, box, scale, horizontal=True)
        bars(d, box, [Series(name, [row[key] or 0 for row in rows], colours)], scale, horizontal=True)
        if number == 0 or not across:
            row_labels(d, box, names)
    return d.uri(box.bottom + TICK * 2 + 4)


def attribution(rows: Sequence[dict[str, Any]], models: dict[str, str], *, width: float = WIDE) -> str | None:
    """Revenue credited to each channel under each model, grouped by channel; a legend names the models."""
    if not rows or not any(row[model] for row in rows for model in models):
        return None
    scale = Scale.of([row[model] for row in rows for model in models], compact_money, bins=5)
    names = [row["channel"] for row in rows]
    base = scale.widest() + 10
    plan = ColumnLabels.plan(names, (width - base - 4) / len(rows), size=LABEL)
    left = base + plan.reach((width - base - 4) / len(rows), LABEL)
    plot = width - left - 4
    d = Drawing(width, "Revenue credited to each channel under " + ", ".join(models.values()))
    title(d, 0, 10, "Revenue credited in the window (USD)")
    rows_of_legend = legend_rows([(label, MODEL_COLOURS[model]) for model, label in models.items()], width - 4)
    box = Box(left, 26 + legend(d, 0, 24, rows_of_legend) + 10, plot, 230)
    value_axis(d, box, scale, horizontal=False)
    bars(d, box, [Series(label, [row[model] for row in rows], MODEL_COLOURS[model]) for model, label in models.items()],
         scale, horizontal=False, band=0.8)
    plan.draw(d, box, size=LABEL)
    return d.uri(box.bottom + plan.height + 6)


def devices(groups: dict[str, Sequence[dict[str, Any]]], titles: dict[str, str], top: int = 6, *,
            width: float = WIDE) -> str | None:
    """Conversion rate by device type, operating system and browser (the ``top`` by sessions), on one scale:
    three panels side by side, or one under the other when ``width`` is narrow."""
    if not any(row["conversion_rate"] for rows in groups.values() for row in rows):
        return None
    panels = [list(groups.get(dimension, []))[:top] for dimension in titles]
    names = [[f"{row['value']} ({fmt.count(row['sessions'])})" for row in rows] for rows in panels]
    scale = Scale.of([row["conversion_rate"] or 0 for rows in panels for row in rows], percent, bins=3)
    gap, right = 34.0, scale.widest() / 2 + 4
    across = width >= ACROSS
    lefts = [_widest(labels, TICK) + 10 for labels in names]
    if not across:  # one under the other: the bars start at one edge, so that they compare on the shared scale
        lefts = [max(lefts)] * len(lefts)
    plot = (width - sum(lefts) - gap * (len(panels) - 1) - right) / len(panels) if across else width - lefts[0] - right
    slots = max(len(rows) for rows in panels) or 1
    d = Drawing(width, "Conversion rate by " + ", ".join(title.lower() for title in titles.values()))
    x, y = 0.0, 26.0
    for rows, labels, left, name in zip(panels, names, lefts, titles.values(), strict=True):
        count = slots if across else max(len(rows), 1)
        box = Box(x + left, y, plot, 24 * count)
        title(d, x, y - 16, name)
        value_axis(d, box, scale, horizontal=True)
        if rows:
            bars(d, box, [Series(name, [row["conversion_rate"] or 0 for row in rows], ACCENT)], scale,
                 horizontal=True, band=0.65, slots=count)
            for index, label in enumerate(labels):
                d.text(box.x - 8, box.y + 24 * (index + 0.5), label, size=TICK, anchor="end", fill=INK)
        else:
            d.text(box.x + 6, box.y + 12, "No sessions", size=TICK)
        axis_title(d, box.x + plot / 2, box.bottom + TICK * 2 + 8, "Conversion rate", size=TICK)
        if across:
            x = box.right + gap
        else:
            y = box.bottom + TICK * 3 + 8 + 30
    return d.uri(box.bottom + TICK * 3 + 8)


def lead_velocity(buckets: Sequence[dict[str, Any]]) -> str | None:
    """First purchases of leads by time since their email capture, each bar labelled with its count."""
    if not any(bucket["count"] for bucket in buckets):
        return None
    counts = [bucket["count"] for bucket in buckets]
    scale = Scale.of(counts, thousands, integer=True)
    left = scale.widest() + 10
    width = HALF - left - 4
    d = Drawing(HALF, "First purchases by time since email capture: " + ", ".join(
        f"{bucket['label']} {fmt.count(bucket['count'])}" for bucket in buckets))
    title(d, 0, 10, "First purchases")
    box = Box(left, 40, width, 140)
    value_axis(d, box, scale, horizontal=False)
    bars(d, box, [Series("First purchases", counts, ACCENT)], scale, horizontal=False, band=0.65)
    slot = width / len(buckets)
    for index, count in enumerate(counts):
        d.text(box.x + slot * (index + 0.5), box.bottom - scale.length(count, box.height) - 9, fmt.count(count),
               size=TICK, anchor="middle", fill=INK, kind="value")
    plan = ColumnLabels.plan([bucket["label"] for bucket in buckets], slot)
    plan.draw(d, box)
    axis_title(d, box.x + width / 2, box.bottom + plan.height + 10, "Time from email capture to first purchase")
    return d.uri(box.bottom + plan.height + 20)


def loads(rows: Sequence[dict[str, Any]]) -> str | None:
    """Rows read per partition, stacked: loaded, quarantined and duplicate."""
    if not rows:
        return None
    series = [Series(name, [row[key] for row in rows], colour) for (name, colour), key in zip(
        LOAD_COLOURS.items(), ("rows_loaded", "rows_quarantined", "duplicates"), strict=True)]
    scale = Scale.of([sum(values) for values in zip(*(s.values for s in series), strict=True)], thousands, integer=True)
    left = scale.widest() + 10
    width = HALF - left - 4
    days = [row["partition_date"] for row in rows]
    d = Drawing(HALF, f"Rows read per partition, {fmt.span(days[0], days[-1])}: loaded, quarantined, duplicates")
    title(d, 0, 10, "Rows read")
    rows_of_legend = legend_rows(list(LOAD_COLOURS.items()), HALF - text_width("Rows read", TITLE, True) - 24)
    legend(d, text_width("Rows read", TITLE, True) + 24, 10 - TICK * LINE / 2, rows_of_legend)
    box = Box(left, 10 + TICK * LINE * len(rows_of_legend) + 8, width, 150)
    value_axis(d, box, scale, horizontal=False)
    bars(d, box, series, scale, horizontal=False, stacked=True)
    slot = width / len(rows)
    plan = ColumnLabels.plan(thin([fmt.short_day(day) for day in days], slot, len(days) - 1), slot)
    plan.draw(d, box)
    axis_title(d, box.x + width / 2, box.bottom + plan.height + 10, "Partition (UTC date)")
    return d.uri(box.bottom + plan.height + 20)


# Where the session-gap chart labels its log axis: (seconds, label); 1 s, the first bin's edge, goes unlabelled beside
# the bar of the gaps under a second.
GAP_TICKS = ((10, "10 s"), (60, "1 min"), (600, "10 min"), (3600, "1 h"), (86400, "1 day"),
             (604800, "1 week"))
TIMEOUT = palette.BAD


def session_gaps(bins: Sequence[dict[str, Any]], timeout_s: float) -> str | None:
    """The gaps between a client's consecutive events on a log axis (four bins a decade from 1 s, the first slot
    the gaps under a second), with the session timeout as a dashed line: the gaps left of it stay in a session."""
    counts = [row["gaps"] for row in bins]
    if not any(counts):
        return None
    scale = Scale.of(counts, thousands, integer=True)
    left = scale.widest() + 10
    box = Box(left, 30, HALF - left - 6, 140)
    slot = box.width / len(bins)

    def x_of(seconds: float) -> float:  # bin k (from 0) spans 10^(k/4) to 10^((k+1)/4) s; slot 0 is "under 1 s"
        return box.x + slot * (1 + 4 * math.log10(seconds))

    d = Drawing(HALF, f"Gaps between a client's consecutive events, log scale; the session timeout of "
                      f"{fmt.seconds(timeout_s)} marked")
    title(d, 0, 10, "Gaps between a client's events")
    value_axis(d, box, scale, horizontal=False)
    bars(d, box, [Series("Gaps", counts, [PALE] + [ACCENT] * (len(bins) - 1))], scale, horizontal=False, band=0.9)
    for seconds, label in ((None, "<1 s"), *GAP_TICKS):
        x = box.x + slot / 2 if seconds is None else x_of(seconds)
        d.line(x, box.bottom, x, box.bottom + 4, stroke=AXIS, kind="axis")
        d.text(x, box.bottom + 4 + TICK * 0.8, label, size=TICK, anchor="middle", kind="tick")
    x = x_of(timeout_s)
    d.line(x, box.y - 6, x, box.bottom, stroke=TIMEOUT, kind="timeout", dash="4 3", width=1.5)
    d.text(x + 4, box.y - 2, f"timeout {fmt.seconds(timeout_s)}", size=TICK, fill=TIMEOUT, bold=True, kind="timeout")
    axis_title(d, box.x + box.width / 2, box.bottom + TICK * 2 + 12, "Gap to the client's previous event (log scale)")
    return d.uri(box.bottom + TICK * 2 + 22)
