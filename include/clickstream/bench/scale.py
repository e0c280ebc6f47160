"""Scenario: every stage at scale (issue 9), each in a fresh process whose peak memory is its own.

A data set of N events over 14 days: validate and load (all 14 partitions), transform as a full rebuild and as
a one-day incremental run (the last day), analyze and monitor (the last day); the baseline on the first day's
file. A one-day file (issue 4's million events) runs validate and load only, beside the baseline on that file.
Seconds are the stage's work inside its process; its start and imports are measured apart (``startup_s``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from clickstream.bench import progress
from clickstream.bench.data import DAYS, dataset_folder, days_of, ensure_dataset, fresh_data_dir
from clickstream.bench.processes import run_child
from clickstream.bench.tables import format_table

HEADER = ["stage", "scope", "rows", "seconds", "rows/s", "peak RSS MB"]


def bench_dataset(out: Path, size: int, airflow: bool, day_count: int = DAYS) -> dict[str, Any]:
    """Every stage over a data set of ``day_count`` days; a one-day set runs validate and load only."""
    dataset = ensure_dataset(out, size, day_count)
    folder = dataset_folder(out, size, day_count)
    raw = Path(dataset["raw_dir"])
    days = days_of(day_count)
    last = days[-1]
    data_dir = fresh_data_dir(folder / "run", raw)
    logs = folder / "logs"
    common = {"data_dir": str(data_dir), "days": [day.isoformat() for day in days], "last": last.isoformat()}
    partitions = f"{day_count} partitions" if day_count > 1 else "1 partition"
    plan = [("validate", partitions), ("load", partitions)]
    if day_count > 1:
        plan += [
            ("transform_full", "full rebuild"),
            ("transform_incremental", f"incremental, {last}"),
            ("analyze", f"report for {last}"),
            ("monitor", f"watchdog for {last}"),
        ]
    stages = []
    for name, scope in plan:
        progress.step(name)
        result = run_child({"task": name, **common}, logs / f"{name}.log")
        result.update(stage=name, scope=scope)
        stages.append(result)
        progress.done(f"{result['seconds']:.1f} s" if result["ok"] else f"FAILED (see {result['log']})")
        if not result["ok"]:
            break  # later stages need this one's output
    # The baseline reads the first day's file (the same file validate read first).
    first_file = raw / dataset["files"][0]["file"]
    progress.step("baseline (row by row)")
    baseline = run_child({"task": "baseline", "file": str(first_file), "day": days[0].isoformat(),
                          "warehouse": str(folder / "baseline.duckdb")}, logs / "baseline.log")
    baseline.update(stage="baseline", scope=f"1 file ({first_file.name}), csv + Pydantic + DuckDB batches")
    progress.done(f"{baseline['seconds']:.1f} s" if baseline["ok"] else f"FAILED (see {baseline['log']})")
    airflow_result = None
    if airflow:
        from clickstream.bench.airflow_run import airflow_run

        airflow_result = airflow_run(out, folder, raw, common["days"], dataset["rows_written"])
    return {
        "events": size,
        "days": day_count,
        "rows_in_files": dataset["rows_written"],
        "files": len(dataset["files"]),
        "bytes": sum(entry["bytes"] for entry in dataset["files"]),
        "generator": dataset["generator"],
        "cached": dataset["cached"],
        "generate_seconds": dataset.get("generate_seconds"),
        "stages": stages,
        "validate_load": validate_and_load(stages, baseline),
        "baseline": baseline,
        "airflow": airflow_result,
    }


def validate_and_load(stages: list[dict[str, Any]], baseline: dict[str, Any]) -> dict[str, Any] | None:
    """Validate and load together, with their rows/s as a multiple of the baseline's (rows/s: the baseline
    measured one file of the set)."""
    by_name = {stage["stage"]: stage for stage in stages}
    if not (by_name.get("validate", {}).get("ok") and by_name.get("load", {}).get("ok")):
        return None
    seconds = by_name["validate"]["seconds"] + by_name["load"]["seconds"]
    rows = by_name["validate"]["rows"]
    combined = {"rows": rows, "seconds": round(seconds, 3), "rows_per_s": round(rows / seconds) if seconds else None}
    if baseline["ok"] and baseline["rows_per_s"] and combined["rows_per_s"]:
        combined["baseline_rows_per_s"] = baseline["rows_per_s"]
        # Three significant digits: at small sizes the gate's fixed cost makes the ratio well under 0.1.
        combined["ratio_to_baseline"] = float(f"{combined['rows_per_s'] / baseline['rows_per_s']:.3g}")
    return combined


def stage_rows(dataset: dict[str, Any]) -> list[list[str]]:
    """The table rows of one data set: stage, scope, rows, seconds, rows/s, peak RSS."""
    entries = [*dataset["stages"]]
    if dataset["validate_load"]:
        combined = dataset["validate_load"]
        entries.insert(2, {"stage": "validate + load", "scope": "", "ok": True, "rows": combined["rows"],
                           "seconds": combined["seconds"], "rows_per_s": combined["rows_per_s"],
                           "peak_rss_mb": None})
    entries.append(dataset["baseline"])
    if dataset.get("airflow"):
        entries.append(dataset["airflow"])
    lines = []
    for entry in entries:
        ok = entry["ok"]
        lines.append([
            entry["stage"],
            entry.get("scope", ""),
            f"{entry['rows']:,}" if ok else "-",
            f"{entry['seconds']:.2f}" if ok else "FAILED",
            f"{entry['rows_per_s']:,}" if ok and entry.get("rows_per_s") else "-",
            f"{entry['peak_rss_mb']:,.0f}" if ok and entry.get("peak_rss_mb") else "-",
        ])
    return lines


def dataset_label(dataset: dict[str, Any]) -> str:
    if dataset["days"] == 1:
        return f"one {dataset['events']:,}-event day file"
    return f"{dataset['events']:,} events"


def print_dataset(dataset: dict[str, Any]) -> None:
    generated = "cached" if dataset["cached"] else f"generated in {dataset['generate_seconds']:.0f} s"
    print(f"\n{dataset_label(dataset)}: {dataset['rows_in_files']:,} rows in {dataset['files']} files, "
          f"{dataset['bytes'] / 2**20:,.0f} MiB ({generated})")
    print(format_table(stage_rows(dataset), HEADER))
    combined = dataset["validate_load"]
    if combined and combined.get("ratio_to_baseline"):
        print(f"validate + load: {combined['rows_per_s']:,} rows/s = {combined['ratio_to_baseline']}x the row-by-row "
              f"baseline ({combined['baseline_rows_per_s']:,} rows/s)")
    sys.stdout.flush()


def markdown(dataset: dict[str, Any]) -> str:
    return (f"**{dataset_label(dataset)}** ({dataset['rows_in_files']:,} rows in {dataset['files']} files, "
            f"{dataset['bytes'] / 2**20:,.0f} MiB)\n\n" + format_table(stage_rows(dataset), HEADER, markdown=True))
