"""The report's colours, named once: the page's stylesheet (``templates/report.html.j2``, its ``:root``
variables), the email's inline styles (``mail.py``: mail clients drop stylesheets) and the charts' marks."""

from __future__ import annotations

INK, MUTED, LINE, PANEL, ACCENT = "#1f2937", "#6b7280", "#e5e7eb", "#f8fafc", "#1f5f9e"
GOOD, BAD, WARN = "#047857", "#b91c1c", "#b45309"
# The page's CSS variables (--ink, --muted, ...).
CSS_VARIABLES = {"ink": INK, "muted": MUTED, "line": LINE, "panel": PANEL, "accent": ACCENT,
                 "good": GOOD, "bad": BAD, "warn": WARN}
