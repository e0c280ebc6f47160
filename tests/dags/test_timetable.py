"""The DAG's timetable: a run's logical date is the UTC day it processes; the cron says when it runs."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pendulum import instance

from clickstream.timetable import DailyPartitionTimetable, day_interval


def at(*parts: int) -> datetime:
    return instance(datetime(*parts, tzinfo=UTC))


def runs(timetable, earliest, latest):
    """(day processed, fire time) of every run a catch-up between the two bounds makes, as a backfill does."""
    from airflow.timetables.base import TimeRestriction

    restriction, info, made = TimeRestriction(earliest, latest, catchup=True), None, []
    while info := timetable.next_dagrun_info(last_automated_data_interval=info and info.data_interval,
                                             restriction=restriction):
        made.append((info.logical_date.date(), info.run_after))
    return made


def test_a_run_fires_after_its_day_and_its_logical_date_is_that_day():
    [(day, fired)] = runs(DailyPartitionTimetable("30 2 * * *"), at(2025, 2, 24), at(2025, 2, 24))
    assert (day, fired) == (date(2025, 2, 24), at(2025, 2, 25, 2, 30))


def test_a_calendar_month_from_the_first_to_the_last_is_every_day_of_it():
    made = runs(DailyPartitionTimetable("30 2 * * *"), at(2025, 2, 1), at(2025, 2, 28))
    assert [day for day, _ in made] == [date(2025, 2, n) for n in range(1, 29)]


def test_a_bound_inside_a_day_starts_at_the_next_whole_day():
    made = runs(DailyPartitionTimetable("30 2 * * *"), at(2025, 2, 1, 12), at(2025, 2, 3))
    assert [day for day, _ in made] == [date(2025, 2, 2), date(2025, 2, 3)]


def test_a_cron_firing_every_six_hours_still_makes_one_run_a_day_at_the_first_fire():
    made = runs(DailyPartitionTimetable("0 */6 * * *"), at(2025, 2, 1), at(2025, 2, 2))
    assert made == [(date(2025, 2, 1), at(2025, 2, 2)), (date(2025, 2, 2), at(2025, 2, 3))]


def test_a_weekly_cron_processes_only_the_day_before_each_fire():
    made = runs(DailyPartitionTimetable("30 2 * * 1"), at(2025, 2, 1), at(2025, 2, 28))  # Mondays
    assert [day for day, _ in made] == [date(2025, 2, 2), date(2025, 2, 9), date(2025, 2, 16), date(2025, 2, 23)]


def next_without_catchup(monkeypatch, last_day: date) -> tuple[date, datetime]:
    """(day, fire time) of the scheduler's next run at 2026-12-04 03:00 UTC, the last run having processed
    ``last_day``."""
    from airflow.timetables.base import TimeRestriction

    monkeypatch.setattr("clickstream.timetable.now", lambda tz: at(2026, 12, 4, 3, 0))
    info = DailyPartitionTimetable("30 2 * * *").next_dagrun_info(
        last_automated_data_interval=day_interval(last_day),
        restriction=TimeRestriction(at(2025, 2, 1), None, catchup=False))
    return info.logical_date.date(), info.run_after


def test_without_catchup_the_next_run_is_the_latest_day_already_due(monkeypatch):
    assert next_without_catchup(monkeypatch, date(2026, 11, 20)) == (date(2026, 12, 3), at(2026, 12, 4, 2, 30))


def test_without_catchup_the_day_after_the_last_run_waits_for_its_fire(monkeypatch):
    assert next_without_catchup(monkeypatch, date(2026, 12, 3)) == (date(2026, 12, 4), at(2026, 12, 5, 2, 30))


@pytest.mark.parametrize("logical", [at(2025, 2, 24), at(2025, 2, 24, 23, 59)])
def test_a_manual_run_covers_the_utc_day_of_its_logical_date(logical):
    interval = DailyPartitionTimetable("30 2 * * *").infer_manual_data_interval(run_after=logical)
    assert (interval.start, interval.end) == (at(2025, 2, 24), at(2025, 2, 25))


def test_the_scheduler_reads_the_dag_back_with_this_timetable_from_the_plugin():
    """What the dag-processor stores and the scheduler loads (needs plugins/clickstream_timetable.py)."""
    from airflow.dag_processing.dagbag import DagBag
    from airflow.serialization.serialized_objects import DagSerialization

    dag = DagBag().dags["clickstream_elt"]
    stored = DagSerialization.deserialize_dag(DagSerialization.serialize_dag(dag))
    assert isinstance(stored.timetable, DailyPartitionTimetable)
    assert stored.timetable.summary == "30 2 * * *"
    made = list(stored.iter_dagrun_infos_between(at(2025, 2, 24), at(2025, 2, 26)))
    assert [info.logical_date.date() for info in made] == [date(2025, 2, 24), date(2025, 2, 25), date(2025, 2, 26)]
