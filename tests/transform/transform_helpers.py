"""Hand-made raw_events rows for the transform tests: one helper per kind of event."""

from __future__ import annotations

import itertools
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb
import polars as pl

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1"
)
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
SHOP = "https://puffy.com/"
T0 = datetime(2025, 2, 23, 10, 0, tzinfo=UTC)
DAY = 86400  # seconds

_ids = itertools.count(1)


def event_uuid(label: str) -> str:
    """A UUID event id named by a short label; labels of one length sort as their ids do."""
    return str(uuid.UUID(label.encode().hex().rjust(32, "0")))


def at(seconds: float = 0, days: float = 0) -> datetime:
    """A moment relative to T0 (2025-02-23 10:00 UTC)."""
    return T0 + timedelta(days=days, seconds=seconds)


def event(
    client_id: str,
    when: datetime,
    name: str = "page_viewed",
    url: str = SHOP,
    referrer: str | None = None,
    data: dict[str, Any] | None = None,
    user_agent: str | None = IPHONE,
    event_id: str | None = None,
    partition: date | None = None,
) -> dict[str, Any]:
    """One raw_events row; ids (``event_uuid`` of a label) increase in creation order unless a label is given."""
    return {
        "event_id": event_uuid(event_id or f"e{next(_ids):08d}"),
        "partition_date": partition or when.date(),
        "client_id": client_id,
        "page_url": url,
        "referrer": referrer,
        "event_at": when,
        "event_name": name,
        "event_data": json.dumps(data or {}, sort_keys=True, separators=(",", ":")),
        "user_agent": user_agent,
    }


def purchase(client_id: str, when: datetime, revenue: Any, transaction_id: str = "t1", **fields: Any) -> dict:
    """A checkout_completed event with one line of the given price unless items are given."""
    data = {"transaction_id": transaction_id, "revenue": revenue, **fields}
    data.setdefault("items", [{"item_id": "m1", "item_name": "Mattress", "item_price": revenue, "quantity": 1}])
    return event(client_id, when, "checkout_completed", data=data)


COLUMNS = ("event_id", "partition_date", "client_id", "page_url", "referrer", "event_at", "event_name", "event_data",
           "user_agent")  # fmt: skip


def insert(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> None:
    """Put rows into raw_events as the loader would (one row per event_id), in one statement."""
    if not rows:
        return
    frame = pl.DataFrame([{column: row[column] for column in COLUMNS} for row in rows],
                         schema_overrides={"referrer": pl.String, "user_agent": pl.String})  # fmt: skip
    con.register("incoming_rows", frame)
    try:
        con.execute(
            """INSERT INTO raw_events SELECT event_id, partition_date, client_id, page_url, referrer, event_at,
               event_name, event_data::JSON, user_agent, 'test.csv', 1, now() FROM incoming_rows"""
        )
    finally:
        con.unregister("incoming_rows")


def rows(con: duckdb.DuckDBPyConnection, query: str, params: list | None = None) -> list[tuple]:
    return con.execute(query, params or []).fetchall()
