"""Which partition a run processes, and how stages are dispatched."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from clickstream.pipeline import STAGES, parse_partition, resolve_partition, run_stage


def test_the_param_wins():
    assert resolve_partition("2025-02-23", "2025-03-01", datetime(2025, 3, 9, tzinfo=UTC)) == date(2025, 2, 23)


def test_the_partition_key_comes_next():
    assert resolve_partition(None, "2025-03-01", datetime(2025, 3, 9, tzinfo=UTC)) == date(2025, 3, 1)


def test_a_scheduled_run_processes_the_utc_day_before_it_was_due():
    due = datetime(2025, 3, 9, 2, 30, tzinfo=UTC)
    assert resolve_partition(None, None, due) == date(2025, 3, 8)


def test_the_day_before_is_taken_in_utc():
    due = datetime(2025, 3, 9, 1, 0, tzinfo=timezone(timedelta(hours=5)))  # 2025-03-08 20:00 UTC
    assert resolve_partition("", None, due) == date(2025, 3, 7)


def test_a_malformed_date_says_what_is_expected():
    with pytest.raises(ValueError, match="'23/02/2025' is not a YYYY-MM-DD date"):
        parse_partition("23/02/2025")


def test_stages_are_the_five_in_order():
    assert STAGES == ("validate", "load", "transform", "analyze", "monitor")


def test_an_unknown_stage_is_refused(settings):
    with pytest.raises(ValueError, match="unknown stage 'publish'"):
        run_stage("publish", settings, date(2025, 2, 23), "r1")


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_has_its_library_function(stage):
    from clickstream.pipeline import entry_point

    assert entry_point(stage).__name__ == f"{stage}_partition"
