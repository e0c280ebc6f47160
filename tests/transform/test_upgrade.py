"""A warehouse built by the previous release (sessions without source / medium, the old channel rules) takes this
release's columns and channels on its next run, incremental or not, without a manual step."""

from __future__ import annotations

from transform_helpers import at, event, rows

from clickstream.transform import run_transform

SHOP = "https://puffy.com/"


def as_the_previous_release_left_it(con) -> None:
    """sessions as release 0.1.0 made them, its rule table, and a transform run by its fingerprint."""
    con.execute("ALTER TABLE sessions DROP COLUMN source")
    con.execute("ALTER TABLE sessions DROP COLUMN medium")
    con.execute("ALTER TABLE sessions DROP COLUMN campaign")
    con.execute("ALTER TABLE sessions DROP COLUMN source_category")
    con.execute("UPDATE sessions SET channel = 'Paid Search'")  # its reading of facebook / cpc
    con.execute("CREATE OR REPLACE TABLE channel_rules AS SELECT * FROM (VALUES (1, 'Paid Search', 'utm_medium', "
                "'cpc')) AS rules (priority, channel, field, pattern)")
    con.execute("UPDATE transform_runs SET fingerprint = 'the previous release'")


def test_the_next_incremental_run_rebuilds_with_the_new_columns_and_channels(build, con, transform_settings):
    build([event("c1", at(0), url=SHOP + "?utm_source=facebook&utm_medium=cpc")])
    as_the_previous_release_left_it(con)

    summary = run_transform(con, transform_settings, at(0).date())

    assert (summary["mode"], summary["reason"]) == (
        "full", "models, parameters, parser versions or channel group changed since the last run")
    assert rows(con, "SELECT source, medium, campaign, source_category, channel FROM sessions") == [
        ("facebook", "cpc", "(not set)", "SOURCE_CATEGORY_SOCIAL", "Paid Social")]
    assert rows(con, "SELECT count(*), count(DISTINCT channel) FROM channel_rules") == [(34, 18)]
