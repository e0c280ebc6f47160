"""Which partition a run processes, and how stages are dispatched."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from clickstream.pipeline import STAGES, parse_partition, partition_of_run, resolve_partition, run_stage

LOGICAL = datetime(2025, 3, 1, tzinfo=UTC)
RUN_AFTER = datetime(2025, 3, 9, 2, 30, tzinfo=UTC)


def test_the_param_wins():
    assert resolve_partition("2025-02-23", "2025-03-05", LOGICAL, RUN_AFTER) == date(2025, 2, 23)


def test_the_partition_key_comes_next():
    assert resolve_partition(None, "2025-03-05", LOGICAL, RUN_AFTER) == date(2025, 3, 5)


def test_then_the_day_of_the_logical_date():
    assert resolve_partition(None, None, LOGICAL, RUN_AFTER) == date(2025, 3, 1)


def test_an_empty_param_counts_as_none():
    assert resolve_partition("", None, LOGICAL, RUN_AFTER) == date(2025, 3, 1)


def test_the_logical_date_is_taken_in_utc():
    logical = datetime(2025, 3, 1, 1, 0, tzinfo=timezone(timedelta(hours=5)))  # 2025-02-28 20:00 UTC
    assert resolve_partition(None, None, logical, RUN_AFTER) == date(2025, 2, 28)


def test_a_run_without_a_logical_date_processes_the_utc_day_before_it_was_due():
    assert resolve_partition(None, None, None, RUN_AFTER) == date(2025, 3, 8)


def test_a_run_with_nothing_to_tell_the_day_is_refused():
    with pytest.raises(ValueError, match="cannot tell the partition"):
        resolve_partition(None, None, None, None)


def test_a_task_context_resolves_by_the_same_rule():
    dag_run = SimpleNamespace(partition_key=None, logical_date=LOGICAL, run_after=RUN_AFTER)
    assert partition_of_run({"params": {"partition_date": None}, "dag_run": dag_run}) == date(2025, 3, 1)


def test_a_malformed_date_says_what_is_expected():
    with pytest.raises(ValueError, match="'23/02/2025' is not a YYYY-MM-DD date"):
        parse_partition("23/02/2025")


def test_stages_are_the_six_in_order():
    assert STAGES == ("validate", "load", "transform", "analyze", "monitor", "publish")


def test_an_unknown_stage_is_refused(settings):
    with pytest.raises(ValueError, match="unknown stage 'export'"):
        run_stage("export", settings, date(2025, 2, 23), "r1")


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_has_its_library_function(stage):
    from clickstream.pipeline import entry_point

    assert entry_point(stage).__name__ == f"{stage}_partition"
