"""The real-size scenario end to end on two tiny sets (14 days of 20 and of 40 events): every figure filled, the
second run skipped throughout; no timed assertions."""

from __future__ import annotations

import argparse
import json

import pytest

from clickstream.bench import main, report
from clickstream.bench.targets import status

STAGES = ["validate", "load", "transform", "analyze", "monitor"]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("bench")
    args = argparse.Namespace(events=None, out=out, airflow=True, dag_parse=True, day_file_events=1_000_000,
                              real_size=True, real_size_only=True, real_size_events=[20, 40])
    assert main(args) == 0
    return json.loads((out / "results.json").read_text())


def test_only_the_real_size_scenario_ran(results: dict) -> None:
    assert (results["datasets"], results["dag_parse"]) == ([], None)
    assert [entry["events_per_day"] for entry in results["real_size"]["sets"]] == [20, 40]
    assert results["command"].endswith("--real-size-only --real-size-events 20 40")


def test_the_first_run_times_every_stage_of_every_day(results: dict) -> None:
    for entry in results["real_size"]["sets"]:
        run = entry["first_run"]
        assert run["ok"] and run["lines"] == 14 * 4 + 1  # a line per day and stage, one for the transform of all
        assert run["seconds"] > sum(run["stage_seconds"].values()) > 0
        assert sorted(run["stage_seconds"]) == sorted(STAGES)
        assert all(seconds > 0 for seconds in run["stage_seconds"].values())
        assert 0 < run["startup_s"] < run["seconds"] and run["peak_rss_mb"] > 0
        assert 0 < run["publish_s"] < run["seconds"]  # the Iceberg tables, once after the last monitor
        for stage in ("analyze", "monitor"):
            cost = run["per_partition"][stage]
            assert 0 < cost["mean_s"] <= cost["max_s"]


def test_the_second_run_skips_every_stage_and_says_why(results: dict) -> None:
    for entry in results["real_size"]["sets"]:
        rerun = entry["second_run"]
        assert rerun["ok"] and rerun["all_skipped"]
        assert (rerun["statuses"], rerun["not_skipped"]) == ({"skipped_unchanged": 14 * 4 + 1}, [])


def test_validate_load_and_the_baseline_read_the_same_files(results: dict) -> None:
    for entry in results["real_size"]["sets"]:
        assert entry["validate"]["ok"] and entry["load"]["ok"]
        assert entry["validate_load_s"] == round(entry["validate"]["seconds"] + entry["load"]["seconds"], 3)
        baseline = entry["baseline"]
        assert baseline["ok"] and (baseline["files"], baseline["rows"]) == (14, entry["rows_in_files"])
        assert 0 < baseline["rows_valid"] <= baseline["rows"] and baseline["sessions"] > 0
        assert baseline["ingest_wall_s"] == round(baseline["seconds"] - baseline["sessions_s"], 3)


def test_the_first_set_runs_its_last_day_as_five_processes_beside_their_imports(results: dict) -> None:
    first, second = results["real_size"]["sets"]
    assert second["one_day"] is None
    one_day = first["one_day"]
    assert one_day["ok"] and one_day["day"] == "2025-03-08" and one_day["setup"]["ok"]
    assert [stage["stage"] for stage in one_day["stages"]] == STAGES
    for stage in one_day["stages"]:
        assert stage["imports_ok"] and stage["imports"][0] == "clickstream.cli"
        assert stage["seconds"] > 0 and stage["imports_s"] > 0 and stage["imports_peak_rss_mb"] > 0
        assert stage["beyond_imports_mb"] == round(stage["peak_rss_mb"] - stage["imports_peak_rss_mb"], 1)
        assert ("gx_import_s" in stage) == (stage["stage"] in ("validate", "monitor"))
    assert one_day["seconds"] == round(sum(stage["seconds"] for stage in one_day["stages"]), 3)
    assert one_day["baseline"]["ok"] and one_day["baseline"]["files"] == 1


def test_the_real_size_table_judges_every_figure_it_measured(results: dict) -> None:
    verdicts = [status(row) for row in results["real_size_table"]]
    assert len(verdicts) == 18
    # Only the million-event day file (the scale scenario, not run here) is not measured; one row is shown only.
    assert verdicts.count("not measured") == 1 and verdicts.count("-") == 1
    assert "| figure | measured | target | baseline (row by row) | verdict |" in report.markdown_tables(results)
