"""The child side of ``run_child``: one task per process, measured from the inside (its imports apart)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from clickstream.bench.processes import peak_rss_mb

Task = Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]


def _settings(spec: dict[str, Any]) -> Any:
    from clickstream.settings import get_settings

    return get_settings(data_dir=Path(spec["data_dir"]))


def _warehouse_count(settings: Any, sql: str, params: list[Any] | None = None) -> int:
    from clickstream.warehouse import connect

    with connect(settings.warehouse_path, read_only=True) as con:
        return int(con.execute(sql, params or []).fetchone()[0])


def _prepare_task(spec: dict[str, Any]) -> None:
    """Imports a stage needs, done before its clock starts (a long-lived worker has them already)."""
    task = spec["task"]
    import clickstream.pipeline  # noqa: F401

    if task in ("validate", "load", "transform_full", "transform_incremental", "analyze", "monitor"):
        import duckdb  # noqa: F401
        import polars  # noqa: F401

        import clickstream.warehouse  # noqa: F401
    if task in ("validate", "monitor"):
        import pandas  # noqa: F401

        from clickstream.gx_import import import_great_expectations

        import_great_expectations()

        import clickstream.gates  # noqa: F401
    modules = {"validate": "clickstream.validate", "load": "clickstream.load", "analyze": "clickstream.analyze",
               "monitor": "clickstream.monitor", "transform_full": "clickstream.transform",
               "transform_incremental": "clickstream.transform", "baseline": "clickstream.contract"}
    if task in modules:
        __import__(modules[task])
    if task == "baseline":
        import duckdb  # noqa: F401
        import pandas  # noqa: F401
        import pydantic  # noqa: F401


def task_generate(spec: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    from clickstream.generate import generate

    arguments = spec["arguments"]
    summary = generate(spec["out_dir"], date.fromisoformat(arguments["start"]), arguments["days"],
                       arguments["events_per_day"], arguments["seed"], profile=arguments["profile"], truth=False)
    return summary["rows_written"], summary


def task_stage(spec: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """validate or load over every partition; rows are the rows read (validate) or published (load)."""
    from clickstream.pipeline import run_stage

    settings = _settings(spec)
    run_id = "bench__" + spec["task"]
    summaries = [run_stage(spec["task"], settings, date.fromisoformat(day), run_id) for day in spec["days"]]
    if spec["task"] == "validate":
        rows = sum(summary["rows_read"] for summary in summaries)
        detail = {"rows_read": rows, "rows_valid": sum(s["rows_valid"] for s in summaries),
                  "rows_quarantined": sum(s["rows_quarantined"] for s in summaries),
                  "seconds_per_partition": [s["seconds"] for s in summaries]}
    else:
        rows = sum(summary["rows_valid"] for summary in summaries)
        detail = {"rows_valid": rows, "rows_loaded": sum(s["rows_loaded"] for s in summaries),
                  "seconds_per_partition": [s["seconds"] for s in summaries]}
    return rows, detail


def task_transform(spec: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    from clickstream.pipeline import run_stage

    full = spec["task"] == "transform_full"
    summary = run_stage("transform", _settings(spec), date.fromisoformat(spec["last"]), "bench__" + spec["task"],
                        full_refresh=full)
    expected = "full" if full else "incremental"
    if summary.get("mode") != expected:
        raise RuntimeError(f"transform ran {summary.get('mode')!r}, expected {expected!r}: {summary.get('reason')}")
    return 0, {"mode": summary["mode"], "reason": summary.get("reason"), "scope": summary.get("scope"),
               "models": summary.get("models")}


def _reload_last_partition(spec: dict[str, Any]) -> None:
    """Before an incremental transform's clock starts: the last day loaded again (a re-delivered day), so that
    its transform has work to do; a transform right after the full rebuild would skip, its inputs unchanged."""
    from clickstream.pipeline import run_stage

    run_stage("load", _settings(spec), date.fromisoformat(spec["last"]), "bench__reload", full_refresh=True)


def _rows_of_transform(spec: dict[str, Any]) -> int:
    """Events a transform reads: all of raw_events (full), the partition's events (incremental)."""
    settings = _settings(spec)
    if spec["task"] == "transform_full":
        return _warehouse_count(settings, "SELECT count(*) FROM raw_events")
    return _warehouse_count(settings, "SELECT count(*) FROM raw_events WHERE partition_date = ?",
                            [date.fromisoformat(spec["last"])])


def task_report_stage(spec: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """analyze or monitor for the last partition."""
    from clickstream.pipeline import run_stage

    settings = _settings(spec)
    summary = run_stage(spec["task"], settings, date.fromisoformat(spec["last"]), "bench__" + spec["task"])
    return 0, {key: value for key, value in summary.items() if key in ("passed", "checks", "report", "results_file")}


def _rows_of_report_stage(spec: dict[str, Any]) -> int:
    """Events behind the stage's figures: the report window's (analyze), the partition's (monitor)."""
    settings = _settings(spec)
    last = date.fromisoformat(spec["last"])
    if spec["task"] == "analyze":
        from clickstream.report.data import Window

        return _warehouse_count(settings, "SELECT count(*) FROM raw_events WHERE partition_date BETWEEN ? AND ?",
                                [Window(last, settings.report_window_days).start, last])
    return _warehouse_count(settings, "SELECT count(*) FROM raw_events WHERE partition_date = ?", [last])


def tasks() -> dict[str, Task]:
    from clickstream.bench.airflow_run import task_airflow
    from clickstream.bench.baseline import task_baseline
    from clickstream.bench.dag_parse import task_dag_parse

    return {
        "generate": task_generate,
        "validate": task_stage,
        "load": task_stage,
        "transform_full": task_transform,
        "transform_incremental": task_transform,
        "analyze": task_report_stage,
        "monitor": task_report_stage,
        "baseline": task_baseline,
        "airflow": task_airflow,
        "dag_parse": task_dag_parse,
    }


SETUPS = {"transform_incremental": _reload_last_partition}  # run before the clock starts
ROW_COUNTERS = {"transform_full": _rows_of_transform, "transform_incremental": _rows_of_transform,
                "analyze": _rows_of_report_stage, "monitor": _rows_of_report_stage}


def worker(spec_path: Path) -> int:
    """Run one task; write ok, seconds (the task only), rows, peak RSS and a detail dict to spec['result']."""
    spec = json.loads(spec_path.read_text())
    result: dict[str, Any] = {"ok": False, "task": spec["task"]}
    began = time.perf_counter()
    try:
        if spec["task"] == "dag_parse":
            os.environ.update({"AIRFLOW_HOME": spec["airflow_home"], "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                               "CLICKSTREAM_DATA_DIR": spec["data_dir"]})
            Path(spec["airflow_home"]).mkdir(parents=True, exist_ok=True)
            import airflow.sdk  # noqa: F401  (the DAG processor has it imported already)
        else:
            _prepare_task(spec)
        task = tasks()[spec["task"]]
        result["startup_s"] = round(time.perf_counter() - began, 3)
        if spec["task"] in SETUPS:
            mark = time.perf_counter()
            SETUPS[spec["task"]](spec)
            result["setup_s"] = round(time.perf_counter() - mark, 3)
        started = time.perf_counter()
        rows, detail = task(spec)
        result["seconds"] = time.perf_counter() - started
        if spec["task"] in ROW_COUNTERS:
            rows = ROW_COUNTERS[spec["task"]](spec)  # counted after the clock stopped
        result.update(ok=True, rows=rows, detail=detail)
    except BaseException as error:  # reported to the parent, which prints the log's path
        import traceback

        traceback.print_exc()
        result["error"] = f"{type(error).__name__}: {error}"
        result["seconds"] = time.perf_counter() - began
    result["peak_rss_mb"] = peak_rss_mb()
    Path(spec["result"]).write_text(json.dumps(result, default=str))
    return 0 if result["ok"] else 1
