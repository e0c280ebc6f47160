"""Settings: one class, CLICKSTREAM_* variables, every one documented in .env.example."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from clickstream.settings import TABLE_END, TABLE_START, Settings, get_settings, markdown_table, with_markdown_table

ENV_EXAMPLE = Path(__file__).resolve().parents[1] / ".env.example"


def test_defaults_match_the_design():
    settings = Settings(_env_file=None)
    assert (settings.data_dir, settings.schedule, settings.max_quarantine_rate) == (Path("data"), "30 2 * * *", 0.05)
    assert settings.warehouse_path == Path("data/warehouse.duckdb")
    assert (settings.warehouse_dir, settings.warehouse_queue) == (None, "warehouse")


def test_the_warehouse_follows_the_data_dir_unless_it_has_a_dir_of_its_own(monkeypatch):
    assert get_settings(data_dir=Path("/srv/shared")).warehouse_path == Path("/srv/shared/warehouse.duckdb")
    monkeypatch.setenv("CLICKSTREAM_WAREHOUSE_DIR", "/srv/duckdb")
    settings = get_settings(data_dir=Path("/srv/shared"))
    assert (settings.warehouse_path, settings.raw_dir) == (Path("/srv/duckdb/warehouse.duckdb"),
                                                           Path("/srv/shared/raw"))


def test_an_empty_warehouse_dir_or_queue_in_the_environment(monkeypatch):
    monkeypatch.setenv("CLICKSTREAM_WAREHOUSE_DIR", "")
    assert Settings(_env_file=None).warehouse_dir is None  # as .env.example writes it: the data dir
    monkeypatch.setenv("CLICKSTREAM_WAREHOUSE_QUEUE", "")
    with pytest.raises(ValidationError, match="warehouse_queue"):
        Settings(_env_file=None)


COMPOSE_ONLY = {"HOST_DATA_DIR", "HOST_WAREHOUSE_DIR"}  # read by docker-compose.yaml, not by the pipeline


def test_every_setting_is_documented_in_env_example():
    documented = set(re.findall(r"^CLICKSTREAM_([A-Z0-9_]+)=", ENV_EXAMPLE.read_text(), re.MULTILINE))
    assert documented - COMPOSE_ONLY == {name.upper() for name in Settings.model_fields}


def test_env_example_values_are_the_defaults(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(ENV_EXAMPLE.read_text())
    assert Settings(_env_file=".env") == Settings(_env_file=None)


def test_a_dot_env_file_is_read(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("CLICKSTREAM_MAX_QUARANTINE_RATE=0.2\n")
    assert Settings(_env_file=".env").max_quarantine_rate == 0.2


def test_variables_override_defaults(monkeypatch):
    monkeypatch.setenv("CLICKSTREAM_MAX_QUARANTINE_RATE", "0.1")
    monkeypatch.setenv("CLICKSTREAM_EVENT_NAMES", "page_viewed, Purchase")
    monkeypatch.setenv("CLICKSTREAM_CONVERSION_EVENTS", "purchase")
    monkeypatch.setenv("CLICKSTREAM_ALERT_EMAILS", "a@example.com, b@example.com")
    settings = Settings(_env_file=None)
    assert settings.max_quarantine_rate == 0.1
    assert settings.event_names == ("page_viewed", "purchase")
    assert settings.alert_recipients == ["a@example.com", "b@example.com"]


def test_a_conversion_that_is_not_an_event_name_is_refused(monkeypatch):
    monkeypatch.setenv("CLICKSTREAM_EVENT_NAMES", "page_viewed")
    with pytest.raises(ValidationError, match="not in CLICKSTREAM_EVENT_NAMES"):
        Settings(_env_file=None)


def test_an_out_of_range_rate_is_refused(monkeypatch):
    monkeypatch.setenv("CLICKSTREAM_MAX_QUARANTINE_RATE", "1.5")
    with pytest.raises(ValidationError, match="max_quarantine_rate"):
        Settings(_env_file=None)


# --- the README's table ----------------------------------------------------------------------------------------

README = ENV_EXAMPLE.with_name("README.md")


def test_the_table_has_one_row_per_setting_with_its_default_as_written_in_the_environment():
    rows = markdown_table().splitlines()
    assert rows[:2] == ["| variable | default | meaning |", "| --- | --- | --- |"]
    assert len(rows) == 2 + len(Settings.model_fields)
    assert rows[2] == ("| `CLICKSTREAM_DATA_DIR` | `data` | Holds raw/, staging/, quarantine/, reports/, "
                       "warehouse.duckdb unless CLICKSTREAM_WAREHOUSE_DIR says otherwise, and by default the "
                       "published Iceberg tables (iceberg/, iceberg_catalog.db) and analytics.duckdb (views over "
                       "them). |")
    assert rows[3].startswith("| `CLICKSTREAM_WAREHOUSE_DIR` | (empty) | Holds warehouse.duckdb")
    assert "| `CLICKSTREAM_CONVERSION_EVENTS` | `checkout_completed, purchase` |" in markdown_table()
    assert "| `CLICKSTREAM_ALERT_EMAILS` | (empty) |" in markdown_table()
    assert "| `CLICKSTREAM_NOTIFY_WARNINGS` | `false` |" in markdown_table()


def test_the_readme_holds_the_table_the_settings_give():
    text = README.read_text()
    assert with_markdown_table(text) == text, "README.md's settings table is out of date: run `make docs`"


def test_writing_the_table_replaces_only_what_is_between_the_markers():
    text = f"# Configure\n\n{TABLE_START}\n| old | table |\n{TABLE_END}\n\nAfter.\n"
    assert with_markdown_table(text) == f"# Configure\n\n{TABLE_START}\n{markdown_table()}{TABLE_END}\n\nAfter.\n"


def test_a_document_without_the_markers_is_refused():
    with pytest.raises(ValueError, match="no settings table to replace"):
        with_markdown_table("# Configure\n\n| old | table |\n")
