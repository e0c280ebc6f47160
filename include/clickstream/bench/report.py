"""The run's figures for people (terminal and Markdown tables) and for tools (``results.json``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from clickstream.bench.tables import format_table
from clickstream.bench.targets import status

REAL_SIZE_HEADER = ["figure", "measured", "target", "baseline (row by row)", "verdict"]
ONE_DAY_HEADER = ["stage", "seconds", "imports alone s", "beyond imports s", "GX import s", "peak RSS MB",
                  "imports alone MB", "beyond imports MB"]


def write_results(out: Path, results: dict[str, Any]) -> Path:
    path = out / "results.json"
    path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def failures(results: dict[str, Any]) -> list[str]:
    """What did not run to its end: stages of the scale sets, the real-size processes."""
    failed = [f"{dataset['events']}: {stage['stage']}" for dataset in results["datasets"]
              for stage in dataset["stages"] if not stage["ok"]]
    for entry in (results.get("real_size") or {}).get("sets", []):
        parts = {name: entry[name]["ok"] for name in ("first_run", "second_run", "validate", "load", "baseline")}
        if entry["one_day"]:
            parts["one_day"] = entry["one_day"]["ok"] and entry["one_day"]["baseline"]["ok"]
        failed += [f"real size {entry['events_per_day']}: {name}" for name, ok in parts.items() if not ok]
    failed += [f"bounded memory {entry['events']}: {name}" for entry in results.get("bounded_memory", [])
               for name in ("validate", "imports", "plain_import") if not entry[name]["ok"]]
    return failed


def target_rows(results: dict[str, Any]) -> list[list[str]]:
    return [[target["target"], target["measured"], status(target)] for target in results["targets"]]


def real_size_table(results: dict[str, Any], markdown: bool = False) -> str:
    rows = [[row["figure"], row["measured"], row["target"], row["baseline"], status(row)]
            for row in results["real_size_table"]]
    return format_table(rows, REAL_SIZE_HEADER, markdown=markdown, right=frozenset())


def one_day_table(results: dict[str, Any], markdown: bool = False) -> str:
    sets = (results.get("real_size") or {}).get("sets", [])
    one_day = sets[0]["one_day"] if sets else None
    if not one_day:
        return ""
    rows = [[stage["stage"], f"{stage['seconds']:.2f}", f"{stage['imports_s']:.2f}",
             f"{stage['beyond_imports_s']:.2f}", f"{stage['gx_import_s']:.2f}" if "gx_import_s" in stage else "-",
             f"{stage['peak_rss_mb']:,.0f}", f"{stage['imports_peak_rss_mb']:,.0f}",
             f"{stage['beyond_imports_mb']:,.0f}"] for stage in one_day["stages"]]
    return format_table(rows, ONE_DAY_HEADER, markdown=markdown, right=frozenset(range(1, 8)))


def bounded_memory_table(results: dict[str, Any], markdown: bool = False) -> str:
    from clickstream.bench.bounded_memory import table

    return table(results["bounded_memory"], markdown=markdown) if results.get("bounded_memory") else ""


def print_summary(results: dict[str, Any]) -> None:
    parse = results.get("dag_parse")
    if parse and parse.get("seconds") is not None:
        print(f"\nDAG file parse: {parse['seconds']:.3f} s (median of {parse['runs']} fresh processes, "
              f"airflow.sdk pre-imported in {parse['airflow_sdk_import_s']:.2f} s)")
    if results["datasets"] or parse:
        print("\nTargets at scale (issues 9, 4, 5, 21)")
        print(format_table(target_rows(results), ["target", "measured", "status"], right=frozenset()))
    if results.get("bounded_memory"):
        print("\nBounded memory (issue 29): one day's file validated, beside DuckDB's plain import of it\n")
        print(bounded_memory_table(results, markdown=True))
    if results["real_size_table"]:
        print("\nReal size (issue 21): whole processes, start-up and imports included\n")
        print(real_size_table(results, markdown=True))  # pasted as it is into docs and the README
        table = one_day_table(results, markdown=True)
        if table:
            day = results["real_size"]["sets"][0]["one_day"]["day"]
            print(f"\nThe day {day} as five processes (`clickstream <stage> --partition {day} --full-refresh`)\n")
            print(table)


def markdown_tables(results: dict[str, Any]) -> str:
    """The results as Markdown (what docs/performance.md shows)."""
    from clickstream.bench.scale import markdown

    parts = [markdown(dataset) + "\n" for dataset in results["datasets"]]
    if results["datasets"]:
        parts.append(format_table(target_rows(results), ["target", "measured", "status"], markdown=True,
                                  right=frozenset()))
    if results.get("bounded_memory"):
        parts.append("\n" + bounded_memory_table(results, markdown=True))
    if results["real_size_table"]:
        parts.append("\n" + real_size_table(results, markdown=True))
        table = one_day_table(results, markdown=True)
        if table:
            parts.append("\n" + table)
    return "\n".join(parts)
