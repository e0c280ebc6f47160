"""Celery settings of the Docker deployment: Airflow's defaults, and warm workers (docs/deployment.md).

docker-compose.yaml names ``CELERY_CONFIG`` in ``[celery] celery_config_options``; Airflow puts
``$AIRFLOW_HOME/config`` (this folder) on ``sys.path`` and imports it wherever it builds the Celery app: the
workers, the scheduler, the health checks. So importing it must stay cheap; the libraries are imported by
the handler below, in a worker only.

Celery sends ``worker_init`` once, in a worker's main process, before it starts its prefork pool. What
``preload`` imports there is inherited by every pool process, and by every task the task SDK's supervisor
forks from one (``os.fork`` on Linux), so a task finds Great Expectations and duckdb already imported.
``worker_process_init`` would be the wrong place: it runs in each pool process, and Celery kills a pool
process whose handlers take more than 4 s.
"""

from __future__ import annotations

import gc
import sys

from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG
from celery.signals import worker_init

CELERY_CONFIG = DEFAULT_CELERY_CONFIG


@worker_init.connect
def warm_worker(**_: object) -> None:
    """Preload the stages' libraries when ``CLICKSTREAM_PRELOAD`` is on (the default)."""
    if not preload_enabled():
        return
    from clickstream.warm import preload

    preload()
    # As Airflow does after its own preload: keep the objects out of the collector, so that a pool process
    # does not write to (and so copy) the pages it shares with the others. Airflow unfreezes on worker_ready.
    gc.freeze()


def preload_enabled() -> bool:
    """``CLICKSTREAM_PRELOAD``, read through the pipeline's settings, whose modules are then dropped again: a
    module the worker holds is the one its tasks get, and an edit to the mounted include/ must reach them."""
    known = set(sys.modules)
    from clickstream.settings import get_settings

    try:
        return get_settings().preload
    finally:
        for name in set(sys.modules) - known:
            if name.split(".")[0] == "clickstream":
                del sys.modules[name]
