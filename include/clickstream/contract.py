"""The event contract: the one definition of a valid clickstream row.

A raw row is seven text fields. It is valid when no reason code applies; the
codes are checked in ``REASON_CODES`` order and a row carries every code that
applies (its ``reason`` is the first). The vectorised validator in
``clickstream.validate`` implements the same rules with Polars expressions and a
property test proves the two agree on every row.

Rules, after trimming every value and reading empty as missing:

- ``missing_client_id``: no client_id.
- ``bad_timestamp``: not ``YYYY-MM-DD[T| ]HH:MM:SS[.fraction][Z|±HH:MM]`` or not a
  real calendar instant; no zone means UTC. Fractions beyond microseconds are truncated.
- ``unknown_event_name``: lower-cased, not one of the configured event names.
- ``bad_event_data``: present, not ``null``, and not a JSON object, or an object
  nesting objects and arrays more than 32 levels deep (``MAX_EVENT_DATA_DEPTH``).
  Missing, empty or ``null`` means ``{}``.
- ``missing_page_url``: no page_url.
- ``bad_revenue``: a conversion (known event name in the conversion list) whose
  event_data is an object but ``revenue`` is missing, not a number (a numeric
  string is accepted), not finite, negative, or too large for the warehouse's
  money type (DECIMAL(18, 2): 10^16 or more). A row with bad event_data gets
  ``bad_event_data`` only.
- ``timestamp_out_of_window``: the event's UTC date is not the file's date, the
  day before or the day after (only judged for a parseable timestamp).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from clickstream.settings import DEFAULT_CONVERSION_EVENTS, DEFAULT_EVENT_NAMES

COLUMNS = ("client_id", "page_url", "referrer", "timestamp", "event_name", "event_data", "user_agent")
REQUIRED_COLUMNS = ("client_id", "page_url", "timestamp", "event_name")
COLUMN_ALIASES = {
    "clientid": "client_id",
    "pageurl": "page_url",
    "eventname": "event_name",
    "eventdata": "event_data",
    "useragent": "user_agent",
}

REASON_CODES = (
    "missing_client_id",
    "bad_timestamp",
    "unknown_event_name",
    "bad_event_data",
    "missing_page_url",
    "bad_revenue",
    "timestamp_out_of_window",
)
# Codes of lines that are not rows of the contract's shape, judged before the contract (one physical line is
# one row: no value spans lines): the line's text is kept whole in the quarantine's ``raw_line``.
MALFORMED_ROW = "malformed_row"  # not as many fields as the header, or a quote opened and not closed on its line
BAD_ENCODING = "bad_encoding"  # bytes that are not UTF-8, or a control character (other than tab) in the line
REJECTED_FILE = "rejected_file"  # a row of a file refused whole (a required column missing, one named twice)
LINE_CODES = (MALFORMED_ROW, BAD_ENCODING, REJECTED_FILE)

# ASCII digits only ([0-9], not \d, which also matches other scripts' digits).
TIMESTAMP_PATTERN = (
    r"^([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?(Z|[+-][0-9]{2}:[0-9]{2})?$"
)
_TIMESTAMP_RE = re.compile(TIMESTAMP_PATTERN)
NUMBER_PATTERN = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_NUMBER_RE = re.compile(NUMBER_PATTERN)
NULL_EVENT_DATA = ("null",)
# What "trimmed" strips, spelt out so that Python and Polars strip exactly the same characters.
TRIM_CHARS = " \t\r\n\f\v"
WINDOW_DAYS = 1
MAX_REVENUE = 1e16  # exclusive: the warehouse stores money as DECIMAL(18, 2)


def normalise_header(name: str) -> str:
    """Map a raw header cell to its contract column name (BOM, spaces, case, camelCase)."""
    cleaned = name.replace("\ufeff", "").strip().lower()
    return COLUMN_ALIASES.get(cleaned.replace("_", ""), cleaned)


def clean(value: str | None) -> str | None:
    """Trim a raw value; empty reads as missing."""
    if value is None:
        return None
    stripped = value.strip(TRIM_CHARS)
    return stripped or None


def parse_timestamp(text: str) -> datetime | None:
    """A contract timestamp as an aware UTC datetime (microseconds), or None when it is not one."""
    match = _TIMESTAMP_RE.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    if zone in (None, "Z"):
        tz = UTC
    else:
        sign = 1 if zone[0] == "+" else -1
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        if hours > 23 or minutes > 59:
            return None
        tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
    try:
        local = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micros, tz)
        return local.astimezone(UTC)
    except (ValueError, OverflowError):  # not a calendar instant, or its UTC form leaves years 1-9999
        return None


MAX_EVENT_DATA_DEPTH = 32  # levels of objects and arrays in event_data (the top object is level 1)


def parse_event_data(text: str | None) -> dict[str, Any] | None:
    """The event_data object: missing, empty or ``null`` is ``{}``; None when it is not an object, or when
    it nests objects and arrays deeper than ``MAX_EVENT_DATA_DEPTH``."""
    if text is None or text in NULL_EVENT_DATA:
        return {}
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # Python's parser gives up near 1,000 levels
        return None
    if value is None:
        return {}
    return value if isinstance(value, dict) and not too_deep(value, text) else None


def too_deep(value: Any, text: str) -> bool:
    """True when ``value`` (decoded from ``text``) nests objects and arrays more than ``MAX_EVENT_DATA_DEPTH``
    levels deep. A text with fewer brackets than the limit cannot, so most values are not walked."""
    if text.count("{") + text.count("[") <= MAX_EVENT_DATA_DEPTH:
        return False
    level: list[tuple[Any, int]] = [(value, 1)]
    while level:
        item, depth = level.pop()
        if depth > MAX_EVENT_DATA_DEPTH:
            return True
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        level.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def canonical_json(data: dict[str, Any]) -> str:
    """The canonical text of an event_data object: sorted keys, no spaces."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def parse_revenue(value: Any) -> float | None:
    """A conversion's revenue as a finite non-negative number, or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:  # an integer beyond float range
            return None
    elif isinstance(value, str) and _NUMBER_RE.fullmatch(value.strip(TRIM_CHARS)):
        number = float(value.strip(TRIM_CHARS))
    else:
        return None
    if not math.isfinite(number) or number < 0 or number >= MAX_REVENUE:
        return None
    return number


def _fail(code: str) -> PydanticCustomError:
    return PydanticCustomError(code, "{code}", {"code": code})


class Event(BaseModel):
    """One raw row, validated. Context: ``partition_date``, ``event_names``, ``conversion_events``."""

    model_config = ConfigDict(frozen=True)

    client_id: str | None
    page_url: str | None
    referrer: str | None = None
    timestamp: datetime | None
    event_name: str | None
    event_data: dict[str, Any] | None
    user_agent: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _trim(cls, values: Any) -> Any:
        if not isinstance(values, dict):
            return values
        return {key: clean(value) if isinstance(value, str) else value for key, value in values.items()}

    @field_validator("client_id")
    @classmethod
    def _client_id(cls, value: str | None) -> str:
        if value is None:
            raise _fail("missing_client_id")
        return value

    @field_validator("timestamp", mode="before")
    @classmethod
    def _timestamp(cls, value: Any) -> datetime:
        parsed = parse_timestamp(value) if isinstance(value, str) else None
        if parsed is None:
            raise _fail("bad_timestamp")
        return parsed

    @field_validator("event_name")
    @classmethod
    def _event_name(cls, value: str | None, info: ValidationInfo) -> str:
        names = (info.context or {}).get("event_names", DEFAULT_EVENT_NAMES)
        lowered = value.lower() if value else None
        if lowered not in names:
            raise _fail("unknown_event_name")
        return lowered

    @field_validator("event_data", mode="before")
    @classmethod
    def _event_data(cls, value: Any) -> dict[str, Any]:
        parsed = parse_event_data(value)
        if parsed is None:
            raise _fail("bad_event_data")
        return parsed

    @field_validator("page_url")
    @classmethod
    def _page_url(cls, value: str | None) -> str:
        if value is None:
            raise _fail("missing_page_url")
        return value

    @model_validator(mode="after")
    def _conversion_and_window(self, info: ValidationInfo) -> Event:
        context = info.context or {}
        codes = cross_field_codes(
            self.event_name,
            self.event_data,
            self.timestamp,
            context.get("partition_date"),
            context.get("conversion_events", DEFAULT_CONVERSION_EVENTS),
        )
        if codes:
            raise _fail(",".join(sorted(codes)))
        return self


def cross_field_codes(
    event_name: str | None,
    event_data: dict[str, Any] | None,
    moment: datetime | None,
    partition_date: date | None,
    conversion_events: tuple[str, ...],
) -> set[str]:
    """``bad_revenue`` and ``timestamp_out_of_window``, judged on fields already parsed (None = unusable)."""
    codes = set()
    if event_name in conversion_events and event_data is not None:
        if parse_revenue(event_data.get("revenue")) is None:
            codes.add("bad_revenue")
    if moment is not None and partition_date is not None:
        if abs((moment.date() - partition_date).days) > WINDOW_DAYS:
            codes.add("timestamp_out_of_window")
    return codes


@dataclass(frozen=True)
class Verdict:
    """The contract's answer for one row: its reason codes in order (empty when valid)."""

    reasons: tuple[str, ...]
    event: Event | None

    @property
    def reason(self) -> str | None:
        return self.reasons[0] if self.reasons else None


def judge(
    row: dict[str, str | None],
    partition_date: date,
    event_names: tuple[str, ...] = DEFAULT_EVENT_NAMES,
    conversion_events: tuple[str, ...] = DEFAULT_CONVERSION_EVENTS,
) -> Verdict:
    """Validate one raw row against the contract; the reference the fast path is tested against."""
    from pydantic import ValidationError

    context = {"partition_date": partition_date, "event_names": event_names, "conversion_events": conversion_events}
    values = {column: row.get(column) for column in COLUMNS}
    try:
        return Verdict((), Event.model_validate(values, context=context))
    except ValidationError as error:
        found = {code for item in error.errors() for code in item["type"].split(",")}
    # A field error stops the model validator, so judge the cross-field rules on their own.
    found |= _cross_field_codes(values, partition_date, event_names, conversion_events)
    return Verdict(tuple(code for code in REASON_CODES if code in found), None)


def _cross_field_codes(
    values: dict[str, str | None],
    partition_date: date,
    event_names: tuple[str, ...],
    conversion_events: tuple[str, ...],
) -> set[str]:
    name = (clean(values["event_name"]) or "").lower()
    text = clean(values["timestamp"])
    return cross_field_codes(
        name if name in event_names else None,
        parse_event_data(clean(values["event_data"])),
        parse_timestamp(text) if text else None,
        partition_date,
        conversion_events,
    )
