"""Breaking a day's rows the way the real export breaks, in exact numbers.

Every defect is applied to a chosen count of rows (the profile's rate times the file's rows), not
by coin flips, so each file's share of bad rows is known in advance and the generator can report
what it injected; the reference then finds exactly those counts. Each rejected row gets exactly
one defect, so its primary reason code is the defect's own. Rows flagged PROTECTED (the planned
1799/1800 s gaps, midnight crossings, the outlier order) are never broken, moved or made late.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from random import Random

import numpy as np
import polars as pl

from clickstream.generate.profiles import Profile
from clickstream.generate.rows import (
    CLIENT,
    CONVERSION,
    DATA,
    DAY_MS,
    FLAGS,
    INCOMING,
    INVALID,
    NAME,
    PROTECTED,
    REF,
    TS,
    TS_TEXT,
    URL,
    frame_of,
    iso,
    spaced,
    with_offset,
)

LATE_WINDOW_MS = 2 * 3_600_000
# Columns a defect may rewrite (never the instant, the agent or the device).
EDITABLE = ("client_id", "page_url", "referrer", "ts_text", "event_name", "event_data", "flags")


def _missing_client_id(rng: Random, row: list) -> None:
    row[CLIENT] = rng.choice(("", "", " ", "   "))


def _bad_timestamp(rng: Random, row: list) -> None:
    text = iso(row[TS])
    day, clock = text[:10], text[11:19]
    row[TS_TEXT] = rng.choice((
        str(row[TS]),  # epoch milliseconds
        f"{day[8:10]}/{day[5:7]}/{day[:4]} {clock[:5]}",  # a locale date
        f"{day.replace('-', '/')} {clock}",
        f"{day[:5]}02-30T{clock}.000Z",  # not a calendar day
        f"{day}T25{text[13:]}",  # not an hour
        "undefined",
        "",
    ))


def _unknown_event_name(rng: Random, row: list) -> None:
    row[NAME] = rng.choice(("page_view", "add_to_cart", "view_item", "scroll", "session_start", "order_completed", ""))


def _bad_event_data(rng: Random, row: list) -> None:
    data = row[DATA]
    if data.startswith("{") and len(data) > 2 and rng.random() < 0.6:
        row[DATA] = data[: len(data) // 2]  # cut off mid-way
    else:
        row[DATA] = rng.choice(("[object Object]", "undefined", '"null"', "[]", "42", "{'user_email': 'x@y.com'}"))


def _missing_page_url(rng: Random, row: list) -> None:
    row[URL] = rng.choice(("", " "))


def _timestamp_out_of_window(rng: Random, row: list) -> None:
    shift = rng.choice((-400, -30, -7, -3, 3, 9, 365))
    row[TS_TEXT] = "1970-01-01T00:00:00.000Z" if rng.random() < 0.2 else iso(row[TS] + shift * DAY_MS)


def _bad_revenue(rng: Random, row: list) -> None:
    data = json.loads(row[DATA])
    how = rng.randrange(5)
    if how == 0:
        del data["revenue"]
    elif how == 1:
        data["revenue"] = -abs(float(data["revenue"])) or -1.0
    else:
        data["revenue"] = ("n/a", None, "1,345.00")[how - 2]
    row[DATA] = json.dumps(data)


ROW_DEFECTS: dict[str, Callable[[Random, list], None]] = {
    "missing_client_id": _missing_client_id,
    "bad_timestamp": _bad_timestamp,
    "unknown_event_name": _unknown_event_name,
    "bad_event_data": _bad_event_data,
    "missing_page_url": _missing_page_url,
    "timestamp_out_of_window": _timestamp_out_of_window,
}


def _upper_case_event_name(rng: Random, row: list) -> None:
    row[NAME] = row[NAME].upper() if rng.random() < 0.7 else row[NAME].title()


def _space_timestamp(rng: Random, row: list) -> None:
    row[TS_TEXT] = spaced(row[TS])


def _padded_values(rng: Random, row: list) -> None:
    """Spaces around one value (or a blank for an empty one): the contract trims every value."""
    column = rng.choice((CLIENT, NAME, URL, REF, TS_TEXT, DATA))
    if column == TS_TEXT and row[TS_TEXT] is None:
        row[TS_TEXT] = iso(row[TS])
    row[column] = f" {row[column]} " if row[column] else " "


VARIANTS: dict[str, Callable[[Random, list], None]] = {
    "upper_case_event_name": _upper_case_event_name,
    "space_timestamp": _space_timestamp,
    "padded_values": _padded_values,
}


def restate(rng: Random, row: list) -> list:
    """A copy of a row spelled differently that the contract normalises to the same event."""
    copy = row.copy()
    how = rng.randrange(4)
    if how == 0:
        copy[NAME] = copy[NAME].upper()
    elif how == 1:
        copy[TS_TEXT] = with_offset(copy[TS], rng.choice((0, 60, -300, 330)))
    elif how == 2:
        data = copy[DATA].strip()
        if data in ("", "null", "{}"):
            copy[DATA] = {"": "null", "null": "{}", "{}": ""}[data]
        else:
            parsed = json.loads(data)
            compact = json.dumps(parsed, sort_keys=True, separators=(",", ":"))
            copy[DATA] = compact if compact != data else json.dumps(dict(reversed(parsed.items())))
    else:
        copy[CLIENT] = f"  {copy[CLIENT]} "
    return copy


@dataclass
class Injected:
    """One file's rows after the defects, what moves on to the next file, and what was done."""

    rows: pl.DataFrame
    late: pl.DataFrame
    redelivered: pl.DataFrame
    counts: Counter = field(default_factory=Counter)


def _count(rate: float, n: int) -> int:
    return round(rate * n)


def _sample(rng: Random, candidates: np.ndarray, k: int) -> list[int]:
    return rng.sample(candidates.tolist(), min(len(candidates), k))


def inject(rng: Random, own: pl.DataFrame, incoming: pl.DataFrame, profile: Profile, day_end: int,
           has_next: bool) -> Injected:
    """Apply the profile to a file: ``own`` are its events, ``incoming`` the previous day's late and re-sent rows."""
    counts: Counter = Counter()
    late = own.clear()
    flags = own.get_column("flags").to_numpy()
    if has_next and profile.late:
        window = np.flatnonzero((own.get_column("ts").to_numpy() >= day_end - LATE_WINDOW_MS)
                                & (flags & PROTECTED == 0))
        chosen = sorted(_sample(rng, window, _count(profile.late, own.height)))
        keep = np.ones(own.height, dtype=bool)
        keep[chosen] = False
        late, own = own[chosen], own.filter(pl.Series(keep))
        flags = flags[keep]
        counts["late"] = len(chosen)
    n_rows = own.height + incoming.height

    # Which rows get which edit, decided on the flags alone; then the rows are edited in one pass.
    edits: list[tuple[int, Callable[[Random, list], None]]] = []
    broken = np.zeros(own.height, dtype=bool)
    wanted = [(name, _count(getattr(profile, name), n_rows)) for name in ROW_DEFECTS]
    picked = _sample(rng, np.flatnonzero(flags & PROTECTED == 0), sum(k for _, k in wanted))
    for name, k in wanted:
        edits.extend((index, ROW_DEFECTS[name]) for index in picked[:k])
        counts[name] += len(picked[:k])
        broken[picked[:k]] = True
        picked = picked[k:]
    orders = np.flatnonzero((flags & CONVERSION != 0) & (flags & PROTECTED == 0) & ~broken)
    chosen = _sample(rng, orders, _count(profile.bad_revenue, len(orders)))
    edits.extend((index, _bad_revenue) for index in chosen)
    counts["bad_revenue"] = len(chosen)
    broken[chosen] = True
    valid = np.flatnonzero(~broken)
    for name, variant in VARIANTS.items():
        chosen = _sample(rng, valid, _count(getattr(profile, name), n_rows))
        edits.extend((index, variant) for index in chosen)
        counts[name] = len(chosen)
    own = _edit(rng, own, edits, broken)

    copies = own[_sample(rng, valid, _count(profile.duplicate_rows, n_rows))]
    restated = frame_of([restate(rng, list(row)) for row in
                         own[_sample(rng, valid, _count(profile.restated_duplicates, n_rows))].iter_rows()])
    redelivered = own[_sample(rng, valid, _count(profile.redelivered, n_rows))] if has_next else own.clear()
    counts["duplicate_rows"], counts["restated_duplicates"] = copies.height, restated.height
    if has_next:
        counts["redelivered"] = redelivered.height
    incoming_flag = pl.col("flags") | INCOMING
    return Injected(
        rows=pl.concat([own, incoming, copies, restated]),
        late=late.with_columns(flags=incoming_flag),
        redelivered=redelivered.with_columns(flags=incoming_flag),
        counts=counts,
    )


def _edit(rng: Random, frame: pl.DataFrame, edits: list[tuple[int, Callable[[Random, list], None]]],
          broken: np.ndarray) -> pl.DataFrame:
    """Apply row edits in order (a row may get several valid variants) and write the rows back."""
    if not edits:
        return frame
    indices = sorted({index for index, _ in edits})
    rows = {index: list(row) for index, row in zip(indices, frame[indices].iter_rows(), strict=True)}
    for index, edit in edits:
        edit(rng, rows[index])
    for index in indices:
        if broken[index]:
            rows[index][FLAGS] |= INVALID
    columns = {}
    for position, name in enumerate(frame.columns):
        if name in EDITABLE:
            series = frame.get_column(name).clone()
            columns[name] = series.scatter(indices, [rows[index][position] for index in indices])
    return frame.with_columns(**columns)
