"""validate killed outright (SIGKILL: no handler runs) at several points of its work, then ``clickstream load``
(its own process too) and ``clickstream run``: load publishes a whole validation or refuses in one line, never
part of a day with exit 0; run then leaves the day as an uninterrupted run does. Each validation runs in its own
process, which stops itself at the chosen point (the test patches that process, not the library)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from clickstream.cli import main
from clickstream.generate import generate

DAY = date(2025, 2, 23)
EVENTS = 250
# The child: shrink the contract's batches to get several staged parts, then SIGKILL itself at the point named
# by argv[1] and run the CLI with the rest of argv.
KILLED_VALIDATE = """
import os, pathlib, signal, sys
import clickstream.validate as validate
from clickstream.cli import main

point = sys.argv[1]
validate.BATCH_ROWS = 50  # 250 rows: five staged parts


def die():
    os.kill(os.getpid(), signal.SIGKILL)


if point == "after 2 of 5 staged parts":
    check = validate._check_batch
    written = []

    def check_then_die(*args, **kwargs):
        result = check(*args, **kwargs)
        written.append(result)
        if len(written) == 2:
            die()
        return result

    validate._check_batch = check_then_die
elif point == "half-way through the manifest":
    write_text = pathlib.Path.write_text

    def half_then_die(self, text, *args, **kwargs):
        if self.name == validate.MANIFEST:
            with open(self, "w") as handle:
                handle.write(text[: len(text) // 2])
            die()
        return write_text(self, text, *args, **kwargs)

    pathlib.Path.write_text = half_then_die
else:  # "between the two renames" (the last validation moved out, the new one not in), "after the new one's rename"
    rename = pathlib.Path.rename
    renames = []

    def rename_then_die(self, target):
        result = rename(self, target)
        renames.append(target)
        if len(renames) == (1 if point == "between the two renames" else 2):
            die()
        return result

    pathlib.Path.rename = rename_then_die
sys.exit(main(sys.argv[2:]))
"""
MARTS = ("sessions", "dim_users", "orders", "order_items", "attribution", "funnel_daily", "daily_kpis")
WHEN = {"loaded_at", "quarantined_at", "run_id", "seconds"}  # when or by which run a row was written


def run(data: Path) -> int:
    """``clickstream run`` for the day, in this process (GX and Polars imported once for every test)."""
    return main(["--data-dir", str(data), "run", "--partition", str(DAY)])


def clickstream(data: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "clickstream.cli", "--data-dir", str(data), *args],
                          capture_output=True, text=True, timeout=300)


def killed_validate(data: Path, point: str) -> int:
    child = subprocess.run([sys.executable, "-c", KILLED_VALIDATE, point, "--data-dir", str(data), "validate",
                            "--partition", str(DAY)], capture_output=True, text=True, timeout=300)
    return child.returncode


def raw_file(folder: Path, seed: int) -> Path:
    """The day's file of ``EVENTS`` events generated with ``seed``."""
    generate(folder, DAY, 1, events_per_day=EVENTS, seed=seed, truth=False)
    return folder / "raw" / f"events_{DAY}.csv"


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """Two deliveries of the day: ``first``, then ``fixed`` (other rows), each in its own folder."""
    root = tmp_path_factory.mktemp("deliveries")
    return {"first": raw_file(root / "first", seed=3), "fixed": raw_file(root / "fixed", seed=4)}


def deliver(data: Path, file: Path) -> None:
    (data / "raw").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(file, data / "raw" / file.name)


def fingerprint(data: Path) -> dict[str, tuple[int, str]]:
    """Rows and a checksum of raw_events and each mart, less the columns that say when or by which run."""
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        found = {}
        for table in ("raw_events", *MARTS):
            columns = [row[0] for row in con.execute(f"DESCRIBE {table}").fetchall() if row[0] not in WHEN]
            rows = con.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY ALL").fetchall()
            found[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
        return found


def day_events(data: Path) -> int:
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        return con.execute("SELECT count(*) FROM raw_events WHERE partition_date = ?", [DAY]).fetchone()[0]


@pytest.fixture(scope="module")
def clean(tmp_path_factory, files) -> dict:
    """Each delivery run without interruption: the day's events and the tables it gives."""
    found = {}
    for name, file in files.items():
        data = tmp_path_factory.mktemp(f"clean-{name}") / "data"
        deliver(data, file)
        assert run(data) == 0
        found[name] = {"events": day_events(data), "tables": fingerprint(data)}
    return found


def leftovers(data: Path) -> list[str]:
    return sorted(path.name for path in (data / "staging").iterdir() if path.name != str(DAY))


def one_line_refusal(load: subprocess.CompletedProcess) -> None:
    assert load.returncode == 1 and load.stdout == ""
    assert load.stderr.count("\n") == 1 and load.stderr.startswith(f"clickstream: load failed for {DAY}: ")


# Revalidating a day whose last validation passed and was loaded: the last one must stay whole until the new one
# replaces it. Load then publishes the last validation (its files are those of the last load: skipped, the day
# unchanged), or the new one once it is in place, or refuses while neither is.
@pytest.mark.parametrize(("point", "load_publishes"), [
    ("after 2 of 5 staged parts", "first"),
    ("half-way through the manifest", "first"),
    ("between the two renames", None),
    ("after the new one's rename", "fixed"),
])
def test_a_revalidation_killed_part_way_never_loads_part_of_the_day(tmp_path, files, clean, point, load_publishes):
    data = tmp_path / "data"
    deliver(data, files["first"])
    assert run(data) == 0
    deliver(data, files["fixed"])

    assert killed_validate(data, point) == -9
    load = clickstream(data, "load", "--partition", str(DAY))
    if load_publishes is None:
        one_line_refusal(load)
        assert f"partition {DAY} has not been validated" in load.stderr
        assert day_events(data) == clean["first"]["events"]  # the last load stays
    else:
        assert load.returncode == 0, load.stderr
        assert day_events(data) == clean[load_publishes]["events"]

    assert run(data) == 0
    assert fingerprint(data) == clean["fixed"]["tables"]
    assert leftovers(data) == []


@pytest.mark.parametrize("point", ["after 2 of 5 staged parts", "half-way through the manifest"])
def test_a_first_validation_killed_part_way_is_refused_by_load_then_run_completes_the_day(tmp_path, files, clean,
                                                                                            point):
    data = tmp_path / "data"
    deliver(data, files["fixed"])

    assert killed_validate(data, point) == -9
    load = clickstream(data, "load", "--partition", str(DAY))
    one_line_refusal(load)
    assert f"partition {DAY} has not been validated" in load.stderr and not (data / "warehouse.duckdb").exists()

    assert run(data) == 0
    assert fingerprint(data) == clean["fixed"]["tables"]
    assert leftovers(data) == []
