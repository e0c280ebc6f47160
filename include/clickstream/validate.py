"""Stage 1, validate: read a partition's files, apply the contract, set bad rows aside, run the quarantine gate.

Writes, per partition, the valid rows (``staging/D/valid/part-*.parquet``), the rejected rows
(``staging/D/quarantine.parquet`` and ``quarantine/D.csv`` for people), and a manifest
the load stage reads, and the quarantine gate's results (``gates/``), which load records in the warehouse.
validate never opens the warehouse, so that it can run while another day loads.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

import polars as pl

from clickstream import gates, partitions
from clickstream.atomic import replace_with
from clickstream.contract import COLUMNS, REJECTED_FILE, TRIM_CHARS
from clickstream.digests import code_digest, digest
from clickstream.errors import DataError
from clickstream.normalise import apply_contract
from clickstream.rawfile import (
    LINE_COLUMN,
    RejectedFileError,
    file_chunks,
    line_numbers,
    read_chunk,
    read_header,
)
from clickstream.settings import Settings
from clickstream.suites import QUARANTINE, quarantine_suite

BATCH_ROWS = 125_000  # rows the contract checks at a time: bounds its working memory
CONTRACT_THREADS = 2  # batches checked at once
STAGED_ROW_GROUPS = 4  # row groups of a day's staged valid rows, at least (two per core)
MIN_ROW_GROUP = 10_000
VALID_DIR = "valid"  # staging/D/valid/part-NNNNN.parquet
MANIFEST = "manifest.json"  # staging/D/manifest.json: the validation's summary, every staged part named
# The modules whose code decides a validation's outcome (with the settings and the suite: ``definition``).
VALIDATION_CODE = ("contract.py", "normalise.py", "rawfile.py", "validate.py", "suites.py", "useragents.py")
NORMALISED_COLUMNS = ("source_file", LINE_COLUMN, "client_id", "page_url", "referrer", "event_at", "event_name",
                      "event_data", "user_agent")


class NotValidatedError(DataError):
    """The partition has no passing validation to load from."""


class StagingDamagedError(NotValidatedError):
    """The staged rows are not those the validation wrote: missing, extra, cut off or unreadable."""


class NoInputError(DataError):
    """No raw file arrived for the partition."""


def sha256_of(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def staging_dir(settings: Settings, day: date) -> Path:
    return settings.staging_dir / day.isoformat()


class _RejectedLate(Exception):  # a signal to validate again, not an error anyone sees
    """A file found unreadable after some of its rows were batched: validate again with it rejected."""

    def __init__(self, file: str, message: str) -> None:
        super().__init__(message)
        self.file, self.message = file, message


def _partition_rows(paths: list[Path], files: list[dict[str, Any]], malformed: list[pl.DataFrame],
                    rejected: dict[str, str]) -> Iterator[pl.DataFrame]:
    """A partition's rows as text, tagged with their file, a chunk of lines at a time (``rawfile.CHUNK_BYTES``).

    Fills ``files`` with what was learnt of each file and ``malformed`` with its lines that are not rows
    (malformed or badly encoded); ``rejected`` names the files already known unreadable (by file name), whose
    data lines are counted, not read.
    """
    for path in paths:
        info: dict[str, Any] = {"file": path.name, "rejected": rejected.get(path.name), "extra_columns": []}
        files.append(info)
        header = None
        if info["rejected"] is None:
            first, chunks = file_chunks(path)
            try:
                header = read_header(path, first)
            except RejectedFileError as error:
                info["rejected"] = str(error)
            del first
        rows, bad = 0, []
        if header is None:
            for numbers in line_numbers(path):
                rows += numbers.len()
                yield _tagged(numbers.to_frame().select(
                    LINE_COLUMN, **{column: pl.lit(None, dtype=pl.String) for column in COLUMNS}), path, False)
        else:
            info["extra_columns"] = header.extra_columns()
            for first_line, data in chunks:
                try:
                    chunk = read_chunk(path, header, data, first_line)
                except RejectedFileError as error:
                    raise _RejectedLate(path.name, str(error)) from error
                rows += chunk.rows.height + chunk.malformed.height
                bad.append(chunk.malformed)
                yield _tagged(chunk.rows, path, True)
            malformed.append(pl.concat([_NO_LINES, *bad]).with_columns(source_file=pl.lit(path.name)))
        info["rows"] = rows  # physical data lines


def _tagged(rows: pl.DataFrame, path: Path, required_ok: bool) -> pl.DataFrame:
    return rows.with_columns(source_file=pl.lit(path.name), file_has_required_columns=pl.lit(required_ok))


_NO_LINES = pl.DataFrame(schema={LINE_COLUMN: pl.Int64, "reason": pl.String, "raw_line": pl.String})
_NO_ROWS = pl.DataFrame(schema={LINE_COLUMN: pl.Int64, **dict.fromkeys(COLUMNS, pl.String),
                                "source_file": pl.String, "file_has_required_columns": pl.Boolean})


def _batches(frames: Iterator[pl.DataFrame]) -> Iterator[tuple[pl.DataFrame, int]]:
    """The rows of ``frames`` in batches of exactly ``BATCH_ROWS`` (the last one fewer; one empty batch for a day
    without rows), each with the size of the row groups its staged part is written in.

    DuckDB reads a row group per thread: a day of one batch is staged in STAGED_ROW_GROUPS groups so that load
    reads it on every core (70,000 rows: 0.26 -> 0.12 s); a larger day keeps one group per batch, which read
    fastest. The group size depends on the day's rows, so the first batches wait until either the day ends or
    it has enough rows that every batch is one group (then the day's own figure would give the same files).
    """
    batch_rows = BATCH_ROWS
    row_group: int | None = None
    pending: list[pl.DataFrame] = []
    held = 0
    for frame in frames:
        pending.append(frame)
        held += frame.height
        if row_group is None and held > STAGED_ROW_GROUPS * (batch_rows - 1):
            row_group = max(MIN_ROW_GROUP, batch_rows)
        while row_group is not None and held >= batch_rows:
            rows = pl.concat(pending, rechunk=False)
            pending, held = [rows.slice(batch_rows)], held - batch_rows
            yield rows.slice(0, batch_rows).rechunk(), row_group
    rows = pl.concat(pending, rechunk=False) if pending else _NO_ROWS
    if row_group is None:
        row_group = max(MIN_ROW_GROUP, -(-rows.height // STAGED_ROW_GROUPS))
    for offset in range(0, max(rows.height, 1), batch_rows):
        yield rows.slice(offset, batch_rows).rechunk(), row_group


def _as_quarantined(lines: pl.DataFrame) -> pl.DataFrame:
    """Lines that are not rows, in the columns of quarantined rows: no fields, the line's text whole."""
    return lines.select(
        "source_file", pl.col(LINE_COLUMN).alias("line_number"), "reason",
        reasons=pl.concat_list(pl.col("reason")),
        **{column: pl.lit(None, dtype=pl.String) for column in COLUMNS},
        raw_line=pl.col("raw_line"),
    )


def _agent_flags(agents: pl.Series) -> pl.DataFrame:
    """Bot and unparsed flags per distinct user agent, trimmed as the contract trims it (ua-parser is too
    slow to run per row)."""
    from clickstream.useragents import classify

    distinct = agents.drop_nulls().unique().str.strip_chars(TRIM_CHARS).unique().to_list()
    verdicts = [classify(agent) for agent in distinct]
    return pl.DataFrame(
        {
            "user_agent": distinct,
            "_is_bot": [verdict[3] for verdict in verdicts],
            "_unparsed": [verdict[1] == "Other" and verdict[2] == "Other" for verdict in verdicts],
        },
        schema={"user_agent": pl.String, "_is_bot": pl.Boolean, "_unparsed": pl.Boolean},
    )


def _concat_flags(frames: list[pl.DataFrame]) -> pl.DataFrame:
    return pl.concat(frames) if frames else _agent_flags(pl.Series([], dtype=pl.String))


def gate_figures(tally: dict[str, int], agent_rows: pl.DataFrame, flags: pl.DataFrame,
                 files: list[dict[str, Any]]) -> dict[str, Any]:
    """The partition's figures the quarantine suite judges (GX gets them as a one-row batch).

    ``tally``: rows, quarantined and null_referrer counts; ``agent_rows``: rows per user agent;
    ``flags``: those agents' ``_agent_flags``.
    """
    rows = tally["rows"]
    agents = agent_rows.join(flags, on="user_agent", how="left")

    def share(count: int) -> float:
        return count / rows if rows else 0.0

    return {
        "rows": rows,
        "rows_in_rejected_files": sum(info["rows"] for info in files if info["rejected"]),
        "valid_rows": rows - tally["quarantined"],
        "quarantine_rate": share(tally["quarantined"]),
        "null_referrer_rate": share(tally["null_referrer"]),
        "unparsed_user_agent_rate": share(agents.filter(pl.col("_unparsed").fill_null(True))["len"].sum()),
        "bot_rate": share(agents.filter(pl.col("_is_bot").fill_null(False))["len"].sum()),
        "unknown_columns": sum(len(info["extra_columns"]) for info in files),
    }


def valid_parts(folder: Path) -> list[Path]:
    """A validated partition's staged valid rows: one Parquet file per contract batch, in row order."""
    return sorted((folder / VALID_DIR).glob("part-*.parquet"))


def verified_parts(folder: Path, day: date, manifest: dict[str, Any]) -> list[Path]:
    """The staged part files, once each is the one the manifest names (same name and size, none missing or
    extra); else a StagingDamagedError that says what to run."""
    expected = {part["file"]: part["bytes"] for part in manifest["staged"]}
    found = {path.name: path.stat().st_size for path in valid_parts(folder)}
    if found != expected:
        problems = [f"{name} missing" for name in sorted(expected.keys() - found.keys())]
        problems += [f"{name} not in the manifest" for name in sorted(found.keys() - expected.keys())]
        problems += [f"{name} is {found[name]} bytes, the manifest says {expected[name]}"
                     for name in sorted(expected.keys() & found.keys()) if found[name] != expected[name]]
        raise StagingDamagedError(damaged(day, folder, "; ".join(problems)))
    return [folder / VALID_DIR / name for name in sorted(expected)]


def damaged(day: date, folder: Path, detail: str) -> str:
    return (f"the staged rows of partition {day} in {folder} are damaged ({detail}); nothing was loaded. "
            f"Revalidate the day: clickstream validate --partition {day} (or rerun the DAG for it)")


class CheckedBatch(NamedTuple):
    """What a contract batch leaves besides its staged valid rows."""

    staged: dict[str, Any]  # the part file of its valid rows: name and rows
    quarantined: pl.DataFrame  # the bad rows, with their reasons and original text
    agent_rows: pl.DataFrame  # rows per user agent
    quarantined_count: int  # rows not staged (rows of rejected files included)
    null_referrers: int


def _check_batch(batch: pl.DataFrame, part: int, day: date, settings: Settings, folder: Path,
                 row_group: int) -> CheckedBatch:
    """One batch through the contract: its valid rows written to ``folder/valid/part-NNNNN.parquet`` in row groups
    of ``row_group`` rows; returns its quarantined rows, rows per user agent, and its quarantined and null-referrer
    counts."""
    checked = apply_contract(batch, day, settings.event_names, settings.conversion_events)
    checked = checked.with_columns(
        reason=pl.when(pl.col("file_has_required_columns")).then(pl.col("reason")).otherwise(pl.lit(REJECTED_FILE)),
    )
    valid = checked.filter(pl.col("reason").is_null()).select(NORMALISED_COLUMNS)
    # Snappy: DuckDB read it back in 0.35 s a million rows against 0.6 s for LZ4 on a slow machine, alike on a
    # faster one (0.18 to 0.2 s); both write alike.
    name = f"part-{part:05d}.parquet"
    valid.write_parquet(folder / VALID_DIR / name, compression="snappy", row_group_size=row_group)
    bad = (checked.filter(pl.col("reason").is_not_null() & pl.col("file_has_required_columns"))
           .select("source_file", pl.col(LINE_COLUMN).alias("line_number"), "reason", "reasons",
                   *(pl.col(f"raw_{column}").alias(column) for column in COLUMNS),
                   raw_line=pl.lit(None, dtype=pl.String)))
    return CheckedBatch({"file": name, "rows": valid.height}, _compacted(bad),
                        _compacted(checked.group_by("user_agent").len()), checked.height - valid.height,
                        checked["referrer"].null_count())


def _compacted(frame: pl.DataFrame) -> pl.DataFrame:
    """A copy of ``frame`` that holds only its own text. Polars' strings are views into the buffers of the
    column they were filtered or grouped from: a batch's few quarantined rows kept as they are would keep all of
    its text alive, and memory would grow with the file again (4,000,000 events: 2.2 GB instead of 1.1)."""
    buffer = frame.write_ipc(None)
    buffer.seek(0)
    return pl.read_ipc(buffer)


def _check_in_batches(frames: Iterator[pl.DataFrame], day: date, settings: Settings, folder: Path,
                      on_checked: Callable[[CheckedBatch], None]) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, int],
                                                                          list[dict[str, Any]]]:
    """Apply the contract to ``frames`` ``BATCH_ROWS`` rows at a time, writing each batch's valid rows to
    ``folder/valid/``, and hand each checked batch, in order, to ``on_checked``.

    The contract's working columns cost about twice the raw text; batches keep them to a slice, and the file is
    read a chunk at a time while they are checked, so that memory follows the chunk, not the file.
    ``CONTRACT_THREADS`` batches run at once: much of the contract is single-threaded work per column
    (and the JSON of event_data is Python), so two batches keep both cores busy; no more are read ahead than
    are checked. Polars writes each batch's file itself: streaming them into one file through pyarrow cost three
    times as much (its string layout is converted). Returns the quarantined rows, rows per user agent, the counts
    the gate needs, and the part files written (name, rows, bytes).
    """
    (folder / VALID_DIR).mkdir(parents=True)
    checked: list[CheckedBatch] = []
    rows = 0

    def collect(future: Future[CheckedBatch]) -> None:
        checked.append(future.result())
        on_checked(checked[-1])

    with ThreadPoolExecutor(max_workers=CONTRACT_THREADS) as pool:
        running: deque[Future[CheckedBatch]] = deque()
        for part, (batch, row_group) in enumerate(_batches(frames)):
            rows += batch.height
            running.append(pool.submit(_check_batch, batch, part, day, settings, folder, row_group))
            del batch
            if len(running) > CONTRACT_THREADS:
                collect(running.popleft())
        while running:
            collect(running.popleft())
    tally = {"rows": rows, "quarantined": sum(batch.quarantined_count for batch in checked),
             "null_referrer": sum(batch.null_referrers for batch in checked)}
    agents = pl.concat([batch.agent_rows for batch in checked]).group_by("user_agent").agg(pl.col("len").sum())
    staged = [{**batch.staged, "bytes": (folder / VALID_DIR / batch.staged["file"]).stat().st_size}
              for batch in checked]
    return pl.concat([batch.quarantined for batch in checked]), agents, tally, staged


def _aside(final: Path) -> Path:
    """Where a validation writes before it replaces ``final``: a sibling only this process uses."""
    return final.with_name(f".{final.name}.{socket.gethostname()}.{os.getpid()}.tmp")


def _remove_stale_asides(final: Path) -> None:
    """Folders left by validations of this partition on this host whose process is gone (killed): a new
    validation being written (``.tmp``), or the last one moved out of the way of it (``.old``)."""
    host = socket.gethostname()
    for folder in final.parent.glob(f".{final.name}.{host}.*"):
        pid = folder.name.rsplit(".", 2)[-2]
        if folder.suffix in (".tmp", ".old") and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _replace_folder(aside: Path, final: Path) -> None:
    """Put a finished validation in place of the last one: load sees the old folder or the new, never a mix
    (between the two renames it sees none, and says the partition is not validated)."""
    old = final.with_name(f".{final.name}.{socket.gethostname()}.{os.getpid()}.old")
    if final.exists():
        final.rename(old)
    aside.rename(final)
    shutil.rmtree(old, ignore_errors=True)


def _safe(text: str) -> str:
    """A run id as a file-name part."""
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in text)


def definition(settings: Settings) -> str:
    """What a validation's outcome depends on besides the files: the code that judges rows, the settings it reads,
    the quarantine suite and the user-agent parser's version. A validation under another definition is stale."""
    from clickstream.useragents import parser_version

    code = code_digest(*(Path(__file__).with_name(name) for name in VALIDATION_CODE))
    return digest([code, parser_version(), pl.__version__, gates.definition(quarantine_suite(settings)),
                   settings.event_names, settings.conversion_events])


def _unchanged(settings: Settings, day: date, paths: list[Path], current: str) -> dict[str, Any] | None:
    """The last validation's manifest when it passed over these very files (names and sha256) under the current
    definition and its staged rows are whole: validating again would write the same. Else None."""
    folder = staging_dir(settings, day)
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    if not manifest.get("passed") or manifest.get("definition") != current or "staged" not in manifest:
        return None
    if sorted((info["file"], info["sha256"]) for info in manifest["files"]) != sorted(
            (path.name, sha256_of(path)) for path in paths):
        return None
    try:
        verified_parts(folder, day, manifest)
    except StagingDamagedError:
        return None
    return manifest


def validate_partition(settings: Settings, day: date, run_id: str, full_refresh: bool = False) -> dict[str, Any]:
    """Validate one partition; raise ``GateFailedError`` when a critical quarantine check fails.

    Files already validated (same names and sha256, same definition, a passing and whole staging) are not
    validated again unless ``full_refresh``. The staged folder is written aside and renamed into place at the
    end: a validation killed or failing part-way leaves the last one (whole) where load reads it, never part
    of a new one.
    """
    started = time.perf_counter()
    paths = partitions.files_for(settings.raw_dir, day)
    if not paths:
        raise NoInputError(f"no raw file for partition {day} in {settings.raw_dir} (expected e.g. events_{day}.csv)")
    final = staging_dir(settings, day)
    final.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_asides(final)  # first: a validation that finds nothing to do still clears what a killed one left
    current = definition(settings)
    previous = None if full_refresh else _unchanged(settings, day, paths, current)
    if previous is not None:
        return {**previous, "status": "skipped_unchanged", "validated_by": previous["run_id"], "run_id": run_id,
                "reason": "same files (sha256) and rules as the last passing validation; full_refresh validates again",
                "seconds": round(time.perf_counter() - started, 3)}
    out = _aside(final)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    try:
        summary, report, rejected = _validate_into(out, settings, day, run_id, paths)
        summary.update(status="validated", definition=current, seconds=round(time.perf_counter() - started, 3))
        (out / MANIFEST).write_text(json.dumps(summary, indent=2))
        _replace_folder(out, final)
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        raise
    if not summary["passed"]:
        gates.update_data_docs(settings.gx_dir)  # the on-call opens the failed run's page; passing runs: on demand
        raise gates.GateFailedError(report, extra=rejected)
    return summary


def _validate_into(out: Path, settings: Settings, day: date, run_id: str,
                   paths: list[Path]) -> tuple[dict[str, Any], gates.GateReport, list[str]]:
    """The work of ``validate_partition``, staging into ``out``: its summary, gate report and rejected files."""
    suite = quarantine_suite(settings)
    # Beside Polars, which releases the GIL: the files' sha256, the GX project's setup and the user agents'
    # classification (about 1 s together on a 1,000,000-row day, most of it Python holding one core).
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="validate-background") as background:
        digests = [background.submit(sha256_of, path) for path in paths]
        gate_ready = background.submit(gates.prepare, QUARANTINE, suite, settings.gx_dir)
        flags: list[Future[pl.DataFrame]] = []
        classified = pl.Series("user_agent", [], dtype=pl.String)

        def classify_new_agents(batch: CheckedBatch) -> None:  # each distinct agent once, beside the contract
            nonlocal classified
            agents = batch.agent_rows["user_agent"].drop_nulls()
            new = agents.filter(~agents.is_in(classified.implode()))
            if new.len():
                classified = pl.concat([classified, new])
                flags.append(background.submit(_agent_flags, new))

        rejected: dict[str, str] = {}
        while True:
            files: list[dict[str, Any]] = []
            lines: list[pl.DataFrame] = []
            try:
                quarantined, agent_rows, tally, staged = _check_in_batches(
                    _partition_rows(paths, files, lines, rejected), day, settings, out, classify_new_agents)
                break
            except _RejectedLate as late:  # its rows are counted from the start, as a file rejected by its header
                rejected[late.file] = late.message
                shutil.rmtree(out / VALID_DIR)
        malformed = _as_quarantined(pl.concat([_NO_LINES.with_columns(source_file=pl.lit(None, pl.String)), *lines]))
        quarantined = pl.concat([quarantined, malformed]).sort("source_file", "line_number")
        tally = {**tally, "rows": tally["rows"] + malformed.height,
                 "quarantined": tally["quarantined"] + malformed.height}
        quarantined.write_parquet(out / "quarantine.parquet")
        settings.quarantine_dir.mkdir(parents=True, exist_ok=True)
        quarantine_csv = settings.quarantine_dir / f"{day}.csv"
        replace_with(quarantine_csv, quarantined.with_columns(reasons=pl.col("reasons").list.join("|")).write_csv)

        figures = gate_figures(tally, agent_rows, _concat_flags([future.result() for future in flags]), files)
        gate_ready.result()  # the GX objects are set up (run_suite would otherwise set them up a second time)
        report = gates.run_suite(QUARANTINE, suite, figures, day, run_id, settings.gx_dir, settings.gx_keep_days)
        for info, digest in zip(files, digests, strict=True):
            info["sha256"] = digest.result()
    # Not into the warehouse: load records it (validate never waits for another run's writer).
    gate_file = gates.save_pending(report, settings.gates_dir / f"{day}_{QUARANTINE}_{_safe(run_id)}.json")

    by_reason = quarantined.group_by("reason").len().sort("reason")
    by_file = dict(quarantined.group_by("source_file").len().iter_rows())
    for info in files:
        info["quarantined"] = by_file.get(info["file"], 0)
    rejected = [info["rejected"] for info in files if info["rejected"]]
    summary = {
        "partition_date": day.isoformat(),
        "run_id": run_id,
        "files": files,
        "rows_read": tally["rows"],
        "rows_valid": figures["valid_rows"],
        "rows_quarantined": quarantined.height,
        "quarantined_by_reason": dict(by_reason.iter_rows()),
        "rows_in_rejected_files": figures["rows_in_rejected_files"],
        "quarantine_csv": str(quarantine_csv),
        "staged": staged,
        "gate": report.summary(),
        "gate_file": str(gate_file),
        "passed": not report.critical_failures and not rejected,
    }
    return summary, report, rejected
