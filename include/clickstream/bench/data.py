"""The benchmark's data sets: generated once by the generator, cached under ``OUT/data/<size>/`` keyed by its
arguments, and fresh pipeline data dirs that read them."""

from __future__ import annotations

import json
import shutil
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from clickstream.bench.processes import run_child

DAYS = 14
START = date(2025, 2, 23)
SEED = 7
PROFILE = "default"


def days_of(count: int = DAYS) -> list[date]:
    return [START + timedelta(days=i) for i in range(count)]


def generator_arguments(size: int, days: int = DAYS) -> dict[str, Any]:
    from clickstream.generate.run import GENERATOR_VERSION

    return {"version": GENERATOR_VERSION, "start": START.isoformat(), "days": days,
            "events_per_day": size // days, "seed": SEED, "profile": PROFILE}


def dataset_folder(out: Path, size: int, days: int = DAYS) -> Path:
    return out / "data" / (str(size) if days == DAYS else f"{size}_in_{days}_day")


def ensure_dataset(out: Path, size: int, days: int = DAYS) -> dict[str, Any]:
    """The raw files of a data set, generated in a child process unless the cache under ``out/data/<size>``
    was written with the same generator arguments and still holds every file at its recorded size."""
    folder = dataset_folder(out, size, days)
    raw = folder / "raw"
    key_path = folder / "dataset.json"
    arguments = generator_arguments(size, days)
    if key_path.exists():
        cached = json.loads(key_path.read_text())
        intact = all((raw / entry["file"]).is_file() and (raw / entry["file"]).stat().st_size == entry["bytes"]
                     for entry in cached.get("files", []))
        if cached.get("generator") == arguments and intact and cached.get("files"):
            print(f"data: cached {raw} ({cached['rows_written']:,} rows)", file=sys.stderr, flush=True)
            return {**cached, "cached": True}
    key_path.unlink(missing_ok=True)
    shutil.rmtree(raw, ignore_errors=True)
    raw.mkdir(parents=True)
    spec = {"task": "generate", "out_dir": str(folder), "arguments": arguments}
    result = run_child(spec, folder / "logs" / "generate.log", progress=(raw, days, f"generating {size:,} events"))
    if not result["ok"]:
        raise SystemExit(f"clickstream bench: generating {size:,} events failed; see {result['log']}")
    summary = result["detail"]
    dataset = {
        "generator": arguments,
        "raw_dir": str(raw),
        "rows_written": summary["rows_written"],
        "files": [{"file": entry["file"], "rows": entry["rows"], "bytes": (raw / entry["file"]).stat().st_size}
                  for entry in summary["files"]],
        "generate_seconds": result["seconds"],
        "generate_peak_rss_mb": result["peak_rss_mb"],
    }
    key_path.write_text(json.dumps(dataset, indent=2) + "\n")
    return {**dataset, "cached": False}


def fresh_data_dir(folder: Path, raw: Path) -> Path:
    """An empty pipeline data dir whose raw/ is the cached data set (a symlink: nothing writes to raw/)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "raw").symlink_to(raw.resolve(), target_is_directory=True)
    return folder
