"""Targets judged from given figures: met, missed, or not measured; nothing judged that was not measured."""

from __future__ import annotations

from clickstream.bench.data import DAYS
from clickstream.bench.real_size import parse_run
from clickstream.bench.targets import judge_targets, real_size_rows, status


def scale_dataset(events: int, days: int, ratio: float, seconds: float, peak: float) -> dict:
    stage = {"ok": True, "seconds": seconds, "rows": events, "peak_rss_mb": peak}
    return {"events": events, "days": days, "validate_load": {"ratio_to_baseline": ratio},
            "stages": [{**stage, "stage": "validate"}, {**stage, "stage": "load", "peak_rss_mb": peak / 2},
                       {**stage, "stage": "transform_full"},
                       {**stage, "stage": "transform_incremental", "seconds": seconds / 5}]}


def test_scale_targets_are_judged_from_the_measurements() -> None:
    results = {"datasets": [scale_dataset(10_000_000, DAYS, 1.2, 61.0, 1900.0),
                            scale_dataset(1_000_000, 1, 4.31, 1.0, 1600.0)],
               "dag_parse": {"seconds": 0.2}}
    verdicts = {target["target"]: status(target) for target in judge_targets(results)}
    assert verdicts == {
        "validate + load >= 4x the row-by-row baseline (one 1,000,000-event day file)": "met",
        "validate + load aim 6x the row-by-row baseline (one 1,000,000-event day file)": "not reached",
        "peak memory < 1.5 GB, validate and load (one 1,000,000-event day file)": "MISSED",
        "full transform of 10,000,000 events < 60 s": "MISSED",
        "one-day incremental transform < 0.25 of the full rebuild (10,000,000 events)": "met",
        "peak memory < 2 GB, every stage at 10,000,000 events": "met",
        "DAG file parses in < 1 s": "met",
    }


def test_the_incremental_share_is_judged_unrounded() -> None:
    stages = [{"ok": True, "stage": "transform_full", "seconds": 86.3, "peak_rss_mb": 1800.0},
              {"ok": True, "stage": "transform_incremental", "seconds": 21.3, "peak_rss_mb": 1600.0}]
    results = {"datasets": [{"events": 10_000_000, "days": DAYS, "validate_load": None, "stages": stages}],
               "dag_parse": None}
    [share] = [target for target in judge_targets(results) if target["target"].startswith("one-day")]
    assert (share["measured"], share["met"]) == ("21.3 s = 0.247x", True)


def test_without_a_day_file_its_targets_are_not_measured() -> None:
    targets = judge_targets({"datasets": [], "dag_parse": None})
    assert {target["target"]: status(target) for target in targets if "day file" in target["target"]} == {
        "validate + load >= 4x the row-by-row baseline (one 1,000,000-event day file)": "not measured",
        "validate + load aim 6x the row-by-row baseline (one 1,000,000-event day file)": "not measured",
        "peak memory < 1.5 GB, validate and load (one 1,000,000-event day file)": "not measured",
    }


def run(seconds: float, analyze: float, skipped: bool = False) -> dict:
    return {"ok": True, "seconds": seconds, "startup_s": 0.5, "lines": 70,
            "per_partition": {"analyze": {"mean_s": analyze, "max_s": analyze * 2},
                              "monitor": {"mean_s": 0.25, "max_s": 0.4}},
            "statuses": {"skipped_unchanged": 70} if skipped else {"skipped_unchanged": 69, "validated": 1},
            "all_skipped": skipped}


def real_set(per_day: int, first: float, rerun: float, validate_load: float, skipped: bool = True,
             one_day: dict | None = None) -> dict:
    return {"events_per_day": per_day, "first_run": run(first, 0.31), "second_run": run(rerun, 0.0, skipped),
            "validate": {"ok": True, "seconds": validate_load * 0.75},
            "load": {"ok": True, "seconds": validate_load / 4},
            "validate_load_s": validate_load,
            "baseline": {"ok": True, "seconds": 8.0, "ingest_wall_s": 7.3, "sessions_s": 0.7}, "one_day": one_day}


def stage(name: str, seconds: float, beyond_mb: float, gx: float | None = None) -> dict:
    entry = {"stage": name, "ok": True, "seconds": seconds, "beyond_imports_mb": beyond_mb}
    if gx is not None:
        entry.update(gx_import_s=gx, beyond_gx_import_s=round(seconds - gx, 3))
    return entry


ONE_DAY = {"ok": True, "seconds": 7.9, "baseline": {"ok": True, "seconds": 1.1},
           "stages": [stage("validate", 3.0, 80.0, gx=2.1), stage("load", 0.5, 40.0), stage("transform", 1.6, 60.0),
                      stage("analyze", 1.2, 101.0), stage("monitor", 3.1, 90.0, gx=2.0)]}


def test_real_size_targets_are_judged_from_the_measurements() -> None:
    sets = [real_set(3_500, 7.9, 3.0, 1.5, one_day=ONE_DAY), real_set(28_000, 12.1, 2.0, 3.6, skipped=False)]
    rows = real_size_rows({"sets": sets}, {"targets": []})
    assert {row["figure"]: status(row) for row in rows} == {
        "`clickstream run`, 14 x 3,500": "met",
        "`clickstream run`, 14 x 28,000": "MISSED",
        "validate + load (2 processes), 14 x 3,500": "-",  # shown beside the baseline, not judged
        "validate + load (2 processes), 14 x 28,000": "met",  # 7.3 / 3.6 = 2.03x
        "validate + load, one 1,000,000-event day (in-process)": "not measured",
        "second `clickstream run`, unchanged files, 14 x 3,500": "met",
        "second `clickstream run`, unchanged files, 14 x 28,000": "MISSED",  # fast, but one stage worked
        "one 3,500-event day as five processes, in all": "met",
        "`clickstream validate`, one day": "met",  # 0.9 s beyond GX's import
        "`clickstream load`, one day": "met",
        "`clickstream transform`, one day": "MISSED",
        "`clickstream analyze`, one day": "met",
        "`clickstream monitor`, one day": "MISSED",  # 1.1 s beyond GX's import
        "peak RSS beyond the stage's imports alone, worst of the five": "MISSED",  # analyze, 101 MB
        "analyze per partition in the 14-day run, 14 x 3,500": "MISSED",
        "monitor per partition in the 14-day run, 14 x 3,500": "met",
        "analyze per partition in the 14-day run, 14 x 28,000": "MISSED",
        "monitor per partition in the 14-day run, 14 x 28,000": "met",
    }
    by_figure = {row["figure"]: row for row in rows}
    assert by_figure["validate + load (2 processes), 14 x 28,000"]["measured"] == (
        "2.70 s + 0.90 s = 3.60 s, 2.03x the baseline")
    assert by_figure["`clickstream run`, 14 x 3,500"]["baseline"] == "8.00 s (ingest 7.30 s, sessions 0.70 s)"


def test_the_day_file_ratio_comes_from_the_scale_targets() -> None:
    results = {"targets": judge_targets({"datasets": [scale_dataset(1_000_000, 1, 3.9, 1.0, 900.0)],
                                         "dag_parse": None})}
    [row] = [row for row in real_size_rows({"sets": []}, results) if "1,000,000-event day" in row["figure"]]
    assert (row["measured"], status(row)) == ("3.9x the baseline", "MISSED")


def test_without_the_real_size_sets_nothing_is_judged() -> None:
    rows = real_size_rows(None, {"targets": []})
    assert {status(row) for row in rows} == {"not measured"}
    assert len(rows) == 8  # the day file, the five processes' total, the five stages, the memory


def test_a_run_s_lines_are_timed_by_their_arrival() -> None:
    lines = [(2.5, "2025-02-23 validate  ok  rows_read=10 status=validated seconds=2.0"),
             (2.75, "2025-02-23 load      ok  rows_loaded=9 status=loaded seconds=0.2"),
             (2.8, "a line of something else"),
             (4.0, "2025-02-23 monitor   ok  status=checked report=/tmp/r.html")]
    assert parse_run(lines) == [
        {"day": "2025-02-23", "stage": "validate", "status": "validated", "reported_s": 2.0, "gap_s": 2.5},
        {"day": "2025-02-23", "stage": "load", "status": "loaded", "reported_s": 0.2, "gap_s": 0.25},
        {"day": "2025-02-23", "stage": "monitor", "status": "checked", "reported_s": None, "gap_s": 1.25},
    ]
