"""Tables for the terminal and for Markdown (docs/performance.md shows the latter)."""

from __future__ import annotations

NUMBERS = frozenset({2, 3, 4, 5})


def format_table(rows: list[list[str]], header: list[str], markdown: bool = False,
                 right: frozenset[int] = NUMBERS) -> str:
    """A plain-text (terminal) or Markdown table; columns in ``right`` are right-aligned (numbers)."""
    if markdown:
        align = ["---:" if i in right else "---" for i in range(len(header))]
        return "\n".join("| " + " | ".join(cells) + " |" for cells in [header, align, *rows])
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]

    def cell(text: str, i: int) -> str:
        return str(text).rjust(widths[i]) if i in right else str(text).ljust(widths[i])

    lines = ["  ".join(cell(text, i) for i, text in enumerate(row)).rstrip() for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)
