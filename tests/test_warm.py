"""Warm workers (clickstream.warm): a worker imports the stages' libraries once, and a task forked from it afterwards
imports them no more. Each probe runs in a fresh interpreter, since this one imported them long ago."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from clickstream.warm import PRELOAD

ROOT = Path(__file__).resolve().parents[1]
# The packages a preload brings in (Great Expectations pulls in pandas, scipy, sqlalchemy, altair). pyarrow is
# preloaded too, but imports two small helpers of its pandas conversions lazily (1 ms).
PRELOADED_PACKAGES = {"great_expectations", "duckdb", "pandas", "scipy", "sqlalchemy", "altair"}

# A worker's preload, then a task forked from it (os.fork, as the task SDK's supervisor does on Linux) that runs a
# Great Expectations gate through the file-backed project and a DuckDB query.
PROBE = r"""
import json, os, sys, threading
from datetime import date
from pathlib import Path

from clickstream.warm import preload

before = set(sys.modules)
took = preload()
after = set(sys.modules)
facts = {"took": list(took), "new": sorted(after - before), "python_threads": threading.active_count(),
         "again": preload()}
read, write = os.pipe()
pid = os.fork()
if pid == 0:
    known = set(sys.modules)
    task = {"had": sorted(set(sys.argv[2].split(",")) & known)}
    import duckdb
    from clickstream.gates import CRITICAL, Check, run_suite
    check = Check("rows", CRITICAL, "ExpectColumnValuesToBeBetween", {"column": "rows", "min_value": 1}, ">= 1")
    report = run_suite("probe", [check], {"rows": 3}, date(2025, 2, 23), "probe", Path(sys.argv[1]), 90)
    task |= {"gate_passed": not report.critical_failures, "duckdb": duckdb.connect().execute("SELECT 42").fetchone()[0],
            "imported": sorted(set(sys.modules) - known)}
    os.write(write, json.dumps(task).encode())
    os._exit(0)
os.close(write)
with os.fdopen(read) as pipe:
    facts["task"] = json.loads(pipe.read() or "{}")
facts["task_exit"] = os.waitpid(pid, 0)[1]
print(json.dumps(facts))
"""


def run_probe(code: str, *args: str, env: dict[str, str] | None = None) -> dict:
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=180,
                            env={**os.environ, "PYTHONPATH": str(ROOT / "include"), **(env or {})})
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def probe(tmp_path_factory) -> dict:
    return run_probe(PROBE, str(tmp_path_factory.mktemp("gx")), ",".join(PRELOAD))


def package(module: str) -> str:
    return module.split(".")[0]


def test_preload_imports_what_it_names_in_order_and_reports_each(probe):
    assert probe["took"] == list(PRELOAD) == ["pyarrow", "pandas", "duckdb", "great_expectations"]
    assert set(PRELOAD) <= set(probe["new"])


def test_a_second_preload_imports_nothing(probe):
    assert probe["again"] == {}


def test_preload_leaves_the_project_modules_to_the_tasks(probe):
    # An edit to the mounted include/ must reach the next task, so the worker holds no stage module.
    assert [module for module in probe["new"] if package(module) == "clickstream"] == []


def test_preload_starts_no_thread_pool_before_the_fork(probe):
    # polars 2 starts a thread at import, which a forked task would not have: it is left to the tasks.
    assert probe["python_threads"] == 1
    assert "polars" not in probe["new"]


def test_a_task_forked_after_preload_starts_with_the_libraries_imported(probe):
    assert (probe["task_exit"], probe["task"]["had"]) == (0, sorted(PRELOAD))


def test_a_task_forked_after_preload_imports_none_of_them_again(probe):
    assert sorted(module for module in probe["task"]["imported"] if package(module) in PRELOADED_PACKAGES) == []


def test_a_task_forked_after_preload_runs_a_gate_and_a_duckdb_query(probe):
    assert (probe["task"]["gate_passed"], probe["task"]["duckdb"]) == (True, 42)
