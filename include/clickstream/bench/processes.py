"""Child processes, measured: a benchmark task in a fresh ``python -m clickstream.bench --worker`` (timed from
the inside, start-up apart), or any command timed whole from the outside, as a user waits for it."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[3]
QUIET = {"GX_ANALYTICS_ENABLED": "False", "TQDM_DISABLE": "1", "PYTHONUNBUFFERED": "1"}


def child_env(**extra: str) -> dict[str, str]:
    return {**os.environ, **QUIET, **extra}


def peak_rss_mb() -> float:
    """This process's resident high-water mark (VmHWM: this program's, not the parent's it forked from)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20, 1)


def run_command(argv: list[str], log: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``argv`` to its end, timed whole from before its start to its exit (the interpreter's start and the
    imports included). Each stdout line comes with the seconds since the start at which it arrived; stderr goes
    to ``log``. Peak RSS is the child's own high-water mark (``wait4``'s rusage, VmHWM in effect)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    lines: list[tuple[float, str]] = []
    with log.open("w") as errors:
        began = time.perf_counter()
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=errors, text=True,
                                   env=env or child_env(), cwd=PROJECT_ROOT)
        assert process.stdout is not None
        for line in process.stdout:
            lines.append((time.perf_counter() - began, line.rstrip("\n")))
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - began
        process.returncode = os.waitstatus_to_exitcode(status)
        process.stdout.close()
        errors.write("\n--- stdout ---\n" + "\n".join(f"{at:8.3f}  {text}" for at, text in lines) + "\n")
    scale = 1 if sys.platform == "darwin" else 1024
    return {"argv": argv, "ok": process.returncode == 0, "returncode": process.returncode,
            "seconds": round(wall, 3), "peak_rss_mb": round(usage.ru_maxrss * scale / 2**20, 1),
            "lines": lines, "log": str(log)}


def run_child(spec: dict[str, Any], log: Path, progress: tuple[Path, int, str] | None = None) -> dict[str, Any]:
    """Run one benchmark task in a fresh ``python -m clickstream.bench`` process; its measurements, or ok=False.
    Seconds are the task's own; the interpreter's start and the task's imports are ``startup_s``."""
    from clickstream.bench.progress import ProgressBar

    log.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="clickstream-bench-") as scratch:
        result_path = Path(scratch) / "result.json"
        spec_path = Path(scratch) / "spec.json"
        spec_path.write_text(json.dumps({**spec, "result": str(result_path)}))
        began = time.perf_counter()
        with log.open("w") as handle:
            process = subprocess.Popen([sys.executable, "-m", "clickstream.bench", "--worker", str(spec_path)],
                                       stdout=handle, stderr=subprocess.STDOUT, env=child_env(), cwd=PROJECT_ROOT)
            bar = ProgressBar(*progress) if progress else None
            while process.poll() is None:
                if bar:
                    bar.update()
                time.sleep(0.5)
            if bar:
                bar.finish(process.returncode == 0)
        wall = time.perf_counter() - began
        result = json.loads(result_path.read_text()) if result_path.exists() else {}
    ok = process.returncode == 0 and result.get("ok", False)
    seconds = result.get("seconds") or 0.0
    rows = result.get("rows") or 0
    return {
        "ok": ok,
        "seconds": round(seconds, 3),
        "rows": rows,
        "rows_per_s": round(rows / seconds) if ok and seconds else None,
        "peak_rss_mb": result.get("peak_rss_mb"),
        "startup_s": result.get("startup_s"),
        "process_seconds": round(wall, 3),
        "error": result.get("error") or (None if ok else f"exit code {process.returncode}"),
        "detail": result.get("detail"),
        "log": str(log),
    }
