"""Issue 29, target 1: a day of any size validated in bounded memory.

One day's file of each size (``command.MEMORY_DAY_EVENTS`` by default: 4,000,000 and 16,000,000 events) is
validated as a user runs it (``clickstream validate --partition D --full-refresh`` in a fresh data dir on the
cached file), beside a process that only imports what validate imports, and beside DuckDB's plain import of the
same file into a table of a database file (``CREATE TABLE t AS SELECT * FROM read_csv(..., all_varchar =
true)``), in the same run. Each is timed whole from the outside with its peak RSS. The target: validate's peak
at most 1 GB above its imports.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

from clickstream.bench import progress
from clickstream.bench.data import START, dataset_folder, ensure_dataset, fresh_data_dir
from clickstream.bench.processes import run_command
from clickstream.bench.real_size import IMPORTS, clickstream, imports_only, measured, process
from clickstream.bench.tables import format_table

ABOVE_IMPORTS_MB = 1024.0
PLAIN_IMPORT = ("import sys, duckdb; path = sys.argv[2].replace(\"'\", \"''\"); "
                "duckdb.connect(sys.argv[1]).execute("
                "f\"CREATE TABLE t AS SELECT * FROM read_csv('{path}', all_varchar = true)\")")
HEADER = ["events (file)", "validate s", "validate peak MB", "imports alone MB", "beyond imports MB", "target",
          "DuckDB plain import s", "its peak MB", "verdict"]


def bench_bounded_memory(out: Path, size: int) -> dict[str, Any]:
    """Validate one day's file of ``size`` events, its imports alone and DuckDB's plain import of it."""
    dataset = ensure_dataset(out, size, days=1)
    raw = Path(dataset["raw_dir"])
    [entry] = dataset["files"]
    folder = dataset_folder(out, size, 1) / "bounded_memory"
    logs = folder / "logs"
    data_dir = fresh_data_dir(folder / "data", raw)
    progress.step(f"clickstream validate ({size:,} events, one day)")
    validate = measured(run_command(clickstream("--data-dir", str(data_dir), "validate", "--partition",
                                                START.isoformat(), "--full-refresh"), logs / "validate.log"))
    imports = imports_only(IMPORTS["validate"], logs / "validate_imports.log")
    shutil.rmtree(data_dir, ignore_errors=True)  # its staged rows: as large as a third of the file
    database = folder / "plain_import.duckdb"
    database.unlink(missing_ok=True)
    progress.step("DuckDB's plain import of the same file")
    plain = measured(run_command([sys.executable, "-c", PLAIN_IMPORT, str(database), str(raw / entry["file"])],
                                 logs / "plain_import.log"))
    database.unlink(missing_ok=True)
    return {"events": size, "file_bytes": entry["bytes"], "validate": process(validate),
            "imports": process(imports), "plain_import": process(plain)}


def judged(entry: dict[str, Any]) -> dict[str, Any]:
    """The entry's validate peak beyond its imports, and whether it is within ABOVE_IMPORTS_MB (None: not
    measured, a process having failed)."""
    validate, imports = entry["validate"], entry["imports"]
    beyond = round(validate["peak_rss_mb"] - imports["peak_rss_mb"], 1) if validate["ok"] and imports["ok"] else None
    return {"beyond_imports_mb": beyond, "met": None if beyond is None else beyond <= ABOVE_IMPORTS_MB}


def rows(entries: list[dict[str, Any]]) -> list[list[str]]:
    table = []
    for entry in entries:
        verdict = judged(entry)
        beyond, plain = verdict["beyond_imports_mb"], entry["plain_import"]
        table.append([
            f"{entry['events']:,} ({entry['file_bytes'] / 1e9:.1f} GB)",
            f"{entry['validate']['seconds']:.1f}", f"{entry['validate']['peak_rss_mb']:,.0f}",
            f"{entry['imports']['peak_rss_mb']:,.0f}", "-" if beyond is None else f"{beyond:,.0f}",
            f"<= {ABOVE_IMPORTS_MB:,.0f}",
            f"{plain['seconds']:.1f}" if plain["ok"] else "failed", f"{plain['peak_rss_mb']:,.0f}",
            {None: "not measured", True: "met", False: "MISSED"}[verdict["met"]],
        ])
    return table


def table(entries: list[dict[str, Any]], markdown: bool = False) -> str:
    return format_table(rows(entries), HEADER, markdown=markdown, right=frozenset(range(1, 8)))
