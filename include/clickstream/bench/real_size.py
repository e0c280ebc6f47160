"""Scenario: the shop's real size (issue 21), timed as a user waits for it.

At about 3,500 events a day the pipeline's time is almost all fixed cost: interpreter start, imports, opening
the warehouse, the gates. So every figure here is a whole process timed from the outside, its start and its
imports included, beside the row-by-row baseline (``clickstream.bench.baseline``) timed the same way on the
same files. For each data set (14 days of N events, default 3,500 and 28,000, cached like the others):

- ``clickstream run`` over the 14 days in a fresh data dir; each output line is timestamped on arrival, so a
  stage's seconds are the time since the line before (its ``seconds=`` figures are kept too);
- a second ``clickstream run`` over the unchanged files, every line expected to say ``status=skipped_unchanged``;
- ``clickstream validate`` then ``clickstream load`` over the 14 days in another fresh data dir, one process each;
- the baseline over the 14 files as one process: its ingest (start-up included) and its sessions apart.

For the first (smallest) set also: the last day as five processes ``clickstream <stage> --partition D
--full-refresh`` after ``clickstream run`` of the 13 days before it, each beside a process that only imports
what that stage imports (and, for the GX stages, one that imports ``great_expectations`` alone), and the
baseline on that day's file.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from clickstream.bench import progress
from clickstream.bench.data import DAYS, days_of, ensure_dataset, fresh_data_dir
from clickstream.bench.processes import run_command

STAGES = ("validate", "load", "transform", "analyze", "monitor")
GX_STAGES = ("validate", "monitor")
# What each stage's process imports, from reading the modules (checked with ``python -X importtime``): the
# CLI, the stage's module and what it imports inside its functions.
IMPORTS = {
    "validate": ("clickstream.cli", "clickstream.validate", "clickstream.useragents", "great_expectations",
                 "ua_parser"),
    "load": ("clickstream.cli", "clickstream.load"),
    "transform": ("clickstream.cli", "clickstream.transform", "polars"),
    "analyze": ("clickstream.cli", "clickstream.analyze", "jinja2"),
    "monitor": ("clickstream.cli", "clickstream.monitor", "clickstream.analyze", "great_expectations", "jinja2"),
}
# A day, or first..last for the one transform of the days a run loaded.
LINE = re.compile(r"^(\d{4}-\d{2}-\d{2}(?:\.\.\d{4}-\d{2}-\d{2})?) (\w+)\s+ok\s+(.*)$")
FIELD = re.compile(r"(\w+)=(\S+)")


def clickstream(*args: str) -> list[str]:
    """The command a user runs: the ``clickstream`` script beside this interpreter."""
    script = Path(sys.executable).with_name("clickstream")
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "clickstream.cli", *args]


def parse_run(lines: list[tuple[float, str]]) -> list[dict[str, Any]]:
    """``clickstream run``'s lines: day, stage, fields, and the seconds since the line before (the stage's
    time as the user sees it; the first line's includes the process start and the imports)."""
    parsed, previous = [], 0.0
    for at, text in lines:
        found = LINE.match(text)
        if not found:
            continue
        fields = dict(FIELD.findall(found.group(3)))
        parsed.append({"day": found.group(1), "stage": found.group(2), "status": fields.get("status"),
                       "reported_s": float(fields["seconds"]) if "seconds" in fields else None,
                       "gap_s": round(at - previous, 3)})
        previous = at
    return parsed


def summarise_run(result: dict[str, Any], partitions: int) -> dict[str, Any]:
    """A whole ``clickstream run``: its wall seconds and peak RSS, and per stage the seconds between lines and
    the sum of its ``seconds=``; analyze's and monitor's mean and worst seconds per partition."""
    parsed = parse_run(result["lines"])
    lines = [line for line in parsed if line["stage"] in STAGES]
    publish = [line for line in parsed if line["stage"] == "publish"]  # the Iceberg tables, once at the end
    by_stage: dict[str, list[dict[str, Any]]] = {stage: [] for stage in STAGES}
    for line in lines:
        by_stage[line["stage"]].append(line)
    statuses = [line["status"] for line in lines]
    first_reported = lines[0]["reported_s"] if lines and lines[0]["reported_s"] is not None else 0.0
    return {
        "ok": result["ok"] and len(lines) == partitions * (len(STAGES) - 1) + 1,  # one transform for all days
        "seconds": result["seconds"],
        "peak_rss_mb": result["peak_rss_mb"],
        "lines": len(lines),
        "startup_s": round(lines[0]["gap_s"] - first_reported, 3) if lines else None,
        "after_last_line_s": round(result["seconds"] - result["lines"][-1][0], 3) if result["lines"] else None,
        "stage_seconds": {stage: round(sum(line["gap_s"] for line in entries), 3)
                          for stage, entries in by_stage.items()},
        "publish_s": round(sum(line["gap_s"] for line in publish), 3) if publish else None,
        "reported_seconds": {stage: round(sum(line["reported_s"] or 0.0 for line in entries), 3)
                             for stage, entries in by_stage.items()
                             if any(line["reported_s"] is not None for line in entries)},
        "per_partition": {stage: {"mean_s": round(sum(line["gap_s"] for line in by_stage[stage]) / partitions, 3),
                                  "max_s": max((line["gap_s"] for line in by_stage[stage]), default=None)}
                          for stage in ("analyze", "monitor") if by_stage[stage]},
        "statuses": {status: statuses.count(status) for status in sorted(set(statuses), key=str)},
        "all_skipped": bool(lines) and all(status == "skipped_unchanged" for status in statuses),
        "not_skipped": [f"{line['day']} {line['stage']} status={line['status']}" for line in lines
                        if line["status"] != "skipped_unchanged"][:10],
        "log": result["log"],
    }


def process(result: dict[str, Any]) -> dict[str, Any]:
    return {key: result[key] for key in ("ok", "seconds", "peak_rss_mb", "log")}


def baseline_job(files: list[Path], warehouse: Path, log: Path) -> dict[str, Any]:
    """The row-by-row job as one process; ingest is its wall time but for its sessions query."""
    result = run_command([sys.executable, "-m", "clickstream.bench.baseline", "--warehouse", str(warehouse),
                          *map(str, files)], log)
    figures = json.loads(result["lines"][-1][1]) if result["ok"] and result["lines"] else {}
    ingest = round(result["seconds"] - figures["sessions_s"], 3) if figures else None
    return {**process(result), **figures, "ingest_wall_s": ingest}


def measured(result: dict[str, Any]) -> dict[str, Any]:
    """The result, its seconds shown after the step's label."""
    progress.done(f"{result['seconds']:.1f} s" if result["ok"] else f"FAILED (see {result['log']})")
    return result


def bench_real_size(out: Path, events_per_day: int, one_day: bool) -> dict[str, Any]:
    """Every figure of one real-size data set; ``one_day`` adds the last day as five processes."""
    dataset = ensure_dataset(out, events_per_day * DAYS)
    raw = Path(dataset["raw_dir"])
    files = [raw / entry["file"] for entry in dataset["files"]]
    folder = out / "data" / "real_size" / str(events_per_day)
    logs = folder / "logs"
    run_dir = fresh_data_dir(folder / "run", raw)

    progress.step("clickstream run (14 days)")
    first = measured(run_command(clickstream("--data-dir", str(run_dir), "run"), logs / "run_first.log"))
    progress.step("clickstream run again (unchanged)")
    second = measured(run_command(clickstream("--data-dir", str(run_dir), "run"), logs / "run_second.log"))
    loaded_dir = fresh_data_dir(folder / "validate_load", raw)
    progress.step("clickstream validate (14 days)")
    validate = measured(run_command(clickstream("--data-dir", str(loaded_dir), "validate"),
                                                logs / "validate.log"))
    progress.step("clickstream load (14 days)")
    load = measured(run_command(clickstream("--data-dir", str(loaded_dir), "load"), logs / "load.log"))
    progress.step("baseline (row by row, 14 files)")
    baseline = baseline_job(files, folder / "baseline.duckdb", logs / "baseline.log")
    measured(baseline)
    both = validate["ok"] and load["ok"]
    return {
        "events_per_day": events_per_day,
        "days": DAYS,
        "rows_in_files": dataset["rows_written"],
        "files": len(files),
        "cached": dataset["cached"],
        "first_run": summarise_run(first, DAYS),
        "second_run": summarise_run(second, DAYS),
        "validate": process(validate),
        "load": process(load),
        "validate_load_s": round(validate["seconds"] + load["seconds"], 3) if both else None,
        "baseline": baseline,
        "one_day": bench_one_day(folder, raw, files[-1]) if one_day else None,
    }


def imports_only(modules: tuple[str, ...], log: Path) -> dict[str, Any]:
    """A process that imports ``modules`` and ends: what the stage's process costs before its work."""
    return process(run_command([sys.executable, "-c", import_code(modules)], log))


def import_code(modules: tuple[str, ...]) -> str:
    """Python that imports ``modules``, Great Expectations as the stages import it (``clickstream.gx_import``)."""
    return "; ".join("from clickstream.gx_import import import_great_expectations; import_great_expectations()"
                     if name == "great_expectations" else f"import {name}" for name in modules)


def bench_one_day(folder: Path, raw: Path, last_file: Path) -> dict[str, Any]:
    """The last day as five processes after the 13 days before it were run, each beside its imports alone."""
    days = days_of(DAYS)
    day = days[-1].isoformat()
    data_dir = fresh_data_dir(folder / "one_day", raw)
    logs = folder / "logs" / "one_day"
    progress.step(f"clickstream run (13 days up to {days[-2]})")
    setup = measured(run_command(clickstream("--data-dir", str(data_dir), "run", "--end",
                                                      days[-2].isoformat()), logs / "run_13_days.log"))
    stages = []
    for stage in STAGES:
        progress.step(f"clickstream {stage} --partition {day}")
        result = measured(run_command(clickstream("--data-dir", str(data_dir), stage, "--partition", day,
                                                         "--full-refresh"), logs / f"{stage}.log"))
        alone = imports_only(IMPORTS[stage], logs / f"{stage}_imports.log")
        entry = {"stage": stage, **process(result), "imports": list(IMPORTS[stage]),
                 "imports_s": alone["seconds"], "imports_peak_rss_mb": alone["peak_rss_mb"], "imports_ok": alone["ok"],
                 "beyond_imports_s": round(result["seconds"] - alone["seconds"], 3),
                 "beyond_imports_mb": round(result["peak_rss_mb"] - alone["peak_rss_mb"], 1)}
        if stage in GX_STAGES:
            gx = imports_only(("great_expectations",), logs / f"{stage}_gx_import.log")
            entry.update(gx_import_s=gx["seconds"], beyond_gx_import_s=round(result["seconds"] - gx["seconds"], 3))
        stages.append(entry)
    progress.step(f"baseline (row by row, {last_file.name})")
    baseline = baseline_job([last_file], folder / "baseline_one_day.duckdb", logs / "baseline.log")
    measured(baseline)
    ok = setup["ok"] and all(entry["ok"] and entry["imports_ok"] for entry in stages)
    return {"day": day, "ok": ok, "setup": process(setup), "stages": stages,
            "seconds": round(sum(entry["seconds"] for entry in stages), 3), "baseline": baseline}
