"""What publishing costs as the warehouse grows: a backfill of N days, each day one whole ``clickstream run
--partition D`` process (every stage, publish last, as a DAG run does), beside what the full copy of the warehouse
that publishing replaced would have written after the same day (``analytics.duckdb`` was a copy of the
checkpointed warehouse file: its size, and the time a copy of it takes, measured here after each day).

``python -m clickstream.bench.publish_growth --days 28 --events-per-day 3500 --out /tmp/growth`` prints one row a
day and the snapshots each table holds at the end (docs/performance.md, "Publishing").
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

PUBLISHED = re.compile(r" publish +ok +status=(?P<status>\w+)(?: tables_published=(?P<tables>\d+) "
                       r"days_written=(?P<days>\d+) bytes_written=(?P<bytes>\d+))? .*seconds=(?P<seconds>[\d.]+)")


def _folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def run(out: Path, days: int, events_per_day: int, start: date = date(2025, 2, 1)) -> list[dict]:
    """Generate ``days`` days into ``out`` and run each through every stage in its own process; one row a day."""
    from clickstream.generate import generate

    shutil.rmtree(out, ignore_errors=True)
    generate(out, start, days, events_per_day=events_per_day, seed=7, truth=False)
    rows = []
    for index in range(days):
        day = start + timedelta(days=index)
        began = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "clickstream.cli", "--data-dir", str(out), "run", "--partition",
                               day.isoformat()], capture_output=True, text=True, check=True)
        whole = time.perf_counter() - began
        published = PUBLISHED.search(done.stdout)
        warehouse = out / "warehouse.duckdb"
        copied = out / ".full-copy.duckdb"
        began = time.perf_counter()
        shutil.copyfile(warehouse, copied)  # what the full copy wrote after this day
        copy_seconds = time.perf_counter() - began
        copied.unlink()
        rows.append({"day": day.isoformat(), "run_s": round(whole, 2), "status": published["status"],
                     "tables": int(published["tables"] or 0), "days_written": int(published["days"] or 0),
                     "publish_bytes": int(published["bytes"] or 0), "publish_s": float(published["seconds"]),
                     "warehouse_bytes": warehouse.stat().st_size, "full_copy_s": round(copy_seconds, 3),
                     "iceberg_bytes": _folder_bytes(out / "iceberg")})
    return rows


def snapshots(out: Path) -> dict[str, list[tuple[int, int]]]:
    """Each table's snapshots, oldest first: the days it rewrote and the bytes of the files it added."""
    from clickstream.iceberg import open_catalog
    from clickstream.published import TABLES
    from clickstream.settings import get_settings

    settings = get_settings(data_dir=out)
    catalog = open_catalog(settings)
    found = {}
    for table in TABLES:
        loaded = catalog.load_table(f"{settings.iceberg_namespace}.{table.name}")
        found[table.name] = [(len(s.summary["clickstream.days"].split(",")), int(s.summary["added-files-size"] or 0))
                             for s in sorted(loaded.snapshots(), key=lambda s: s.timestamp_ms)]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--events-per-day", type=int, default=3500)
    parser.add_argument("--out", type=Path, required=True, help="a scratch data dir (emptied first)")
    args = parser.parse_args(argv)
    rows = run(args.out, args.days, args.events_per_day)
    print("| day | run, s | publish, s | tables | days written | bytes written | full copy, bytes | full copy, s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        print(f"| {row['day']} | {row['run_s']} | {row['publish_s']} | {row['tables']} | {row['days_written']} | "
              f"{row['publish_bytes']:,} | {row['warehouse_bytes']:,} | {row['full_copy_s']} |")
    print("| table | snapshots | days rewritten per run (first, median, last) | bytes per run (median, last) |")
    print("| --- | --- | --- | --- |")
    for name, kept in snapshots(args.out).items():
        days, sizes = [d for d, _ in kept], sorted(b for _, b in kept)
        print(f"| {name} | {len(kept)} | {days[0]}, {sorted(days)[len(days) // 2]}, {days[-1]} | "
              f"{sizes[len(sizes) // 2]:,}, {kept[-1][1]:,} |")
    print(f"iceberg folder at the end: {rows[-1]['iceberg_bytes']:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
