"""A full disk: the data dir on a small filesystem (tmpfs), filled before a stage but for 16 KB (enough for load to
record the pending gate results, not for its rows: it fails at its commit). The stage ends with one line naming
the day, the stage and the full disk, exit 1, and nothing of it published; once space is freed, a rerun gives the
tables of a clean run."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from clickstream.cli import main
from clickstream.generate import generate

FIRST = date(2025, 2, 23)
DAY = FIRST + timedelta(days=1)  # the day whose stage meets the full disk
TABLES = ("raw_events", "landed_events", "quarantine", "sessions", "dim_users", "orders", "order_items",
          "attribution", "funnel_daily", "daily_kpis")
WHEN = {"loaded_at", "quarantined_at", "run_id", "seconds"}
SPARE = 16 * 1024


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("disk-full-raw")
    generate(folder, FIRST, 2, events_per_day=250, seed=5, truth=False)
    return folder / "raw"


@pytest.fixture(scope="module")
def clean(tmp_path_factory, raw) -> dict:
    """The tables of both days run on a roomy disk."""
    data = tmp_path_factory.mktemp("disk-full-clean") / "data"
    shutil.copytree(raw, data / "raw")
    assert main(["--data-dir", str(data), "run"]) == 0
    return fingerprint(data)


@pytest.fixture
def disk(tmp_path) -> Path:
    """A 48 MB tmpfs, unmounted at the end; skipped only where this process may not mount (not root)."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(mount_point)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs to fill (needs root or CAP_SYS_ADMIN): {mounted.stderr.strip()}")
    yield mount_point
    subprocess.run(["umount", "--lazy", str(mount_point)], check=True)


def fill(disk: Path, spare: int) -> Path:
    """Write zeros to ``disk`` until it holds no more, then free ``spare`` bytes; return the file to delete."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as handle:
        block = bytes(1 << 16)
        while len(block) >= 1:
            try:
                handle.write(block)
            except OSError:
                block = block[: len(block) // 2]  # the last few bytes too
        handle.truncate(filler.stat().st_size - spare)
    return filler


def fingerprint(data: Path) -> dict[str, tuple[int, str]]:
    """Rows and a checksum of each table, less the columns that say when or by which run."""
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        found = {}
        for table in TABLES:
            columns = [row[0] for row in con.execute(f"DESCRIBE {table}").fetchall() if row[0] not in WHEN]
            rows = con.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY ALL").fetchall()
            found[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
        return found


def published(data: Path) -> dict:
    """What the stages publish: the tables, and the staged days, quarantine files, reports and the views file (each
    file by its sha256); and any file a write left aside (``.*.tmp``, ``.*.old``)."""
    return {"tables": fingerprint(data),
            "files": {str(path.relative_to(data)): hashlib.sha256(path.read_bytes()).hexdigest()
                      for folder in ("staging", "quarantine", "reports") for path in sorted((data / folder).rglob("*"))
                      if path.is_file()},
            "analytics.duckdb": hashlib.sha256((data / "analytics.duckdb").read_bytes()).hexdigest(),
            "aside": sorted(str(path.relative_to(data)) for path in data.rglob(".*")
                            if path.suffix in (".tmp", ".old"))}


@pytest.mark.parametrize("stage", ["validate", "load", "transform"])
def test_a_full_disk_stops_the_stage_in_one_line_and_a_rerun_after_freeing_space_completes(disk, raw, clean, stage,
                                                                                             capsys):
    data = disk / "data"
    shutil.copytree(raw, data / "raw")
    assert main(["--data-dir", str(data), "run", "--partition", str(FIRST)]) == 0
    for before in ("validate", "load", "transform")[: ("validate", "load", "transform").index(stage)]:
        assert main(["--data-dir", str(data), before, "--partition", str(DAY)]) == 0
    before_failure = published(data)
    capsys.readouterr()

    filler = fill(disk, SPARE)
    assert main(["--data-dir", str(data), stage, "--partition", str(DAY)]) == 1
    error = capsys.readouterr().err
    assert error.startswith(f"clickstream: {stage} failed for {DAY}: the disk is full (writing {data}")
    assert error.endswith(f"nothing of the stage was published. Free space, then run "
                          f"`clickstream {stage} --partition {DAY}`\n") and error.count("\n") == 1

    filler.unlink()
    assert published(data) == before_failure
    assert main(["--data-dir", str(data), "run", "--partition", str(DAY)]) == 0
    assert fingerprint(data) == clean
