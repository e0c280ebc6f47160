"""Numbers for people: thousands separators, currency, percentages, changes and durations."""

from __future__ import annotations

from datetime import date

DASH = "–"  # shown where a figure does not exist (no previous period, no orders)
MINUS = "−"


def count(value: float | None) -> str:
    return DASH if value is None else f"{round(value):,}"


def plural(value: float, word: str, words: str | None = None) -> str:
    """1 order, 2 orders, 1,234 sessions."""
    return f"{count(value)} {word if round(value) == 1 else (words or word + 's')}"


def money(value: float | None, cents: bool = False) -> str:
    """$12,345 (or $12,345.67 with ``cents``); negative as −$1,234."""
    if value is None:
        return DASH
    text = f"${abs(value):,.2f}" if cents else f"${abs(round(value)):,}"
    return (MINUS + text) if value < 0 and text.strip("$0.,") else text


def pct(value: float | None) -> str:
    """A share or rate given as a fraction: 0.722 -> 72.2%; below 10% two decimals (0.0123 -> 1.23%),
    so that small rates such as conversion keep their differences."""
    if value is None:
        return DASH
    return f"{value * 100:.{2 if abs(value) < 0.1 else 1}f}%"


def signed(text: str, value: float) -> str:
    return ("+" if value > 0 else MINUS if value < 0 else "±") + text


def change(current: float | None, previous: float | None) -> float | None:
    """Relative change, None when there is nothing (or zero) to compare against."""
    if current is None or previous is None or previous == 0:
        return None
    return (current - previous) / abs(previous)


def change_text(value: float | None) -> str:
    """+12.3% / −4.0% / ±0.0%."""
    if value is None:
        return DASH
    return signed(f"{abs(value) * 100:.1f}%", round(value, 3))


def points_text(current: float | None, previous: float | None) -> str:
    """Change of a rate in percentage points: +0.42 pp."""
    if current is None or previous is None:
        return DASH
    delta = (current - previous) * 100
    return signed(f"{abs(delta):.2f} pp", round(delta, 2))


def hours(value: float | None) -> str:
    """A duration given in hours, in the unit a person would use."""
    if value is None:
        return DASH
    if value < 1:
        return f"{max(value * 60, 0):.0f} min"
    if value < 48:
        return f"{value:.1f} h"
    return f"{value / 24:.1f} days"


def seconds(value: float | None) -> str:
    """A duration given in seconds, in the unit a person would use: 45 s, 30 min, 1.5 h, 2.3 days."""
    if value is None:
        return DASH
    if value < 60:
        return f"{value:.0f} s"
    if value < 3600:
        return f"{value / 60:.0f} min"
    return hours(value / 3600)


def day(value: date) -> str:
    """Sat 8 Mar 2025."""
    return f"{value:%a} {value.day} {value:%b %Y}"


def short_day(value: date) -> str:
    """8 Mar."""
    return f"{value.day} {value:%b}"


def span(first: date, last: date) -> str:
    """23 Feb – 8 Mar 2025, with the year once when both ends share it."""
    if first == last:
        return day(last)
    left = short_day(first) if first.year == last.year else f"{short_day(first)} {first.year}"
    return f"{left} – {short_day(last)} {last.year}"
