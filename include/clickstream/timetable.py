"""The DAG's timetable: a run's logical date is the UTC day it processes, and it runs once that day is over.

Airflow's cron timetables give a daily run either a logical date at the cron's own time (02:30, so that
``airflow backfill create --to-date 2025-02-28`` stops at the 27th) or a zero-length interval at the moment it
fires (the day of the run, not the day of the data). This timetable keeps the cron for *when* runs fire
(``CLICKSTREAM_SCHEDULE``) and gives each run the UTC calendar day before its fire time as its data interval,
so that the logical date is midnight of the day processed, as with Airflow's classic ``@daily``:

- a scheduled run that fires at 2025-02-25 02:30 has logical date 2025-02-24 and processes 2025-02-24;
- ``airflow backfill create --from-date 2025-02-01 --to-date 2025-02-28`` makes one run per day, the 1st to
  the 28th inclusive, each processing its own day;
- a manual run (``airflow dags test clickstream_elt 2025-02-24``, the UI's or the REST API's trigger with a
  logical date) gets the day of its logical date.

A cron that fires several times a day still makes one run per day (the first fire after the day ended); a
cron that skips days (``30 2 * * 1``) processes only the days before its fires. Airflow-only: the DAG
imports it and ``plugins/clickstream_timetable.py`` registers it, which the scheduler needs to load it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from airflow.timetables._cron import CronMixin
from airflow.timetables.base import DagRunInfo, DataInterval, TimeRestriction, Timetable
from pendulum import UTC, DateTime, instance, now

ONE_DAY = timedelta(days=1)


def midnight(day: date) -> DateTime:
    """The start of a UTC calendar day."""
    return instance(datetime.combine(day, time(), tzinfo=UTC))


def day_interval(day: date) -> DataInterval:
    """A UTC calendar day as a data interval: midnight to the next midnight."""
    return DataInterval(midnight(day), midnight(day + ONE_DAY))


class DailyPartitionTimetable(CronMixin, Timetable):
    """One run per UTC day: data interval the day, logical date its midnight, fired by the cron after it ends."""

    def __init__(self, cron: str) -> None:
        super().__init__(cron, timezone="UTC")
        self.description = f"{self.description}, each run processing the UTC day before it"

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> Timetable:
        return cls(data["expression"])

    def serialize(self) -> dict[str, Any]:
        return {"expression": self._expression}

    def fire_time(self, day: date) -> DateTime:
        """When the run for ``day`` fires: the cron's first time at or after the day's end."""
        return self._align_to_next(midnight(day + ONE_DAY))

    @staticmethod
    def day_before(moment: datetime) -> date:
        """The UTC day a run fired at ``moment`` processes: the day before it."""
        return moment.astimezone(UTC).date() - ONE_DAY

    def _due_day(self, day: date) -> date:
        """The first day at or after ``day`` that a fire processes (a cron that skips days skips them here)."""
        return self.day_before(self.fire_time(day))

    def infer_manual_data_interval(self, *, run_after: DateTime) -> DataInterval:
        """A manual run's interval: the UTC day of its logical date (Airflow passes the logical date here)."""
        return day_interval(run_after.astimezone(UTC).date())

    def next_dagrun_info(
        self, *, last_automated_data_interval: DataInterval | None, restriction: TimeRestriction
    ) -> DagRunInfo | None:
        first_day = None  # the first whole UTC day at or after the start date, as a fire processes it
        if restriction.earliest is not None:
            first = restriction.earliest.astimezone(UTC)
            first_day = self._due_day(first.date() + (ONE_DAY if first.timetz() != time(tzinfo=UTC) else timedelta()))
        after_last = (self._due_day(last_automated_data_interval.start.date() + ONE_DAY)
                      if last_automated_data_interval is not None else None)
        if restriction.catchup:
            candidates = [after_last if after_last is not None else first_day]
        else:  # the latest day already due, unless the last run or the start date is later
            candidates = [self.day_before(self._align_to_prev(now("UTC"))), first_day, after_last]
        known = [day for day in candidates if day is not None]
        if not known:
            return None
        day = max(known)
        if restriction.latest is not None and midnight(day) > restriction.latest:
            return None
        return DagRunInfo(run_after=self.fire_time(day), data_interval=day_interval(day))
