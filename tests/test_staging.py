"""The hand-over from validate to load: a validation is staged whole or not at all, and load publishes only
what the manifest names, so an interrupted or damaged step never loads part of a day."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

import pytest
from factories import row, write_csv

from clickstream.load import StagingDamagedError, load_partition
from clickstream.validate import MANIFEST, staging_dir, valid_parts, validate_partition
from clickstream.warehouse import connect

DAY = date(2025, 2, 23)
FIRST = [row(client_id=f"a{i}", timestamp=f"2025-02-23T10:{i:02d}:00.000Z") for i in range(30)]
SECOND = [row(client_id=f"b{i}", timestamp=f"2025-02-23T11:{i:02d}:00.000Z") for i in range(50)]


def raw_events(settings) -> int:
    with connect(settings.warehouse_path, read_only=True) as con:
        return con.execute("SELECT count(*) FROM raw_events").fetchone()[0]


def staged_rows(settings) -> int:
    return sum(part["rows"] for part in json.loads((staging_dir(settings, DAY) / MANIFEST).read_text())["staged"])


def asides(settings) -> list[str]:
    return sorted(path.name for path in settings.staging_dir.iterdir() if path.name.startswith("."))


def test_the_manifest_names_every_staged_file_with_its_rows_and_size(settings):
    write_csv(settings.raw_dir / "events_2025-02-23.csv", FIRST)
    summary = validate_partition(settings, DAY, "r1")
    [part] = valid_parts(staging_dir(settings, DAY))
    assert summary["staged"] == [{"file": part.name, "rows": 30, "bytes": part.stat().st_size}]


def test_a_validation_failing_part_way_leaves_the_last_one_whole(settings, monkeypatch):
    write_csv(settings.raw_dir / "events_2025-02-23.csv", FIRST)
    validate_partition(settings, DAY, "r1")
    write_csv(settings.raw_dir / "events_2025-02-23.csv", SECOND)

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # as SIGINT arrives, after the new rows were staged aside

    monkeypatch.setattr("clickstream.gates.run_suite", killed)
    with pytest.raises(KeyboardInterrupt):
        validate_partition(settings, DAY, "r2")
    assert staged_rows(settings) == 30 and asides(settings) == []
    load_partition(settings, DAY, "r2")
    assert raw_events(settings) == 30


def test_a_validation_killed_outright_is_cleared_by_the_next_one(settings):
    write_csv(settings.raw_dir / "events_2025-02-23.csv", FIRST)
    validate_partition(settings, DAY, "r1")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    left = staging_dir(settings, DAY).with_name(f".{DAY}.{os.uname().nodename}.{dead.stdout.strip()}.tmp")
    (left / "valid").mkdir(parents=True)
    (left / "valid" / "part-00000.parquet").write_bytes(b"PAR1 cut off")
    write_csv(settings.raw_dir / "events_2025-02-23.csv", SECOND)
    validate_partition(settings, DAY, "r2")
    assert asides(settings) == [] and staged_rows(settings) == 50


def test_a_missing_staged_file_is_refused_and_nothing_loads(settings):
    write_csv(settings.raw_dir / "events_2025-02-23.csv", FIRST)
    validate_partition(settings, DAY, "r1")
    [part] = valid_parts(staging_dir(settings, DAY))
    part.unlink()
    with pytest.raises(StagingDamagedError, match=f"{part.name} missing.*clickstream validate --partition {DAY}"):
        load_partition(settings, DAY, "r1")
    assert raw_events(settings) == 0


def test_a_staged_file_cut_off_is_refused(settings):
    write_csv(settings.raw_dir / "events_2025-02-23.csv", FIRST)
    validate_partition(settings, DAY, "r1")
    [part] = valid_parts(staging_dir(settings, DAY))
    part.write_bytes(part.read_bytes()[:200])
    with pytest.raises(StagingDamagedError, match=f"{part.name} is 200 bytes, the manifest says"):
        load_partition(settings, DAY, "r1")


def test_a_staged_file_overwritten_in_place_is_refused_without_a_traceback_of_duckdb(settings):
    write_csv(settings.raw_dir / "events_2025-02-23.csv", FIRST)
    validate_partition(settings, DAY, "r1")
    [part] = valid_parts(staging_dir(settings, DAY))
    part.write_bytes(b"\0" * part.stat().st_size)
    with pytest.raises(StagingDamagedError, match="are damaged \\(.*Exception: .*nothing was loaded") as raised:
        load_partition(settings, DAY, "r1")
    assert raised.value.__cause__ is None and "\n" not in str(raised.value)
