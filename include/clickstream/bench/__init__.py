"""``clickstream bench`` (``make bench``): the pipeline timed at scale and at the shop's real size, each beside
a row-by-row baseline measured in the same run (issues 9, 21 and 22).

Scenarios, one module each: ``scale`` (every stage over 14 days of 1M and 10M events, and one 1M-event day
file), ``airflow_run`` (the smallest set's 14 days through Airflow), ``dag_parse`` (the DAG file's import)
and ``real_size`` (what a user waits for on 14 days of 3,500 and 28,000 events). ``baseline`` is the
row-by-row approach, ``targets`` judges every target in one place; the rest are shared helpers. This module
and ``command`` import the standard library only: ``clickstream --help`` builds the options from them.
"""

from clickstream.bench.command import add_arguments, main

__all__ = ["add_arguments", "main"]
