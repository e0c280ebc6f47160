"""The tables analysts read, published as Apache Iceberg tables: the one list, with each table's day partition.

Standard library only: the DAG file imports it to declare each table as an Airflow Asset.

Every table is partitioned by a day (identity transform), so that a run rewrites only the days it changed.
order_items and attribution carry the order's date (``order_date``, from ``ordered_at``), and dim_users the day
its user was first seen (``first_seen_date``): a user's row changes only when the user comes back, and then only
that user's first day is rewritten, where rewriting the table whole would cost every user ever seen, each night.
"""

from __future__ import annotations

from dataclasses import dataclass

CATALOG_NAME = "clickstream"  # the catalog_name column of the JDBC layout: Spark and Trino name their catalog so


@dataclass(frozen=True)
class PublishedTable:
    name: str
    group: str  # marts | audit
    day_column: str  # the identity partition
    day_of: str | None = None  # SQL deriving day_column when the warehouse table has no such column

    @property
    def select(self) -> str:
        """The rows as published: the warehouse table, plus its derived day column when it has none."""
        derived = f", ({self.day_of})::DATE AS {self.day_column}" if self.day_of else ""
        return f"SELECT *{derived} FROM {self.name}"


TABLES = (
    PublishedTable("sessions", "marts", "session_date"),
    PublishedTable("orders", "marts", "order_date"),
    PublishedTable("order_items", "marts", "order_date", "ordered_at"),
    PublishedTable("attribution", "marts", "order_date", "ordered_at"),
    PublishedTable("daily_kpis", "marts", "date"),
    PublishedTable("funnel_daily", "marts", "date"),
    PublishedTable("dim_users", "marts", "first_seen_date", "first_seen_at"),
    PublishedTable("load_audit", "audit", "partition_date"),
    PublishedTable("quarantine", "audit", "partition_date"),
    PublishedTable("gate_results", "audit", "partition_date"),
)


def asset_uri(namespace: str, table: str) -> str:
    """The Airflow Asset of a published table: ``iceberg://<namespace>/<table>``."""
    return f"iceberg://{namespace}/{table}"
