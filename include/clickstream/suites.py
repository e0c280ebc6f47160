"""The two Great Expectations suites, defined in one place: ``quarantine`` and ``watchdog``.

Each is a list of ``Check`` built from the settings, so thresholds live in the settings
and the suites stay versioned with the code. Both run over a one-row batch of figures
computed with Polars or SQL: GX's pandas metrics loop in Python over every value, which
cost seconds per million rows.
"""

from __future__ import annotations

from clickstream.gates import CRITICAL, WARNING, Check
from clickstream.settings import Settings

QUARANTINE = "quarantine"
WATCHDOG = "watchdog"


def at_most(name: str, severity: str, column: str, limit: float, threshold: str, description: str) -> Check:
    """A figure (one column of a one-row batch) that must not exceed ``limit``."""
    return Check(name, severity, "ExpectColumnMaxToBeBetween", {"column": column, "max_value": limit},
                 threshold, description)


def at_least(name: str, severity: str, column: str, limit: float, threshold: str, description: str) -> Check:
    """A figure (one column of a one-row batch) that must be ``limit`` or more."""
    return Check(name, severity, "ExpectColumnMinToBeBetween", {"column": column, "min_value": limit},
                 threshold, description)


def quarantine_suite(settings: Settings) -> list[Check]:
    """Checks over one partition's figures (``validate.gate_figures``): one batch row, one column per figure."""
    rate = settings.max_quarantine_rate
    return [
        at_most("required_columns", CRITICAL, "rows_in_rejected_files", 0,
                "every file has client_id, page_url, timestamp, event_name",
                "Rows of files missing a required column (such files are rejected whole)."),
        at_least("rows_present", CRITICAL, "rows", 1, ">= 1 row", "The partition's files hold at least one row."),
        at_most("quarantine_rate", CRITICAL, "quarantine_rate", rate, f"<= {rate:g}",
                "Share of rows that failed the event contract."),
        at_least("valid_rows_present", CRITICAL, "valid_rows", 1, ">= 1 valid row",
                 "At least one row passed the contract."),
        at_most("null_referrer_rate", WARNING, "null_referrer_rate", settings.max_null_referrer_rate,
                f"<= {settings.max_null_referrer_rate:g}", "Share of rows with no referrer."),
        at_most("unparsed_user_agent_rate", WARNING, "unparsed_user_agent_rate",
                settings.max_unparsed_user_agent_rate, f"<= {settings.max_unparsed_user_agent_rate:g}",
                "Share of rows whose user agent is missing or names no known OS or browser."),
        at_most("bot_rate", WARNING, "bot_rate", settings.max_bot_rate, f"<= {settings.max_bot_rate:g}",
                "Share of rows from crawler user agents."),
        at_most("no_unknown_columns", WARNING, "unknown_columns", 0, "no unknown extra columns",
                "Columns outside the contract, counted per file (they are ignored)."),
    ]


def watchdog_suite(settings: Settings, timeout_s: float) -> list[Check]:
    """Checks over one partition's warehouse figures: one batch row, one column per figure."""
    z = settings.anomaly_z_threshold
    rate = settings.max_quarantine_rate
    return [
        at_least("freshness", CRITICAL, "loaded_events", 1, ">= 1 loaded event", "The partition has loaded events."),
        at_most("quarantine_rate", CRITICAL, "quarantine_rate", rate, f"<= {rate:g}",
                "Share of the partition's rows set aside by the contract (last load)."),
        at_most("revenue_reconciliation", CRITICAL, "revenue_diff", 0, "0.00 difference",
                "Orders revenue equals the revenue of valid conversion events in raw_events, to the cent."),
        at_most("attribution_credits_sum_to_one", CRITICAL, "max_credit_error", 1e-9, "|sum(credit) - 1| <= 1e-9",
                "Per order and model, the credits sum to 1."),
        at_most("attribution_revenue_complete", CRITICAL, "max_model_revenue_diff", 0, "0.00 difference",
                "For every model, revenue credit sums to orders revenue, to the cent."),
        at_most("attribution_every_model", CRITICAL, "orders_missing_a_model", 0, "0 orders",
                "Every order is credited by every attribution model."),
        at_most("session_gap_inside", CRITICAL, "max_gap_in_session_s", timeout_s - 1e-6, f"< {timeout_s:g} s",
                "No inactivity gap of the session timeout or more inside a session."),
        at_least("session_gap_between", CRITICAL, "min_gap_between_sessions_s", timeout_s, f">= {timeout_s:g} s",
                 "Consecutive sessions of a client are at least the session timeout apart."),
        at_most("order_id_unique", CRITICAL, "duplicate_order_ids", 0, "0 duplicates", "order_id is unique."),
        at_least("revenue_positive", CRITICAL, "revenue_positive_or_no_orders", 1, "revenue > 0 when orders > 0",
                 "A partition with orders has revenue."),
        at_most("orders_have_sessions", CRITICAL, "orders_without_session", 0, "0 orders",
                "Every order belongs to a session."),
        at_most("sessions_have_a_channel", CRITICAL, "sessions_without_channel", 0, "0 sessions",
                "Every session has a source, medium and campaign, and a channel of the channel group or Unassigned."),
        *(at_most(f"{figure}_anomaly", WARNING, f"{figure}_abs_z", z, f"|robust z| <= {z:g}",
                  f"Daily {figure.replace('_', ' ')} against the trailing {settings.anomaly_history_days} partitions.")
          for figure in ANOMALY_FIGURES),
        at_most("bot_share", WARNING, "bot_share", settings.max_bot_rate, f"<= {settings.max_bot_rate:g}",
                "Share of the day's events from crawlers."),
        at_most("null_referrer_share", WARNING, "null_referrer_share", settings.max_null_referrer_rate,
                f"<= {settings.max_null_referrer_rate:g}", "Share of the day's events without a referrer."),
        at_most("unassigned_session_share", WARNING, "unassigned_session_share", settings.max_unassigned_session_rate,
                f"<= {settings.max_unassigned_session_rate:g}",
                "Share of the day's sessions no channel rule matched (Unassigned): untagged or mistagged campaigns."),
        at_most("revenue_mismatch_orders", WARNING, "revenue_mismatch_orders", 0, "0 orders",
                "Orders whose declared revenue differs from the sum of price x quantity."),
        at_most("outlier_orders", WARNING, "outlier_orders", 0,
                f"0 orders above the p{settings.outlier_order_quantile * 100:g} of history",
                "Orders larger than almost every order before them."),
    ]


ANOMALY_FIGURES = ("volume", "orders", "revenue", "conversion_rate")
