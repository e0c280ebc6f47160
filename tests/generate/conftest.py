"""Small generated runs shared by the generator's tests (about a second each, made once per session)."""

from __future__ import annotations

import pytest
from generated_runs import Run, make_run


@pytest.fixture(scope="session")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return make_run(tmp_path_factory.mktemp("default"), "default")


@pytest.fixture(scope="session")
def puffy_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return make_run(tmp_path_factory.mktemp("puffy"), "puffy")


@pytest.fixture(scope="session")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return make_run(tmp_path_factory.mktemp("clean"), "clean", days=3)
