"""The report's charts: SVG drawn without matplotlib, exact geometry, readable labels, the same bytes every time."""

from __future__ import annotations

import base64
import json
import math
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from clickstream.generate.channels import CHANNELS as GA4_CHANNELS
from clickstream.report import build, charts, render
from clickstream.report.data import Window, collect
from clickstream.report.plot import Scale, nice_ticks
from clickstream.report.svg import compact_money, percent, text_width, thousands
from clickstream.warehouse import connect

NS = "{http://www.w3.org/2000/svg}"
DAYS = [date(2025, 3, 4) + timedelta(days=i) for i in range(5)]
DAILY = [{"date": day, "sessions": 1000 + 100 * i, "orders": 10 + i, "revenue": 1500.0 * (i + 1)}
         for i, day in enumerate(DAYS)]
FUNNEL = [{"step": "Sessions", "reached": 1000, "step_rate": None},
          {"step": "Added to cart", "reached": 60, "step_rate": 0.06},
          {"step": "Started checkout", "reached": 24, "step_rate": 0.4},
          {"step": "Ordered", "reached": 12, "step_rate": 0.5}]
CHANNELS = [{"channel": "Direct", "sessions": 1400, "revenue": 12_000.0, "conversion_rate": 0.012},
            {"channel": "Organic Social Partners Network", "sessions": 700, "revenue": 2_500.0,
             "conversion_rate": 0.02},
            {"channel": "Email", "sessions": 300, "revenue": 0.0, "conversion_rate": None}]
ATTRIBUTION = [{"channel": row["channel"], **{model: row["revenue"] / (1 + i) for i, model in enumerate(build.MODELS)}}
               for row in CHANNELS]
DEVICES = {"device": [{"value": "Mobile", "sessions": 1234, "conversion_rate": 0.01}],
           "os": [{"value": "iOS", "sessions": 800, "conversion_rate": 0.015}],
           "browser": [{"value": "Chrome Mobile iOS", "sessions": 1234, "conversion_rate": 0.02},
                       {"value": "Facebook", "sessions": 90, "conversion_rate": None}]}
VELOCITY = [{"label": label, "count": count}
            for label, count in zip(build.VELOCITY_BUCKETS.values(), (6, 0, 2, 4, 0), strict=True)]
LOADS = [{"partition_date": day, "rows_loaded": 3000 + i, "rows_quarantined": 40, "duplicates": 10}
         for i, day in enumerate(DAYS)]

GAPS = [{"bin": number, "gaps": {-1: 50, 5: 300, 11: 120, 13: 40, 19: 8}.get(number, 0)} for number in build.GAP_BINS]

HERE = Path(__file__).resolve().parent
ALL = {
    "trend": lambda: charts.trend(DAILY, DAYS[2]),
    "funnel": lambda: charts.funnel(FUNNEL),
    "channels": lambda: charts.channels(CHANNELS),
    "attribution": lambda: charts.attribution(ATTRIBUTION, build.MODELS),
    "devices": lambda: charts.devices(DEVICES, build.DIMENSIONS),
    "lead_velocity": lambda: charts.lead_velocity(VELOCITY),
    "loads": lambda: charts.loads(LOADS),
    "session_gaps": lambda: charts.session_gaps(GAPS, 1800),
    "trend, narrow": lambda: charts.trend(DAILY, DAYS[2], width=charts.HALF),
    "channels, narrow": lambda: charts.channels(CHANNELS, width=charts.HALF),
    "attribution, narrow": lambda: charts.attribution(ATTRIBUTION, build.MODELS, width=charts.HALF),
    "devices, narrow": lambda: charts.devices(DEVICES, build.DIMENSIONS, width=charts.HALF),
}


def svg_of(uri: str) -> ET.Element:
    prefix = "data:image/svg+xml;base64,"
    assert uri.startswith(prefix)
    return ET.fromstring(base64.b64decode(uri.removeprefix(prefix)))


def shapes(root: ET.Element, tag: str, kind: str) -> list[ET.Element]:
    return [e for e in root.iter(NS + tag) if e.get("class") == kind]


def texts(root: ET.Element) -> list[str]:
    return [e.text for e in root.iter(NS + "text")]


# --- the drawing layer ---------------------------------------------------------------------------------------


def test_ticks_are_round_steps_from_zero_to_the_first_past_the_top():
    assert [thousands(tick) for tick in nice_ticks(1400)] == ["0", "500", "1,000", "1,500"]


def test_count_ticks_are_whole_numbers():
    assert (nice_ticks(3, integer=True), nice_ticks(6, integer=True)) == ((0, 1, 2, 3), (0, 2, 4, 6))


def test_an_axis_of_zeros_has_just_the_zero_tick():
    assert nice_ticks(0) == (0,)


def test_tick_labels_read_as_money_counts_and_percentages():
    assert [compact_money(v) for v in (0, 500, 2_500, 12_000, 1_200_000)] == ["$0", "$500", "$2.5k", "$12k", "$1.2M"]
    assert [percent(v) for v in (0, 0.005, 0.01, 0.015, 0.25)] == ["0%", "0.5%", "1%", "1.5%", "25%"]
    assert thousands(1_234_567) == "1,234,567"


def test_a_negative_value_draws_no_bar_instead_of_failing_the_report():
    scale = Scale.of([10, -5], thousands)
    assert (scale.ticks, scale.length(-5, 100), scale.length(5, 100)) == ((0, 2.5, 5, 7.5, 10), 0.0, 50.0)


def test_text_width_is_estimated_from_the_font_size():
    assert text_width("10", 10) == pytest.approx(2 * 0.556 * 10 * 1.06)
    assert text_width("10", 20) == pytest.approx(2 * text_width("10", 10))


# --- the charts ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_each_chart_is_an_svg_document_with_a_title_and_a_viewbox(name):
    root = svg_of(ALL[name]())
    assert root.tag == NS + "svg"
    assert root[0].tag == NS + "title" and root[0].text
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"


def _digests_in_a_process(hash_seed: str) -> dict[str, str]:
    """Every chart's sha256, drawn in a fresh interpreter with its own string-hash seed (set and dict order)."""
    code = ("import hashlib, json, test_charts; print(json.dumps({name: hashlib.sha256(draw().encode()).hexdigest() "
            "for name, draw in test_charts.ALL.items()}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120,
                          env={**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": os.pathsep.join(
                              [str(HERE), str(HERE.parent), str(HERE.parents[1] / "include")])})
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_each_chart_is_drawn_the_same_byte_for_byte_whatever_the_process():
    assert _digests_in_a_process("1") == _digests_in_a_process("2")


@pytest.mark.parametrize("name", ALL)
def test_no_chart_has_ids_or_outside_references(name):
    svg = base64.b64decode(ALL[name]().split(",", 1)[1]).decode()
    assert " id=" not in svg and "href" not in svg and "url(" not in svg and "@import" not in svg


MANY_CHANNELS = [{"channel": "Supercalifragilisticexpialidocious", **dict.fromkeys(build.MODELS, 900.0)},
                 *({"channel": name, **dict.fromkeys(build.MODELS, 100.0)} for name in charts.CHANNEL_COLOURS)]
CROWDED = {
    **ALL,
    "attribution of every GA4 channel and a long name": lambda: charts.attribution(MANY_CHANNELS, build.MODELS),
    "trend of 90 days": lambda: charts.trend([{**DAILY[0], "date": date(2025, 1, 1) + timedelta(days=i)}
                                              for i in range(90)], date(2025, 1, 1)),
}


@pytest.mark.parametrize("name", CROWDED)
def test_no_label_leaves_the_drawing(name):
    root = svg_of(CROWDED[name]())
    width = float(root.get("width"))
    outside = []
    for e in root.iter(NS + "text"):
        x, size, anchor = float(e.get("x")), float(e.get("font-size")), e.get("text-anchor", "start")
        extent = text_width(e.text, size, bold=e.get("font-weight") == "bold")
        turned = re.match(r"rotate\((-?[\d.]+) ", e.get("transform", ""))
        if turned:  # a turned label ends at x and leans left
            extent *= math.cos(math.radians(float(turned.group(1))))
        left = x - {"start": 0, "middle": extent / 2, "end": extent}[anchor]
        if left < 0 or left + extent > width:
            outside.append(e.text)
    assert outside == []


def test_names_too_long_for_their_slot_are_turned():
    root = svg_of(charts.attribution(MANY_CHANNELS, build.MODELS))
    turned = [e.text for e in shapes(root, "text", "tick") if e.get("transform", "").startswith("rotate(-35 ")]
    assert turned == [row["channel"] for row in MANY_CHANNELS]


def test_nothing_to_draw_gives_none():
    zero_channel = [{**CHANNELS[0], "sessions": 0, "revenue": 0.0}]
    assert [
        charts.trend([], DAYS[0]),
        charts.funnel([]), charts.funnel([{**FUNNEL[0], "reached": 0}]),
        charts.channels([]), charts.channels(zero_channel),
        charts.attribution([], build.MODELS),
        charts.attribution([{"channel": "Direct", **dict.fromkeys(build.MODELS, 0.0)}], build.MODELS),
        charts.devices({"device": [{**DEVICES["device"][0], "conversion_rate": None}]}, build.DIMENSIONS),
        charts.lead_velocity([{**bucket, "count": 0} for bucket in VELOCITY]),
        charts.loads([]),
        charts.session_gaps([{**row, "gaps": 0} for row in GAPS], 1800),
    ] == [None] * 11


def test_a_bars_height_is_proportional_to_its_value():
    bars = shapes(svg_of(charts.lead_velocity(VELOCITY)), "rect", "bar")
    assert [float(bar.get("height")) for bar in bars] == [140, 0, 46.7, 93.3, 0]  # counts 6, 0, 2, 4, 0 on 0..6


def test_the_partition_day_is_the_accent_bar_in_every_panel():
    fills = [bar.get("fill") for bar in shapes(svg_of(charts.trend(DAILY, DAYS[2])), "rect", "bar")]
    assert fills == [charts.PALE, charts.PALE, charts.ACCENT, charts.PALE, charts.PALE] * 3


def test_a_long_window_shows_every_few_dates_and_always_the_partitions_in_bold():
    days = [date(2025, 1, 1) + timedelta(days=i) for i in range(60)]
    root = svg_of(charts.trend([{**DAILY[0], "date": day} for day in days], days[40]))
    dates = [e for e in shapes(root, "text", "tick") if e.text.endswith(("Jan", "Feb", "Mar"))]
    assert [e.text for e in dates if e.get("font-weight") == "bold"] == ["10 Feb"]
    assert [e.text for e in dates] == [f"{day.day} {day:%b}" for day in days[1::3]]  # every third, the 40th among them


def test_channels_have_their_colour_in_every_panel():
    bars = shapes(svg_of(charts.channels(CHANNELS)), "rect", "bar")
    assert [bar.get("fill") for bar in bars] == [charts.channel_colour(row["channel"]) for row in CHANNELS] * 3


def test_a_narrow_chart_puts_its_panels_one_under_the_other_each_with_its_names():
    root = svg_of(charts.channels(CHANNELS, width=charts.HALF))
    titles = shapes(root, "text", "title")
    assert [(e.text, e.get("x")) for e in titles] == [("Sessions", "0"), ("Revenue (USD)", "0"),
                                                      ("Conversion rate", "0")]
    assert [float(e.get("y")) for e in titles] == sorted(float(e.get("y")) for e in titles)
    assert texts(root).count("Organic Social Partners Network") == 3
    assert root.get("width") == "480"


def test_the_page_offers_a_charts_narrow_layout_on_phones(sample, monkeypatch):
    monkeypatch.setattr("clickstream.report.data._LAST", {})  # this test's rows are not kept for the next one
    window = Window(sample.last, sample.settings.report_window_days)
    with connect(sample.settings.warehouse_path, read_only=True) as con:
        report = build.build(collect(con, window), window, "r", datetime.now(UTC), 7, 7.0)
    wide, narrow, channels = ALL["trend"](), ALL["trend, narrow"](), ALL["channels"]()
    report.charts = {**{name: None for name in ("funnel", "attribution", "devices", "lead_velocity", "loads",
                                                      "session_gaps")},
                     "trend": wide, "trend_narrow": narrow, "channels": channels}
    html = render.html(report)
    assert f'<picture><source media="(max-width: 640px)" srcset="{narrow}"><img class="chart" src="{wide}"' in html
    assert f'<picture><img class="chart" src="{channels}"' in html


def test_an_unknown_channel_keeps_one_spare_colour():
    assert charts.channel_colour("Podcast") == charts.channel_colour("Podcast") in charts.EXTRA_COLOURS


def test_a_channel_name_is_text_not_markup():
    root = svg_of(charts.channels([{**CHANNELS[0], "channel": "<script>alert(1)</script>"}]))
    assert "<script>alert(1)</script>" in texts(root)
    assert not list(root.iter(NS + "script"))


def test_the_legend_sits_above_the_bars():
    root = svg_of(charts.attribution(ATTRIBUTION, build.MODELS))
    swatches, bars = shapes(root, "rect", "swatch"), shapes(root, "rect", "bar")
    assert [e.text for e in shapes(root, "text", "legend")] == list(build.MODELS.values())
    assert max(float(s.get("y")) + float(s.get("height")) for s in swatches) < min(float(b.get("y")) for b in bars)


def test_stacked_bars_sit_on_each_other():
    bars = shapes(svg_of(charts.loads(LOADS)), "rect", "bar")
    loaded, quarantined, duplicates = bars[:3]  # the first partition's stack, bottom up
    assert {bar.get("x") for bar in (loaded, quarantined, duplicates)} == {loaded.get("x")}
    assert float(quarantined.get("y")) + float(quarantined.get("height")) == pytest.approx(float(loaded.get("y")),
                                                                                          abs=0.1)
    assert float(duplicates.get("y")) + float(duplicates.get("height")) == pytest.approx(float(quarantined.get("y")),
                                                                                         abs=0.1)


def test_the_funnel_labels_each_step_with_its_sessions_and_share_continuing():
    values = [e.text for e in shapes(svg_of(charts.funnel(FUNNEL)), "text", "value")]
    assert values == ["1,000", "60 (6.00%)", "24 (40.0%)", "12 (50.0%)"]


def test_devices_label_each_value_with_its_sessions_and_share_one_scale():
    root = svg_of(charts.devices(DEVICES, build.DIMENSIONS))
    assert {"Mobile (1,234)", "iOS (800)", "Chrome Mobile iOS (1,234)", "Facebook (90)"} <= set(texts(root))
    ticks = [e.text for e in shapes(root, "text", "tick")]
    assert ticks == ["0%", "1%", "2%"] * 3


def test_drawing_the_charts_does_not_import_matplotlib():
    code = ("import sys; from clickstream.report import charts; "
            "charts.funnel([{'step': 'Sessions', 'reached': 5, 'step_rate': None}]); "
            "assert 'matplotlib' not in sys.modules, 'matplotlib was imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_every_ga4_channel_has_a_colour_of_its_own():
    assert set(charts.CHANNEL_COLOURS) == set(GA4_CHANNELS)
    colours = [*charts.CHANNEL_COLOURS.values(), *charts.EXTRA_COLOURS]
    assert len(set(colours)) == len(colours) == 25


def test_the_session_gap_chart_has_a_bar_per_log_bin_and_marks_the_timeout_where_its_seconds_fall():
    root = svg_of(charts.session_gaps(GAPS, 1800))
    bars = shapes(root, "rect", "bar")
    assert len(bars) == 26
    assert [float(bar.get("height")) for bar in bars if float(bar.get("height"))] == [23.3, 140, 56, 18.7, 3.7]
    (line,) = shapes(root, "line", "timeout")
    ticks = {e.text: float(e.get("x")) for e in shapes(root, "text", "tick")}
    per_decade = (ticks["1 h"] - ticks["10 s"]) / (math.log10(3600) - 1)
    assert float(line.get("x1")) == pytest.approx(ticks["10 s"] + per_decade * (math.log10(1800) - 1), abs=0.1)
    assert per_decade == pytest.approx(4 * float(bars[0].get("width")) / 0.9, abs=0.1)  # four bins a decade
    assert line.get("stroke-dasharray") == "4 3"
    assert [e.text for e in shapes(root, "text", "timeout")] == ["timeout 30 min"]


def test_the_gaps_under_a_second_are_the_first_bar_pale_left_of_one_second():
    root = svg_of(charts.session_gaps(GAPS, 1800))
    first = shapes(root, "rect", "bar")[0]
    ticks = {e.text: float(e.get("x")) for e in shapes(root, "text", "tick")}
    assert first.get("fill") == charts.PALE
    assert float(first.get("x")) < ticks["<1 s"] < float(first.get("x")) + float(first.get("width")) < ticks["10 s"]
