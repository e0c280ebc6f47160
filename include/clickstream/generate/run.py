"""``generate``: write the sample files one day at a time, then the truth read back from them."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from random import Random

import numpy as np
import polars as pl

from clickstream.generate.defects import inject
from clickstream.generate.journeys import Journeys, untie
from clickstream.generate.people import mix64_int
from clickstream.generate.profiles import PROFILES
from clickstream.generate.rows import DAY_MS, day_ms, frame_of
from clickstream.generate.writer import plan_styles, write_file

GENERATOR_VERSION = 1
# Traffic by weekday (Monday first): mattress shopping peaks at the weekend.
WEEKDAY_FACTORS = (0.96, 0.94, 0.95, 0.97, 1.0, 1.06, 1.08)
_OWN_NAME = re.compile(r"^events_\d{4}-\d{2}-\d{2}\.csv$")


def file_name(day: date) -> str:
    return f"events_{day.isoformat()}.csv"


def _prepare(raw: Path, names: list[str]) -> list[str]:
    """Remove files an earlier run of the generator left that this run does not write.

    Anything else ending in .csv would be loaded by the pipeline yet be missing from the truth, so it
    stops the run instead of being deleted.
    """
    foreign = sorted(p.name for p in raw.glob("*.csv") if p.name not in names and not _OWN_NAME.match(p.name))
    if foreign:
        raise ValueError(f"{raw} holds CSV files the generator did not write: {', '.join(foreign)}; "
                         "the truth would not describe them. Move them away or use another --out.")
    stale = sorted(p for p in raw.glob("events_*.csv") if p.name not in names and _OWN_NAME.match(p.name))
    for path in stale:
        path.unlink()
    return [path.name for path in stale]


def generate(out_dir: Path | str, start: date, days: int, events_per_day: int, seed: int,
             profile: str = "default", truth: bool = True) -> dict:
    """Write ``out_dir/raw/events_YYYY-MM-DD.csv`` for each day and ``out_dir/truth.json``; return a summary.

    Same arguments, same bytes. Memory holds one day's rows (plus the few that move on to the next
    day), so the run size is bounded by ``events_per_day``, not by ``days``. The truth re-reads the
    files in plain Python (about 10,000 rows a second): pass ``truth=False`` for big runs.
    """
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    if days < 1 or events_per_day < 1:
        raise ValueError("days and events_per_day must be at least 1")
    began = time.perf_counter()
    chosen = PROFILES[profile]
    out_dir = Path(out_dir)
    raw = out_dir / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    dates = [start + timedelta(days=i) for i in range(days)]
    names = [file_name(day) for day in dates]
    removed = _prepare(raw, names)
    truth_path = out_dir / "truth.json"
    truth_path.unlink(missing_ok=True)

    salt = mix64_int(seed ^ 0xC11C57)
    styles = plan_styles(Random(mix64_int(salt ^ 1)), days, chosen)
    journeys = Journeys(salt, chosen)
    carried = incoming = frame_of([])
    files = []
    injected: Counter = Counter()
    for i, day in enumerate(dates):
        rng = np.random.default_rng([salt, i])
        day_start = day_ms(day)
        day_end = day_start + DAY_MS
        has_next = i < days - 1
        target = max(1, round(events_per_day * WEEKDAY_FACTORS[day.weekday()]))
        batch = untie(pl.concat([carried, journeys.day(rng, day_start, target, has_next, i == days // 2)]))
        before_midnight = pl.col("ts") < day_end
        own = batch.filter(before_midnight)
        carried = batch.filter(~before_midnight) if has_next else batch.clear()
        del batch
        result = inject(Random(int(rng.integers(1 << 62))), own, incoming, chosen, day_end, has_next)
        del own
        incoming = pl.concat([result.late, result.redelivered])
        rows = write_file(raw / names[i], result.rows, styles[i])
        injected.update(result.counts)
        files.append({"file": names[i], "partition": day.isoformat(), "rows": rows, **styles[i].describe(),
                      "injected": dict(sorted(result.counts.items()))})
        del result
    generated_s = time.perf_counter() - began
    rows_written = sum(entry["rows"] for entry in files)
    summary = {
        "out_dir": str(out_dir),
        "raw_dir": str(raw),
        "generator": {"version": GENERATOR_VERSION, "start": start.isoformat(), "days": days,
                      "events_per_day": events_per_day, "seed": seed, "profile": profile},
        "rows_written": rows_written,
        "files": files,
        "injected": dict(sorted(injected.items())),
        "removed_stale_files": removed,
        "generate_seconds": round(generated_s, 3),
        "rows_per_minute": round(rows_written / generated_s * 60) if generated_s else None,
        "truth": None,
    }
    if truth:
        from clickstream.generate.reference import truth as reference_truth

        figures = reference_truth([raw / name for name in names])
        document = {"generator": summary["generator"], "injected": summary["injected"], **figures}
        truth_path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        summary["truth"] = str(truth_path)
        summary["truth_seconds"] = round(time.perf_counter() - began - generated_s, 3)
    return summary
