"""Which raw files belong to which partition (a UTC calendar day)."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from pathlib import Path

_DATE_IN_NAME = re.compile(r"(?<![0-9])(\d{4})-?(\d{2})-?(\d{2})(?![0-9])")


def partition_of(path: Path) -> date | None:
    """The date a file name holds (``YYYY-MM-DD`` or ``YYYYMMDD``), or None when it holds none."""
    for match in _DATE_IN_NAME.finditer(path.name):
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            continue
    return None


def discover(raw_dir: Path) -> dict[date, list[Path]]:
    """Every dated ``*.csv`` in ``raw_dir``, grouped by partition, in date and then name order."""
    found: dict[date, list[Path]] = defaultdict(list)
    for path in sorted(raw_dir.glob("*.csv")):
        day = partition_of(path)
        if day is not None:
            found[day].append(path)
    return dict(sorted(found.items()))


def undated(raw_dir: Path) -> list[Path]:
    """CSV files in ``raw_dir`` that no partition claims (reported, never loaded)."""
    return [path for path in sorted(raw_dir.glob("*.csv")) if partition_of(path) is None]


def files_for(raw_dir: Path, day: date) -> list[Path]:
    """The raw files of one partition (empty when none arrived)."""
    return discover(raw_dir).get(day, [])
