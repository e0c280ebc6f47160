"""One settings object for the whole pipeline, read from ``CLICKSTREAM_*`` env vars and ``.env``.

Every tunable of the pipeline lives here so that the DAG, the CLI and the tests agree;
``.env.example`` documents each field, and the README's table of them is generated from it
(``markdown_table``, written by ``make docs``).
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_EVENT_NAMES = (
    "page_viewed",
    "email_filled_on_popup",
    "product_added_to_cart",
    "checkout_started",
    "checkout_completed",
    "purchase",
)
DEFAULT_CONVERSION_EVENTS = ("checkout_completed", "purchase")


class Settings(BaseSettings):
    """Pipeline configuration; field ``x`` is set by env var ``CLICKSTREAM_X``."""

    model_config = SettingsConfigDict(
        env_prefix="CLICKSTREAM_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    data_dir: Path = Field(
        Path("data"), description="Holds raw/, staging/, quarantine/, reports/, warehouse.duckdb unless "
        "CLICKSTREAM_WAREHOUSE_DIR says otherwise, and by default the published Iceberg tables (iceberg/, "
        "iceberg_catalog.db) and analytics.duckdb (views over them)."
    )
    warehouse_dir: Path | None = Field(
        None, description="Holds warehouse.duckdb (and DuckDB's spill folder); empty: the data dir. When set it "
        "must exist, so that a stage on a host or worker without it fails instead of starting an empty warehouse "
        "(docs/deployment.md, Workers on two hosts)."
    )
    warehouse_queue: str = Field(
        "warehouse", min_length=1, description="Celery queue of the stages that open the warehouse (load, "
        "transform, analyze, monitor, publish); validate runs on Airflow's default queue. Executors without "
        "queues (LocalExecutor, `make run`) ignore it."
    )
    schedule: str = Field(
        "30 2 * * *", description="Cron schedule of the DAG, in UTC; each run processes the UTC day before it."
    )
    max_active_runs: int = Field(
        2, ge=1, description="DAG runs at once (backfills): a day validates while another loads; warehouse "
        "stages still run one at a time."
    )

    duckdb_memory_limit: str = Field("1536MB", description="DuckDB's memory limit; beyond it, it spills to disk.")
    warehouse_lock_timeout_s: float = Field(
        300, ge=0, description="Seconds a stage waits while another process (a run, a notebook) holds the "
        "warehouse before it fails."
    )
    gx_keep_days: int = Field(
        90, gt=0, description="Days of gate runs kept in the GX Data Docs (gate_results keeps every run)."
    )
    retry_delay_s: float = Field(
        120, gt=0, description="Seconds before Airflow retries a task that failed for a reason of the machine (a "
        "held warehouse, a lost worker, an unreachable database); each task has two retries, bad data none."
    )
    preload: bool = Field(
        True, description="Deployed Celery workers import Great Expectations, duckdb, pyarrow and pandas once, "
        "before they fork their tasks (docs/deployment.md, Warm workers)."
    )

    # validate
    max_quarantine_rate: float = Field(0.05, ge=0, le=1, description="Critical: quarantined share of a day.")
    # Comma-separated in the environment (NoDecode: not JSON).
    event_names: Annotated[tuple[str, ...], NoDecode] = Field(DEFAULT_EVENT_NAMES, description="Accepted event names.")
    conversion_events: Annotated[tuple[str, ...], NoDecode] = Field(
        DEFAULT_CONVERSION_EVENTS, description="Events that are orders (a subset of the event names)."
    )
    max_null_referrer_rate: float = Field(0.85, ge=0, le=1, description="Warning: share of null referrers.")
    max_bot_rate: float = Field(0.10, ge=0, le=1, description="Warning: share of bot events.")
    max_unparsed_user_agent_rate: float = Field(0.05, ge=0, le=1, description="Warning: share of unknown agents.")

    # transform
    session_timeout_s: int = Field(1800, gt=0, description="Inactivity that starts a new session, seconds.")
    attribution_lookback_days: int = Field(7, gt=0, description="Sessions this many days before an order get credit.")
    time_decay_half_life_days: float = Field(7.0, gt=0, description="Half-life of the time-decay model.")

    channel_group_file: Path | None = Field(
        None, description="A CSV of channel rules that replaces GA4's default channel group (the shape of "
        "sql/seeds/ga4_default_channel_group.csv; docs/pipeline.md, Channels); empty: GA4's default."
    )
    source_categories_file: Path | None = Field(
        None, description="A CSV (source,source_category) of the shop's own sources: each row adds a source to "
        "Google's list (sql/seeds/ga4_source_categories.csv) or overrides its category; empty: Google's list alone."
    )

    # analyze
    report_window_days: int = Field(14, gt=0, description="Trailing days shown in the report.")

    # monitor
    anomaly_z_threshold: float = Field(3.0, gt=0, description="Warning: robust z-score of a daily figure.")
    anomaly_history_days: int = Field(28, gt=0, description="Partitions the anomaly z-scores compare against.")
    anomaly_min_history_days: int = Field(7, gt=0, description="Fewer partitions of history skip the anomaly checks.")
    max_unassigned_session_rate: float = Field(
        0.25, ge=0, le=1, description="Warning: share of the day's sessions in no channel (Unassigned)."
    )
    outlier_order_quantile: float = Field(0.999, gt=0, lt=1, description="Warning: orders above this quantile.")

    # publish: the analysts' Iceberg tables (docs/pipeline.md, Stage 6: publish)
    iceberg_catalog_uri: str | None = Field(
        None, description="SQLAlchemy URL of the Iceberg SQL catalog (Iceberg's JDBC catalog layout), e.g. "
        "postgresql+psycopg2://user:password@host/iceberg; empty: the SQLite file iceberg_catalog.db in the data dir."
    )
    iceberg_warehouse: str | None = Field(
        None, description="Where the tables' files go: a folder or any pyarrow filesystem URL (s3://bucket/prefix, "
        "...); empty: iceberg/ in the data dir."
    )
    iceberg_namespace: str = Field("clickstream", description="The catalog namespace (database) of the tables.")
    iceberg_keep_days: int = Field(
        7, gt=0, description="Snapshots older than this many days expire after each publish, with the files only "
        "they used (time travel reaches this far back)."
    )
    iceberg_s3_endpoint: str | None = Field(
        None, description="S3-compatible endpoint of an s3:// warehouse (MinIO, ...); empty: AWS's."
    )
    iceberg_s3_region: str | None = Field(None, description="Region of an s3:// warehouse's bucket.")
    iceberg_s3_access_key_id: str | None = Field(
        None, description="Access key of an s3:// warehouse; empty: the AWS default chain (AWS_* variables, ...)."
    )
    iceberg_s3_secret_access_key: SecretStr | None = Field(
        None, description="Secret key belonging to CLICKSTREAM_ICEBERG_S3_ACCESS_KEY_ID."
    )

    # alerts
    alert_emails: str = Field("", description="Comma-separated recipients of failure emails; empty sends none.")
    alert_from_email: str = Field("clickstream-elt@localhost", description="Sender of the alert and report emails.")
    notify_warnings: bool = Field(False, description="Also email a summary when a gate passes with warnings.")
    report_emails: str = Field("", description="Comma-separated recipients of the daily report email (headline KPIs, "
                               "what changed, the PDF attached), once a day's watchdog passed; empty sends none.")
    report_backfill_email: Literal["digest", "none"] = Field(
        "digest", description="What a backfill's runs email to CLICKSTREAM_REPORT_EMAILS: digest, one email for the "
        "range once its last run is through (not one a day); none, nothing.")
    airflow_base_url: str = Field("http://localhost:8080", description="Base URL of the Airflow UI, for log links.")

    @field_validator("warehouse_dir", "channel_group_file", "source_categories_file", "iceberg_catalog_uri",
                     "iceberg_warehouse", "iceberg_s3_endpoint", "iceberg_s3_region", "iceberg_s3_access_key_id",
                     "iceberg_s3_secret_access_key", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("event_names", "conversion_events", mode="before")
    @classmethod
    def _split_csv(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip().lower() for part in value.split(",") if part.strip())
        return value

    @model_validator(mode="after")
    def _conversions_are_events(self) -> Settings:
        unknown = set(self.conversion_events) - set(self.event_names)
        if unknown:
            raise ValueError(f"CLICKSTREAM_CONVERSION_EVENTS {sorted(unknown)} are not in CLICKSTREAM_EVENT_NAMES")
        return self

    @cached_property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @cached_property
    def quarantine_dir(self) -> Path:
        return self.data_dir / "quarantine"

    @cached_property
    def staging_dir(self) -> Path:
        return self.data_dir / "staging"

    @cached_property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    @cached_property
    def monitoring_dir(self) -> Path:
        return self.data_dir / "monitoring"

    @cached_property
    def gates_dir(self) -> Path:
        """Every gate run's results as JSON (``gate_results`` holds the same rows)."""
        return self.data_dir / "gates"

    @cached_property
    def gx_dir(self) -> Path:
        """The Great Expectations project: both suites, their results and the static Data Docs."""
        return self.data_dir / "gx"

    @cached_property
    def warehouse_path(self) -> Path:
        return (self.warehouse_dir or self.data_dir) / "warehouse.duckdb"

    @cached_property
    def analytics_path(self) -> Path:
        """For BI tools that open a DuckDB file: views over the files of each published table's current snapshot."""
        return self.data_dir / "analytics.duckdb"

    @property
    def iceberg_catalog_url(self) -> str:
        """The catalog's SQLAlchemy URL: the setting, or the SQLite file in the data dir (an absolute path)."""
        return self.iceberg_catalog_uri or f"sqlite:///{(self.data_dir / 'iceberg_catalog.db').resolve()}"

    @property
    def iceberg_warehouse_url(self) -> str:
        """The tables' location: the setting (a URL, or a folder made absolute), or iceberg/ in the data dir."""
        location = self.iceberg_warehouse or str(self.data_dir / "iceberg")
        return location if "://" in location else Path(location).resolve().as_uri()

    @property
    def alert_recipients(self) -> list[str]:
        return _addresses(self.alert_emails)

    @property
    def report_recipients(self) -> list[str]:
        return _addresses(self.report_emails)


def _addresses(comma_separated: str) -> list[str]:
    """The addresses of a comma-separated recipients setting, blanks dropped."""
    return [address.strip() for address in comma_separated.split(",") if address.strip()]


def get_settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit overrides (e.g. ``data_dir`` from a CLI flag)."""
    return Settings(**{key: value for key, value in overrides.items() if value is not None})


def env_value(value: object) -> str:
    """A setting's value as it is written in the environment or ``.env`` (lists comma-separated)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return ", ".join(value)
    return str(value)


# Where a document holds the generated table (README.md: "Configure it"); `make docs` rewrites what is between.
TABLE_START = "<!-- settings table: generated from clickstream/settings.py by `make docs`; do not edit -->"
TABLE_END = "<!-- end of the settings table -->"


def markdown_table() -> str:
    """Every setting as a row of a Markdown table: its variable, its default and what it means."""
    rows = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        default = env_value(field.default)
        meaning = (field.description or "").replace("|", "\\|")
        rows.append(f"| `CLICKSTREAM_{name.upper()}` | {f'`{default}`' if default else '(empty)'} | {meaning} |")
    return "\n".join(rows) + "\n"


def with_markdown_table(text: str) -> str:
    """``text`` with the current table between its ``TABLE_START`` and ``TABLE_END`` lines."""
    start, end = text.find(TABLE_START + "\n"), text.find(TABLE_END)
    if start < 0 or end < start:
        raise ValueError(f"no settings table to replace: the lines {TABLE_START!r} and {TABLE_END!r} mark its place")
    body = start + len(TABLE_START) + 1
    return text[:body] + markdown_table() + text[end:]
