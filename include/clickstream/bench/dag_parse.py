"""Scenario: the DAG file's parse, its import in a fresh process that has ``airflow.sdk`` imported already (as
the DAG processor has)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from clickstream.bench.processes import PROJECT_ROOT, run_child

DAG_FILE = PROJECT_ROOT / "dags" / "clickstream_elt.py"
RUNS = 3


def dag_parse(out: Path) -> dict[str, Any]:
    """Seconds to import the DAG file: the median of ``RUNS`` fresh processes."""
    home = out / "data" / "airflow_home_parse"
    runs = []
    for i in range(RUNS):
        result = run_child({"task": "dag_parse", "airflow_home": str(home), "data_dir": str(out / "data" / "parse")},
                           out / "data" / "logs" / f"dag_parse_{i}.log")
        runs.append(result)
    ok = [run for run in runs if run["ok"]]
    seconds = sorted(run["seconds"] for run in ok)
    summary = {
        "ok": bool(ok) and len(ok) == len(runs),
        "runs": len(runs),
        "seconds": seconds[len(seconds) // 2] if seconds else None,  # the median
        "seconds_max": seconds[-1] if seconds else None,
        "seconds_each": [run["seconds"] for run in runs],
        "airflow_sdk_import_s": ok[0]["startup_s"] if ok else None,
        "peak_rss_mb": max((run["peak_rss_mb"] for run in ok), default=None),
        "log": runs[0]["log"],
    }
    if summary["seconds"] is not None:
        print(f"  import {DAG_FILE.name}: {summary['seconds']:.3f} s (median of {len(seconds)})",
              file=sys.stderr, flush=True)
    return summary


def task_dag_parse(spec: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Import the DAG file as the DAG processor does (module registered, DAGs auto-registered); count its DAGs."""
    import importlib.util

    from airflow.sdk.definitions._internal.contextmanager import DagContext

    name = "unusual_prefix_bench_clickstream_elt"
    loaded = importlib.util.spec_from_file_location(name, DAG_FILE)
    module = importlib.util.module_from_spec(loaded)
    sys.modules[name] = module
    DagContext.current_autoregister_module_name = name
    try:
        loaded.loader.exec_module(module)
    finally:
        DagContext.current_autoregister_module_name = None
    dags = sorted(dag.dag_id for dag, owner in DagContext.autoregistered_dags if owner is module)
    if not dags:
        raise RuntimeError(f"{DAG_FILE} defines no DAG")
    return len(dags), {"dags": dags}
