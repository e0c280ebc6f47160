"""``clickstream channel URL [--referrer R]``: the source / medium / campaign and channel a landing would get.

For a marketer checking a campaign's tagging before it goes live, and for anyone asking why a session got its
channel. The landing goes through the transform itself (its models and the channel group in use, the settings'
files included) on a throw-away in-memory warehouse, so the answer is the pipeline's, not a second reading of it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import duckdb

from clickstream.settings import Settings

COLUMNS = ("source", "medium", "campaign", "source_category", "channel")


def classify(settings: Settings, landings: list[tuple[str, str | None]]) -> list[dict[str, Any]]:
    """Each (landing URL, referrer) as the first event of its own session: its source, medium, campaign, source
    category and channel, in the given order."""
    from clickstream.transform import run_transform
    from clickstream.warehouse import migrate

    with tempfile.TemporaryDirectory(prefix="clickstream-channel-") as scratch, duckdb.connect() as con:
        migrate(con)
        con.executemany(
            """INSERT INTO raw_events VALUES (md5(?)::UUID, DATE '2025-01-01', ?, ?, nullif(?, ''),
                                              TIMESTAMPTZ '2025-01-01 12:00:00+00', 'page_viewed', '{}', NULL,
                                              'clickstream channel', ?, now())""",
            [[str(n), f"landing-{n}", url, referrer or "", n] for n, (url, referrer) in enumerate(landings)],
        )
        run_transform(con, settings.model_copy(update={"data_dir": Path(scratch)}), None, full_refresh=True)
        found = dict(con.execute(f"SELECT client_id, struct_pack({', '.join(COLUMNS)}) FROM sessions").fetchall())
    return [found[f"landing-{n}"] for n in range(len(landings))]
