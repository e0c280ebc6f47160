"""The two Great Expectations suites, defined in one place: ``quarantine`` and ``watchdog``.

Each is a list of ``Check`` built from the settings, so thresholds live in the settings
and the suites stay versioned with the code.
"""

from __future__ import annotations

from clickstream.gates import CRITICAL, WARNING, Check
from clickstream.settings import Settings

QUARANTINE = "quarantine"
WATCHDOG = "watchdog"


def quarantine_suite(settings: Settings) -> list[Check]:
    """Checks over one partition's rows, one batch row per raw row, flags as columns."""
    rate = settings.max_quarantine_rate
    return [
        Check("required_columns", CRITICAL, "ExpectColumnValuesToBeInSet",
              {"column": "file_has_required_columns", "value_set": [True]},
              "every file has client_id, page_url, timestamp, event_name",
              "Rows of files missing a required column (such files are rejected whole)."),
        Check("rows_present", CRITICAL, "ExpectTableRowCountToBeBetween", {"min_value": 1},
              ">= 1 row", "The partition's files hold at least one row."),
        Check("quarantine_rate", CRITICAL, "ExpectColumnMeanToBeBetween",
              {"column": "quarantined", "min_value": 0, "max_value": rate},
              f"<= {rate:g}", "Share of rows that failed the event contract."),
        Check("valid_rows_present", CRITICAL, "ExpectColumnMinToBeBetween",
              {"column": "quarantined", "max_value": 0},
              "min(quarantined) = 0, i.e. >= 1 valid row", "At least one row passed the contract."),
        Check("null_referrer_rate", WARNING, "ExpectColumnMeanToBeBetween",
              {"column": "referrer_missing", "max_value": settings.max_null_referrer_rate},
              f"<= {settings.max_null_referrer_rate:g}", "Share of rows with no referrer."),
        Check("unparsed_user_agent_rate", WARNING, "ExpectColumnMeanToBeBetween",
              {"column": "user_agent_unparsed", "max_value": settings.max_unparsed_user_agent_rate},
              f"<= {settings.max_unparsed_user_agent_rate:g}",
              "Share of rows whose user agent is missing or names no known OS or browser."),
        Check("bot_rate", WARNING, "ExpectColumnMeanToBeBetween",
              {"column": "is_bot", "max_value": settings.max_bot_rate},
              f"<= {settings.max_bot_rate:g}", "Share of rows from crawler user agents."),
        Check("no_unknown_columns", WARNING, "ExpectColumnValuesToBeInSet",
              {"column": "file_has_unknown_columns", "value_set": [False]},
              "no unknown extra columns", "Rows of files with columns outside the contract (ignored)."),
    ]
