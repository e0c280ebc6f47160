"""The benchmark's options and its run: scenarios in turn, targets judged, tables printed, results.json."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DEFAULT_SIZES = (1_000_000, 10_000_000)  # events over 14 days (the scale scenario)
DAY_FILE_EVENTS = 1_000_000  # the size of issue 4's single day file
MEMORY_DAY_EVENTS = (4_000_000, 16_000_000)  # issue 29's one-day files, validated in bounded memory
REAL_SIZE_EVENTS = (3_500, 28_000)  # events a day (the real-size scenario)
MIN_EVENTS = 14  # one event a day


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The benchmark's options, for ``clickstream bench`` and ``python -m clickstream.bench`` alike."""
    parser.add_argument("--events", type=int, nargs="*", help="scale data set sizes (default 1000000 10000000)")
    parser.add_argument("--out", type=Path, default=Path("bench"), help="results and cached data (default bench/)")
    parser.add_argument("--no-airflow", dest="airflow", action="store_false",
                        help="skip the 14-day Airflow run of the smallest set")
    parser.add_argument("--no-dag-parse", dest="dag_parse", action="store_false",
                        help="skip timing the DAG file's parse")
    parser.add_argument("--day-file-events", type=int, default=DAY_FILE_EVENTS,
                        help="events in the one-day file set, validated and loaded as one partition (0: skip it)")
    parser.add_argument("--memory-day-events", type=int, nargs="*", default=None, metavar="EVENTS",
                        help="events in the one-day files validated in bounded memory beside DuckDB's plain import "
                             "(default 4000000 16000000; none: skip them)")
    real = parser.add_mutually_exclusive_group()
    real.add_argument("--real-size-only", action="store_true",
                      help="only the real-size scenario (3 to 4 minutes here): what a user waits for at the "
                           "shop's size")
    real.add_argument("--no-real-size", dest="real_size", action="store_false", help="skip the real-size scenario")
    parser.add_argument("--real-size-events", type=int, nargs="+", default=list(REAL_SIZE_EVENTS), metavar="PER_DAY",
                        help="events a day of the real-size sets, 14 days each (default 3500 28000; the first set "
                             "also runs its last day as five processes)")


def command_line(args: argparse.Namespace, sizes: list[int]) -> str:
    parts = ["clickstream bench", f"--out {args.out}"]
    if args.real_size_only:
        parts.append("--real-size-only")
    else:
        parts += [f"--events {' '.join(map(str, sizes))}", f"--day-file-events {args.day_file_events}",
                  f"--memory-day-events {' '.join(map(str, args.memory_day_events))}".rstrip()]
        parts += [flag for flag, on in (("--no-airflow", not args.airflow), ("--no-dag-parse", not args.dag_parse),
                                        ("--no-real-size", not args.real_size)) if on]
    if args.real_size:
        parts.append(f"--real-size-events {' '.join(map(str, args.real_size_events))}")
    return " ".join(parts)


def main(args: argparse.Namespace) -> int:
    """Run the benchmark with the options of ``add_arguments``."""
    from clickstream.bench import report, scale
    from clickstream.bench.machine import machine_info, versions
    from clickstream.bench.targets import judge_targets, real_size_rows

    only_real = getattr(args, "real_size_only", False)
    args.real_size = getattr(args, "real_size", True) or only_real
    args.real_size_only = only_real
    args.real_size_events = getattr(args, "real_size_events", list(REAL_SIZE_EVENTS))
    sizes = [] if only_real else sorted(set(args.events)) if args.events else list(DEFAULT_SIZES)
    memory_days = getattr(args, "memory_day_events", None)
    args.memory_day_events = [] if only_real else list(MEMORY_DAY_EVENTS) if memory_days is None else memory_days
    if any(size < MIN_EVENTS for size in sizes) or any(per_day < 1 for per_day in args.real_size_events):
        raise SystemExit(f"clickstream bench: a data set needs at least {MIN_EVENTS} events (one a day)")
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    results: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command_line(args, sizes),
        "machine": machine_info(),
        "versions": versions(),
        "datasets": [],
        "dag_parse": None,
        "real_size": None,
        "bounded_memory": [],
    }
    for size in sizes:
        print(f"\n== {size:,} events (14 days) ==", file=sys.stderr, flush=True)
        dataset = scale.bench_dataset(out, size, airflow=args.airflow and size == sizes[0])
        results["datasets"].append(dataset)
        scale.print_dataset(dataset)
    if args.day_file_events and not only_real:
        print(f"\n== one day file of {args.day_file_events:,} events (validate + load) ==", file=sys.stderr, flush=True)
        dataset = scale.bench_dataset(out, args.day_file_events, airflow=False, day_count=1)
        results["datasets"].append(dataset)
        scale.print_dataset(dataset)
    for size in args.memory_day_events:
        from clickstream.bench.bounded_memory import bench_bounded_memory

        print(f"\n== bounded memory: one day file of {size:,} events (validate) ==", file=sys.stderr, flush=True)
        results["bounded_memory"].append(bench_bounded_memory(out, size))
    if args.dag_parse and not only_real:
        from clickstream.bench.dag_parse import dag_parse

        print("\n== DAG file parse ==", file=sys.stderr, flush=True)
        results["dag_parse"] = dag_parse(out)
    if args.real_size:
        from clickstream.bench.real_size import bench_real_size

        sets = []
        for index, per_day in enumerate(args.real_size_events):
            print(f"\n== real size: 14 days x {per_day:,} events ==", file=sys.stderr, flush=True)
            sets.append(bench_real_size(out, per_day, one_day=index == 0))
        results["real_size"] = {"sets": sets}
    results["targets"] = judge_targets(results)
    results["real_size_table"] = real_size_rows(results["real_size"], results) if args.real_size else []
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    path = report.write_results(out, results)
    report.print_summary(results)
    print(f"\nResults: {path}  ({results['total_seconds']:.0f} s in all)")
    return 1 if report.failures(results) else 0
