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


@pytest.fixture(scope="session")
def delivered_report(tmp_path_factory) -> dict:
    """The last partition's report as deliver prints and mails it, after monitor completed it with the watchdog's
    verdict: in a warehouse of its own, so that ``sample_report`` stays the page analyze writes."""
    from clickstream.analyze import analyze_partition
    from clickstream.pipeline import run_stage

    sample = build_sample(tmp_path_factory.mktemp("delivered-sample") / "data")
    summary = analyze_partition(sample.settings, sample.last, RUN_ID)
    run_stage("monitor", sample.settings, sample.last, RUN_ID)
    return summary
