"""The truth: an independent, plain-Python reading of the written files by the rules of issues 4 and 5.

It re-reads every CSV with the csv module, row by row, and judges each row with the contract
(``clickstream.contract.judge`` and ``normalise_header``: the one definition of a valid row), so it
shares no code with the Polars validator or the SQL under test. It is O(rows) Python, about
10,000 rows a second on the 2-core machine: seconds for the sample data, a long wait for millions of
rows (hence ``generate(truth=False)``).

Rules applied after validation:
- Duplicates: same seven normalised fields (trimmed, empty as null, lower-cased event name, the
  UTC instant, canonical JSON of event_data with missing/empty/null as ``{}``). Files are read in
  partition order, so an event present in two files is kept in the earliest partition.
- Bots: a user agent containing bot, crawler or spider (any case) or matching the
  crawler-user-agents patterns (case-sensitive, as published). Bots' events form no sessions.
- Sessions: per client_id, events by time (then by their normalised fields, though the generator
  never gives a client two events at one instant); a gap of 1800 s or more starts a new session.
- Channel, identity, orders, attribution, funnel: see ``marts``.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from clickstream.contract import COLUMNS, REASON_CODES, REQUIRED_COLUMNS, canonical_json, judge, normalise_header
from clickstream.generate import marts
from clickstream.generate.event import Event
from clickstream.settings import DEFAULT_CONVERSION_EVENTS, DEFAULT_EVENT_NAMES

BOT_WORDS = re.compile(r"bot|crawler|spider", re.IGNORECASE)
_DATE_IN_NAME = re.compile(r"(?<![0-9])(\d{4})-?(\d{2})-?(\d{2})(?![0-9])")


@dataclass
class PartitionStats:
    file: str
    rows: int = 0
    quarantined: int = 0
    quarantined_by_reason: Counter = field(default_factory=Counter)
    duplicates: int = 0
    loaded: int = 0
    bot_events: int = 0


@dataclass
class Loaded:
    """What the validate and load stages should end with."""

    partitions: dict[date, PartitionStats] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    quarantined_by_code: Counter = field(default_factory=Counter)
    rows_by_file: dict[str, int] = field(default_factory=dict)
    rejected_files: list[dict] = field(default_factory=list)
    extra_columns: dict[str, list[str]] = field(default_factory=dict)


@lru_cache(maxsize=4096)
def is_bot(user_agent: str | None) -> bool:
    import crawleruseragents

    return bool(user_agent) and bool(BOT_WORDS.search(user_agent) or crawleruseragents.is_crawler(user_agent))


def partition_of(path: Path) -> date | None:
    """The partition of a file: the first real date its name holds (YYYY-MM-DD or YYYYMMDD)."""
    for match in _DATE_IN_NAME.finditer(path.name):
        try:
            return date(*(int(part) for part in match.groups()))
        except ValueError:
            continue
    return None


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def load(files: Sequence[Path], event_names: tuple[str, ...] = DEFAULT_EVENT_NAMES,
         conversion_events: tuple[str, ...] = DEFAULT_CONVERSION_EVENTS) -> Loaded:
    """Validate and deduplicate every row of the files, earliest partition first."""
    result = Loaded()
    seen: set[tuple] = set()
    dated = [(partition_of(path), path.name, path) for path in files]
    undated = [name for partition, name, _ in dated if partition is None]
    if undated:
        raise ValueError(f"file names hold no date: {', '.join(undated)}")
    for partition, name, path in sorted(dated):
        stats = result.partitions.setdefault(partition, PartitionStats(name))
        rows_before = stats.rows
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            columns = [normalise_header(cell) for cell in next(reader, [])]
            missing = [column for column in REQUIRED_COLUMNS if column not in columns]
            if missing:
                result.rejected_files.append({"file": name, "missing_columns": missing})
                continue
            extra = [column for column in columns if column not in COLUMNS]
            if extra:
                result.extra_columns[name] = extra
            position = {column: columns.index(column) for column in COLUMNS if column in columns}
            for cells in reader:
                if not cells:
                    continue
                stats.rows += 1
                values = {column: cells[i] if i < len(cells) else None for column, i in position.items()}
                verdict = judge(values, partition, event_names, conversion_events)
                if verdict.reasons:
                    stats.quarantined += 1
                    stats.quarantined_by_reason[verdict.reason] += 1
                    result.quarantined_by_code.update(verdict.reasons)
                    continue
                e = verdict.event
                key = (e.client_id, e.page_url, e.referrer, e.timestamp, e.event_name, canonical_json(e.event_data),
                       e.user_agent)
                if key in seen:
                    stats.duplicates += 1
                    continue
                seen.add(key)
                stats.loaded += 1
                event = Event(e.client_id, e.page_url, e.referrer, e.timestamp, e.event_name, e.event_data,
                              e.user_agent, partition, (e.timestamp, tuple(_text(v) for v in key)),
                              is_bot(e.user_agent))
                stats.bot_events += event.is_bot
                result.events.append(event)
        result.rows_by_file[name] = stats.rows - rows_before
    return result


def truth(files: Sequence[Path], conversion_events: tuple[str, ...] = DEFAULT_CONVERSION_EVENTS,
          session_timeout_s: int = 1800, lookback_days: int = 7, half_life_days: float = 7.0) -> dict:
    """Every figure the pipeline must reproduce, JSON-able (money as numbers rounded to cents)."""
    loaded = load(files, conversion_events=conversion_events)
    built = marts.build(loaded.events, conversion_events, session_timeout_s, lookback_days, half_life_days)
    parts = loaded.partitions
    quarantined = Counter()
    for stats in parts.values():
        quarantined.update(stats.quarantined_by_reason)
    return {
        "rules": {
            "session_timeout_s": session_timeout_s,
            "attribution_lookback_days": lookback_days,
            "time_decay_half_life_days": half_life_days,
            "conversion_events": list(conversion_events),
            "money": marts.ROUNDING,
        },
        "rows_written": sum(stats.rows for stats in parts.values()),
        "rows_by_file": loaded.rows_by_file,
        "quarantined_rows": sum(stats.quarantined for stats in parts.values()),
        "quarantined_by_reason": {code: quarantined[code] for code in REASON_CODES},
        "quarantined_by_code": {code: loaded.quarantined_by_code[code] for code in REASON_CODES},
        "rejected_files": loaded.rejected_files,
        "extra_columns": loaded.extra_columns,
        "duplicates_dropped": sum(stats.duplicates for stats in parts.values()),
        "unique_valid_events": len(loaded.events),
        "bot_events": sum(stats.bot_events for stats in parts.values()),
        **built.figures(),
        "partitions": {
            day.isoformat(): {
                "file": stats.file,
                "rows": stats.rows,
                "quarantined": stats.quarantined,
                "quarantined_by_reason": {code: stats.quarantined_by_reason[code] for code in REASON_CODES
                                          if stats.quarantined_by_reason[code]},
                "duplicates": stats.duplicates,
                "loaded": stats.loaded,
                "bot_events": stats.bot_events,
            }
            for day, stats in parts.items()
        },
    }
