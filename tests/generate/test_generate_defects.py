"""Defects: injected at the profile's rates, found by the reference exactly as injected."""

from __future__ import annotations

import pytest
from generated_runs import Run

from clickstream.contract import REASON_CODES
from clickstream.generate import PROFILES

ROW_DEFECTS = ("missing_client_id", "bad_timestamp", "unknown_event_name", "bad_event_data", "missing_page_url",
               "timestamp_out_of_window", "upper_case_event_name", "space_timestamp", "padded_values",
               "duplicate_rows", "restated_duplicates")


@pytest.mark.parametrize("name", ROW_DEFECTS)
def test_row_defects_follow_the_profile_rate(default_run: Run, name: str) -> None:
    rate = getattr(PROFILES["default"], name)
    expected = rate * default_run.truth["rows_written"]
    # Counts are rounded per file from the rows before the duplicates are added.
    assert abs(default_run.truth["injected"][name] - expected) <= 0.05 * expected + len(default_run.files)


def test_every_injected_rejection_is_found_with_its_reason(default_run: Run, puffy_run: Run) -> None:
    for run in (default_run, puffy_run):
        injected, found = run.truth["injected"], run.truth["quarantined_by_reason"]
        assert found == {code: injected.get(code, 0) for code in REASON_CODES}
        assert run.truth["quarantined_by_code"] == found, "one defect a row"


def test_duplicates_are_the_copies_and_redeliveries(default_run: Run) -> None:
    injected = default_run.truth["injected"]
    copies = injected["duplicate_rows"] + injected["restated_duplicates"] + injected["redelivered"]
    assert copies > 0 and default_run.truth["duplicates_dropped"] == copies
    assert injected["late"] > 0 and injected["bad_revenue"] > 0


def test_redelivered_events_count_as_duplicates_of_the_later_file(default_run: Run) -> None:
    partitions = list(default_run.truth["partitions"].values())
    per_file = [entry["injected"] for entry in default_run.summary["files"]]
    for index, (stats, injected) in enumerate(zip(partitions, per_file, strict=True)):
        resent = per_file[index - 1].get("redelivered", 0) if index else 0
        assert stats["duplicates"] == injected["duplicate_rows"] + injected["restated_duplicates"] + resent


def test_default_days_pass_the_quarantine_gate_comfortably(default_run: Run) -> None:
    shares = [p["quarantined"] / p["rows"] for p in default_run.truth["partitions"].values()]
    assert all(0.015 < share < 0.04 for share in shares), shares


def test_puffy_reproduces_the_real_missing_client_id_share(puffy_run: Run) -> None:
    truth = puffy_run.truth
    share = truth["quarantined_by_reason"]["missing_client_id"] / truth["rows_written"]
    assert 0.055 <= share <= 0.060
    assert all(p["quarantined"] / p["rows"] > 0.05 for p in truth["partitions"].values()), "fails the 5% gate"


def test_order_quirks_are_present(default_run: Run) -> None:
    checks = default_run.truth["checks"]
    assert checks["colliding_transaction_ids"] >= 1
    assert checks["revenue_mismatch_orders"] >= 1
