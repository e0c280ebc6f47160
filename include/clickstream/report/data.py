"""The report's window of dates and the queries of ``sql/report``, run with bound parameters."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from clickstream.warehouse import SQL_DIR, data_version

REPORT_SQL_DIR = SQL_DIR / "report"
QUERIES = (
    "kpis", "daily", "funnel", "channels", "source_medium", "attribution", "devices", "new_returning", "lead_velocity",
    "landing_pages", "loads", "quarantine_reasons", "session_gaps", "session_gap_histogram", "gate_results",
    "gate_failures",
)
_PARAMETER = re.compile(r"\$([a-z_]+)")
# Relations several queries read (sql/report/_*.sql), defined on the connection before each query (cheap: macros,
# no data).
SHARED_SQL = sorted(REPORT_SQL_DIR.glob("_*.sql"))


@dataclass(frozen=True)
class Window:
    """The partition and the ``days`` trailing days ending at it, the period before, and the day a week earlier;
    with the session timeout, which the data-quality section checks against the window's gaps between events."""

    day: date
    days: int
    top_n: int = 10
    session_timeout_s: int = 1800

    @property
    def start(self) -> date:
        return self.day - timedelta(days=self.days - 1)

    @property
    def prev_end(self) -> date:
        return self.start - timedelta(days=1)

    @property
    def prev_start(self) -> date:
        return self.prev_end - timedelta(days=self.days - 1)

    @property
    def compare_day(self) -> date:
        """Same weekday a week earlier: traffic has a weekly rhythm, so yesterday is a poor baseline."""
        return self.day - timedelta(days=7)

    def periods(self) -> list[tuple[str, date, date]]:
        """(name, first date, last date) of every period the report compares."""
        return [("window", self.start, self.day), ("previous_window", self.prev_start, self.prev_end),
                ("day", self.day, self.day), ("compare_day", self.compare_day, self.compare_day)]

    def parameters(self) -> dict[str, Any]:
        return {"day": self.day, "start": self.start, "end": self.day, "prev_start": self.prev_start,
                "prev_end": self.prev_end, "compare_day": self.compare_day, "top_n": self.top_n,
                "session_timeout_s": self.session_timeout_s}


def _plain(value: Any) -> Any:
    """DuckDB gives money as Decimal and some sums as HUGEINT; the report wants floats and ints."""
    return float(value) if isinstance(value, Decimal) else value


def run_query(con: Any, name: str, window: Window) -> list[dict[str, Any]]:
    """Rows of ``sql/report/<name>.sql`` as dicts; only the parameters the query names are bound."""
    sql = (REPORT_SQL_DIR / f"{name}.sql").read_text()
    for shared in SHARED_SQL:
        con.execute(shared.read_text())
    available = window.parameters()
    cursor = con.execute(sql, {key: available[key] for key in set(_PARAMETER.findall(sql))})
    columns = [column[0] for column in cursor.description]
    return [{key: _plain(value) for key, value in zip(columns, row, strict=True)} for row in cursor.fetchall()]


# The queries of the gates' results: monitor writes its own between the report analyze writes and the one it
# completes with its verdict. Every other query reads tables only load and transform change.
GATE_QUERIES = ("gate_results", "gate_failures")
# The last rows of the other queries, for the same warehouse, window and loads and transforms: in one process
# (``clickstream run``), monitor's report then runs only the gate queries again.
_LAST: dict[str, Any] = {}


def collect(con: Any, window: Window) -> dict[str, list[dict[str, Any]]]:
    """Every report query's rows, by query name; the queries share the temp table ``report_periods``."""
    rows = _rows_but_gates(con, window)
    return {**rows, **{name: run_query(con, name, window) for name in GATE_QUERIES}}


def prefetch(con: Any, window: Window) -> None:
    """Run the queries that do not read the gates' results now; ``collect`` reuses their rows while the warehouse's
    loads and transforms are the same (monitor runs them while Great Expectations loads)."""
    _rows_but_gates(con, window)


def _rows_but_gates(con: Any, window: Window) -> dict[str, list[dict[str, Any]]]:
    con.execute("CREATE OR REPLACE TEMP TABLE report_periods (period VARCHAR, first_date DATE, last_date DATE)")
    con.executemany("INSERT INTO report_periods VALUES (?, ?, ?)", window.periods())
    key = (data_version(con), window)
    if _LAST.get("key") != key or key[0] is None:
        _LAST.update(key=key, rows={name: run_query(con, name, window) for name in QUERIES if name not in GATE_QUERIES})
    return _LAST["rows"]
