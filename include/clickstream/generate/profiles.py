"""How broken the generated files are: one named set of defect rates per profile.

Row rates are shares of a file's rows (before its duplicate copies are added) and are turned
into exact counts per file, so a profile's quarantine share is predictable day by day: ``default``
stays near 2.7% (under the 5% gate, so the demo passes), ``puffy`` reproduces the real export's
5.8% of rows without a client_id (and so fails the gate, as the original system did).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """Defect rates. Row rates are per file row; order rates per conversion; file rates per file."""

    name: str
    # Rows quarantined, one reason code each (the code is the field name).
    missing_client_id: float = 0.0
    bad_timestamp: float = 0.0
    unknown_event_name: float = 0.0
    bad_event_data: float = 0.0
    missing_page_url: float = 0.0
    timestamp_out_of_window: float = 0.0
    bad_revenue: float = 0.0  # per conversion
    # Rows that are valid but spelled unusually.
    upper_case_event_name: float = 0.0
    space_timestamp: float = 0.0
    padded_values: float = 0.0
    # Extra and moved rows.
    duplicate_rows: float = 0.0  # exact copies in the same file
    restated_duplicates: float = 0.0  # copies spelled differently that normalise to the same event
    redelivered: float = 0.0  # copies sent again in the next day's file
    late: float = 0.0  # events of the last two hours arriving only in the next day's file
    # Orders.
    price_sum_revenue: float = 0.0  # per order with a quantity above 1: revenue ignores quantity
    colliding_transaction_ids: float = 0.0  # per order: reuses an earlier order's transaction_id
    numeric_string_revenue: float = 0.0  # per order: revenue written as a string ("1345.00")
    # Whole files.
    header_drift_files: float = 0.0  # camelCase or odd-case headers
    bom_files: float = 0.0
    shuffled_files: float = 0.0


_DEFAULT = dict(
    missing_client_id=0.018,
    bad_timestamp=0.002,
    unknown_event_name=0.002,
    bad_event_data=0.002,
    missing_page_url=0.0015,
    timestamp_out_of_window=0.0015,
    bad_revenue=0.08,
    upper_case_event_name=0.003,
    space_timestamp=0.003,
    padded_values=0.002,
    duplicate_rows=0.004,
    restated_duplicates=0.001,
    redelivered=0.004,
    late=0.003,
    price_sum_revenue=0.25,
    colliding_transaction_ids=0.03,
    numeric_string_revenue=0.05,
    header_drift_files=0.2,
    bom_files=0.15,
    shuffled_files=0.15,
)

PROFILES: dict[str, Profile] = {
    "clean": Profile("clean"),
    "default": Profile("default", **_DEFAULT),
    "puffy": Profile("puffy", **{**_DEFAULT, "missing_client_id": 0.058, "header_drift_files": 0.3}),
}
