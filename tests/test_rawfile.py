"""A raw file read in chunks of whole lines: wherever the chunks are cut, the same rows, the same lines set aside
and the same line numbers as one chunk gives."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from factories import HEADER, row

from clickstream import rawfile, validate
from clickstream.gates import GateFailedError
from clickstream.rawfile import RejectedFileError, file_chunks, line_chunks, read_chunk, read_header
from clickstream.settings import get_settings
from clickstream.validate import staging_dir, valid_parts, validate_partition

DAY = date(2025, 2, 23)


def csv_line(*fields: str) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="").writerow(fields)
    return text.getvalue().encode()


GOOD = [csv_line(*row(client_id=f"c{i}", timestamp=f"2025-02-23T10:{i:02d}:00.000Z")) for i in range(6)]
# Line 1 the header, CRLF; then: 2 good, 3 good (CRLF), 4 a field too many, 5 not UTF-8, 6 blank, 7 good (CRLF),
# 8 good and last, without a newline.
LINES = [csv_line(*HEADER) + b"\r", GOOD[0], GOOD[1] + b"\r", GOOD[2] + b",surplus", GOOD[3].replace(b"c3", b"c3\xff"),
         b"", GOOD[4] + b"\r", GOOD[5]]
FILE = b"\n".join(LINES)  # no newline after the last line
ROW_LINES = [2, 3, 7, 8]
SET_ASIDE = [(4, "malformed_row", (GOOD[2] + b",surplus").decode()),
             (5, "bad_encoding", GOOD[3].decode().replace("c3", "c3\ufffd")),
             (6, "malformed_row", "")]


def read_in_chunks(path: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    first, chunks = file_chunks(path)
    header = read_header(path, first)
    read = [read_chunk(path, header, data, line) for line, data in chunks]
    return pl.concat([chunk.rows for chunk in read]), pl.concat([chunk.malformed for chunk in read])


def test_a_file_is_cut_only_just_after_a_newline(tmp_path):
    path = tmp_path / "lines.csv"
    path.write_bytes(b"h\na\nbb\nccc")
    assert list(line_chunks(path, chunk_bytes=2)) == [b"h\n", b"a\n", b"bb\n", b"ccc"]


@pytest.mark.parametrize("chunk_bytes", [*range(1, 40), *range(len(FILE) - 40, len(FILE) + 2)])
def test_rows_and_set_aside_lines_are_the_same_wherever_the_chunks_are_cut(tmp_path, monkeypatch, chunk_bytes):
    path = tmp_path / "events_2025-02-23.csv"
    path.write_bytes(FILE)
    monkeypatch.setattr(rawfile, "CHUNK_BYTES", chunk_bytes)
    rows, malformed = read_in_chunks(path)
    assert rows["source_line"].to_list() == ROW_LINES
    assert rows["client_id"].to_list() == ["c0", "c1", "c4", "c5"]
    assert rows["user_agent"].to_list() == [row()[6]] * 4  # CRLF: no "\r" is left on the last field
    assert malformed.rows() == SET_ASIDE


def test_every_chunk_cut_between_two_lines_gives_the_rows_of_one_chunk(tmp_path, monkeypatch):
    path = tmp_path / "events_2025-02-23.csv"
    path.write_bytes(FILE)
    whole = read_in_chunks(path)
    for cut in [index + 1 for index, byte in enumerate(FILE) if byte == ord("\n")]:
        monkeypatch.setattr(rawfile, "CHUNK_BYTES", cut)  # the first chunk ends exactly at this line's end
        rows, malformed = read_in_chunks(path)
        assert rows.equals(whole[0]) and malformed.equals(whole[1]), cut


def test_a_header_alone_has_no_data_lines(tmp_path):
    path = tmp_path / "events_2025-02-23.csv"
    path.write_bytes(LINES[0] + b"\n")
    first, chunks = file_chunks(path)
    assert (read_header(path, first).names, list(chunks)) == (list(HEADER), [])


def test_an_empty_file_is_rejected_as_unreadable(tmp_path):
    path = tmp_path / "events_2025-02-23.csv"
    path.write_bytes(b"")
    first, _ = file_chunks(path)
    with pytest.raises(RejectedFileError, match="not a readable CSV file"):
        read_header(path, first)


def validated(data_dir: Path, files: dict[str, bytes]) -> tuple[dict, pl.DataFrame, pl.DataFrame]:
    settings = get_settings(data_dir=data_dir)
    settings.max_quarantine_rate = 1.0  # three lines of thirteen are set aside
    settings.raw_dir.mkdir(parents=True)
    for name, data in files.items():
        (settings.raw_dir / name).write_bytes(data)
    summary = validate_partition(settings, DAY, "r1")
    folder = staging_dir(settings, DAY)
    return summary, pl.read_parquet(valid_parts(folder)), pl.read_parquet(folder / "quarantine.parquet")


def test_validating_a_line_at_a_time_stages_and_quarantines_what_one_chunk_does(tmp_path, monkeypatch):
    files = {"events_2025-02-23.csv": FILE, "late_2025-02-23.csv": b"\n".join([LINES[0], *GOOD, b""])}
    whole = validated(tmp_path / "one_chunk", files)
    monkeypatch.setattr(rawfile, "CHUNK_BYTES", 1)  # every line its own chunk
    monkeypatch.setattr(validate, "BATCH_ROWS", 3)  # batches across chunks and files
    chunked = validated(tmp_path / "line_chunks", files)
    assert chunked[1].equals(whole[1]) and chunked[2].equals(whole[2])
    assert [(name, line) for name, line in chunked[1].select("source_file", "source_line").rows()] == [
        *(("events_2025-02-23.csv", line) for line in ROW_LINES),
        *(("late_2025-02-23.csv", line) for line in range(2, 8))]
    assert [part["rows"] for part in chunked[0]["staged"]] == [3, 3, 3, 1]
    keys = ("rows_read", "rows_valid", "rows_quarantined", "quarantined_by_reason")
    assert [chunked[0][key] for key in keys] == [whole[0][key] for key in keys] == [
        13, 10, 3, {"bad_encoding": 1, "malformed_row": 2}]


def test_a_file_found_unreadable_part_way_is_rejected_whole(tmp_path, monkeypatch):
    def unreadable_from_line_5(path, header, data, first_line):
        if path.name == "late_2025-02-23.csv" and first_line >= 5:
            raise RejectedFileError(f"{path}: its quoting could not be told apart")
        return read_chunk(path, header, data, first_line)

    monkeypatch.setattr(rawfile, "CHUNK_BYTES", 1)
    monkeypatch.setattr(validate, "read_chunk", unreadable_from_line_5)
    settings = get_settings(data_dir=tmp_path / "data")
    settings.raw_dir.mkdir(parents=True)
    (settings.raw_dir / "events_2025-02-23.csv").write_bytes(b"\n".join([LINES[0], *GOOD, b""]))
    (settings.raw_dir / "late_2025-02-23.csv").write_bytes(b"\n".join([LINES[0], *GOOD, b""]))
    with pytest.raises(GateFailedError, match="late_2025-02-23.csv: its quoting could not be told apart"):
        validate_partition(settings, DAY, "r1")
    staged = pl.read_parquet(valid_parts(staging_dir(settings, DAY)))
    assert staged.select("source_file", "source_line").rows() == [("events_2025-02-23.csv", line)
                                                                   for line in range(2, 8)]
    assert [(info["file"], info["rows"], info["rejected"] is not None)
            for info in json.loads((staging_dir(settings, DAY) / "manifest.json").read_text())["files"]] == [
        ("events_2025-02-23.csv", 6, False), ("late_2025-02-23.csv", 6, True)]
