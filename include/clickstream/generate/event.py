"""The unit of the truth: one unique valid event, as ``reference`` reads it and ``marts`` builds on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


@dataclass(slots=True)
class Event:
    """One unique valid event, normalised."""

    client_id: str
    page_url: str
    referrer: str | None
    ts: datetime
    name: str
    data: dict[str, Any]
    user_agent: str | None
    partition: date
    order: tuple  # (ts, normalised fields as text): how a client's events are ordered
    is_bot: bool = False
