"""``clickstream``: the pipeline from a terminal, calling the same stage functions as the DAG."""

from __future__ import annotations

import argparse
import errno
import json
import os
import re
import signal
import sys
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from clickstream.pipeline import STAGES, parse_partition, run_stage
from clickstream.settings import Settings, get_settings


def _date(text: str) -> date:
    try:
        return parse_partition(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def _partitions(settings: Settings, args: argparse.Namespace) -> list[date]:
    """The partitions a command works on: ``--partition``, else those in raw/ within --start/--end."""
    from clickstream.partitions import discover, undated

    for path in undated(settings.raw_dir):
        print(f"clickstream: ignoring {path}: its name holds no date (YYYY-MM-DD or YYYYMMDD)", file=sys.stderr)
    if getattr(args, "partition", None):
        return [args.partition]
    found = [day for day in discover(settings.raw_dir)
             if (not getattr(args, "start", None) or day >= args.start)
             and (not getattr(args, "end", None) or day <= args.end)]
    if not found:
        raise SystemExit(f"clickstream: no dated *.csv files in {settings.raw_dir}; run `clickstream generate` first")
    return found


def _run_id() -> str:
    return "cli__" + datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _print(summary: Any) -> None:
    print(json.dumps(summary, indent=2, default=str))


def cmd_stage(args: argparse.Namespace, settings: Settings) -> int:
    from clickstream.warehouse import held_open

    run_id = _run_id()
    with held_open(settings.warehouse_path):  # days after the first reuse the first one's connection
        for day in _partitions(settings, args):
            summary = _stage_or_report(args.command, settings, day, run_id, args.full_refresh)
            if summary is None:
                return 1
            _print(summary)
    return 0


# The next day validates on a thread while this one loads (Polars' work beside DuckDB's, each letting go of the GIL)
# when its files are smaller than this: both days' data are then in memory at once.
AHEAD_MAX_BYTES = 64 * 1024 * 1024


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """Every day through validate and load in date order; one transform of the days loaded; then every day through
    analyze and monitor; one publish of them all. A day's report and watchdog so see all the given files (late
    events of the day included), and a second run over the same files finds every stage's inputs unchanged."""
    from concurrent.futures import Future, ThreadPoolExecutor

    from clickstream.partitions import discover
    from clickstream.warehouse import held_open

    run_id = _run_id()
    days = _partitions(settings, args)
    sizes = {day: sum(path.stat().st_size for path in paths) for day, paths in discover(settings.raw_dir).items()}
    later = [("transform", days), *((stage, day) for day in days for stage in ("analyze", "monitor")),
             ("publish", days)]  # once every watchdog passed: one snapshot per table for the run

    def outcome(stage: str, partitions: date | list[date]) -> tuple[dict[str, Any] | None, str | None]:
        return _stage_outcome(stage, settings, partitions, run_id, args.full_refresh)

    def told(stage: str, partitions: date | list[date], result: tuple[dict[str, Any] | None, str | None]) -> bool:
        summary, failure = result
        if summary is None:
            print(failure, file=sys.stderr)
            return False
        print(f"{_label(partitions)} {stage:<9} ok  {_headline(summary)}", flush=True)
        return True

    with held_open(settings.warehouse_path), ThreadPoolExecutor(1, "validate-ahead") as ahead:
        next_validation: Future | None = None  # the next day's, on the thread while this day loads
        for index, day in enumerate(days):
            validation = next_validation.result() if next_validation else outcome("validate", day)
            next_validation = None
            if not told("validate", day, validation):
                return 1
            following = days[index + 1] if index + 1 < len(days) else None
            if following and sizes.get(following, 0) < AHEAD_MAX_BYTES:
                next_validation = ahead.submit(outcome, "validate", following)
            if not told("load", day, outcome("load", day)):
                return 1
        for stage, partitions in later:
            if not told(stage, partitions, outcome(stage, partitions)):
                return 1
    return 0


def _label(partitions: date | list[date]) -> str:
    """A day, or a run of days as first..last."""
    if isinstance(partitions, date):
        return partitions.isoformat()
    return partitions[0].isoformat() if len(partitions) == 1 else f"{partitions[0]}..{partitions[-1]}"


def _stage_or_report(stage: str, settings: Settings, partitions: date | list[date], run_id: str,
                     full_refresh: bool) -> dict[str, Any] | None:
    """A stage's summary; or, for a known condition, one line on stderr naming the day, the stage, the cause
    and what to run next, and None. Each stage publishes whole or not at all, so a stop leaves nothing half-done."""
    summary, failure = _stage_outcome(stage, settings, partitions, run_id, full_refresh)
    if failure is not None:
        print(failure, file=sys.stderr)
    return summary


def _stage_outcome(stage: str, settings: Settings, partitions: date | list[date], run_id: str, full_refresh: bool
                   ) -> tuple[dict[str, Any] | None, str | None]:
    """``(summary, None)``, or for a known condition ``(None, the line that says it)``: what ``_stage_or_report``
    prints, kept for the caller (a stage run on a thread is told in date order)."""
    from clickstream.errors import DataError, OperationalError, Stopped

    day = _label(partitions)
    again = f"clickstream {stage} --partition {day}" if isinstance(partitions, date) or len(partitions) == 1 else (
        f"clickstream run --start {partitions[0]} --end {partitions[-1]}")
    try:
        return run_stage(stage, settings, partitions, run_id, full_refresh=full_refresh), None
    except DataError as error:
        cause = str(error)
    except OperationalError as error:
        cause = f"{error}; then run `{again}`"
    except Stopped as error:
        cause = f"stopped by {error} before it finished; nothing of it was published. Rerun: `{again}`"
    except Exception as error:
        written = _disk_full(error)
        if written is None:
            raise
        cause = (f"the disk is full (writing {written or settings.data_dir}); nothing of the stage was "
                 f"published. Free space, then run `{again}`")
    return None, f"clickstream: {stage} failed for {day}: {cause}"


def _disk_full(error: BaseException | None) -> str | None:
    """The file being written when the disk filled ("" when unnamed), if ``error`` or one it arose from says so:
    an OSError with ENOSPC, or the errors of DuckDB (a ``TransactionException`` whose commit could not write) and
    Polars (a ``ComputeError``), which quote the system's message; else None."""
    while error is not None:
        if isinstance(error, OSError) and error.errno == errno.ENOSPC:
            return str(error.filename or "")
        if os.strerror(errno.ENOSPC) in str(error):
            named = re.search(r'file "([^"]+)"', str(error))
            return named[1] if named else ""
        error = error.__cause__ or error.__context__
    return None


def _headline(summary: dict[str, Any]) -> str:
    keys = ("rows_read", "rows_valid", "rows_quarantined", "rows_loaded", "duplicates", "status", "mode", "report",
            "tables_published", "days_written", "bytes_written", "seconds")
    return " ".join(f"{key}={summary[key]}" for key in keys if key in summary)


def cmd_generate(args: argparse.Namespace, settings: Settings) -> int:
    from clickstream.generate import generate

    out = args.out or settings.data_dir
    _print(generate(out, args.start, args.days, args.events_per_day, args.seed, profile=args.profile,
                    truth=not args.no_truth))
    return 0


def cmd_airflow_run(args: argparse.Namespace, settings: Settings) -> int:
    from clickstream.local_airflow import run_partitions

    days = _partitions(settings, args)
    print(f"Running DAG clickstream_elt through Airflow (dag.test) for {len(days)} partition(s)...", flush=True)
    outcomes = run_partitions(settings.data_dir, days, settings.data_dir / "airflow_runs")
    failed = [outcome for outcome in outcomes if not outcome.succeeded]
    if failed:
        print(f"clickstream: the DAG run for {failed[0].partition} failed; see {failed[0].log_path}", file=sys.stderr)
        return 1
    latest = settings.reports_dir / "latest" / "report.html"
    print(f"\nAll {len(outcomes)} runs succeeded.\n  Report:    {latest}\n  Warehouse: {settings.warehouse_path}\n"
          f"  Tables:    {settings.iceberg_warehouse_url} (Iceberg; `clickstream catalog` lists them)")
    return 0


def cmd_airflow_standalone(args: argparse.Namespace, settings: Settings) -> int:
    from clickstream.local_airflow import airflow_env, prepare

    env = airflow_env(settings.data_dir)
    prepare(env)
    home = Path(env["AIRFLOW_HOME"])
    passwords = home / "simple_auth_manager_passwords.json.generated"
    print(f"Starting Airflow standalone (AIRFLOW_HOME={home}); web UI on http://localhost:8080", flush=True)
    if passwords.exists():
        logins = ", ".join(f"user {user!r} password {pw!r}" for user, pw in json.loads(passwords.read_text()).items())
        print(f"Sign in with {logins} (from {passwords}).", flush=True)
    else:
        print(f"Sign in as 'admin' with the password Airflow prints below on first start (kept in {passwords}).",
              flush=True)
    os.execvpe(str(Path(sys.executable).with_name("airflow")), ["airflow", "standalone"], env)


def cmd_docs(args: argparse.Namespace, settings: Settings) -> int:
    """Render the GX Data Docs of gate runs that have no page yet (monitor does this at the end of a run)."""
    from clickstream.gates import data_docs_index, update_data_docs

    rendered = update_data_docs(settings.gx_dir)
    index = data_docs_index(settings.gx_dir)
    if not index.exists():
        print(f"No gate run is stored in {settings.gx_dir} yet: validate a partition first.")
        return 0
    print(f"Rendered {rendered} gate run(s). Data Docs: {index}")
    return 0


def cmd_settings(args: argparse.Namespace, settings: Settings) -> int:
    """The settings in effect, as .env lines; or the Markdown table of every setting and its default, printed or
    written into a document in place of its old one (``make docs``: the README's)."""
    from clickstream.settings import env_value, markdown_table, with_markdown_table

    if args.write:
        try:
            args.write.write_text(with_markdown_table(args.write.read_text()))
        except (OSError, ValueError) as error:
            raise SystemExit(f"clickstream: settings --write {args.write}: {error}") from error
        print(f"Wrote the settings table into {args.write}")
    elif args.markdown:
        print(markdown_table(), end="")
    else:
        for name in Settings.model_fields:
            value = env_value(getattr(settings, name))
            print(f"CLICKSTREAM_{name.upper()}={json.dumps(value) if ' ' in value else value}")
    return 0


def cmd_channel(args: argparse.Namespace, settings: Settings) -> int:
    """The source / medium / campaign and channel of a session landing on URL from REFERRER, by the pipeline's own
    models and the channel group in use."""
    from clickstream.channel_check import classify

    found = classify(settings, [(args.url, args.referrer)])[0]
    print(f"source / medium:  {found['source']} / {found['medium']}")
    print(f"campaign:         {found['campaign']}")
    print(f"source category:  {found['source_category'] or '(none: not in the source-category lists)'}")
    print(f"channel:          {found['channel']}")
    return 0


def cmd_catalog(args: argparse.Namespace, settings: Settings) -> int:
    """The published tables: each one's current snapshot, when it was committed, its rows and data files."""
    from clickstream.catalog import describe

    rows = describe(settings)
    if not rows:
        print(f"No table is published in namespace {settings.iceberg_namespace} yet: run `clickstream run` first.")
        return 0
    print(f"{'table':<14} {'snapshot id':>20}  {'committed (UTC)':<19} {'rows':>9} {'files':>6}  snapshots")
    for row in rows:
        print(f"{row['table']:<14} {row['snapshot_id'] or '-':>20}  {row['committed_at'] or '-':<19} "
              f"{row['rows']:>9} {row['files']:>6}  {row['snapshots']}")
    print(f"Catalog namespace {settings.iceberg_namespace}; files under {settings.iceberg_warehouse_url}")
    return 0


def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    from clickstream.bench import main as bench_main

    return bench_main(args)


def _global_options(default: Any) -> argparse.ArgumentParser:
    """The options every command takes, before or after its name (``clickstream --data-dir D validate`` and
    ``clickstream validate --data-dir D``); after the name they default to nothing, so they do not undo a value
    given before it."""
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--data-dir", type=Path, default=default,
                         help="data folder (default: CLICKSTREAM_DATA_DIR or ./data)")
    return options


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="clickstream", description=__doc__, parents=[_global_options(None)])
    commands = parser.add_subparsers(dest="command", required=True)
    after_name = [_global_options(argparse.SUPPRESS)]

    def add_command(name: str, help: str) -> argparse.ArgumentParser:  # noqa: A002 (argparse's own keyword)
        return commands.add_parser(name, help=help, parents=after_name)

    generate = add_command("generate", "write sample daily CSV files and truth.json")
    generate.add_argument("--out", type=Path, help="output folder (default: the data dir)")
    generate.add_argument("--start", type=_date, default=date(2025, 2, 23))
    generate.add_argument("--days", type=int, default=14)
    generate.add_argument("--events-per-day", type=int, default=3500)
    generate.add_argument("--seed", type=int, default=7)
    generate.add_argument("--profile", choices=("clean", "default", "puffy"), default="default")
    generate.add_argument("--no-truth", action="store_true", help="skip the reference figures (large data)")

    for stage in STAGES:
        command = add_command(stage, f"run the {stage} stage")
        command.add_argument("--partition", type=_date, help="YYYY-MM-DD (default: every partition in raw/)")
        command.add_argument("--full-refresh", action="store_true",
                             help="do the work even when the stage's inputs are unchanged since it last ran")

    for name, help_text in (("run", "every stage for every partition, in date order"),
                            ("airflow-run", "run the DAG through Airflow (dags test) for every partition")):
        command = add_command(name, help_text)
        command.add_argument("--partition", type=_date)
        command.add_argument("--start", type=_date)
        command.add_argument("--end", type=_date)
        if name == "run":
            command.add_argument("--full-refresh", action="store_true",
                                 help="every stage does its work even when its inputs are unchanged")

    add_command("airflow-standalone", "airflow standalone with the project's DAG and plugins")
    add_command("docs", "render the GX Data Docs of gate runs that have none yet")
    settings_command = add_command("settings", "the CLICKSTREAM_* settings in effect, or their table of defaults")
    settings_command.add_argument("--markdown", action="store_true", help="print the Markdown table of defaults")
    settings_command.add_argument("--write", type=Path, metavar="FILE",
                                  help="replace the table between FILE's settings-table markers (make docs)")
    add_command("catalog", "the published Iceberg tables: current snapshot, its time, rows and files")
    channel = add_command("channel", "the source / medium and GA4 channel a landing URL and referrer get")
    channel.add_argument("url", help="the landing page's URL, with its query string (quote it in the shell)")
    channel.add_argument("--referrer", help="the referrer's URL (default: none, a direct visit)")
    from clickstream.bench import add_arguments  # standard library only: cheap
    add_arguments(add_command("bench", "benchmark the pipeline beside a row-by-row baseline (--real-size-only: 3 min)"))
    return parser


HANDLERS = {
    "generate": cmd_generate,
    "run": cmd_run,
    "airflow-run": cmd_airflow_run,
    "airflow-standalone": cmd_airflow_standalone,
    "bench": cmd_bench,
    "docs": cmd_docs,
    "settings": cmd_settings,
    "channel": cmd_channel,
    "catalog": cmd_catalog,
    **{stage: cmd_stage for stage in STAGES},
}


def _stop_on_sigterm() -> None:
    """SIGTERM (``kill``, ``docker stop``) ends the running stage through ``Stopped``, like Ctrl-C, so that
    its write-aside files are removed and the CLI says what happened."""
    from clickstream.errors import Stopped

    def stop(signum: int, frame: Any) -> None:
        raise Stopped(signal.Signals(signum).name)

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)


def main(argv: list[str] | None = None) -> int:
    from clickstream.errors import DataError, OperationalError, Stopped

    args = build_parser().parse_args(argv)
    settings = get_settings(data_dir=args.data_dir)
    _stop_on_sigterm()
    try:
        return HANDLERS[args.command](args, settings)
    except (DataError, OperationalError) as error:
        print(f"clickstream: {args.command} failed: {error}", file=sys.stderr)
        return 1
    except Stopped as error:
        print(f"clickstream: {args.command} stopped by {error}", file=sys.stderr)
        return 143
    except BrokenPipeError:  # the reader went away (`clickstream settings | head`): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the exit's flush cannot raise again
        return 1


if __name__ == "__main__":
    sys.exit(main())
