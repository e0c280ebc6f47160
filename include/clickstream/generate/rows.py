"""The generator's rows and the timestamp spellings it writes.

A day's rows live in a Polars frame (``SCHEMA``); the few rows built or rewritten in Python are
plain lists in the same field order (``TS``, ``CLIENT``, ...). A row holds the event instant in
epoch milliseconds, the seven raw text fields and flags. ``TS_TEXT`` is null unless a defect
spells the timestamp another way; the writer formats ``TS`` otherwise.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from clickstream.generate.catalogue import CRAWLER_AGENTS, HUMAN_AGENTS

TS, CLIENT, URL, REF, TS_TEXT, NAME, DATA, UA, FLAGS, DEVICE = range(10)
# Every agent the generator writes, as a fixed category: a day's million agents cost a byte each.
AGENT = pl.Enum(sorted({*(a for agents in HUMAN_AGENTS.values() for a in agents), *(a for a, _ in CRAWLER_AGENTS)}))
# A day's rows as a Polars frame: the same fields in the same order.
SCHEMA = {
    "ts": pl.Int64,
    "client_id": pl.String,
    "page_url": pl.String,
    "referrer": pl.String,
    "ts_text": pl.String,
    "event_name": pl.String,
    "event_data": pl.String,
    "user_agent": AGENT,
    "flags": pl.Int64,
    "device": pl.Int64,  # the device's number: a client never gets two events at one instant
}

PROTECTED = 1  # carries a boundary the tests need (1799/1800 s gap, midnight crossing, outlier): never broken
CONVERSION = 2
BOT = 4
INVALID = 8  # a defect made it fail the contract
INCOMING = 16  # a late or re-delivered row from the previous day: written as it is

DAY_MS = 86_400_000
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_DAY_TEXT: dict[int, str] = {}


def new_row(ts: int, client: str, url: str, ref: str, name: str, data: str, ua: str, flags: int, device: int) -> list:
    return [ts, client, url, ref, None, name, data, ua, flags, device]


def frame_of(rows: list[list]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def day_ms(day: date) -> int:
    """Epoch milliseconds of a UTC midnight."""
    return (day.toordinal() - _EPOCH_ORDINAL) * DAY_MS


def _day_text(day_number: int) -> str:
    text = _DAY_TEXT.get(day_number)
    if text is None:
        text = _DAY_TEXT[day_number] = date.fromordinal(_EPOCH_ORDINAL + day_number).isoformat()
    return text


def _parts(ms: int) -> tuple[str, int, int, int, int]:
    day_number, rest = divmod(ms, DAY_MS)
    seconds, milli = divmod(rest, 1000)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    return _day_text(day_number), hours, minutes, seconds, milli


def iso(ms: int) -> str:
    """The real export's spelling: ``YYYY-MM-DDTHH:MM:SS.sssZ``."""
    day, hours, minutes, seconds, milli = _parts(ms)
    return f"{day}T{hours:02d}:{minutes:02d}:{seconds:02d}.{milli:03d}Z"


def spaced(ms: int) -> str:
    """The same instant with a space for ``T`` and no zone (which the contract reads as UTC)."""
    day, hours, minutes, seconds, milli = _parts(ms)
    return f"{day} {hours:02d}:{minutes:02d}:{seconds:02d}.{milli:03d}"


def with_offset(ms: int, offset_minutes: int) -> str:
    """The same instant written as local time with a ``±HH:MM`` offset."""
    day, hours, minutes, seconds, milli = _parts(ms + offset_minutes * 60_000)
    sign = "+" if offset_minutes >= 0 else "-"
    off_h, off_m = divmod(abs(offset_minutes), 60)
    return f"{day}T{hours:02d}:{minutes:02d}:{seconds:02d}.{milli:03d}{sign}{off_h:02d}:{off_m:02d}"
