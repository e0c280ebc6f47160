"""The files: names, headers (drift, BOM, order), timestamp spellings, determinism, the output folder."""

from __future__ import annotations

import csv
import re
from datetime import timedelta
from pathlib import Path

import pytest
from generated_runs import START, Run, make_run

from clickstream.contract import COLUMNS, normalise_header
from clickstream.generate import PROFILES, generate

EXPORT_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
SPACE_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$")


def header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle))


def column(path: Path, name: str) -> list[str]:
    cells = header(path)
    index = [normalise_header(cell) for cell in cells].index(name)
    with path.open(newline="", encoding="utf-8") as handle:
        rows = csv.reader(handle)
        next(rows)
        return [row[index] for row in rows]


def test_one_file_a_day_with_the_contract_columns(default_run: Run) -> None:
    names = [path.name for path in sorted(default_run.raw.glob("*.csv"))]
    assert names == [f"events_{START + timedelta(days=i)}.csv" for i in range(5)]
    for path in default_run.files:
        assert sorted(normalise_header(cell) for cell in header(path)) == sorted(COLUMNS)
    assert default_run.summary["rows_written"] == default_run.truth["rows_written"]
    assert default_run.truth["rows_by_file"] == {e["file"]: e["rows"] for e in default_run.summary["files"]}


def test_header_drift_bom_and_shuffled_columns_are_present(default_run: Run) -> None:
    headers = [header(path) for path in default_run.files]
    assert any("clientId" in cells for cells in headers), "camelCase drift"
    boms = [path.read_bytes().startswith(b"\xef\xbb\xbf") for path in default_run.files]
    assert any(boms) and not all(boms)
    orders = [tuple(normalise_header(cell) for cell in cells) for cells in headers]
    assert any(order != COLUMNS for order in orders), "a shuffled column order"
    styles = [(e["header"], e["bom"], tuple(e["columns"])) for e in default_run.summary["files"]]
    assert [style[1] for style in styles] == boms
    assert [style[2] for style in styles] == orders


def test_clean_profile_breaks_nothing(clean_run: Run) -> None:
    truth = clean_run.truth
    assert truth["quarantined_rows"] == 0 and truth["duplicates_dropped"] == 0
    assert truth["checks"]["colliding_transaction_ids"] == 0 and truth["checks"]["revenue_mismatch_orders"] == 0
    for path in clean_run.files:
        assert tuple(header(path)) == COLUMNS
        assert not path.read_bytes().startswith(b"\xef\xbb\xbf")
        assert all(EXPORT_TIMESTAMP.match(value) for value in column(path, "timestamp"))


def test_timestamps_are_spelled_like_the_export(default_run: Run) -> None:
    stamps = [value.strip() for path in default_run.files for value in column(path, "timestamp")]
    export = sum(bool(EXPORT_TIMESTAMP.match(value)) for value in stamps)
    spaced = sum(bool(SPACE_TIMESTAMP.match(value)) for value in stamps)
    assert export / len(stamps) > 0.98
    injected = default_run.truth["injected"]
    copies = injected["duplicate_rows"] + injected["restated_duplicates"] + injected["redelivered"]
    assert 0 < injected["space_timestamp"] <= spaced <= injected["space_timestamp"] + copies


def test_same_arguments_give_identical_bytes(tmp_path: Path) -> None:
    first = make_run(tmp_path / "a", "puffy", days=3, events_per_day=1500, seed=11)
    second = make_run(tmp_path / "b", "puffy", days=3, events_per_day=1500, seed=11)
    other = make_run(tmp_path / "c", "puffy", days=3, events_per_day=1500, seed=12)
    for a, b, c in zip(first.files, second.files, other.files, strict=True):
        assert a.read_bytes() == b.read_bytes()
        assert a.read_bytes() != c.read_bytes()
    assert (tmp_path / "a/truth.json").read_bytes() == (tmp_path / "b/truth.json").read_bytes()


def test_rows_follow_events_per_day(default_run: Run) -> None:
    for entry in default_run.summary["files"]:
        assert 1600 <= entry["rows"] <= 2500


def test_a_rerun_replaces_its_own_files_and_refuses_foreign_ones(tmp_path: Path) -> None:
    generate(tmp_path, START, 3, 300, seed=1, profile="clean", truth=False)
    summary = generate(tmp_path, START + timedelta(days=1), 1, 300, seed=1, profile="clean", truth=False)
    assert sorted(p.name for p in (tmp_path / "raw").glob("*.csv")) == ["events_2025-02-24.csv"]
    assert summary["removed_stale_files"] == ["events_2025-02-23.csv", "events_2025-02-25.csv"]
    assert summary["truth"] is None and not (tmp_path / "truth.json").exists()
    (tmp_path / "raw" / "export_20250301.csv").write_text("client_id\n")
    with pytest.raises(ValueError, match="export_20250301.csv"):
        generate(tmp_path, START, 1, 300, seed=1, profile="clean", truth=False)


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown profile"):
        generate(tmp_path, START, 1, 100, seed=1, profile="messy")
    with pytest.raises(ValueError):
        generate(tmp_path, START, 0, 100, seed=1)
    assert set(PROFILES) == {"clean", "default", "puffy"}
