"""User agents: ua-parser names OS and browser, we derive the device type, and bots are flagged."""

from __future__ import annotations

import pytest
from transform_helpers import at, event, insert, rows

from clickstream.useragents import classify, refresh_user_agents


@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.2 Mobile/15E148 Safari/604.1",
            ("mobile", "iOS", "Mobile Safari", False),
        ),
        (
            "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/16.6 Mobile/15E148 Safari/604.1",
            ("tablet", "iOS", "Mobile Safari", False),
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Mobile Safari/537.36",
            ("mobile", "Android", "Chrome Mobile", False),
        ),
        (
            "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Safari/537.36",
            ("tablet", "Android", "Chrome", False),
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0",
            ("desktop", "Windows", "Edge", False),
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.2 Safari/605.1.15",
            ("desktop", "Mac OS X", "Safari", False),
        ),
        (
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            ("desktop", "Other", "Googlebot", True),
        ),
        ("python-requests/2.31.0", ("desktop", "Other", "Python Requests", True)),
        ("AcmeCrawler/1.0", ("desktop", "Other", "AcmeCrawler", True)),
        ("site-SPIDER", ("desktop", "Other", "site-SPIDER", True)),
    ],
)
def test_classify(agent, expected):
    assert classify(agent) == expected


@pytest.fixture
def everything_in_scope(con):
    con.execute("SET VARIABLE scope_first_partition = DATE '2025-01-01'")
    con.execute("SET VARIABLE scope_last_partition = DATE '2025-12-31'")
    con.execute("CREATE TEMP TABLE scope_clients (client_id VARCHAR)")
    con.execute("CREATE TEMP MACRO in_client_scope(id) AS id IN (SELECT s.client_id FROM scope_clients AS s)")


@pytest.mark.usefixtures("everything_in_scope")
def test_only_agents_not_yet_cached_are_parsed(con):
    insert(con, [event("c1", at(0), user_agent="A/1"), event("c2", at(0), user_agent="B/1")])
    con.execute("CREATE OR REPLACE TEMP TABLE scope_clients AS SELECT DISTINCT client_id FROM raw_events")
    assert refresh_user_agents(con) == {"parsed": 2}
    insert(
        con,
        [
            event("c3", at(0), user_agent="B/1"),
            event("c4", at(0), user_agent="C/1"),
            event("c5", at(0), user_agent=None),
        ],
    )
    con.execute("CREATE OR REPLACE TEMP TABLE scope_clients AS SELECT DISTINCT client_id FROM raw_events")
    assert refresh_user_agents(con) == {"parsed": 1}
    assert rows(con, "SELECT user_agent FROM dim_user_agents ORDER BY 1") == [("A/1",), ("B/1",), ("C/1",)]


@pytest.mark.usefixtures("everything_in_scope")
def test_agents_parsed_by_other_package_versions_are_parsed_again(con):
    insert(con, [event("c1", at(0), user_agent="A/1")])
    con.execute("CREATE OR REPLACE TEMP TABLE scope_clients AS SELECT DISTINCT client_id FROM raw_events")
    refresh_user_agents(con)
    con.execute("UPDATE dim_user_agents SET parser_version = 'ua-parser=0.0', device_type = 'stale'")
    assert refresh_user_agents(con) == {"parsed": 1}
    assert rows(con, "SELECT device_type FROM dim_user_agents") == [("desktop",)]


def test_agents_are_parsed_by_the_native_resolver_of_the_regex_extra():
    import ua_parser
    from ua_parser.regex import Resolver

    assert isinstance(ua_parser.parser.resolver.parser, Resolver)
