"""The deployment's Celery settings (config/celery_config.py): loaded the way the containers load them, the name
from docker-compose.yaml and the module from $AIRFLOW_HOME/config, in a fresh interpreter each (no Docker needed).
The stack itself shows the preload in a real worker (test_stack.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from deploy_files import ROOT, compose, environment

# What the worker and the scheduler import to get the Celery app; then what Celery does in a starting worker.
PROBE = r"""
import json, sys
from airflow.providers.celery.executors.celery_executor_utils import get_celery_configuration
from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG
from celery.signals import worker_init

facts = {"module": sys.modules["celery_config"].__file__,
         "default": get_celery_configuration() is DEFAULT_CELERY_CONFIG,
         "gx_with_the_app": "great_expectations" in sys.modules}
worker_init.send(sender=None)
facts["gx_in_the_worker"] = "great_expectations" in sys.modules
facts["clickstream_in_the_worker"] = sorted(name for name in sys.modules if name.split(".")[0] == "clickstream")
print(json.dumps(facts))
"""


def celery_config_options() -> str:
    return environment(compose()["services"]["airflow-worker"])["AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS"]


def load_as_a_worker(tmp_path: Path, **variables: str) -> dict:
    """PROBE with an Airflow home whose config/ is the repository's, as docker-compose.yaml mounts it."""
    (tmp_path / "config").symlink_to(ROOT / "config")
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path), "AIRFLOW_CONFIG": str(tmp_path / "airflow.cfg"),
           "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor", "AIRFLOW__CELERY__BROKER_URL": "redis://127.0.0.1:9/0",
           "AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS": celery_config_options(),
           "PYTHONPATH": str(ROOT / "include"), **variables}
    result = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def worker(tmp_path_factory) -> dict:
    return load_as_a_worker(tmp_path_factory.mktemp("airflow-home"))


def test_every_airflow_container_builds_the_celery_app_from_the_config_module():
    services = compose()["services"]
    assert {name: environment(services[name]).get("AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS")
            for name in services if name.startswith("airflow-")} == dict.fromkeys(
        ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-worker",
         "airflow-worker-warehouse", "airflow-triggerer", "airflow-init"), "celery_config.CELERY_CONFIG")


def test_the_module_is_found_in_the_airflow_homes_config_folder(worker):
    assert Path(worker["module"]).resolve() == ROOT / "config" / "celery_config.py"


def test_the_celery_settings_are_airflows_defaults(worker):
    assert worker["default"] is True


def test_building_the_celery_app_imports_no_heavy_library(worker):
    assert worker["gx_with_the_app"] is False  # the scheduler and the health checks build it too


def test_a_starting_worker_preloads_great_expectations(worker):
    assert worker["gx_in_the_worker"] is True


def test_the_worker_keeps_no_pipeline_module_for_its_tasks(worker):
    # A task gets the modules its worker holds: the stages' and the settings' must come from the mounted include/.
    # gx_import only imports Great Expectations (it defers two of GX's libraries), as the preload does.
    assert worker["clickstream_in_the_worker"] == ["clickstream", "clickstream.gx_import", "clickstream.warm"]


def test_clickstream_preload_false_keeps_the_worker_cold(tmp_path):
    assert load_as_a_worker(tmp_path, CLICKSTREAM_PRELOAD="false")["gx_in_the_worker"] is False


def test_compose_turns_the_preload_on_unless_env_says_otherwise():
    assert environment(compose()["services"]["airflow-worker"])["CLICKSTREAM_PRELOAD"] == "true"
