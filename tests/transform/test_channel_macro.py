"""channel_of: the channel rules table compiled into one CASE, first match by priority."""

from __future__ import annotations

import duckdb
import pytest

from clickstream.channels import channel_case, create_channel_macro


def channel(rules, utm_medium=None, gclid=None, any_utm=None, referrer_host=None, referrer_kind=None):
    with duckdb.connect() as con:
        con.execute("CREATE TABLE channel_rules (priority INTEGER, channel VARCHAR, field VARCHAR, pattern VARCHAR)")
        for rule in rules:
            con.execute("INSERT INTO channel_rules VALUES (?, ?, ?, ?)", rule)
        create_channel_macro(con)
        return con.execute("SELECT channel_of(?, ?, ?, ?, ?)",
                           [utm_medium, gclid, any_utm, referrer_host, referrer_kind]).fetchone()[0]


def test_the_lowest_priority_matching_rule_wins_whatever_the_table_order():
    rules = [(2, "Anything", "utm_medium", "*"), (1, "Paid Search", "utm_medium", "cpc")]
    assert channel(rules, utm_medium="cpc") == "Paid Search"
    assert channel(rules, utm_medium="email") == "Anything"


def test_a_missing_field_matches_no_rule():
    assert channel([(1, "Paid Search", "gclid", "*")], gclid=None) is None


def test_quotes_in_patterns_and_channels_stay_literal():
    assert channel([(1, "O'Brien's", "referrer_host", "o'reilly.*")], referrer_host="o'reilly.com") == "O'Brien's"


def test_a_rule_on_an_unknown_field_is_an_error_naming_the_rule():
    with pytest.raises(ValueError, match=r"\(3, 'Email', 'utm_mediun', 'email'\): field must be one of"):
        channel_case([(3, "Email", "utm_mediun", "email")])


def test_no_rules_give_no_channel():
    assert channel([]) is None
