"""Great Expectations gates: run a named suite over a pandas batch and judge it by severity.

GX 1.24 counts a failed warning as a failed suite, so the gate decides from the
severities of the failed results instead of ``success``. GX takes seconds to import:
it is imported here, inside functions, never by a DAG file.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from clickstream.atomic import write_text
from clickstream.errors import DataError

CRITICAL, WARNING, INFO = "critical", "warning", "info"


@dataclass(frozen=True)
class Check:
    """One expectation of a suite: a stable name, a GX expectation class and its arguments."""

    name: str
    severity: str
    expectation: str
    kwargs: dict[str, Any]
    threshold: str
    description: str = ""


@dataclass(frozen=True)
class CheckResult:
    check: str
    expectation: str
    severity: str
    success: bool
    observed: str
    threshold: str
    description: str = ""


@dataclass
class GateReport:
    suite: str
    partition_date: date
    run_id: str
    results: list[CheckResult] = field(default_factory=list)

    @property
    def failed(self) -> list[CheckResult]:
        return [result for result in self.results if not result.success]

    @property
    def critical_failures(self) -> list[CheckResult]:
        return [result for result in self.failed if result.severity == CRITICAL]

    @property
    def warnings(self) -> list[CheckResult]:
        return [result for result in self.failed if result.severity != CRITICAL]

    def summary(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "passed": not self.critical_failures,
            "checks": len(self.results),
            "critical_failures": [asdict(result) for result in self.critical_failures],
            "warnings": [asdict(result) for result in self.warnings],
        }


class GateFailedError(DataError):
    """A critical check failed: the run must stop before anything downstream is published."""

    def __init__(self, report: GateReport, extra: Sequence[str] = ()) -> None:
        self.report = report
        lines = [f"{result.check}: observed {result.observed}, expected {result.threshold}"
                 for result in report.critical_failures]
        lines.extend(extra)
        super().__init__(
            f"{report.suite} gate failed for partition {report.partition_date} "
            f"({len(lines)} critical): " + "; ".join(lines)
        )


def _observed(result: dict[str, Any]) -> str:
    if "observed_value" in result:
        value = result["observed_value"]
        return f"{float(value):.6g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)
    if "unexpected_count" in result:
        return f"{result['unexpected_count']} unexpected of {result.get('element_count', '?')}"
    return json.dumps(result, default=str)[:200]


def run_suite(
    suite_name: str,
    checks: Sequence[Check],
    figures: dict[str, Any],
    partition_date: date,
    run_id: str,
    project_dir: Path,
    keep_days: int,
) -> GateReport:
    """Judge a partition's ``figures`` (GX sees them as a one-row pandas batch) with the suite ``checks``.

    The run is the suite's validation definition in the file-backed GX project in ``project_dir`` (suite and
    validation definition kept up to date), which stores its result; runs older than ``keep_days`` days are
    pruned (``prune_results``). The Data Docs are rendered by ``update_data_docs``, not here. No checkpoint:
    it has no action to run here, and its checks that the stored objects are current cost a third of a run.
    """
    import pandas as pd

    gx = _gx()

    by_name = {check.name: check for check in checks}
    with project_lock(project_dir):
        prune_results(project_dir, suite_name, keep_days)
        definition = _validation_definition(str(project_dir), suite_name, checks)
        validation = definition.run(batch_parameters={"dataframe": pd.DataFrame([figures])},
                                    run_id=gx.RunIdentifier(run_name=f"{partition_date}_{run_id}"))
    report = GateReport(suite_name, partition_date, run_id)
    for item in validation.results:
        check = by_name[item.expectation_config.meta["check"]]
        observed = "error: " + str(item.exception_info.get("exception_message")) if _raised(item) else None
        report.results.append(
            CheckResult(
                check=check.name,
                expectation=check.expectation,
                severity=check.severity,
                success=bool(item.success),
                observed=observed or _observed(item.result or {}),
                threshold=check.threshold,
                description=check.description,
            )
        )
    return report


def prepare(suite_name: str, checks: Sequence[Check], project_dir: Path) -> None:
    """Set up the suite's GX objects ahead of ``run_suite`` (e.g. on a thread while the data is read)."""
    with project_lock(project_dir):
        _validation_definition(str(project_dir), suite_name, checks)


def _gx() -> Any:
    """great_expectations, imported with its usage analytics off: every entry point here comes through this."""
    from clickstream.gx_import import import_great_expectations

    return import_great_expectations()


def _context(project_dir: str) -> Any:
    gx = _gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="file", project_root_dir=project_dir)
    if context.variables.config_variables_file_path:
        # GX re-reads and parses that YAML file on every store access (a dozen times a gate, a fifth of its
        # time); the suites name no ${variable}, so the project keeps none. Once per project.
        context.variables.config_variables_file_path = None
        context.variables.save()
        (Path(project_dir) / "gx" / "uncommitted" / "config_variables.yml").unlink(missing_ok=True)
        context = gx.get_context(mode="file", project_root_dir=project_dir)
    context.variables.progress_bars = ProgressBarsConfig(globally=False)  # they would flood the task logs
    return context


def _suite(gx: Any, suite_name: str, checks: Sequence[Check], digest: str) -> Any:
    suite = gx.ExpectationSuite(name=suite_name, meta={"definition": digest})
    for check in checks:
        expectation_class = getattr(gx.expectations, check.expectation)
        suite.add_expectation(expectation_class(**check.kwargs, severity=check.severity, meta={"check": check.name}))
    return suite


def definition(checks: Sequence[Check]) -> str:
    """What a suite's verdicts depend on besides the figures (its checks and thresholds), as a cache key."""
    return json.dumps([[check.name, check.severity, check.expectation, check.kwargs] for check in checks],
                      sort_keys=True, default=str)


def _validation_definition(project_dir: str, suite_name: str, checks: Sequence[Check]) -> Any:
    """The project's validation definition for a suite; callers hold ``project_lock``.

    The project's files are written only when they do not hold this suite definition (its digest is kept in
    the suite's ``meta``): processes that share the project (two days validating at once) then only read them,
    and a file left cut off by a kill or a full disk no longer parses, so it is written anew. A process keeps
    the validation definition for its next partitions (about 0.3 s each) while the files are those it last saw.
    """
    digest = hashlib.sha256(definition(checks).encode()).hexdigest()
    files = _suite_files(Path(project_dir), suite_name)
    cached = _DEFINITIONS.get((project_dir, suite_name))
    if cached is not None and cached[:2] == (digest, _stamp(files)):
        return cached[2]
    gx = _gx()
    context = _context(project_dir)
    validation = _stored_definition(context, suite_name, digest, files)
    if validation is None:
        for path in files:  # whatever is there is stale or torn: GX would read it before replacing it
            path.unlink(missing_ok=True)
        suite = context.suites.add(_suite(gx, suite_name, checks, digest))
        validation = context.validation_definitions.add(
            gx.ValidationDefinition(name=suite_name, data=_batch_definition(context, suite_name), suite=suite))
    _DEFINITIONS[(project_dir, suite_name)] = (digest, _stamp(files), validation)
    return validation


def _suite_files(project_dir: Path, suite_name: str) -> list[Path]:
    """The files a suite's validation definition is made of: the suite and the definition."""
    return [project_dir / "gx" / folder / f"{suite_name}.json" for folder in ("expectations", "validation_definitions")]


def _stamp(files: list[Path]) -> tuple[tuple[int, int] | None, ...]:
    """The files' change times and sizes, to notice another process rewriting them."""
    return tuple((stat.st_mtime_ns, stat.st_size) if (stat := _stat(path)) else None for path in files)


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except FileNotFoundError:
        return None


def _stored_definition(context: Any, suite_name: str, digest: str, files: list[Path]) -> Any | None:
    """The stored validation definition if every file of it is whole and its suite has this definition, else None."""
    try:
        stored = [json.loads(path.read_text()) for path in files]
        if stored[0].get("meta", {}).get("definition") != digest:
            return None
        return context.validation_definitions.get(suite_name)
    except Exception:  # noqa: BLE001 (missing, torn or foreign files: all mean "write them anew")
        return None


@contextmanager
def project_lock(project_dir: Path) -> Iterator[None]:
    """Hold the GX project for this process: its stores are plain files that GX reads and writes without
    locking, so processes that share it (days validating at once, monitor beside validate) take turns."""
    project_dir.mkdir(parents=True, exist_ok=True)
    with (project_dir / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# (project dir, suite name) -> (the definition's digest, the stamp of its files, its validation definition)
_DEFINITIONS: dict[tuple[str, str], tuple[str, tuple, Any]] = {}


def _batch_definition(context: Any, suite_name: str) -> Any:
    """The suite's in-memory DataFrame batch (created once in the project)."""
    name = f"{suite_name}_source"
    try:
        source = context.data_sources.get(name)
    except LookupError:
        source = context.data_sources.add_pandas(name)
    try:
        asset = source.get_asset("batch")
    except LookupError:
        asset = source.add_dataframe_asset("batch")
    try:
        return asset.get_batch_definition("whole")
    except LookupError:
        return asset.add_batch_definition_whole_dataframe("whole")


def update_data_docs(project_dir: Path) -> int:
    """Render the static Data Docs pages of stored gate runs that have none yet, their suites' pages and the index.

    Rendering is 85 % of a gate's cost in GX (0.5 of 0.6 s: a result of one row takes 0.08 s to
    validate), so the stages do not render after every gate: ``monitor`` renders at the end of a run,
    for both suites at once, and a failed gate renders before it raises. Returns the pages rendered
    (GX is imported only when there is one to render).
    """
    results, pages = _uncommitted(project_dir) / "validations", _pages(project_dir)
    pending = [path.relative_to(results).with_suffix("") for path in results.rglob("*.json")
               if not (pages / path.relative_to(results).with_suffix(".html")).exists()]
    if not pending:
        return 0
    _gx()
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    runs = [ValidationResultIdentifier.from_tuple(run.parts) for run in pending]
    suites = [ExpectationSuiteIdentifier(name=name) for name in sorted({run.parts[0] for run in pending})]
    with project_lock(project_dir):
        _context(str(project_dir)).build_data_docs(resource_identifiers=[*runs, *suites])
    return len(runs)


def _uncommitted(project_dir: Path) -> Path:
    """A file-backed GX project's results (``validations/``) and static site (``data_docs/local_site/``)."""
    return project_dir / "gx" / "uncommitted"


def _pages(project_dir: Path) -> Path:
    """The Data Docs pages of gate runs: one per stored result, at the same relative path."""
    return _uncommitted(project_dir) / "data_docs" / "local_site" / "validations"


def data_docs_index(project_dir: Path) -> Path:
    """Where a file-backed GX project keeps its static Data Docs."""
    return _uncommitted(project_dir) / "data_docs" / "local_site" / "index.html"


RUN_TIME_FORMAT = "%Y%m%dT%H%M%S.%fZ"  # how GX names a run's folder: validations/<suite>/<run name>/<run time>/


def prune_results(project_dir: Path, suite_name: str, keep_days: int, now: datetime | None = None) -> int:
    """Remove a suite's GX results, and their Data Docs pages, of runs more than ``keep_days`` days old.

    GX rebuilds the Data Docs index from every stored result on each run, so an unpruned project
    slows every gate by about 1 ms per past run and grows by about 80 KB a run. Nothing is lost:
    every run's results stay in ``gate_results`` and ``DATA_DIR/gates/*.json``. Returns the runs removed.
    """
    cutoff = (now or datetime.now(UTC)) - timedelta(days=keep_days)
    results, pages = _uncommitted(project_dir) / "validations", _pages(project_dir)
    removed = 0
    for run_folder in sorted((results / suite_name).glob("*/*")):
        try:
            run_time = datetime.strptime(run_folder.name, RUN_TIME_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            continue  # not a GX run folder
        if run_time >= cutoff:
            continue
        relative = run_folder.relative_to(results)
        for store in (results, pages):
            shutil.rmtree(store / relative, ignore_errors=True)
            if (store / relative.parent).is_dir() and not any((store / relative.parent).iterdir()):
                (store / relative.parent).rmdir()
        removed += 1
    return removed


def _raised(item: Any) -> bool:
    info = item.exception_info or {}
    return bool(info.get("raised_exception"))


def record(report: GateReport, con: Any, path: Path, extra: dict[str, Any] | None = None) -> Path:
    """Keep a gate's results: rows in ``gate_results`` (replacing this run's) and a JSON file at ``path``."""
    _insert_results(con, save(report, path, extra))
    return path


def save(report: GateReport, path: Path, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write a gate's results to the JSON file at ``path`` (whole or not at all) and return what was written."""
    payload = {"run_id": report.run_id, "partition_date": str(report.partition_date),
               "checked_at": datetime.now(UTC).isoformat(), **report.summary(),
               "results": [asdict(result) for result in report.results], **(extra or {})}
    write_text(path, json.dumps(payload, indent=2, default=str))
    return payload


def save_pending(report: GateReport, path: Path) -> Path:
    """Save a gate's results for the warehouse's next writer to record (``record_pending``): the stage that
    ran the gate does not open the warehouse, so it never waits for the writer of another run."""
    save(report, path)
    marker = _pending_dir(path.parent) / path.name
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()
    return path


def record_pending(con: Any, gates_dir: Path) -> int:
    """Record in ``gate_results`` every gate saved by ``save_pending`` and not recorded yet; returns how many.

    Idempotent (a run's rows are replaced), so a marker left by a crash between commit and removal is harmless.
    """
    markers = sorted(_pending_dir(gates_dir).glob("*.json"))
    payloads = [json.loads((gates_dir / marker.name).read_text()) for marker in markers]
    if not payloads:
        return 0
    con.execute("BEGIN")
    try:
        for payload in payloads:
            _insert_results(con, payload)
        con.execute("COMMIT")
    except BaseException:
        from clickstream.warehouse import rollback

        rollback(con)
        raise
    for marker in markers:
        marker.unlink(missing_ok=True)
    return len(payloads)


def _pending_dir(gates_dir: Path) -> Path:
    return gates_dir / "pending"


def _insert_results(con: Any, payload: dict[str, Any]) -> None:
    """One gate run's results as rows of ``gate_results``, replacing any of the same run, partition and suite."""
    key = [payload["run_id"], date.fromisoformat(payload["partition_date"]), payload["suite"]]
    con.execute("DELETE FROM gate_results WHERE run_id = ? AND partition_date = ? AND suite = ?", key)
    checked_at = datetime.fromisoformat(payload["checked_at"])
    con.executemany(
        "INSERT INTO gate_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [[*key, r["check"], r["expectation"], r["severity"], r["success"], r["observed"], r["threshold"], checked_at]
         for r in payload["results"]],
    )
