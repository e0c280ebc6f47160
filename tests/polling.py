"""Waiting for a condition that other processes make true (services starting, runs finishing)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def poll(condition: Callable[[], Any], timeout: float, interval: float,
         not_yet: tuple[type[BaseException], ...] = (), each_turn: Callable[[], None] | None = None) -> Any:
    """``condition()``'s first truthy result within ``timeout`` seconds, asked every ``interval`` seconds, else None.
    An exception of ``not_yet`` counts as "not yet"; ``each_turn`` runs before each ask (e.g. to fail fast when a
    service died)."""
    deadline = time.monotonic() + timeout
    while True:
        if each_turn is not None:
            each_turn()
        try:
            result = condition()
        except not_yet:
            result = None
        if result or time.monotonic() > deadline:
            return result or None
        time.sleep(interval)
