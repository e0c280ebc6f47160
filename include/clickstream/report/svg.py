"""A small SVG drawing layer for the report's charts: text measure, tick labels, an SVG document.

Charts are laid out in user units, one unit a CSS pixel at the design width, and scale with the page
through the ``viewBox``. Text stays text in a common sans-serif, so its width is estimated from
Helvetica's metrics (Arial and Liberation Sans share them) with a margin; margins are sized to the
longest label. The output is deterministic: fixed number formatting, no ids, no time stamps.
"""

from __future__ import annotations

import base64
import html
import math

from clickstream.report import fmt, palette

INK, TEXT, AXIS, GRID = palette.INK, "#4B5563", "#9CA3AF", palette.LINE
FONT_FAMILY = "Helvetica, Arial, 'Liberation Sans', Arimo, sans-serif"
LABEL, TICK, TITLE = 12.0, 11.0, 13.0  # font sizes

# Helvetica's advance widths in 1/1000 em, for ' ' (32) to '~' (126); other characters count as 0.6 em.
_WIDTHS = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
)
_MARGIN = 1.06  # room for a slightly wider fallback font
_BOLD = 1.08


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The estimated width of ``text`` at font ``size``, in user units."""
    em = sum(_WIDTHS[ord(c) - 32] if 32 <= ord(c) <= 126 else 600 for c in text) / 1000
    return em * size * _MARGIN * (_BOLD if bold else 1.0)


def wrap(text: str, width: float, size: float) -> list[str]:
    """``text`` in lines no wider than ``width`` where spaces allow; a longer word keeps its own line."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def _places(value: float, most: int = 2) -> int:
    """The fewest decimals that show ``value`` exactly (up to ``most``): ticks read 0.5%, 1%, 1.5%."""
    return next((d for d in range(most + 1) if abs(round(value, d) - value) < 1e-9 * max(1.0, abs(value))), most)


def _signed(text: str, value: float) -> str:
    return fmt.MINUS + text if value < 0 else text


def thousands(value: float) -> str:
    """1,500."""
    return _signed(f"{abs(value):,.{_places(abs(value))}f}", value)


def compact_money(value: float) -> str:
    """$500, $12k, $2.5k, $1.2M."""
    for unit, suffix in ((1_000_000, "M"), (1_000, "k")):
        if abs(value) >= unit:
            scaled = abs(value) / unit
            return _signed(f"${scaled:,.{_places(scaled)}f}{suffix}", value)
    return _signed(f"${abs(value):,.{_places(abs(value))}f}", value)


def percent(value: float) -> str:
    """A fraction as a percentage: 0.015 -> 1.5%."""
    scaled = value * 100
    return f"{scaled:.{_places(scaled)}f}%".replace("-", fmt.MINUS)


def _n(value: float) -> str:
    """A coordinate with one decimal, without a trailing .0: the same input gives the same bytes."""
    text = f"{value:.1f}"
    return "0" if text == "-0.0" else text.removesuffix(".0")


def _attrs(**attributes: object) -> str:
    parts = []
    for key, value in attributes.items():
        if value is None:
            continue
        text = _n(value) if isinstance(value, float | int) and not isinstance(value, bool) else str(value)
        parts.append(f'{key.rstrip("_").replace("_", "-")}="{html.escape(text, quote=True)}"')
    return " ".join(parts)


class Drawing:
    """An SVG document drawn element by element, in paint order; ``uri`` gives it as a data URI."""

    def __init__(self, width: float, title: str) -> None:
        self.width = width
        self.title = title
        self._elements: list[str] = []

    def rect(self, x: float, y: float, width: float, height: float, fill: str, kind: str = "bar") -> None:
        self._elements.append(f"<rect {_attrs(class_=kind, x=x, y=y, width=width, height=height, fill=fill)}/>")

    def line(self, x1: float, y1: float, x2: float, y2: float, stroke: str = GRID, kind: str = "grid",
             dash: str | None = None, width: float | None = None) -> None:
        attributes = _attrs(class_=kind, x1=x1, y1=y1, x2=x2, y2=y2, stroke=stroke, stroke_dasharray=dash,
                            stroke_width=width)
        self._elements.append(f"<line {attributes}/>")

    def text(self, x: float, y: float, content: str, *, size: float = LABEL, anchor: str = "start",
             fill: str = TEXT, bold: bool = False, angle: float = 0, kind: str = "label") -> None:
        """``content`` with its middle at height ``y`` (the baseline is set from the font size)."""
        baseline = y + 0.35 * size
        attributes = _attrs(class_=kind, x=x, y=baseline, font_size=size,
                            text_anchor=None if anchor == "start" else anchor, fill=fill,
                            font_weight="bold" if bold else None,
                            transform=f"rotate({_n(angle)} {_n(x)} {_n(y)})" if angle else None)
        self._elements.append(f"<text {attributes}>{html.escape(content, quote=False)}</text>")

    def svg(self, height: float) -> str:
        height = math.ceil(height)
        root = _attrs(xmlns="http://www.w3.org/2000/svg", viewBox=f"0 0 {_n(self.width)} {height}",
                      width=self.width, height=height, role="img", font_family=FONT_FAMILY)
        return "\n".join([f"<svg {root}>", f"<title>{html.escape(self.title, quote=False)}</title>",
                          *self._elements, "</svg>"])

    def uri(self, height: float) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg(height).encode("utf-8")).decode("ascii")
