"""Device type, OS, browser and bot flag per distinct user agent, cached in ``dim_user_agents``.

ua-parser runs its rules through ua-parser-rs (its ``regex`` extra: the same rules, native; 15 us an agent
against 440 us for the pure-Python resolver). Still, an agent is parsed once: only agents not yet in the
table (or parsed by other package versions) are parsed here, and ``stg_events`` joins the result in SQL.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.metadata import version

import duckdb

from clickstream.warehouse import bound_rows

BOT_WORDS = re.compile(r"bot|crawler|spider", re.IGNORECASE)
MOBILE_OS = frozenset({"iOS", "Android", "Windows Phone", "BlackBerry OS", "KaiOS", "Firefox OS", "Symbian OS"})
MOBILE_DEVICES = frozenset({"iPhone", "iPod", "Generic Smartphone"})
TABLET_WORDS = ("ipad", "tablet", "kindle", "silk/", "playbook")
# Bump when classify() changes: agents parsed under another version are parsed again.
CLASSIFIER_VERSION = "1"
COLUMNS = ("user_agent", "device_type", "os", "browser", "is_bot", "parser_version")
COLUMN_TYPES = ("VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "BOOLEAN", "VARCHAR")

CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS dim_user_agents (
    user_agent     VARCHAR PRIMARY KEY,
    device_type    VARCHAR NOT NULL,  -- mobile | tablet | desktop
    os             VARCHAR NOT NULL,  -- ua-parser OS family, 'Other' when unknown
    browser        VARCHAR NOT NULL,  -- ua-parser browser family, 'Other' when unknown
    is_bot         BOOLEAN NOT NULL,
    parser_version VARCHAR NOT NULL
)
"""


@cache
def parser_version() -> str:
    """Versions of everything that decides a classification (once per process); a change invalidates the cache."""
    packages = ("ua-parser", "ua-parser-builtins", "ua-parser-rs", "crawler-user-agents")
    return ";".join([f"classifier={CLASSIFIER_VERSION}", *(f"{name}={version(name)}" for name in packages)])


def device_type(user_agent: str, os_family: str, device_family: str) -> str:
    """mobile, tablet or desktop; ua-parser names devices but does not say which kind they are.

    Android tablets are told apart by the missing ``Mobile`` token (Google's documented convention);
    iPadOS 13+ sends a Mac agent and so counts as desktop, as in every UA-based classifier.
    """
    lowered = user_agent.lower()
    if device_family == "iPad" or "tablet" in device_family.lower() or any(w in lowered for w in TABLET_WORDS):
        return "tablet"
    if os_family == "Android" and "mobile" not in lowered:
        return "tablet"
    if "mobi" in lowered or os_family in MOBILE_OS or device_family in MOBILE_DEVICES:
        return "mobile"
    return "desktop"


def is_bot(user_agent: str) -> bool:
    """A known crawler (crawler-user-agents patterns, case-sensitive as published) or a bot word."""
    import crawleruseragents

    return bool(BOT_WORDS.search(user_agent)) or crawleruseragents.is_crawler(user_agent)


def classify(user_agent: str) -> tuple[str, str, str, bool]:
    """(device_type, os, browser, is_bot) of one agent."""
    import ua_parser

    result = ua_parser.parse(user_agent)
    os_family = result.os.family if result.os else "Other"
    browser = result.user_agent.family if result.user_agent else "Other"
    device_family = result.device.family if result.device else "Other"
    return device_type(user_agent, os_family, device_family), os_family, browser, is_bot(user_agent)


def refresh_user_agents(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Parse the agents not yet cached of in-scope events; return how many (``parsed``).

    In scope: clients for which the transform's ``in_client_scope()`` macro holds, partitions between the variables
    ``scope_first_partition`` and ``scope_last_partition`` (set by the transform's scope script).
    """
    con.execute(CREATE_TABLE)
    current = parser_version()
    con.execute("DELETE FROM dim_user_agents WHERE parser_version <> ?", [current])
    agents = [
        row[0]
        for row in con.execute(
            """
            SELECT DISTINCT user_agent FROM raw_events
            WHERE user_agent IS NOT NULL
              AND in_client_scope(client_id)
              AND partition_date BETWEEN getvariable('scope_first_partition') AND getvariable('scope_last_partition')
              AND user_agent NOT IN (SELECT user_agent FROM dim_user_agents)
            """
        ).fetchall()
    ]
    if not agents:
        return {"parsed": 0}
    rows = [(agent, *classify(agent), current) for agent in agents]
    select, values = bound_rows(dict(zip(COLUMNS, COLUMN_TYPES, strict=True)), rows)
    con.execute(f"INSERT INTO dim_user_agents BY NAME {select}", values)
    return {"parsed": len(rows)}
