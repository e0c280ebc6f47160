"""A rerun over unchanged inputs does no work again: every stage says it skipped and why, and ``full_refresh``
makes each do its work. Changed files, rules or loads make the stages that depend on them run."""

from __future__ import annotations

from datetime import date

import pytest

from clickstream.cli import main
from clickstream.generate import generate
from clickstream.pipeline import STAGES, run_stage
from clickstream.settings import get_settings

DAYS = (date(2025, 2, 23), date(2025, 2, 24))
FIRST = DAYS[0]


@pytest.fixture
def ran(tmp_path):
    """Settings of a data dir whose two generated days went through every stage once (run "r1")."""
    data = tmp_path / "data"
    generate(data, DAYS[0], len(DAYS), events_per_day=300, seed=3, truth=False)
    assert main(["--data-dir", str(data), "run"]) == 0
    return get_settings(data_dir=data)


def statuses(settings, day, run_id, full_refresh=False) -> dict[str, str]:
    return {stage: run_stage(stage, settings, day, run_id, full_refresh=full_refresh)["status"] for stage in STAGES}


def test_a_second_run_over_the_same_files_skips_every_stage_of_every_day(ran, capsys):
    capsys.readouterr()
    assert main(["--data-dir", str(ran.data_dir), "run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(DAYS) * (len(STAGES) - 2) + 2  # one transform and one publish for both days
    assert all("status=skipped_unchanged" in line for line in lines[:-1])
    # The skipped loads each add a load_audit row ("skipped_unchanged"): that table's two days alone are published.
    assert lines[-1].startswith(f"{DAYS[0]}..{DAYS[-1]} publish   ok  status=published tables_published=1 "
                                "days_written=2 ")


def test_each_skipped_stage_says_why(ran):
    reasons = {stage: run_stage(stage, ran, FIRST, "r2")["reason"] for stage in STAGES[:-1]}
    assert run_stage("publish", ran, FIRST, "r2")["tables_published"] == 1  # load_audit: the skipped load's row
    reasons["publish"] = run_stage("publish", ran, FIRST, "r3")["reason"]
    assert reasons["validate"].startswith("same files (sha256) and rules as the last passing validation")
    assert reasons["load"].startswith("same files and sha256 as the last load")
    assert reasons["transform"].startswith("no load of the partition since a transform covered it")
    assert reasons["analyze"].startswith("no load, transform or gate run since the report of run cli__")
    assert reasons["monitor"].startswith("no load or transform since the passing check of run cli__")
    assert reasons["publish"] == "every day of every table has the digest its current snapshot holds"


def test_full_refresh_makes_every_stage_do_its_work(ran):
    assert statuses(ran, FIRST, "r2", full_refresh=True) == {"validate": "validated", "load": "loaded",
                                                            "transform": "transformed", "analyze": "written",
                                                            "monitor": "checked", "publish": "published"}


def test_a_changed_file_is_validated_loaded_and_transformed_again(ran):
    path = next(ran.raw_dir.glob(f"*{FIRST}*.csv"))
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:-1]))  # the day's last event is withdrawn
    done = {stage: run_stage(stage, ran, FIRST, "r2") for stage in ("validate", "load", "transform")}
    assert [summary["status"] for summary in done.values()] == ["validated", "loaded", "transformed"]
    assert done["transform"]["mode"] == "incremental"


def test_changed_validation_rules_validate_again_but_an_unchanged_result_loads_nothing(ran):
    stricter = ran.model_copy(update={"max_bot_rate": 0.5})
    assert run_stage("validate", stricter, FIRST, "r2")["status"] == "validated"
    assert run_stage("load", stricter, FIRST, "r2")["status"] == "skipped_unchanged"


def test_a_damaged_staging_is_validated_again(ran):
    from clickstream.validate import staging_dir, valid_parts

    valid_parts(staging_dir(ran, FIRST))[0].write_bytes(b"torn")
    assert run_stage("validate", ran, FIRST, "r2")["status"] == "validated"


def test_a_rerun_with_no_load_or_transform_since_skips_the_report_and_the_watchdog_without_a_query(ran, monkeypatch):
    from clickstream import monitor
    from clickstream.report import data

    monkeypatch.setattr(data, "run_query", lambda *args: pytest.fail("a report query ran"))
    monkeypatch.setattr(monitor, "compute_metrics", lambda *args: pytest.fail("the watchdog's figures were computed"))
    assert [run_stage(stage, ran, day, "r2")["status"] for day in DAYS for stage in ("analyze", "monitor")] == [
        "skipped_unchanged"] * 4


def test_a_later_days_gate_run_leaves_the_report_of_an_earlier_day_alone(ran, monkeypatch):
    from clickstream.report import data

    run_stage("monitor", ran, DAYS[1], "r2", full_refresh=True)  # a new watchdog run of the second day
    monkeypatch.setattr(data, "run_query", lambda *args: pytest.fail("a report query ran"))
    assert run_stage("analyze", ran, DAYS[0], "r3")["status"] == "skipped_unchanged"


def test_a_report_whose_figures_did_not_change_after_a_transform_is_left_and_needs_no_query_next_time(ran,
                                                                                                    monkeypatch):
    from clickstream.report import data

    assert run_stage("transform", ran, FIRST, "r2", full_refresh=True)["mode"] == "full"  # the same tables again
    assert run_stage("analyze", ran, DAYS[1], "r2")["reason"].startswith("same figures, settings and code as")
    monkeypatch.setattr(data, "run_query", lambda *args: pytest.fail("a report query ran"))
    assert run_stage("analyze", ran, DAYS[1], "r3")["reason"].startswith("no load, transform or gate run since")


def test_a_run_publishes_the_iceberg_tables_once_after_its_last_watchdog(tmp_path, capsys):
    data = tmp_path / "data"
    generate(data, DAYS[0], len(DAYS), events_per_day=300, seed=3, truth=False)
    assert main(["--data-dir", str(data), "run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in lines[-2:]] == ["monitor", "publish"]
    assert lines[-1].startswith(f"{DAYS[0]}..{DAYS[-1]} publish   ok  status=published tables_published=10 "
                                "days_written=")
    assert (data / "iceberg_catalog.db").exists() and (data / "analytics.duckdb").exists()


def test_a_run_whose_publish_failed_publishes_on_the_next_run(ran, capsys):
    import shutil

    shutil.rmtree(ran.data_dir / "iceberg")  # as when no table could be written
    (ran.data_dir / "iceberg_catalog.db").unlink()
    capsys.readouterr()
    assert main(["--data-dir", str(ran.data_dir), "run"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith(
        f"{DAYS[0]}..{DAYS[-1]} publish   ok  status=published tables_published=10")
