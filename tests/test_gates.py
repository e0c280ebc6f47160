"""Great Expectations gates: judged by severity, through a file-backed project set up once per process."""

from __future__ import annotations

import shutil
from datetime import date

from clickstream.gates import CRITICAL, WARNING, Check, data_docs_index, run_suite

DAY = date(2025, 2, 23)
FIGURES = {"rate": 0.08, "rows": 10}


def checks(limit: float) -> list[Check]:
    return [Check("rate", CRITICAL, "ExpectColumnMaxToBeBetween", {"column": "rate", "max_value": limit},
                  f"<= {limit}"),
            Check("rows", WARNING, "ExpectColumnMinToBeBetween", {"column": "rows", "min_value": 20}, ">= 20")]


def test_a_failed_warning_is_not_a_critical_failure(tmp_path):
    report = run_suite("s", checks(0.1), FIGURES, DAY, "r1", project_dir=tmp_path)
    assert [(r.check, r.success) for r in report.results] == [("rate", True), ("rows", False)]
    assert report.critical_failures == [] and [r.check for r in report.warnings] == ["rows"]


def test_a_changed_suite_is_judged_by_its_new_thresholds_in_the_same_process(tmp_path):
    assert run_suite("s", checks(0.1), FIGURES, DAY, "r1", project_dir=tmp_path).critical_failures == []
    stricter = run_suite("s", checks(0.05), FIGURES, DAY, "r2", project_dir=tmp_path)
    assert [(r.check, r.observed, r.threshold) for r in stricter.critical_failures] == [("rate", "0.08", "<= 0.05")]


def test_a_removed_project_is_set_up_again(tmp_path):
    run_suite("s", checks(0.1), FIGURES, DAY, "r1", project_dir=tmp_path / "gx")
    shutil.rmtree(tmp_path / "gx")
    report = run_suite("s", checks(0.1), FIGURES, DAY, "r2", project_dir=tmp_path / "gx")
    assert report.critical_failures == []
    assert data_docs_index(tmp_path / "gx").exists()
