"""The days of the watchdog tests' sample warehouse: nine, so the last has a week of history."""

from datetime import date, timedelta

START = date(2025, 2, 23)
DAYS = [START + timedelta(days=i) for i in range(9)]
LAST = DAYS[-1]
