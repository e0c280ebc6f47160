"""Bar panels on a ``svg.Drawing``: nice ticks from zero, value axes, bars stacked or grouped, labels, legends.

A panel is a ``Box`` (the plot area, in user units); the chart around it sizes its margins from the
labels it will hold, then draws the grid, the bars and the labels into it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from clickstream.report.svg import AXIS, INK, LABEL, TEXT, TICK, TITLE, Drawing, text_width, wrap

LINE = 1.3  # line height, in font sizes
ANGLE = 35.0  # how far category names turn when they do not fit their slot


def nice_ticks(top: float, bins: int = 4, integer: bool = False) -> tuple[float, ...]:
    """0 and round steps up to the first tick at or above ``top``, at most ``bins`` steps: 1, 2, 2.5 or 5 times
    a power of ten (whole numbers for counts). An axis of zeros is just 0."""
    if not math.isfinite(top) or top < 0:
        raise ValueError(f"an axis from 0 needs a finite top of at least 0, not {top!r}")
    if top == 0:
        return (0.0,)
    raw = max(top / bins, 1.0) if integer else top / bins
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10)
                if m * power >= raw * (1 - 1e-9) and not (integer and (m * power) % 1))
    return tuple(round(i * step, 12) for i in range(math.ceil(top / step - 1e-9) + 1))


@dataclass(frozen=True)
class Scale:
    """A value axis from 0 to its last tick, and how its tick labels read."""

    ticks: tuple[float, ...]
    label: Callable[[float], str]

    @classmethod
    def of(cls, values: Sequence[float], label: Callable[[float], str], bins: int = 4,
           integer: bool = False) -> Scale:
        return cls(nice_ticks(max(values, default=0), bins, integer), label)

    @property
    def top(self) -> float:
        return self.ticks[-1] or 1.0  # an axis of zeros still has a length

    def length(self, value: float, extent: float) -> float:
        """A bar's length. Bars start at 0: a negative value (refunds beyond sales, a damaged warehouse) draws no
        bar rather than failing the report; the table beside each chart gives the figure itself."""
        return extent * max(value, 0.0) / self.top

    def widest(self, size: float = TICK) -> float:
        return max(text_width(self.label(tick), size) for tick in self.ticks)


@dataclass(frozen=True)
class Box:
    """A plot area: its top-left corner and size."""

    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height


@dataclass(frozen=True)
class Series:
    """One set of bars: a name for the legend, a value per category, one colour or one per category."""

    name: str
    values: Sequence[float]
    colour: str | Sequence[str]

    def colour_of(self, index: int) -> str:
        return self.colour if isinstance(self.colour, str) else self.colour[index]


def value_axis(d: Drawing, box: Box, scale: Scale, horizontal: bool, labels: bool = True) -> None:
    """Grid lines at the ticks, labelled below the box (horizontal bars) or left of it (vertical bars)."""
    for tick in scale.ticks:
        if horizontal:
            x = box.x + scale.length(tick, box.width)
            d.line(x, box.y, x, box.bottom)
            if labels:
                d.text(x, box.bottom + 4 + TICK * 0.6, scale.label(tick), size=TICK, anchor="middle", kind="tick")
        else:
            y = box.bottom - scale.length(tick, box.height)
            d.line(box.x, y, box.right, y)
            if labels:
                d.text(box.x - 6, y, scale.label(tick), size=TICK, anchor="end", kind="tick")


def bars(d: Drawing, box: Box, series: Sequence[Series], scale: Scale, horizontal: bool, stacked: bool = False,
         band: float = 0.7, slots: int | None = None) -> None:
    """A bar per category and series, stacked or side by side, from the box's left (horizontal) or bottom edge;
    categories take ``slots`` equal slots (default: one each), top to bottom or left to right."""
    count = len(series[0].values)
    if any(len(s.values) != count for s in series):
        raise ValueError(f"every series needs one value per category ({count}): {[len(s.values) for s in series]}")
    slot = (box.height if horizontal else box.width) / max(slots or count, count, 1)
    extent = box.width if horizontal else box.height
    thickness = slot * band if stacked else slot * band / len(series)
    for index in range(count):
        start = 0.0
        for number, s in enumerate(series):
            length = scale.length(s.values[index], extent)
            offset = slot * (index + (1 - band) / 2) + (0 if stacked else number * thickness)
            if horizontal:
                d.rect(box.x + start, box.y + offset, length, thickness, s.colour_of(index))
            else:
                d.rect(box.x + offset, box.bottom - start - length, thickness, length, s.colour_of(index))
            if stacked:
                start += length
    if horizontal:
        d.line(box.x, box.y, box.x, box.bottom, stroke=AXIS, kind="axis")
    else:
        d.line(box.x, box.bottom, box.right, box.bottom, stroke=AXIS, kind="axis")


def row_labels(d: Drawing, box: Box, labels: Sequence[str], slots: int | None = None) -> None:
    """Category names right-aligned left of a panel of horizontal bars, one per slot."""
    slot = box.height / max(slots or len(labels), len(labels), 1)
    for index, label in enumerate(labels):
        d.text(box.x - 8, box.y + slot * (index + 0.5), label, anchor="end", fill=INK)


def thin(labels: Sequence[str], slot: float, keep: int, size: float = TICK) -> list[str | None]:
    """Every ``step``-th label (None for the others) so that neighbours do not touch, always keeping ``keep``."""
    widest = max((text_width(label, size) for label in labels), default=0)
    step = max(1, math.ceil((widest + 8) / slot)) if slot > 0 else 1
    return [label if (keep - index) % step == 0 else None for index, label in enumerate(labels)]


@dataclass(frozen=True)
class ColumnLabels:
    """Category names under vertical bars: wrapped into lines, or turned when a word is wider than its slot."""

    lines: list[list[str]]
    angle: float
    height: float

    @classmethod
    def plan(cls, labels: Sequence[str | None], slot: float, size: float = TICK) -> ColumnLabels:
        """Lines for ``labels`` under slots of width ``slot``; a label thinned out (None) leaves its room to the
        shown ones."""
        shown = [index for index, label in enumerate(labels) if label]
        room = slot * min((b - a for a, b in zip(shown, shown[1:], strict=False)), default=1) - 4
        lines = [wrap(label, room, size) if label else [] for label in labels]
        if all(text_width(line, size) <= room for label in lines for line in label):
            return cls(lines, 0.0, max((len(label) for label in lines), default=1) * size * LINE + 4)
        widest = max(text_width(label or "", size) for label in labels)
        turned = [[label] if label else [] for label in labels]
        return cls(turned, -ANGLE, widest * math.sin(math.radians(ANGLE)) + size * 2)

    def reach(self, slot: float, size: float = TICK) -> float:
        """The room turned labels need left of the first slot (they lean left), with a margin; 0 for level ones."""
        if not self.angle or not self.lines[0]:
            return 0.0
        return max(0.0, text_width(self.lines[0][0], size) * math.cos(math.radians(self.angle)) - slot / 2 + 6)

    def draw(self, d: Drawing, box: Box, size: float = TICK, bold: int | None = None) -> None:
        slot = box.width / max(len(self.lines), 1)
        for index, lines in enumerate(self.lines):
            x = box.x + slot * (index + 0.5)
            for number, line in enumerate(lines):
                y = box.bottom + 4 + size * (0.6 + LINE * number)
                if self.angle:
                    d.text(x + size * 0.3, y, line, size=size, anchor="end", angle=self.angle, kind="tick")
                else:
                    d.text(x, y, line, size=size, anchor="middle", bold=index == bold, kind="tick",
                           fill=INK if index == bold else TEXT)


def legend_rows(items: Sequence[tuple[str, str]], width: float, size: float = TICK) -> list[list[tuple[str, str]]]:
    """(name, colour) items packed into rows no wider than ``width``."""
    rows: list[list[tuple[str, str]]] = []
    used = 0.0
    for name, colour in items:
        item = 14 + text_width(name, size) + 16
        if not rows or used + item - 16 > width:
            rows.append([])
            used = 0.0
        rows[-1].append((name, colour))
        used += item
    return rows


def legend(d: Drawing, x: float, y: float, rows: Sequence[Sequence[tuple[str, str]]], size: float = TICK) -> float:
    """Swatches and names from (x, y), row by row; the height used."""
    for number, row in enumerate(rows):
        middle = y + size * LINE * (number + 0.5)
        left = x
        for name, colour in row:
            d.rect(left, middle - 5, 10, 10, colour, kind="swatch")
            d.text(left + 14, middle, name, size=size, fill=INK, kind="legend")
            left += 14 + text_width(name, size) + 16
    return len(rows) * size * LINE


def title(d: Drawing, x: float, y: float, text: str) -> None:
    """A panel's title, bold, left-aligned at ``x`` with its middle at ``y``."""
    d.text(x, y, text, size=TITLE, fill=INK, bold=True, kind="title")


def axis_title(d: Drawing, x: float, y: float, text: str, size: float = LABEL) -> None:
    """What an axis measures, centred at ``x``, with its middle at ``y``."""
    d.text(x, y, text, size=size, anchor="middle", fill=INK, kind="title")

