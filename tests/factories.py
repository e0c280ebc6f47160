"""Small raw files for tests: a valid row to break one field at a time, and a CSV writer."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

HEADER = ("client_id", "page_url", "referrer", "timestamp", "event_name", "event_data", "user_agent")
CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/122.0.0.0 Safari/537.36")


def row(client_id="c1", page_url="https://puffy.com/", referrer="https://www.google.com/",
        timestamp="2025-02-23T10:00:00.000Z", event_name="page_viewed", event_data="",
        user_agent=CHROME) -> tuple[str, ...]:
    """A valid raw row; override a field to break it."""
    return (client_id, page_url, referrer, timestamp, event_name, event_data, user_agent)


def write_csv(path: Path, rows: Sequence[Sequence[str]], header: Sequence[str] = HEADER, bom: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path
