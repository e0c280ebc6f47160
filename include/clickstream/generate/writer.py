"""Writing a day's rows as the real export would: one CSV, sometimes with a drifted header, a BOM
or its columns in another order (all of which the contract's header normalisation must absorb).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from random import Random

import polars as pl

from clickstream.contract import COLUMNS
from clickstream.generate.profiles import Profile

HEADERS = {
    "standard": COLUMNS,
    "camel": ("clientId", "pageUrl", "referrer", "timestamp", "eventName", "eventData", "userAgent"),
    "partial": ("clientId", "page_url", "referrer", "timestamp", "event_name", "event_data", "user_agent"),
    "cased": (" Client_ID", "Page_URL ", "Referrer", "TIMESTAMP", "Event_Name", "EVENT_DATA", "User_Agent"),
}
DRIFTS = ("camel", "partial", "cased")


@dataclass(frozen=True)
class FileStyle:
    """How one file's header looks: which spelling, a BOM or not, and the column order."""

    header: str = "standard"
    bom: bool = False
    order: tuple[int, ...] = tuple(range(len(COLUMNS)))  # positions into COLUMNS

    def header_cells(self) -> list[str]:
        return [HEADERS[self.header][i] for i in self.order]

    def describe(self) -> dict:
        return {"header": self.header, "bom": self.bom, "columns": [COLUMNS[i] for i in self.order]}


def _files(rng: Random, n_files: int, rate: float) -> set[int]:
    """Which files get a file-level defect: the rate's share of them, at least one when the rate is not 0."""
    if rate <= 0 or n_files == 0:
        return set()
    return set(rng.sample(range(n_files), min(n_files, max(1, round(rate * n_files)))))


def plan_styles(rng: Random, n_files: int, profile: Profile) -> list[FileStyle]:
    drifted = sorted(_files(rng, n_files, profile.header_drift_files))
    boms = _files(rng, n_files, profile.bom_files)
    shuffled = _files(rng, n_files, profile.shuffled_files)
    styles = []
    for index in range(n_files):
        header = DRIFTS[drifted.index(index) % len(DRIFTS)] if index in drifted else "standard"
        order = list(range(len(COLUMNS)))
        if index in shuffled:
            while order == sorted(order):
                rng.shuffle(order)
        styles.append(FileStyle(header, index in boms, tuple(order)))
    return styles


def write_file(path: Path, rows: pl.DataFrame, style: FileStyle) -> int:
    """Write the rows in time order (stable, so a duplicate follows its original); returns how many.

    Empty values are written as nothing, like the real export (Polars would quote an empty string).
    """
    stamp = pl.from_epoch("ts", time_unit="ms").dt.strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
    cells = style.header_cells()
    (
        rows.lazy()
        .sort("ts", maintain_order=True)
        .with_columns(timestamp=pl.coalesce("ts_text", stamp), user_agent=pl.col("user_agent").cast(pl.String))
        .select([
            pl.when(pl.col(COLUMNS[i]) == "").then(None).otherwise(pl.col(COLUMNS[i])).alias(cells[n])
            for n, i in enumerate(style.order)
        ])
        .sink_csv(path, include_bom=style.bom, line_terminator="\n", quote_style="necessary")
    )
    return rows.height
