"""GA4's default channel group as data: Google's source categories and the channel rules, checked and compiled.

A session's channel is found in two steps, as in GA4: ``sql/marts/sessions.sql`` derives its source, medium and
campaign, then the first channel (by priority) whose rules they match is its channel. Both inputs are CSV files:

- source categories (``source,source_category``): Google's list (``sql/seeds/ga4_source_categories.csv``, see the
  seeds' README for its provenance), plus the shop's own file (``CLICKSTREAM_SOURCE_CATEGORIES_FILE``), whose rows
  add sources or override a source's category;
- channel rules (``priority,channel,rule,field,match_type,value``): GA4's default channel group
  (``sql/seeds/ga4_default_channel_group.csv``) unless ``CLICKSTREAM_CHANNEL_GROUP_FILE`` names a custom one.
  Conditions of one (priority, rule) must all hold; a channel matches when any of its rules does. Match types
  are those of GA4's Admin API channel-group filters, compared case-insensitively as GA4 does.

The files are read and checked once per transform (a bad row is an error naming its file and line) into the temp
tables the staging models read (``stg_source_categories``, ``channel_rules``), and the rules are compiled into one
CASE, the macro ``channel_of``, which ``stg_traffic_channels`` applies once per distinct source / medium / campaign.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb

from clickstream.errors import DataError
from clickstream.settings import Settings
from clickstream.warehouse import SQL_DIR, bound_rows

SEEDS_DIR = SQL_DIR / "seeds"
GOOGLE_SOURCE_CATEGORIES = SEEDS_DIR / "ga4_source_categories.csv"
GA4_CHANNEL_GROUP = SEEDS_DIR / "ga4_default_channel_group.csv"

SOURCE_CATEGORY_COLUMNS = ("source", "source_category")
SOURCE_CATEGORIES = ("SOURCE_CATEGORY_SEARCH", "SOURCE_CATEGORY_SOCIAL", "SOURCE_CATEGORY_SHOPPING",
                     "SOURCE_CATEGORY_VIDEO")
RULE_COLUMNS = ("priority", "channel", "rule", "field", "match_type", "value")
# Rule field -> the argument of channel_of it is matched against.
FIELDS = ("source", "medium", "campaign", "source_category")
IN_LIST_SEPARATOR = "|"


class ChannelGroupError(DataError):
    """A source-category or channel-rule file that cannot be used as it is; the message names its file and line."""


@dataclass(frozen=True)
class Condition:
    """One condition of a channel rule: ``field`` matched against ``value`` by ``match_type``."""

    priority: int
    channel: str
    rule: int
    field: str
    match_type: str
    value: str


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# GA4 match type -> a DuckDB condition over a lower-cased argument and the lower-cased value (regexes: 'i').
MATCH_TYPES = {
    "EXACT": lambda arg, value: f"{arg} = {_literal(value)}",
    "BEGINS_WITH": lambda arg, value: f"starts_with({arg}, {_literal(value)})",
    "ENDS_WITH": lambda arg, value: f"ends_with({arg}, {_literal(value)})",
    "CONTAINS": lambda arg, value: f"contains({arg}, {_literal(value)})",
    "FULL_REGEXP": lambda arg, value: f"regexp_full_match({arg}, {_literal(value)}, 'i')",
    "PARTIAL_REGEXP": lambda arg, value: f"regexp_matches({arg}, {_literal(value)}, 'i')",
    "IN_LIST": lambda arg, value: f"{arg} IN ({', '.join(_literal(v) for v in value.split(IN_LIST_SEPARATOR))})",
}
_REGEX_TYPES = ("FULL_REGEXP", "PARTIAL_REGEXP")


def _read_csv(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """Rows of a small CSV file as (line number, values), its header checked against ``columns``."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = [cell.strip() for cell in next(reader, [])]
            if tuple(header) != columns:
                raise ChannelGroupError(f"{path}: the header must be {','.join(columns)} (found {','.join(header)})")
            rows = []
            for cells in reader:
                if not any(cell.strip() for cell in cells):
                    continue
                if len(cells) != len(columns):
                    raise ChannelGroupError(f"{path} line {reader.line_num}: {len(cells)} fields where the header "
                                            f"has {len(columns)}")
                rows.append((reader.line_num, dict(zip(columns, (cell.strip() for cell in cells), strict=True))))
            return rows
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ChannelGroupError(f"{path}: cannot be read as a UTF-8 CSV file ({error})") from error


def read_source_categories(path: Path) -> list[tuple[str, str]]:
    """(source lower-cased, category) of a source-category file, each source once."""
    seen: dict[str, int] = {}
    result = []
    for line, row in _read_csv(path, SOURCE_CATEGORY_COLUMNS):
        source, category = row["source"].lower(), row["source_category"]
        if not source:
            raise ChannelGroupError(f"{path} line {line}: the source is empty")
        if category not in SOURCE_CATEGORIES:
            raise ChannelGroupError(f"{path} line {line}: source_category {category!r} is not one of "
                                    f"{', '.join(SOURCE_CATEGORIES)}")
        if source in seen:
            raise ChannelGroupError(f"{path} line {line}: source {source!r} is listed already on line {seen[source]}")
        seen[source] = line
        result.append((source, category))
    return result


def _positive(path: Path, line: int, name: str, text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise ChannelGroupError(f"{path} line {line}: {name} {text!r} is not a whole number of 1 or more")
    return number


def read_channel_rules(path: Path, con: duckdb.DuckDBPyConnection | None = None) -> list[Condition]:
    """The conditions of a channel-rule file, checked: known fields and match types, valid regexes (by DuckDB, on
    ``con`` or a connection of its own), and one channel per priority."""
    if con is None:
        with duckdb.connect() as own:
            return read_channel_rules(path, own)
    conditions = []
    channel_at: dict[int, tuple[str, int]] = {}
    for line, row in _read_csv(path, RULE_COLUMNS):
        priority = _positive(path, line, "priority", row["priority"])
        rule = _positive(path, line, "rule", row["rule"])
        channel, field, match_type, value = row["channel"], row["field"], row["match_type"].upper(), row["value"]
        if not channel:
            raise ChannelGroupError(f"{path} line {line}: the channel is empty")
        if priority in channel_at and channel_at[priority][0] != channel:
            named, where = channel_at[priority]
            raise ChannelGroupError(f"{path} line {line}: priority {priority} is channel {named!r} on line {where}, "
                                    f"not {channel!r}")
        channel_at.setdefault(priority, (channel, line))
        if field not in FIELDS:
            raise ChannelGroupError(f"{path} line {line}: field {field!r} is not one of {', '.join(FIELDS)}")
        if match_type not in MATCH_TYPES:
            raise ChannelGroupError(f"{path} line {line}: match_type {row['match_type']!r} is not one of "
                                    f"{', '.join(MATCH_TYPES)}")
        if not value:
            raise ChannelGroupError(f"{path} line {line}: the value is empty")
        if match_type in _REGEX_TYPES:
            try:  # DuckDB's own regex engine (RE2) decides what is valid
                con.execute("SELECT regexp_matches('', ?)", [value]).fetchall()
            except duckdb.Error as error:
                raise ChannelGroupError(f"{path} line {line}: {value!r} is not a valid regular expression "
                                        f"({error})") from error
        conditions.append(Condition(priority, channel, rule, field, match_type, value))
    if not conditions:
        raise ChannelGroupError(f"{path}: no channel rules")
    return conditions


def channel_case(conditions: list[Condition]) -> str:
    """A CASE over channel_of's arguments, lower-cased by the caller: channels by priority, each matching when any
    of its rules' conditions all hold; NULL when none matches."""
    rules: dict[int, dict[int, list[Condition]]] = {}
    for condition in conditions:
        rules.setdefault(condition.priority, {}).setdefault(condition.rule, []).append(condition)
    branches = []
    for priority in sorted(rules):
        channel = rules[priority][min(rules[priority])][0].channel
        alternatives = [
            "(" + " AND ".join(MATCH_TYPES[c.match_type](f"coalesce({c.field}, '')",
                                                         c.value if c.match_type in _REGEX_TYPES else c.value.lower())
                               for c in rules[priority][rule]) + ")"
            for rule in sorted(rules[priority])
        ]
        branches.append(f"WHEN {' OR '.join(alternatives)} THEN {_literal(channel)}")
    return "CASE " + " ".join(branches) + " END" if branches else "NULL"


def channel_rules_file(settings: Settings) -> Path:
    """The channel group in use: the shop's custom one, else GA4's default."""
    return settings.channel_group_file or GA4_CHANNEL_GROUP


def reference_files(settings: Settings) -> list[Path]:
    """Every file the channels depend on, in the order they are applied."""
    files = [GOOGLE_SOURCE_CATEGORIES]
    if settings.source_categories_file:
        files.append(settings.source_categories_file)
    return [*files, channel_rules_file(settings)]


def reference_digest(settings: Settings) -> str:
    """sha256 over the contents of ``reference_files``: a changed list or rule rebuilds every table."""
    digest = hashlib.sha256()
    for path in reference_files(settings):
        try:
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        except OSError as error:
            raise ChannelGroupError(f"{path}: cannot be read ({error.strerror})") from error
    return digest.hexdigest()


def _create_temp_table(con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, str], rows: list[tuple]) -> None:
    """Temp table ``name`` of these typed columns holding ``rows``, in one statement."""
    select, values = bound_rows(columns, rows)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {select}", values)


def create_seed_source_categories(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, int]:
    """Temp table ``seed_source_categories(source, source_category, origin)``: Google's rows, then the shop's."""
    rows = [(source, category, "google") for source, category in read_source_categories(GOOGLE_SOURCE_CATEGORIES)]
    shop = read_source_categories(settings.source_categories_file) if settings.source_categories_file else []
    rows += [(source, category, "shop") for source, category in shop]
    _create_temp_table(con, "seed_source_categories",
                       {"source": "VARCHAR", "source_category": "VARCHAR", "origin": "VARCHAR"}, rows)
    return {"google_sources": len(rows) - len(shop), "shop_sources": len(shop)}


def create_seed_channel_rules(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, int]:
    """Temp table ``seed_channel_rules``: the conditions of the channel group in use."""
    conditions = read_channel_rules(channel_rules_file(settings), con)
    _create_temp_table(con, "seed_channel_rules", {"priority": "INTEGER", "channel": "VARCHAR", "rule": "INTEGER",
                                                   "field": "VARCHAR", "match_type": "VARCHAR", "value": "VARCHAR"},
                       [(c.priority, c.channel, c.rule, c.field, c.match_type, c.value) for c in conditions])
    return {"conditions": len(conditions)}


def create_channel_macro(con: duckdb.DuckDBPyConnection, settings: Settings | None = None) -> dict[str, int]:
    """The temp macro ``channel_of(source, medium, campaign, source_category)`` from the ``channel_rules`` table."""
    rows = con.execute(f"SELECT {', '.join(RULE_COLUMNS)} FROM channel_rules").fetchall()
    conditions = [Condition(*row) for row in rows]
    arguments = ", ".join(FIELDS)
    lowered = ", ".join(f"lower({field})" for field in FIELDS)
    con.execute(f"CREATE OR REPLACE TEMP MACRO channel_rules_case({arguments}) AS {channel_case(conditions)}")
    con.execute(f"CREATE OR REPLACE TEMP MACRO channel_of({arguments}) AS channel_rules_case({lowered})")
    return {"conditions": len(conditions)}
