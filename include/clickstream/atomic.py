"""Files replaced whole or not at all: written beside their place, then renamed over it."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any


def replace_with(path: Path, write: Callable[[Path], Any]) -> None:
    """Write ``path`` through ``write(beside)`` and rename it into place: a reader (the Airflow plugin, load, the
    next run) sees the old file or the new one, never half of one, and a failed write (a full disk, a kill)
    leaves nothing beside it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    beside = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(beside)
        beside.replace(path)
    except BaseException:
        beside.unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    """``replace_with`` for a text file (UTF-8)."""
    replace_with(path, lambda beside: beside.write_text(text, encoding="utf-8"))
