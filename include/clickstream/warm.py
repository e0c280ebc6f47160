"""Warm workers: the stages' heavy libraries, imported once by a deployed worker before it forks its tasks.

On Linux, an Airflow 3.3 Celery worker runs each task in a process that the task SDK's supervisor forks
from a Celery pool process, itself forked from the worker's main process: a module that process imported
before its pool started is already in every task's ``sys.modules``. ``config/celery_config.py`` calls
``preload`` there, from Celery's ``worker_init`` signal, unless ``CLICKSTREAM_PRELOAD`` is false
(docs/deployment.md, "Warm workers").

Libraries only: never a stage's ``clickstream`` module, so an edit to the mounted ``include/`` still reaches the
next task (``clickstream.gx_import``, which only imports GX, is the exception). Nothing that starts a pool or
opens a connection: fork copies no threads, and a thread pool or a DuckDB connection made before the fork would
be broken in the task. So polars stays out: polars 2 starts its spill-cleaner thread at import, which a forked
task would lack (importing it costs a task 0.1 s).
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from clickstream.gx_import import import_great_expectations

# What the stages import (duckdb: load, transform, the warehouse), and Great Expectations for the gates of
# validate and monitor (2 s; it brings pandas, pyarrow and sqlalchemy; clickstream.gx_import leaves scipy.stats
# and altair to the first expectation that uses them). In import order, so
# that each one's time is its own.
PRELOAD = ("pyarrow", "pandas", "duckdb", "great_expectations")

log = logging.getLogger(__name__)


def preload(modules: tuple[str, ...] = PRELOAD) -> dict[str, float]:
    """Import ``modules``; return the seconds each took that was not imported yet, and log them in one line."""
    took = {}
    for name in modules:
        if name in sys.modules:
            continue
        start = time.perf_counter()
        with _quiet("great_expectations"):  # its import logs a hundred INFO lines about its own registries
            if name == "great_expectations":
                import_great_expectations()  # as the gates import it: no usage analytics, two unused libraries later
            else:
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
