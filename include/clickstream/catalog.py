"""What is published: each table's current snapshot, for ``clickstream catalog`` and the README's readers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from clickstream.published import TABLES
from clickstream.settings import Settings


def describe(settings: Settings) -> list[dict[str, Any]]:
    """One row per published table that exists: its current snapshot id, commit time, rows, data files and the
    number of snapshots kept (time travel reaches each)."""
    from pyiceberg.exceptions import NoSuchTableError

    from clickstream.iceberg import live_files, open_catalog

    if not settings.iceberg_catalog_uri and not (settings.data_dir / "iceberg_catalog.db").exists():
        return []  # nothing published yet, and nothing to create here
    catalog = open_catalog(settings)
    rows = []
    for published in TABLES:
        try:
            table = catalog.load_table(f"{settings.iceberg_namespace}.{published.name}")
        except NoSuchTableError:
            continue
        snapshot = table.current_snapshot()
        rows.append({
            "table": published.name,
            "snapshot_id": snapshot.snapshot_id if snapshot else None,
            "committed_at": datetime.fromtimestamp(snapshot.timestamp_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")
            if snapshot else None,
            "rows": int(snapshot.summary["total-records"] or 0) if snapshot and snapshot.summary else 0,
            "files": len(live_files(table)),
            "snapshots": len(table.snapshots()),
        })
    return rows
