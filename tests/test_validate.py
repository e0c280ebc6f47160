"""Stage validate: files in, valid rows staged, bad rows quarantined with reasons, the quarantine gate judged."""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from factories import HEADER, row, write_csv

from clickstream.gates import GateFailedError
from clickstream.settings import get_settings
from clickstream.validate import NoInputError, staging_dir, valid_parts, validate_partition

DAY = date(2025, 2, 23)
GOOD = [row(client_id=f"c{i}", timestamp=f"2025-02-23T10:{i:02d}:00.000Z") for i in range(40)]


def test_valid_rows_are_staged_with_normalised_values(settings):
    raw = row(event_name=" Page_Viewed ", event_data="null", referrer=" ")
    write_csv(settings.raw_dir / "events_2025-02-23.csv", [raw])
    summary = validate_partition(settings, DAY, "r1")
    staged = pl.read_parquet(valid_parts(staging_dir(settings, DAY)))
    assert summary["rows_valid"] == 1
    assert staged.row(0, named=True)["event_name"] == "page_viewed"
    assert staged.row(0, named=True)["event_data"] == "{}"
    assert staged.row(0, named=True)["referrer"] is None


def test_bad_rows_go_to_the_quarantine_csv_with_line_and_reasons(settings):
    write_csv(settings.raw_dir / "events_2025-02-23.csv", [*GOOD, row(client_id="", page_url="")])
    summary = validate_partition(settings, DAY, "r1")
    quarantined = pl.read_csv(settings.quarantine_dir / "2025-02-23.csv", infer_schema=False)
    assert summary["rows_quarantined"] == 1
    assert quarantined.select("source_file", "line_number", "reason", "reasons").row(0) == (
        "events_2025-02-23.csv", "42", "missing_client_id", "missing_client_id|missing_page_url")


def test_quarantine_keeps_the_original_text(settings):
    write_csv(settings.raw_dir / "events_2025-02-23.csv", [*GOOD, row(event_name=" Nope ", client_id=" x ")])
    validate_partition(settings, DAY, "r1")
    quarantined = pl.read_csv(settings.quarantine_dir / "2025-02-23.csv", infer_schema=False)
    assert quarantined.select("client_id", "event_name").row(0) == (" x ", " Nope ")


def test_camel_case_header_bom_and_column_order_are_accepted(settings):
    header = ("eventName", "userAgent", "timestamp", "clientId", "pageUrl", "eventData", "referrer")
    order = [HEADER.index(name) for name in ("event_name", "user_agent", "timestamp", "client_id", "page_url",
                                              "event_data", "referrer")]
    rows = [tuple(r[i] for i in order) for r in GOOD]
    write_csv(settings.raw_dir / "events_20250223.csv", rows, header=header, bom=True)
    summary = validate_partition(settings, DAY, "r1")
    assert (summary["rows_valid"], summary["rows_quarantined"]) == (40, 0)


def quarantined_lines(settings) -> list[tuple]:
    frame = pl.read_csv(settings.quarantine_dir / "2025-02-23.csv", infer_schema=False)
    return frame.select(pl.col("line_number").cast(pl.Int64), "reason", "raw_line").rows()


def staged_lines(settings) -> list[int]:
    return pl.read_parquet(valid_parts(staging_dir(settings, DAY)))["source_line"].to_list()


def lines_of(rows) -> list[str]:
    """The CSV text of rows, one per line, as the export writes them."""
    return write_csv(Path(tempfile.mkdtemp()) / "rows.csv", rows).read_text().splitlines()[1:]


def write_lines(settings, lines: list[str | bytes]) -> None:
    path = write_csv(settings.raw_dir / "events_2025-02-23.csv", [])
    body = b"".join((line if isinstance(line, bytes) else line.encode()) + b"\n" for line in lines)
    path.write_bytes(path.read_bytes() + body)


def nested(levels: int) -> str:
    """An event_data object nesting ``levels`` objects and arrays in all (the contract's limit is 32)."""
    return '{"a": ' + "[" * (levels - 1) + "1" + "]" * (levels - 1) + "}"


@pytest.mark.parametrize(("bad", "reason"), [
    (row(client_id="  "), "missing_client_id"),
    (row(timestamp="2025-02-30T10:00:00Z"), "bad_timestamp"),
    (row(event_name="page_scrolled"), "unknown_event_name"),
    (row(event_data='{"a": 1'), "bad_event_data"),
    (row(event_data=nested(33)), "bad_event_data"),
    (row(page_url=""), "missing_page_url"),
    (row(event_name="purchase", event_data='{"revenue": "abc"}'), "bad_revenue"),
    (row(timestamp="2025-02-25T00:00:00Z"), "timestamp_out_of_window"),
], ids=["missing client_id", "bad timestamp", "unknown event name", "bad event_data", "event_data too deep",
        "missing page_url", "bad revenue", "timestamp out of window"])
def test_each_bad_row_kind_is_quarantined_with_its_line_and_code_and_the_good_rows_staged_as_without_it(
        settings, tmp_path, bad, reason):
    write_csv(settings.raw_dir / "events_2025-02-23.csv", [*GOOD[:7], bad, *GOOD[7:]])  # on physical line 9
    summary = validate_partition(settings, DAY, "r1")
    assert [(line, code) for line, code, _ in quarantined_lines(settings)] == [(9, reason)]
    assert (summary["rows_read"], summary["rows_valid"], summary["quarantined_by_reason"]) == (41, 40, {reason: 1})

    clean = get_settings(data_dir=tmp_path / "clean")
    write_csv(clean.raw_dir / "events_2025-02-23.csv", GOOD)
    validate_partition(clean, DAY, "r1")
    staged = [pl.read_parquet(valid_parts(staging_dir(each, DAY))).drop("source_line") for each in (settings, clean)]
    assert staged[0].equals(staged[1])


@pytest.mark.parametrize(("broken", "reason"), [
    (lambda line: line + ",surplus", "malformed_row"),
    (lambda line: line.rsplit(",", 1)[0], "malformed_row"),
    (lambda line: line.replace(",page_viewed,", ',"page_viewed,', 1), "malformed_row"),
    (lambda line: line.replace("c7,", "c\x007,", 1), "bad_encoding"),
    (lambda line: line.encode().replace(b"c7,", b"c7\xff,"), "bad_encoding"),
], ids=["a field too many", "a field too few", "an unclosed quote", "a NUL in client_id", "bytes not UTF-8"])
def test_a_broken_line_is_quarantined_alone_with_its_number_reason_and_text(settings, broken, reason):
    lines = lines_of(GOOD)
    lines[7] = broken(lines[7])  # the row of c7, on physical line 9
    write_lines(settings, lines)
    summary = validate_partition(settings, DAY, "r1")
    raw_text = lines[7] if isinstance(lines[7], str) else lines[7].decode("utf-8", "replace")
    assert quarantined_lines(settings) == [(9, reason, raw_text)]
    assert staged_lines(settings) == [line for line in range(2, 42) if line != 9]
    assert (summary["rows_read"], summary["rows_valid"], summary["rows_quarantined"]) == (40, 39, 1)


def test_an_unclosed_quote_reaches_no_further_than_its_line(settings):
    lines = lines_of(GOOD)
    lines[3] = lines[3].replace("https://puffy.com/", '"https://puffy.com/', 1)
    write_lines(settings, lines)
    validate_partition(settings, DAY, "r1")
    assert [(line, reason) for line, reason, _ in quarantined_lines(settings)] == [(5, "malformed_row")]
    assert len(staged_lines(settings)) == 39


def test_a_blank_line_is_a_malformed_row_and_counts_as_read(settings):
    write_lines(settings, [*lines_of(GOOD[:20]), "", *lines_of(GOOD[20:])])
    summary = validate_partition(settings, DAY, "r1")
    assert quarantined_lines(settings) == [(22, "malformed_row", "")]
    assert (summary["rows_read"], summary["rows_valid"]) == (41, 40)
    assert staged_lines(settings)[-1] == 42


def test_broken_lines_count_against_the_quarantine_gate(settings):
    write_lines(settings, [line + ",surplus" if i % 4 == 0 else line for i, line in enumerate(lines_of(GOOD))])
    with pytest.raises(GateFailedError, match="quarantine_rate: observed 0.25"):
        validate_partition(settings, DAY, "r1")


def test_a_file_missing_a_required_column_is_rejected_whole_and_named(settings):
    write_csv(settings.raw_dir / "events_2025-02-23.csv", GOOD)
    write_csv(settings.raw_dir / "late_2025-02-23.csv", [r[1:] for r in GOOD], header=HEADER[1:])
    with pytest.raises(GateFailedError, match=r"late_2025-02-23\.csv: missing required column\(s\) client_id"):
        validate_partition(settings, DAY, "r1")
    manifest = json.loads((staging_dir(settings, DAY) / "manifest.json").read_text())
    assert manifest["passed"] is False


def test_unknown_extra_columns_are_ignored_and_reported(settings):
    write_csv(settings.raw_dir / "events_2025-02-23.csv", [(*r, "x") for r in GOOD], header=(*HEADER, "session"))
    summary = validate_partition(settings, DAY, "r1")
    assert summary["files"][0]["extra_columns"] == ["session"]
    assert [w["check"] for w in summary["gate"]["warnings"]] == ["no_unknown_columns"]


def test_too_many_bad_rows_fail_the_gate_naming_the_rate(settings):
    write_csv(settings.raw_dir / "events_2025-02-23.csv", [*GOOD[:18], *[row(client_id="")] * 2])
    with pytest.raises(GateFailedError, match=r"quarantine_rate: observed 0\.1, expected <= 0\.05"):
        validate_partition(settings, DAY, "r1")


def test_a_rate_at_the_threshold_passes(settings):
    write_csv(settings.raw_dir / "events_2025-02-23.csv", [*GOOD[:38], *[row(client_id="")] * 2])
    assert validate_partition(settings, DAY, "r1")["gate"]["passed"] is True


def test_a_day_without_valid_rows_fails(settings):
    settings.max_quarantine_rate = 1.0
    write_csv(settings.raw_dir / "events_2025-02-23.csv", [row(client_id="")])
    with pytest.raises(GateFailedError, match="valid_rows_present"):
        validate_partition(settings, DAY, "r1")


def test_warnings_are_recorded_but_do_not_fail(settings):
    settings.max_bot_rate = 0.01
    bot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    write_csv(settings.raw_dir / "events_2025-02-23.csv", [*GOOD, row(user_agent=bot)])
    summary = validate_partition(settings, DAY, "r1")
    assert summary["gate"]["passed"] is True
    assert [(w["check"], w["observed"]) for w in summary["gate"]["warnings"]] == [("bot_rate", "0.0243902")]


def test_gate_results_are_kept_as_json_and_the_warehouse_is_not_opened(settings):
    write_csv(settings.raw_dir / "events_2025-02-23.csv", GOOD)
    summary = validate_partition(settings, DAY, "r1")
    saved = json.loads(open(summary["gate_file"]).read())
    assert (saved["suite"], saved["run_id"], len(saved["results"])) == ("quarantine", "r1", 8)
    assert not settings.warehouse_path.exists()


def test_load_records_the_gate_results_validate_saved(settings):
    from clickstream.load import load_partition
    from clickstream.warehouse import connect

    write_csv(settings.raw_dir / "events_2025-02-23.csv", GOOD)
    validate_partition(settings, DAY, "r1")
    load_partition(settings, DAY, "r1")
    with connect(settings.warehouse_path, read_only=True) as con:
        rows = con.execute("SELECT run_id, check_name, severity, success FROM gate_results "
                           "WHERE suite = 'quarantine' ORDER BY check_name").fetchall()
    assert len(rows) == 8 and ("r1", "quarantine_rate", "critical", True) in rows
    assert list((settings.gates_dir / "pending").iterdir()) == []


def test_a_failed_gate_is_recorded_by_the_next_load_of_any_day(settings):
    from clickstream.load import load_partition
    from clickstream.warehouse import connect

    write_csv(settings.raw_dir / "events_2025-02-23.csv", [row(client_id="")] * 10)
    with pytest.raises(GateFailedError):
        validate_partition(settings, DAY, "broken")
    write_csv(settings.raw_dir / "events_2025-02-24.csv",
              [row(client_id=f"c{i}", timestamp=f"2025-02-24T10:{i:02d}:00.000Z") for i in range(40)])
    validate_partition(settings, date(2025, 2, 24), "next")
    load_partition(settings, date(2025, 2, 24), "next")
    with connect(settings.warehouse_path, read_only=True) as con:
        failed = con.execute("SELECT partition_date, check_name FROM gate_results "
                             "WHERE run_id = 'broken' AND NOT success AND severity = 'critical'").fetchall()
    assert sorted(failed) == [(DAY, "quarantine_rate"), (DAY, "valid_rows_present")]


def quarantine_pages(settings):
    from clickstream.gates import data_docs_index

    return list((data_docs_index(settings.gx_dir).parent / "validations" / "quarantine").rglob("*.html"))


def test_a_passing_gate_leaves_its_data_docs_page_to_the_next_update(settings):
    from clickstream.gates import update_data_docs

    write_csv(settings.raw_dir / "events_2025-02-23.csv", GOOD)
    validate_partition(settings, DAY, "r1")
    assert quarantine_pages(settings) == []
    assert (update_data_docs(settings.gx_dir), len(quarantine_pages(settings))) == (1, 1)
    assert update_data_docs(settings.gx_dir) == 0


def test_a_failed_gate_is_in_the_data_docs_at_once(settings):
    write_csv(settings.raw_dir / "events_2025-02-23.csv", [row(client_id="")] * 3)
    with pytest.raises(GateFailedError):
        validate_partition(settings, DAY, "r1")
    assert len(quarantine_pages(settings)) == 1


def test_a_partition_without_files_is_an_error_naming_the_folder(settings):
    settings.raw_dir.mkdir(parents=True)
    with pytest.raises(NoInputError, match="no raw file for partition 2025-02-23"):
        validate_partition(settings, DAY, "r1")


def test_checking_in_batches_stages_exactly_what_one_pass_does(settings, tmp_path, monkeypatch):
    from clickstream import validate
    from clickstream.settings import get_settings

    rows = [*GOOD, row(client_id=""), GOOD[3], row(event_name="nope"), *GOOD[:5]]
    one_pass = get_settings(data_dir=tmp_path / "one_pass")
    for target in (settings, one_pass):
        write_csv(target.raw_dir / "events_2025-02-23.csv", rows)
    whole = validate_partition(one_pass, DAY, "r1")
    monkeypatch.setattr(validate, "BATCH_ROWS", 7)
    batched = validate_partition(settings, DAY, "r1")
    assert [len(valid_parts(staging_dir(target, DAY))) for target in (settings, one_pass)] == [7, 1]
    assert pl.read_parquet(valid_parts(staging_dir(settings, DAY))).equals(
        pl.read_parquet(valid_parts(staging_dir(one_pass, DAY))))
    assert pl.read_parquet(staging_dir(settings, DAY) / "quarantine.parquet").equals(
        pl.read_parquet(staging_dir(one_pass, DAY) / "quarantine.parquet"))
    keys = ("rows_read", "rows_valid", "rows_quarantined", "quarantined_by_reason")
    assert [batched[key] for key in keys] == [whole[key] for key in keys] == [
        48, 46, 2, {"missing_client_id": 1, "unknown_event_name": 1}]


def test_a_day_of_one_batch_is_staged_in_four_row_groups(settings, monkeypatch):
    import pyarrow.parquet as pq

    from clickstream import validate

    write_csv(settings.raw_dir / "events_2025-02-23.csv", GOOD)
    monkeypatch.setattr(validate, "MIN_ROW_GROUP", 1)
    validate_partition(settings, DAY, "r1")
    [part] = valid_parts(staging_dir(settings, DAY))
    metadata = pq.ParquetFile(part).metadata
    assert [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)] == [10, 10, 10, 10]


def test_a_rerun_in_fewer_batches_leaves_no_stale_parts(settings, monkeypatch):
    from clickstream import validate

    write_csv(settings.raw_dir / "events_2025-02-23.csv", GOOD)
    monkeypatch.setattr(validate, "BATCH_ROWS", 7)
    validate_partition(settings, DAY, "r1")
    monkeypatch.setattr(validate, "BATCH_ROWS", 125_000)
    validate_partition(settings, DAY, "r2", full_refresh=True)
    parts = valid_parts(staging_dir(settings, DAY))
    assert ([part.name for part in parts], pl.read_parquet(parts).height) == (["part-00000.parquet"], 40)


def test_a_header_naming_a_column_twice_rejects_the_file_naming_it(settings):
    header = ("clientId", "page_url", "referrer", "timestamp", "event_name", "event_data", "user_agent", "ClientId")
    write_csv(settings.raw_dir / "events_2025-02-23.csv", [(*r, "other") for r in GOOD], header=header)
    with pytest.raises(GateFailedError, match="column\\(s\\) client_id appear more than once in the header"):
        validate_partition(settings, DAY, "r1")
