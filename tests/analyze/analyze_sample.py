"""A small warehouse built the way the DAG builds it, for the analyze tests.

Eight days of generated sample data go through validate and load day by day, one full transform, and
the watchdog for every day but the last: in the DAG, analyze runs before monitor, so the last
partition's report sees only earlier partitions' watchdog results.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from clickstream.errors import DataError
from clickstream.generate import generate
from clickstream.pipeline import run_stage
from clickstream.settings import Settings, get_settings
from clickstream.transform import transform

START = date(2025, 2, 23)
DAYS = 8
WINDOW_DAYS = 4  # two full windows in eight days: the last partition has a previous period
RUN_ID = "manual__test"


@dataclass(frozen=True)
class Sample:
    settings: Settings
    days: list[date]

    @property
    def last(self) -> date:
        return self.days[-1]


def build_warehouse(settings: Settings, days: list[date], monitored: list[date]) -> None:
    for day in days:
        run_stage("validate", settings, day, f"setup_{day}")
        run_stage("load", settings, day, f"setup_{day}")
    transform(settings, None)
    for day in monitored:
        try:
            run_stage("monitor", settings, day, f"setup_{day}")
        except DataError:
            pass  # a failed gate still records its results, which is all the report needs


def build_sample(data_dir) -> Sample:
    generate(data_dir, START, DAYS, events_per_day=400, seed=11, truth=False)
    settings = get_settings(data_dir=data_dir, report_window_days=WINDOW_DAYS)
    days = [START + timedelta(days=i) for i in range(DAYS)]
    build_warehouse(settings, days, monitored=days[:-1])
    return Sample(settings, days)
