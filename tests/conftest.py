"""Shared fixtures: a throwaway data dir with settings pointing at it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
# Tests make their own settings: none leak in from the shell or the Makefile (which exports the data dir).
for name in [name for name in os.environ if name.startswith("CLICKSTREAM_")]:
    del os.environ[name]
# Airflow reads its home when first imported: tests get a throwaway one, never the project's.
os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="clickstream-airflow-home-")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(Path(__file__).resolve().parents[1] / "dags")
# The project's plugins, as every Airflow process of the deployment loads them (the DAG's timetable among them).
os.environ["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(Path(__file__).resolve().parents[1] / "plugins")

from clickstream.settings import Settings, get_settings  # noqa: E402

Settings.model_config["env_file"] = None  # nor from a developer's .env


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return get_settings(data_dir=tmp_path / "data")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--screenshots-to", metavar="DIR", default=None,
                     help="save the documentation's screenshots into DIR (make screenshots: docs/images); "
                          "by default they go to a temporary folder")


@pytest.fixture(scope="session")
def screenshots(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder the browser tests save the documentation's screenshots in (tests/browser.py)."""
    chosen = request.config.getoption("--screenshots-to")
    return Path(chosen).resolve() if chosen else tmp_path_factory.mktemp("screenshots")
