"""Fixtures of the analyze tests: the sample warehouse and its last partition's report, built once."""

from __future__ import annotations

import pytest
from analyze_sample import RUN_ID, Sample, build_sample


@pytest.fixture(scope="session")
def sample(tmp_path_factory) -> Sample:
    return build_sample(tmp_path_factory.mktemp("analyze-sample") / "data")


@pytest.fixture(scope="session")
def sample_report(sample) -> dict:
    """The summary of the last partition's report, written once for every test that reads it."""
    from clickstream.analyze import analyze_partition

    return analyze_partition(sample.settings, sample.last, RUN_ID)
