"""The channel rules (``sql/staging/channel_rules.sql``) compiled into one SQL macro, ``channel_of``.

A session's channel is its first event's first matching rule, by priority. Matching the rules
as one CASE per session costs less than joining every distinct session key to the rules table
(at 10 M events that join needed its input materialised twice). The rules stay data: the macro
is rebuilt from the table on every transform run.
"""

from __future__ import annotations

import duckdb

# Rule field -> the macro argument it is matched against.
FIELDS = {
    "utm_medium": "utm_medium",
    "gclid": "gclid",
    "utm": "any_utm",
    "referrer_host": "referrer_host",
    "referrer_kind": "referrer_kind",
}


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def channel_case(rules: list[tuple[int, str, str, str]]) -> str:
    """A CASE over the macro's arguments: rules in (priority, channel, field, pattern) order, NULL if none match."""
    branches = []
    for priority, channel, field, pattern in sorted(rules):
        if field not in FIELDS:
            raise ValueError(f"channel rule ({priority}, {channel!r}, {field!r}, {pattern!r}): field must be one of "
                             f"{', '.join(FIELDS)}")
        branches.append(f"when {FIELDS[field]} glob {_literal(pattern)} then {_literal(channel)}")
    return "case " + " ".join(branches) + " end" if branches else "null"


def create_channel_macro(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Create the temp macro ``channel_of(utm_medium, gclid, any_utm, referrer_host, referrer_kind)``."""
    rules = con.execute("SELECT priority, channel, field, pattern FROM channel_rules").fetchall()
    con.execute(f"CREATE OR REPLACE TEMP MACRO channel_of(utm_medium, gclid, any_utm, referrer_host, referrer_kind) "
                f"AS {channel_case(rules)}")
    return {"rules": len(rules)}
