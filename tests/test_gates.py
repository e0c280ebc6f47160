"""Great Expectations gates: judged by severity, through a file-backed project set up once per process."""

from __future__ import annotations

import json
import multiprocessing
import shutil
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from clickstream.gates import (
    CRITICAL,
    RUN_TIME_FORMAT,
    WARNING,
    Check,
    data_docs_index,
    prune_results,
    run_suite,
    update_data_docs,
)

DAY = date(2025, 2, 23)
FIGURES = {"rate": 0.08, "rows": 10}
KEEP_DAYS = 90


def checks(limit: float) -> list[Check]:
    return [Check("rate", CRITICAL, "ExpectColumnMaxToBeBetween", {"column": "rate", "max_value": limit},
                  f"<= {limit}"),
            Check("rows", WARNING, "ExpectColumnMinToBeBetween", {"column": "rows", "min_value": 20}, ">= 20")]


def test_a_failed_warning_is_not_a_critical_failure(tmp_path):
    report = run_suite("s", checks(0.1), FIGURES, DAY, "r1", project_dir=tmp_path, keep_days=KEEP_DAYS)
    assert [(r.check, r.success) for r in report.results] == [("rate", True), ("rows", False)]
    assert report.critical_failures == [] and [r.check for r in report.warnings] == ["rows"]


def test_a_changed_suite_is_judged_by_its_new_thresholds_in_the_same_process(tmp_path):
    first = run_suite("s", checks(0.1), FIGURES, DAY, "r1", project_dir=tmp_path, keep_days=KEEP_DAYS)
    assert first.critical_failures == []
    stricter = run_suite("s", checks(0.05), FIGURES, DAY, "r2", project_dir=tmp_path, keep_days=KEEP_DAYS)
    assert [(r.check, r.observed, r.threshold) for r in stricter.critical_failures] == [("rate", "0.08", "<= 0.05")]


def test_a_suite_changed_back_to_an_earlier_definition_is_judged_by_it(tmp_path):
    for run, limit in (("r1", 0.1), ("r2", 0.05), ("r3", 0.1)):
        report = run_suite("s", checks(limit), FIGURES, DAY, run, project_dir=tmp_path, keep_days=KEEP_DAYS)
    assert [(r.check, r.success, r.threshold) for r in report.results] == [("rate", True, "<= 0.1"),
                                                                            ("rows", False, ">= 20")]


def test_a_removed_project_is_set_up_again(tmp_path):
    run_suite("s", checks(0.1), FIGURES, DAY, "r1", project_dir=tmp_path / "gx", keep_days=KEEP_DAYS)
    shutil.rmtree(tmp_path / "gx")
    report = run_suite("s", checks(0.1), FIGURES, DAY, "r2", project_dir=tmp_path / "gx", keep_days=KEEP_DAYS)
    assert report.critical_failures == []
    assert update_data_docs(tmp_path / "gx") == 1
    assert data_docs_index(tmp_path / "gx").exists()


def _suite_file(project_dir):
    return project_dir / "gx" / "expectations" / "s.json"


def test_a_suite_file_cut_off_by_a_kill_is_written_anew(tmp_path):
    run_suite("s", checks(0.1), FIGURES, DAY, "r1", project_dir=tmp_path, keep_days=KEEP_DAYS)
    _forget_this_process_setup()
    suite = _suite_file(tmp_path)
    suite.write_text(suite.read_text()[:100])  # what a full disk or a kill mid-write leaves
    report = run_suite("s", checks(0.05), FIGURES, DAY, "r2", project_dir=tmp_path, keep_days=KEEP_DAYS)
    assert [r.check for r in report.critical_failures] == ["rate"]
    assert json.loads(suite.read_text())["name"] == "s"


def test_a_process_that_finds_the_same_definition_writes_no_project_file(tmp_path):
    run_suite("s", checks(0.1), FIGURES, DAY, "r1", project_dir=tmp_path, keep_days=KEEP_DAYS)
    _forget_this_process_setup()
    files = [*(tmp_path / "gx").glob("*/s.json"), tmp_path / "gx" / "great_expectations.yml"]
    before = {path: path.stat().st_mtime_ns for path in files}
    run_suite("s", checks(0.1), FIGURES, DAY, "r2", project_dir=tmp_path, keep_days=KEEP_DAYS)
    assert len(files) == 3 and {path: path.stat().st_mtime_ns for path in files} == before


def _gate_in_a_process(project_dir: str, run_id: str, barrier) -> int:
    barrier.wait()
    report = run_suite("s", checks(0.1), FIGURES, DAY, run_id, project_dir=Path(project_dir), keep_days=KEEP_DAYS)
    return len(report.results)


def test_two_processes_run_gates_of_one_project_at_once(tmp_path):
    """Two days validating at once in a backfill: each sets up and runs its gate on the shared project."""
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, ProcessPoolExecutor(2, mp_context=context) as pool:
        barrier = manager.Barrier(2)
        results = [pool.submit(_gate_in_a_process, str(tmp_path), f"r{i}", barrier) for i in range(2)]
        assert [result.result(timeout=300) for result in results] == [2, 2]


def _forget_this_process_setup():
    """As a new process starts: no validation definition kept from an earlier gate."""
    from clickstream import gates

    gates._DEFINITIONS.clear()


def _runs(folder):
    return sorted(path.relative_to(folder).as_posix() for path in folder.glob("s/*/*"))


def test_runs_older_than_keep_days_leave_the_data_docs(tmp_path):
    project = tmp_path / "gx"
    run_suite("s", checks(0.1), FIGURES, DAY, "old", project_dir=project, keep_days=KEEP_DAYS)
    update_data_docs(project)
    results = project / "gx" / "uncommitted" / "validations"
    pages = project / "gx" / "uncommitted" / "data_docs" / "local_site" / "validations"
    [old_run] = _runs(results)
    aged = old_run.replace(old_run.split("/")[-1], "20250101T000000.000000Z")
    for store in (results, pages):
        (store / old_run).rename(store / aged)
    run_suite("s", checks(0.1), FIGURES, DAY, "new", project_dir=project, keep_days=KEEP_DAYS)
    update_data_docs(project)
    [new_run] = _runs(results)
    assert new_run.startswith("s/2025-02-23_new/")
    assert _runs(pages) == [new_run]
    assert not (results / "s" / "2025-02-23_old").exists()
    index = data_docs_index(project).read_text()
    assert ("2025-02-23_new" in index, "2025-02-23_old" in index) == (True, False)


def test_data_docs_render_only_the_runs_without_a_page(tmp_path):
    project = tmp_path / "gx"
    run_suite("s", checks(0.1), FIGURES, DAY, "r1", project_dir=project, keep_days=KEEP_DAYS)
    run_suite("s", checks(0.05), FIGURES, DAY, "r2", project_dir=project, keep_days=KEEP_DAYS)
    assert update_data_docs(project) == 2
    run_suite("s", checks(0.1), FIGURES, DAY, "r3", project_dir=project, keep_days=KEEP_DAYS)
    assert update_data_docs(project) == 1
    index = data_docs_index(project).read_text()
    assert all(f"2025-02-23_{run}" in index for run in ("r1", "r2", "r3"))


def test_pruning_counts_the_runs_it_removes_and_keeps_recent_ones(tmp_path):
    project = tmp_path / "gx"
    run_suite("s", checks(0.1), FIGURES, DAY, "r1", project_dir=project, keep_days=KEEP_DAYS)
    [run] = _runs(project / "gx" / "uncommitted" / "validations")
    run_time = datetime.strptime(run.split("/")[-1], RUN_TIME_FORMAT).replace(tzinfo=UTC)
    assert prune_results(project, "s", keep_days=1, now=run_time + timedelta(hours=23)) == 0
    assert prune_results(project, "s", keep_days=1, now=run_time + timedelta(hours=25)) == 1
    assert _runs(project / "gx" / "uncommitted" / "validations") == []


def test_the_project_keeps_no_config_variables_file(tmp_path):
    # GX would parse it on every store access; the suites use no ${variable}.
    run_suite("s", checks(0.1), FIGURES, DAY, "r1", project_dir=tmp_path, keep_days=KEEP_DAYS)
    project = tmp_path / "gx"
    assert not (project / "uncommitted" / "config_variables.yml").exists()
    assert "config_variables_file_path: uncommitted" not in (project / "great_expectations.yml").read_text()
