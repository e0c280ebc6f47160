"""The channel group's files: checked with errors naming file and line, compiled into channel_of, replaceable by a
shop's own source categories and custom channel group."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from transform_helpers import at, event, rows

from clickstream.channel_group import (
    GA4_CHANNEL_GROUP,
    GOOGLE_SOURCE_CATEGORIES,
    SEEDS_DIR,
    ChannelGroupError,
    Condition,
    channel_case,
    create_channel_macro,
    read_channel_rules,
    read_source_categories,
)
from clickstream.errors import DataError
from clickstream.settings import Settings
from clickstream.transform import fingerprint, run_transform

SHOP = "https://puffy.com/"
RULES_HEADER = "priority,channel,rule,field,match_type,value\n"


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def channel_of(conditions: list[Condition], source="", medium="", campaign="", source_category="") -> str | None:
    """The channel the macro compiled from these conditions gives (the transform's path: channel_rules, then
    create_channel_macro)."""
    with duckdb.connect() as con:
        con.execute("CREATE TABLE channel_rules (priority INTEGER, channel VARCHAR, rule INTEGER, field VARCHAR, "
                    "match_type VARCHAR, value VARCHAR)")
        con.executemany("INSERT INTO channel_rules VALUES (?, ?, ?, ?, ?, ?)",
                        [(c.priority, c.channel, c.rule, c.field, c.match_type, c.value) for c in conditions])
        create_channel_macro(con)
        return con.execute("SELECT channel_of(?, ?, ?, ?)", [source, medium, campaign, source_category]).fetchone()[0]


def test_googles_list_has_its_819_sources_in_four_categories():
    categories = dict(read_source_categories(GOOGLE_SOURCE_CATEGORIES))
    assert len(categories) == 819
    assert sorted(set(categories.values())) == ["SOURCE_CATEGORY_SEARCH", "SOURCE_CATEGORY_SHOPPING",
                                                "SOURCE_CATEGORY_SOCIAL", "SOURCE_CATEGORY_VIDEO"]
    assert categories["google shopping"] == "SOURCE_CATEGORY_SHOPPING"  # read lower-cased


def test_conditions_of_one_rule_must_all_hold():
    rule = [Condition(1, "Paid Social", 1, "source_category", "EXACT", "SOURCE_CATEGORY_SOCIAL"),
            Condition(1, "Paid Social", 1, "medium", "EXACT", "cpc")]
    assert channel_of(rule, medium="cpc", source_category="SOURCE_CATEGORY_SOCIAL") == "Paid Social"
    assert channel_of(rule, medium="cpc") is None


def test_any_rule_of_a_channel_is_enough():
    rules = [Condition(1, "SMS", 1, "source", "EXACT", "sms"), Condition(1, "SMS", 2, "medium", "EXACT", "sms")]
    assert channel_of(rules, source="sms") == channel_of(rules, medium="sms") == "SMS"


def test_the_lowest_priority_wins_whatever_the_file_order():
    rules = [Condition(2, "Anything", 1, "medium", "FULL_REGEXP", ".*"), Condition(1, "Email", 1, "medium", "EXACT",
                                                                                  "email")]
    assert channel_of(rules, medium="email") == "Email"
    assert channel_of(rules, medium="cpc") == "Anything"


@pytest.mark.parametrize(("match_type", "value", "matching", "not_matching"), [
    ("EXACT", "Email", "email", "emails"),
    ("BEGINS_WITH", "paid", "paid_social", "unpaid"),
    ("ENDS_WITH", "push", "web-push", "push-web"),
    ("CONTAINS", "mobile", "in-mobile-app", "mobil"),
    ("FULL_REGEXP", "e-?mail", "E-Mail", "e-mails"),
    ("PARTIAL_REGEXP", "^news", "newsletter", "the-news"),
    ("IN_LIST", "app|Link", "link", "links"),
])
def test_ga4s_match_types_ignore_case(match_type, value, matching, not_matching):
    rule = [Condition(1, "Hit", 1, "medium", match_type, value)]
    assert channel_of(rule, medium=matching.upper()) == channel_of(rule, medium=matching) == "Hit"
    assert channel_of(rule, medium=not_matching) is None


def test_no_rules_give_no_channel():
    assert channel_case([]) == "NULL"


def test_quotes_stay_literal():
    rule = [Condition(1, "O'Brien's", 1, "source", "EXACT", "o'reilly")]
    assert channel_of(rule, source="o'reilly") == "O'Brien's"


@pytest.mark.parametrize(("line", "message"), [
    ("1,Email,1,medim,EXACT,email", r"line 2: field 'medim' is not one of source, medium, campaign, source_category"),
    ("1,Email,1,medium,EQUALS,email", r"line 2: match_type 'EQUALS' is not one of EXACT, BEGINS_WITH"),
    ("1,Email,1,medium,FULL_REGEXP,(email", r"line 2: '\(email' is not a valid regular expression"),
    ("0,Email,1,medium,EXACT,email", r"line 2: priority '0' is not a whole number of 1 or more"),
    ("1,Email,one,medium,EXACT,email", r"line 2: rule 'one' is not a whole number of 1 or more"),
    ("1,,1,medium,EXACT,email", r"line 2: the channel is empty"),
    ("1,Email,1,medium,EXACT,", r"line 2: the value is empty"),
    ("1,Email,1,medium,EXACT", r"line 2: 5 fields where the header has 6"),
])
def test_a_bad_rule_is_an_error_naming_file_and_line(tmp_path, line, message):
    path = write(tmp_path / "rules.csv", RULES_HEADER + line + "\n")
    with pytest.raises(ChannelGroupError, match=rf"rules\.csv {message}"):
        read_channel_rules(path)


def test_one_priority_is_one_channel(tmp_path):
    path = write(tmp_path / "rules.csv", RULES_HEADER + "1,Email,1,medium,EXACT,email\n1,SMS,2,medium,EXACT,sms\n")
    with pytest.raises(ChannelGroupError, match="line 3: priority 1 is channel 'Email' on line 2, not 'SMS'"):
        read_channel_rules(path)


def test_a_rule_file_needs_its_header_and_a_rule(tmp_path):
    with pytest.raises(ChannelGroupError, match="the header must be priority,channel,rule,field,match_type,value"):
        read_channel_rules(write(tmp_path / "rules.csv", "channel,medium\nEmail,email\n"))
    with pytest.raises(ChannelGroupError, match="no channel rules"):
        read_channel_rules(write(tmp_path / "rules.csv", RULES_HEADER))


@pytest.mark.parametrize(("text", "message"), [
    ("source,source_category\nx.com,SOCIAL\n", "line 2: source_category 'SOCIAL' is not one of SOURCE_CATEGORY_SEARCH"),
    ("source,source_category\n,SOURCE_CATEGORY_SOCIAL\n", "line 2: the source is empty"),
    ("source,source_category\nX.com,SOURCE_CATEGORY_SOCIAL\nx.com,SOURCE_CATEGORY_SEARCH\n",
     "line 3: source 'x.com' is listed already on line 2"),
    ("host,category\nx.com,SOURCE_CATEGORY_SOCIAL\n", "the header must be source,source_category"),
])
def test_a_bad_source_category_is_an_error_naming_file_and_line(tmp_path, text, message):
    with pytest.raises(ChannelGroupError, match=message):
        read_source_categories(write(tmp_path / "mine.csv", text))


def test_a_bad_file_stops_the_transform_as_bad_input_leaving_the_tables(con, tmp_path):
    rules = write(tmp_path / "rules.csv", RULES_HEADER + "1,Email,1,medium,EXACT,email\n")
    run_transform(con, Settings(data_dir=tmp_path, channel_group_file=rules), None)
    write(rules, RULES_HEADER + "1,Email,1,medium,CONTAINZ,email\n")
    with pytest.raises(DataError, match="rules.csv line 2: match_type 'CONTAINZ'"):
        run_transform(con, Settings(data_dir=tmp_path, channel_group_file=rules), None)
    assert rows(con, "SELECT match_type FROM channel_rules") == [("EXACT",)]


def test_a_missing_file_is_an_error_naming_it(tmp_path):
    with pytest.raises(ChannelGroupError, match="nowhere.csv: cannot be read"):
        fingerprint(Settings(data_dir=tmp_path, source_categories_file=tmp_path / "nowhere.csv"))


def test_the_shops_sources_add_to_and_override_googles(build, tmp_path):
    mine = write(tmp_path / "sources.csv", "source,source_category\nx.com,SOURCE_CATEGORY_SOCIAL\n"
                                           "Rakuten,SOURCE_CATEGORY_SHOPPING\n")
    con = build([event("c1", at(0), url=SHOP, referrer="https://x.com/"),
                 event("c2", at(0), url=SHOP + "?utm_source=rakuten&utm_medium=affiliate", referrer=None),
                 event("c3", at(0), url=SHOP, referrer="https://www.google.com/")],
                Settings(data_dir=tmp_path, source_categories_file=mine))
    assert rows(con, "SELECT client_id, source_category, channel FROM sessions ORDER BY client_id") == [
        ("c1", "SOURCE_CATEGORY_SOCIAL", "Organic Social"),  # Referral by Google's list alone
        ("c2", "SOURCE_CATEGORY_SHOPPING", "Organic Shopping"),  # Organic Search by Google's list alone
        ("c3", "SOURCE_CATEGORY_SEARCH", "Organic Search"),
    ]
    assert rows(con, "SELECT origin, count(*) FROM stg_source_categories GROUP BY ALL ORDER BY ALL") == [
        ("google", 818), ("shop", 2)]


def test_a_custom_channel_group_replaces_googles(build, tmp_path):
    rules = write(tmp_path / "rules.csv", RULES_HEADER + "1,AI Assistants,1,source,PARTIAL_REGEXP,chatgpt|perplexity\n"
                                                         "2,Everything else,1,medium,FULL_REGEXP,.*\n")
    con = build([event("c1", at(0), url=SHOP, referrer="https://chatgpt.com/"),
                 event("c2", at(0), url=SHOP + "?utm_source=google&utm_medium=cpc")],
                Settings(data_dir=tmp_path, channel_group_file=rules))
    assert rows(con, "SELECT client_id, channel FROM sessions ORDER BY client_id") == [
        ("c1", "AI Assistants"), ("c2", "Everything else")]


def test_a_changed_channel_group_file_changes_the_fingerprint(tmp_path):
    rules = write(tmp_path / "rules.csv", RULES_HEADER + "1,Email,1,medium,EXACT,email\n")
    settings = Settings(data_dir=tmp_path, channel_group_file=rules)
    before = fingerprint(settings)
    write(rules, RULES_HEADER + "1,Email,1,medium,EXACT,e-mail\n")
    assert fingerprint(settings) != before != fingerprint(Settings(data_dir=tmp_path))


def test_the_docs_example_adds_a_channel_between_two_of_googles(build, tmp_path):
    docs = (Path(__file__).resolve().parents[2] / "docs" / "pipeline.md").read_text()
    line = next(line.strip() for line in docs.splitlines() if line.strip().startswith("125,AI Assistants,"))
    rules = write(tmp_path / "rules.csv", GA4_CHANNEL_GROUP.read_text() + line + "\n")
    con = build([event("c1", at(0), url=SHOP, referrer="https://chatgpt.com/"),
                 event("c2", at(0), url=SHOP, referrer="https://www.sleepfoundation.org/"),
                 event("c3", at(0), url=SHOP, referrer="https://l.facebook.com/")],
                Settings(data_dir=tmp_path, channel_group_file=rules))
    assert rows(con, "SELECT client_id, channel FROM sessions ORDER BY client_id") == [
        ("c1", "AI Assistants"), ("c2", "Referral"), ("c3", "Organic Social")]


def test_the_example_of_a_shops_sources_is_a_valid_file():
    assert dict(read_source_categories(SEEDS_DIR / "shop_source_categories.example.csv"))["x.com"] == (
        "SOURCE_CATEGORY_SOCIAL")
