"""A raw file read in chunks of whole lines, so that validating it takes memory in proportion to a chunk, not
to the file.

The header is read once, from the first chunk, and applied to every chunk; line numbers run on across chunks.
Each chunk's lines are told apart as rows, malformed lines and badly encoded lines by the same vectorised Polars
expressions as a whole file would be: a line's verdict depends on that line alone, so where the chunks are cut
(always just after a newline) changes nothing of what comes out.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import polars as pl

from clickstream.contract import BAD_ENCODING, COLUMNS, MALFORMED_ROW, REQUIRED_COLUMNS, normalise_header
from clickstream.errors import DataError

LINE_COLUMN = "source_line"
# Bytes read at a time (then up to the next newline): about 50,000 lines of a typical export; the contract's
# batches (validate.BATCH_ROWS) are cut from them. A chunk costs several times its size while it is split and read
# (its lines, its well-formed lines, their columns): validating 4,000,000 events peaked at 1,183 MB with 64 MiB
# chunks, 846 MB with 16 MiB and 817 MB with 8 MiB, at the same speed.
CHUNK_BYTES = 16 * 2**20
# Polars renames a repeated header name ``x`` to ``x_duplicated_0``, ``x_duplicated_1``, ...
_DUPLICATE_SUFFIX = re.compile(r"_duplicated_\d+$")


class RejectedFileError(DataError):
    """A file that cannot be read as the contract's columns: nothing of it is loaded."""


# One field of a line: quoted ("" inside is a quote) or not (no comma; a quote only after its first character);
# neither holds a control character other than tab. ``\r`` may end the line (CRLF files).
_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
_FIELD = rf'(?:"(?:[^"{_CONTROL}]|"")*"|[^,"\r{_CONTROL}][^,\r{_CONTROL}]*|)'
_HAS_CONTROL = rf"[{_CONTROL}]|\r."


def _row_pattern(fields: int) -> str:
    return rf"^{_FIELD}(?:,{_FIELD}){{{fields - 1}}}\r?$"


class Header(NamedTuple):
    """A file's first line: its bytes (without the newline), its column names as Polars reads them and as the
    contract names them."""

    line: bytes
    columns: list[str]
    names: list[str]

    def extra_columns(self) -> list[str]:
        """The header's names that are no contract column, as the file spells them."""
        return [original for original, name in zip(self.columns, self.names, strict=True) if name not in COLUMNS]


class RawChunk(NamedTuple):
    """Some consecutive lines of a file: its rows in contract columns, and its lines that are not rows."""

    rows: pl.DataFrame  # LINE_COLUMN and the seven columns, as text
    malformed: pl.DataFrame  # LINE_COLUMN, reason (MALFORMED_ROW or BAD_ENCODING), raw_line


def line_chunks(path: Path, chunk_bytes: int | None = None) -> Iterator[bytes]:
    """The file's bytes in pieces of about ``chunk_bytes`` (default ``CHUNK_BYTES``), each cut just after a
    newline (the last one as the file ends); a line longer than a piece makes its piece longer."""
    size = chunk_bytes or CHUNK_BYTES
    carry = b""
    with path.open("rb") as handle:
        while block := handle.read(size):
            data = carry + block
            cut = data.rfind(b"\n") + 1
            if cut:
                yield data[:cut]
            carry = data[cut:]
    if carry:
        yield carry


def read_header(path: Path, first: bytes) -> Header:
    """The header of the file whose first chunk is ``first``, normalised (BOM, spaces, case, camelCase), any
    order; a ``RejectedFileError`` naming the file and the columns when a required one is missing or one is
    named twice."""
    try:
        header = pl.read_csv(first, infer_schema=False, n_rows=0, encoding="utf8-lossy").columns
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as error:
        raise RejectedFileError(f"{path}: not a readable CSV file: {error}") from error
    names = [normalise_header(_DUPLICATE_SUFFIX.sub("", name)) for name in header]
    missing = [column for column in REQUIRED_COLUMNS if column not in names]
    if missing:
        raise RejectedFileError(f"{path}: missing required column(s) {', '.join(missing)} (header: {header})")
    duplicated = sorted({name for name in names if names.count(name) > 1 and name in COLUMNS})
    if duplicated:
        original = [_DUPLICATE_SUFFIX.sub("", name) for name in header]
        raise RejectedFileError(f"{path}: column(s) {', '.join(duplicated)} appear more than once in the header "
                                f"{original} (after normalisation); which one holds the values cannot be told")
    return Header(first.split(b"\n", 1)[0], header, names)


def file_chunks(path: Path) -> tuple[bytes, Iterator[tuple[int, bytes]]]:
    """A file's first chunk (which holds its header: ``read_header`` reads it) and its data lines in chunks,
    each with the number of its first line (the header is line 1)."""
    chunks = line_chunks(path)
    first = next(chunks, b"")
    header_end = first.find(b"\n") + 1 or len(first)
    return first, _numbered(itertools.chain([first[header_end:]], chunks))


def _numbered(chunks: Iterator[bytes]) -> Iterator[tuple[int, bytes]]:
    line = 2
    for data in chunks:
        if data:
            yield line, data
            line += data.count(b"\n")


def chunk_lines(data: bytes, first_line: int) -> pl.DataFrame:
    """Whole lines' bytes as LINE_COLUMN (from ``first_line``), ``text`` (bytes that are not UTF-8 shown as
    U+FFFD) and ``utf8`` (whether the line's bytes are UTF-8).

    Polars splits the lines when they are UTF-8 without the byte it is told to split fields on; otherwise Python
    decodes and splits them, and a line is UTF-8 when its decoded text encodes back to its bytes.
    """
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
    text: pl.Series | None = None
    if b"\x01" not in data:
        try:
            text = pl.read_csv(data, has_header=False, separator="\x01", quote_char=None, infer_schema=False,
                               new_columns=["text"], empty_string_is_null=False, raise_if_empty=False)["text"]
        except (pl.exceptions.ComputeError, pl.exceptions.NoDataError):
            text = None
    if text is not None and text.len() == lines:
        frame = text.to_frame().with_columns(utf8=pl.lit(True))
    else:
        split = data.split(b"\n")[:lines]
        frame = pl.DataFrame({"text": data.decode("utf-8", "replace").split("\n")[:lines],
                              "_bytes": pl.Series(split, dtype=pl.Binary)}, schema={"text": pl.String,
                                                                                     "_bytes": pl.Binary})
        frame = frame.with_columns(utf8=pl.col("text").cast(pl.Binary) == pl.col("_bytes")).drop("_bytes")
    return frame.with_row_index(LINE_COLUMN, offset=first_line).with_columns(pl.col(LINE_COLUMN).cast(pl.Int64))


def _malformed(lines: pl.DataFrame, fields: int) -> tuple[pl.Series, pl.DataFrame]:
    """Which lines are rows of ``fields`` fields, and the others with their reason and text."""
    lines = lines.with_columns(_ok=pl.col("utf8") & pl.col("text").str.contains(_row_pattern(fields)))
    encoding = ~pl.col("utf8") | pl.col("text").str.contains(_HAS_CONTROL)
    bad = lines.filter(~pl.col("_ok")).select(
        LINE_COLUMN,
        reason=pl.when(encoding).then(pl.lit(BAD_ENCODING)).otherwise(pl.lit(MALFORMED_ROW)),
        raw_line=pl.col("text").str.strip_suffix("\r"),
    )
    return lines["_ok"], bad


def read_chunk(path: Path, header: Header, data: bytes, first_line: int) -> RawChunk:
    """Whole lines of a file, from line ``first_line``, as text in contract columns with their line numbers,
    and the lines that are not rows.

    One physical line is one row: a line with more or fewer fields than the header, or whose quote is not closed
    on it, is set aside as ``malformed_row``; one that is not UTF-8 or holds a control character as
    ``bad_encoding``; the other lines are read, under the header, as if it were not there.
    """
    lines = chunk_lines(data, first_line)
    ok, malformed = _malformed(lines, len(header.columns))
    if malformed.height:  # read only the well-formed lines
        body = b"\n".join(lines.filter(ok)["text"].cast(pl.Binary).to_list())  # UTF-8 lines: their own bytes
        numbers = lines.filter(ok)[LINE_COLUMN]
    else:
        body, numbers = data, lines[LINE_COLUMN]
    frame = pl.read_csv(header.line + b"\n" + body, infer_schema=False, truncate_ragged_lines=False)
    if frame.height != numbers.len():
        raise RejectedFileError(f"{path}: {frame.height} rows read from {numbers.len()} well-formed lines; "
                                "the file's quoting could not be told apart")
    frame = frame.rename(dict(zip(frame.columns, header.names, strict=True))).with_columns(
        numbers.alias(LINE_COLUMN))
    optional = [pl.lit(None, dtype=pl.String).alias(column) for column in COLUMNS if column not in header.names]
    return RawChunk(frame.with_columns(optional).select(LINE_COLUMN, *COLUMNS), malformed)


def line_numbers(path: Path) -> Iterator[pl.Series]:
    """A file's data lines' numbers (the header's excluded), a chunk at a time: what a rejected file counts."""
    _, chunks = file_chunks(path)
    for first_line, data in chunks:
        lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        yield pl.int_range(first_line, first_line + lines, dtype=pl.Int64, eager=True).alias(LINE_COLUMN)
