"""Registers the DAG's timetable (``clickstream.timetable.DailyPartitionTimetable``) with Airflow.

The scheduler, the API server and the DAG processor load a custom timetable only from a plugin's
``timetables``; without this file they refuse the serialized DAG ("Timetable class ... is not registered").
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from clickstream.timetable import DailyPartitionTimetable


class ClickstreamTimetablePlugin(AirflowPlugin):
    name = "clickstream_timetable"
    timetables = [DailyPartitionTimetable]
