"""Digests the stages compare to tell that their inputs are unchanged since they last ran (and so skip)."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any


def digest(value: Any) -> str:
    """sha256 of a JSON-able value (dates and Decimals as text), the same for equal values in any process."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


@cache
def code_digest(*paths: Path) -> str:
    """sha256 of source files, by name and content, once per process: a change of the code that decides a stage's
    outcome makes it work again."""
    content = hashlib.sha256()
    for path in sorted(paths):
        content.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
    return content.hexdigest()
