"""The Iceberg side of publishing (pyiceberg): the SQL catalog, tables that evolve, days replaced in one snapshot.

A table's days are replaced in one OVERWRITE snapshot: the data files of the changed days are removed and the new
ones added by a single commit, together with the days' content digests in the table's properties (so that the
digests always describe what the snapshot holds). pyiceberg's ``dynamic_partition_overwrite`` would commit a
DELETE and an APPEND snapshot for the same change, and a reader travelling to the first would see the days gone.
Nothing is visible before the catalog's pointer moves: a writer killed earlier leaves the last snapshot as it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from clickstream.errors import DataError
from clickstream.published import CATALOG_NAME

if TYPE_CHECKING:
    from pyiceberg.catalog.sql import SqlCatalog
    from pyiceberg.manifest import DataFile
    from pyiceberg.table import Snapshot, Table

    from clickstream.settings import Settings

# Every table gets these: a concurrent commit is retried (pyiceberg rebuilds the snapshot on the new head), and old
# metadata files go once ten newer ones exist (snapshots, hence time travel, are kept by their age, see ``expire``).
TABLE_PROPERTIES = {
    "format-version": "2",
    "commit.retry.num-retries": "8",
    "commit.retry.min-wait-ms": "100",
    "commit.retry.max-wait-ms": "5000",
    "commit.retry.total-timeout-ms": "120000",
    "write.metadata.delete-after-commit.enabled": "true",
    "write.metadata.previous-versions-max": "10",
}
DIGEST_PREFIX = "clickstream.digest."  # + the day: the digest of that day's rows in the current snapshot
NULL_DAY = "null"
_EPOCH = date(1970, 1, 1)


def catalog_properties(settings: Settings) -> dict[str, str]:
    """pyiceberg's properties of the SQL catalog and its file IO, from the settings."""
    properties = {"uri": settings.iceberg_catalog_url, "warehouse": settings.iceberg_warehouse_url}
    optional = {"s3.endpoint": settings.iceberg_s3_endpoint, "s3.region": settings.iceberg_s3_region,
                "s3.access-key-id": settings.iceberg_s3_access_key_id,
                "s3.secret-access-key": settings.iceberg_s3_secret_access_key and
                settings.iceberg_s3_secret_access_key.get_secret_value()}
    return {**properties, **{key: value for key, value in optional.items() if value}}


def open_catalog(settings: Settings) -> SqlCatalog:
    """The SQL catalog (its two tables created on first use), with the namespace of the published tables."""
    from pyiceberg.catalog.sql import SqlCatalog

    catalog = SqlCatalog(CATALOG_NAME, **catalog_properties(settings))
    catalog.create_namespace_if_not_exists(settings.iceberg_namespace)
    return catalog


def ensure_table(catalog: SqlCatalog, identifier: str, schema: pa.Schema, day_column: str) -> Table:
    """The table, created partitioned by identity of ``day_column`` if new, its schema evolved to ``schema``."""
    from pyiceberg.exceptions import NoSuchTableError, TableAlreadyExistsError

    try:
        table = catalog.load_table(identifier)
    except NoSuchTableError:
        transaction = catalog.create_table_transaction(identifier, schema=schema, properties=TABLE_PROPERTIES)
        with transaction.update_spec() as spec:
            spec.add_identity(day_column)
        try:
            return transaction.commit_transaction()
        except TableAlreadyExistsError:  # another writer created it meanwhile
            table = catalog.load_table(identifier)
    return evolve(table, schema)


def evolve(table: Table, schema: pa.Schema) -> Table:
    """Bring the table's schema to ``schema`` by Iceberg's schema evolution: new columns added, widened types
    promoted (``union_by_name``), columns the warehouse no longer has deleted. Never a new table: readers keep its
    history. A change Iceberg cannot evolve (a narrower type) is a DataError naming the table and the column."""
    from pyiceberg.catalog import Catalog
    from pyiceberg.exceptions import ValidationError

    def shape(fields: Iterable[Any]) -> list[tuple[str, str]]:  # names and types, without Iceberg's field ids
        return [(field.name, str(field.field_type)) for field in fields]

    if shape(table.schema().fields) == shape(Catalog._convert_schema_if_needed(schema).fields):
        return table
    gone = [field.name for field in table.schema().fields if field.name not in schema.names]
    try:
        with table.update_schema() as update:
            update.union_by_name(schema)
            for name in gone:
                update.delete_column(name)
    except (ValidationError, ValueError) as error:
        raise DataError(f"the published table {'.'.join(table.name())} cannot take the warehouse's new schema: "
                        f"{error}") from error
    return table.refresh()


def stored_digests(table: Table) -> dict[str, str]:
    """The digest of each day the current snapshot holds, by day (ISO date, or ``null``)."""
    return {key.removeprefix(DIGEST_PREFIX): value for key, value in table.properties.items()
            if key.startswith(DIGEST_PREFIX)}


def _day(value: Any) -> str:
    """A date partition's value in a manifest (days since 1970-01-01) as the day it names."""
    return NULL_DAY if value is None else (_EPOCH + timedelta(days=value)).isoformat()


def live_files(table: Table, snapshot: Snapshot | None = None) -> list[DataFile]:
    """The data files a snapshot (default: the current one) reads."""
    snapshot = snapshot or table.current_snapshot()
    if snapshot is None:
        return []
    return [entry.data_file for manifest in snapshot.manifests(table.io)
            for entry in manifest.fetch_manifest_entry(table.io, discard_deleted=True)]


def replace_days(table: Table, rows: pa.Table, days: Iterable[str], digests: dict[str, str]) -> dict[str, Any]:
    """Replace the table's ``days`` by ``rows`` (the rows of those days; a day without rows is removed), and set
    their ``digests`` (absent: removed), in one snapshot. Returns what was written."""
    from pyiceberg.io.pyarrow import _check_pyarrow_schema_compatible, _dataframe_to_data_files

    days = set(days)
    transaction = table.transaction()
    transaction.set_properties({DIGEST_PREFIX + day: digests[day] for day in days if day in digests})
    removed = [DIGEST_PREFIX + day for day in days if day not in digests and DIGEST_PREFIX + day in table.properties]
    if removed:
        transaction.remove_properties(*removed)
    doomed = [data_file for data_file in live_files(table) if _day(data_file.partition[0]) in days]
    rows = rows.select([field.name for field in table.schema().fields])
    _check_pyarrow_schema_compatible(table.schema(), rows.schema, format_version=table.metadata.format_version)
    summary = {"clickstream.days": ",".join(sorted(days))}
    written: list[DataFile] = []
    with transaction.update_snapshot(snapshot_properties=summary).overwrite() as snapshot:
        for data_file in doomed:
            snapshot.delete_data_file(data_file)
        if rows.num_rows:
            written = list(_dataframe_to_data_files(transaction.table_metadata, rows, table.io,
                                                    write_uuid=snapshot.commit_uuid))
        for data_file in written:
            snapshot.append_data_file(data_file)
    try:
        table = transaction.commit_transaction()
    except BaseException:
        # Not committed (or unknown: a commit whose answer was lost is found by the next run's digests): the files
        # written for it are read by no snapshot; delete them now rather than leave them to a sweep.
        if not _committed(table, written):
            for data_file in written:
                table.io.delete(data_file.file_path)
        raise
    return {"snapshot_id": table.current_snapshot().snapshot_id, "days_written": len(days),
            "files_written": len(written), "bytes_written": sum(f.file_size_in_bytes for f in written),
            "rows_written": rows.num_rows}


def _committed(table: Table, written: list[DataFile]) -> bool:
    try:
        return bool(written) and written[0].file_path in {f.file_path for f in live_files(table.refresh())}
    except Exception:  # the catalog is unreachable: keep the files, a lost file would be worse than an orphan
        return True


def _files_of(table: Table, snapshots: Iterable[Snapshot]) -> set[str]:
    """Every file the snapshots read: their manifest lists, manifests and data files."""
    paths: set[str] = set()
    for snapshot in snapshots:
        paths.add(snapshot.manifest_list)
        for manifest in snapshot.manifests(table.io):
            paths.add(manifest.manifest_path)
            paths.update(entry.data_file.file_path
                         for entry in manifest.fetch_manifest_entry(table.io, discard_deleted=True))
    return paths


def expire(table: Table, older_than_ms: int) -> dict[str, int]:
    """Expire the snapshots committed before ``older_than_ms`` (never the current one), then delete the files that
    only they read (pyiceberg's expiry removes the snapshots from the metadata, not their files)."""
    current = table.current_snapshot()
    old = [s for s in table.snapshots() if s.timestamp_ms < older_than_ms and current and
           s.snapshot_id != current.snapshot_id]
    if not old:
        return {"snapshots_expired": 0, "files_deleted": 0}
    kept = [s for s in table.snapshots() if s not in old]
    doomed = _files_of(table, old) - _files_of(table, kept)
    table.maintenance.expire_snapshots().by_ids([s.snapshot_id for s in old]).commit()
    for path in sorted(doomed):
        table.io.delete(path)
    return {"snapshots_expired": len(old), "files_deleted": len(doomed)}
