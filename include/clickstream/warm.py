"""Warm workers: the stages' heavy libraries, imported once by a deployed worker before it forks its tasks.

On Linux, an Airflow 3.3 Celery worker runs each task in a process that the task SDK's supervisor forks
from a Celery pool process, itself forked from the worker's main process: a module that process imported
before its pool started is already in every task's ``sys.modules``. ``config/celery_config.py`` calls
``preload`` there, from Celery's ``worker_init`` signal, unless ``CLICKSTREAM_PRELOAD`` is false
(docs/deployment.md, "Warm workers").

Libraries only: never a ``clickstream`` module, so an edit to the mounted ``include/`` still reaches the next
task. Nothing that starts a pool or opens a connection: fork copies no threads, and a thread pool or a
DuckDB connection made before the fork would be broken in the task. So polars stays out: polars 2 starts
its spill-cleaner thread at import, which a forked task would lack (importing it costs a task 0.1 s).
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

# What the stages import (duckdb: load, transform, the warehouse), and Great Expectations for the gates of
# validate and monitor (3 s; it brings pandas, pyarrow, scipy, sqlalchemy and altair). In import order, so
# that each one's time is its own.
PRELOAD = ("pyarrow", "pandas", "duckdb", "great_expectations")

log = logging.getLogger(__name__)


def preload(modules: tuple[str, ...] = PRELOAD) -> dict[str, float]:
    """Import ``modules``; return the seconds each took that was not imported yet, and log them in one line."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")  # as clickstream.gates imports it: no usage analytics
    took = {}
    for name in modules:
        if name in sys.modules:
            continue
        start = time.perf_counter()
        with _quiet("great_expectations"):  # its import logs a hundred INFO lines about its own registries
            importlib.import_module(name)
        took[name] = round(time.perf_counter() - start, 3)
    log.info("clickstream preload: %s in %.1f s (pid %d)",
             ", ".join(f"{name} {seconds:.2f} s" for name, seconds in took.items()) or "nothing new",
             sum(took.values()), os.getpid())
    return took


@contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    """Only warnings and errors from ``logger_name`` for the duration."""
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)
