"""The report's charts: matplotlib (Agg) figures as inline SVG data URIs, one colour per channel throughout.

Each function takes the report's rows and returns a ``data:image/svg+xml;base64,...`` URI, or None when
there is nothing to draw (the template then says why). SVG ids are salted per chart, so the output is
deterministic and the charts of one page never share ids.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Callable, Sequence
from typing import Any

from clickstream.report import fmt

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
    "Unassigned": "#BAB0AC",
}
EXTRA_COLOURS = ("#86BCB6", "#D4A6C8", "#8CD17D", "#F1CE63", "#A0CBE8", "#FFBE7D")
MODEL_COLOURS = {
    "first_touch": "#1F5F9E",
    "last_touch": "#E8731A",
    "linear": "#9DBEDC",
    "position_based": "#6C8EBF",
    "time_decay": "#C3A6D3",
    "last_non_direct": "#F6BE8A",
}
INK, MUTED, ACCENT, GRID = "#1F2937", "#9CA3AF", "#1F5F9E", "#E5E7EB"
WIDTH = 9.6  # inches; the page's content column


def channel_colour(channel: str) -> str:
    """A channel's colour, the same in every chart; unknown channels get a stable spare colour."""
    if channel in CHANNEL_COLOURS:
        return CHANNEL_COLOURS[channel]
    return EXTRA_COLOURS[sum(map(ord, channel)) % len(EXTRA_COLOURS)]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _render(name: str, draw: Callable[[Any], Any]) -> str:
    """Run ``draw(plt)`` (it returns the figure) under the report's style; the SVG as a data URI."""
    plt = _pyplot()
    style = {
        "svg.hashsalt": f"clickstream-{name}",
        "font.size": 9,
        "axes.edgecolor": MUTED,
        "axes.labelcolor": INK,
        "axes.titlesize": 10,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "xtick.color": INK,
        "ytick.color": INK,
        "axes.grid": True,
        "grid.color": GRID,
        "grid.linewidth": 0.8,
        "axes.axisbelow": True,
    }
    with plt.rc_context(style):
        figure = draw(plt)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
        plt.close(figure)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _thousands(value: float, _position: Any = None) -> str:
    return f"{value:,.0f}"


def _compact_money(value: float, _position: Any = None) -> str:
    if abs(value) >= 1_000_000:
        return f"${value / 1_000_000:,.1f}M"
    if abs(value) >= 1_000:
        return f"${value / 1_000:,.0f}k"
    return f"${value:,.0f}"


def _percent(value: float, _position: Any = None) -> str:
    return f"{value * 100:.{1 if value < 0.1 else 0}f}%"


def _ticks(axis: Any, bins: int = 4, integer: bool = False) -> None:
    """At most ``bins`` intervals on an axis (whole numbers for counts): readable at small sizes."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(nbins=bins, integer=integer))


def _from_zero(axis: Any, which: str, values: Sequence[float], headroom: float = 1.12) -> None:
    """Start the value axis at 0; an axis of zeros shows just 0 instead of made-up negative ticks."""
    top = max([value or 0 for value in values] or [0])
    limits = axis.set_ylim if which == "y" else axis.set_xlim
    limits(0, top * headroom if top > 0 else 1)
    if top <= 0:
        (axis.set_yticks if which == "y" else axis.set_xticks)([0])


def _formatter(function: Callable[[float, Any], str]) -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(function)


def trend(daily: Sequence[dict[str, Any]], day: Any) -> str | None:
    """Sessions, orders and revenue per day of the window; the partition's bars darker."""
    if not daily:
        return None

    def draw(plt):
        figure, axes = plt.subplots(3, 1, figsize=(WIDTH, 5.6), sharex=True)
        positions = range(len(daily))
        colours = [ACCENT if row["date"] == day else "#9DBEDC" for row in daily]
        panels = (("sessions", "Sessions", _thousands), ("orders", "Orders", _thousands),
                  ("revenue", "Revenue", _compact_money))
        for axis, (key, label, formatter) in zip(axes, panels, strict=True):
            axis.bar(positions, [row[key] for row in daily], color=colours, width=0.72)
            axis.set_ylabel(label)
            axis.yaxis.set_major_formatter(_formatter(formatter))
            _ticks(axis.yaxis, integer=key != "revenue")
            axis.grid(axis="x", visible=False)
            _from_zero(axis, "y", [row[key] for row in daily])
        step = max(1, math.ceil(len(daily) / 16))
        ticks = list(range(0, len(daily), step))
        axes[-1].set_xticks(ticks, [fmt.short_day(daily[i]["date"]) for i in ticks])
        axes[-1].set_xlabel("Date (UTC); the report's partition in dark blue")
        figure.align_ylabels(axes)
        figure.tight_layout(h_pad=0.6)
        return figure

    return _render("trend", draw)


def funnel(steps: Sequence[dict[str, Any]]) -> str | None:
    """Sessions reaching each step, labelled with the share continuing from the step before."""
    if not steps or not steps[0]["reached"]:
        return None

    def draw(plt):
        figure, axis = plt.subplots(figsize=(WIDTH / 2, 2.4))
        labels = [step["step"] for step in steps]
        values = [step["reached"] for step in steps]
        axis.barh(labels, values, color=[ACCENT, "#3F7FBF", "#6C9FD1", "#59A14F"], height=0.62)
        axis.invert_yaxis()
        axis.set_xlim(0, max(values) * 1.55)
        axis.set_xticks([])
        axis.set_xlabel("Sessions reaching the step (share continuing from the step before)")
        axis.grid(visible=False)
        axis.spines["bottom"].set_visible(False)
        for index, step in enumerate(steps):
            note = fmt.count(step["reached"])
            if step["step_rate"] is not None:
                note += f" ({fmt.pct(step['step_rate'])})"
            axis.text(step["reached"] + max(values) * 0.01, index, note, va="center", color=INK)
        figure.tight_layout()
        return figure

    return _render("funnel", draw)


def channels(rows: Sequence[dict[str, Any]]) -> str | None:
    """Sessions, revenue and conversion rate per channel, side by side, sorted by revenue."""
    rows = [row for row in rows if row["sessions"] or row["revenue"]]
    if not rows:
        return None

    def draw(plt):
        figure, axes = plt.subplots(1, 3, figsize=(WIDTH, 0.32 * len(rows) + 1.2), sharey=True)
        names = [row["channel"] for row in rows]
        colours = [channel_colour(name) for name in names]
        panels = (("sessions", "Sessions", _thousands), ("revenue", "Revenue", _compact_money),
                  ("conversion_rate", "Conversion rate", _percent))
        for axis, (key, label, formatter) in zip(axes, panels, strict=True):
            axis.barh(names, [row[key] or 0 for row in rows], color=colours, height=0.7)
            axis.set_xlabel(label)
            axis.xaxis.set_major_formatter(_formatter(formatter))
            _ticks(axis.xaxis, bins=3, integer=key == "sessions")
            _from_zero(axis, "x", [row[key] for row in rows], headroom=1.05)
            axis.grid(axis="y", visible=False)
            axis.tick_params(axis="x", labelsize=8)
        axes[0].invert_yaxis()
        figure.tight_layout(w_pad=1.2)
        return figure

    return _render("channels", draw)


def attribution(rows: Sequence[dict[str, Any]], models: dict[str, str]) -> str | None:
    """Revenue credited to each channel under the six models, grouped by channel."""
    if not rows or not any(row[model] for row in rows for model in models):
        return None

    def draw(plt):
        figure, axis = plt.subplots(figsize=(WIDTH, 3.6))
        width = 0.8 / len(models)
        for index, (model, label) in enumerate(models.items()):
            offsets = [i - 0.4 + width * (index + 0.5) for i in range(len(rows))]
            axis.bar(offsets, [row[model] for row in rows], width=width, label=label, color=MODEL_COLOURS[model])
        axis.set_xticks(range(len(rows)), [row["channel"] for row in rows], rotation=20, ha="right")
        axis.yaxis.set_major_formatter(_formatter(_compact_money))
        axis.set_ylabel("Revenue credited (window)")
        axis.grid(axis="x", visible=False)
        axis.legend(ncols=6, loc="upper center", bbox_to_anchor=(0.5, 1.14), frameon=False, fontsize=8)
        figure.tight_layout()
        return figure

    return _render("attribution", draw)


def devices(groups: dict[str, Sequence[dict[str, Any]]], titles: dict[str, str], top: int = 6) -> str | None:
    """Conversion rate by device type, operating system and browser (the ``top`` by sessions)."""
    if not any(row["conversion_rate"] for rows in groups.values() for row in rows):
        return None

    def draw(plt):
        figure, axes = plt.subplots(1, len(titles), figsize=(WIDTH, 2.6))
        for axis, (dimension, title) in zip(axes, titles.items(), strict=True):
            rows = list(groups.get(dimension, []))[:top]
            names = [f"{row['value']} ({fmt.count(row['sessions'])})" for row in rows]
            axis.barh(names, [row["conversion_rate"] or 0 for row in rows], color=ACCENT, height=0.65)
            axis.invert_yaxis()
            axis.set_title(title)
            axis.set_xlabel("Conversion rate")
            axis.xaxis.set_major_formatter(_formatter(_percent))
            _ticks(axis.xaxis, bins=3)
            _from_zero(axis, "x", [row["conversion_rate"] for row in rows], headroom=1.05)
            axis.grid(axis="y", visible=False)
            axis.tick_params(axis="both", labelsize=8)
        figure.tight_layout(w_pad=1.0)
        return figure

    return _render("devices", draw)


def lead_velocity(buckets: Sequence[dict[str, Any]]) -> str | None:
    """First purchases of leads by time since their email capture."""
    if not any(bucket["count"] for bucket in buckets):
        return None

    def draw(plt):
        figure, axis = plt.subplots(figsize=(WIDTH / 2, 2.4))
        axis.bar([b["label"] for b in buckets], [b["count"] for b in buckets], color=ACCENT, width=0.65)
        axis.set_ylabel("First purchases")
        axis.set_xlabel("Time from email capture to first purchase")
        _ticks(axis.yaxis, integer=True)
        axis.grid(axis="x", visible=False)
        axis.tick_params(axis="x", labelsize=8)
        figure.tight_layout()
        return figure

    return _render("lead-velocity", draw)


def loads(rows: Sequence[dict[str, Any]]) -> str | None:
    """Rows per partition: loaded, quarantined and duplicate, stacked."""
    if not rows:
        return None

    def draw(plt):
        figure, axis = plt.subplots(figsize=(WIDTH / 2, 2.4))
        labels = [fmt.short_day(row["partition_date"]) for row in rows]
        loaded = [row["rows_loaded"] for row in rows]
        quarantined = [row["rows_quarantined"] for row in rows]
        duplicates = [row["duplicates"] for row in rows]
        axis.bar(labels, loaded, color="#9DBEDC", label="Loaded", width=0.7)
        axis.bar(labels, quarantined, bottom=loaded, color="#E15759", label="Quarantined", width=0.7)
        axis.bar(labels, duplicates, bottom=[a + b for a, b in zip(loaded, quarantined, strict=True)],
                 color="#EDC948", label="Duplicates", width=0.7)
        axis.yaxis.set_major_formatter(_formatter(_thousands))
        _ticks(axis.yaxis, integer=True)
        axis.set_ylabel("Rows read")
        axis.set_xlabel("Partition")
        step = max(1, math.ceil(len(labels) / 8))
        axis.set_xticks(range(0, len(labels), step), labels[::step])
        axis.tick_params(axis="x", labelsize=8)
        axis.grid(axis="x", visible=False)
        axis.legend(ncols=3, loc="upper center", bbox_to_anchor=(0.5, 1.2), frameon=False, fontsize=8)
        figure.tight_layout()
        return figure

    return _render("loads", draw)
