"""Wall time of a backfill on Airflow's real services (docs/pipeline.md, "Backfill time").

    PYTHONPATH=tests .venv/bin/python tests/integration/backfill_timing.py --days 14 --events-per-day 3500

Starts the services as the integration tests do (PostgreSQL metadata DB, Celery worker on Redis), generates
the days, waits for the start-up scheduled run, then times ``airflow backfill create`` over the days from
the command to the last run's end, and prints the timings and each run's state as JSON. Not a test: a
measurement to run on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from airflow_services import AirflowServices, scheduled_day

from clickstream.generate import generate
from clickstream.local_airflow import DAG_ID


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--events-per-day", type=int, default=3500)
    parser.add_argument("--start", type=date.fromisoformat, default=date(2025, 2, 23))
    parser.add_argument("--backfill-offset", type=int, default=0,
                        help="days added to the backfill's dates (1 for code where a run processed the day before)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="clickstream-backfill-timing-"))
    data_dir = root / "data"
    generate(data_dir, args.start, args.days, events_per_day=args.events_per_day, seed=7, truth=False)
    generate(root / "scheduled", scheduled_day(), 1, events_per_day=300, seed=4, truth=False)
    shutil.copy(root / "scheduled" / "raw" / f"events_{scheduled_day()}.csv", data_dir / "raw")
    services = AirflowServices(root, data_dir)
    try:
        services.start()
        with services.client() as api:
            def idle() -> bool:
                runs = api.get(f"/api/v2/dags/{DAG_ID}/dagRuns", params={"state": ["queued", "running"]}).json()
                return runs["total_entries"] == 0 and api.get(f"/api/v2/dags/{DAG_ID}").status_code == 200

            services.wait_until(idle, 600, "the start-up scheduled run to finish")
            first = args.start + timedelta(days=args.backfill_offset)
            last = first + timedelta(days=args.days - 1)
            started = time.monotonic()
            subprocess.run([str(Path(sys.executable).with_name("airflow")), "backfill", "create", "--dag-id", DAG_ID,
                            "--from-date", first.isoformat(), "--to-date", last.isoformat()],
                           env=services.env(), check=True, capture_output=True, text=True)

            def finished() -> list[dict]:
                runs = api.get(f"/api/v2/dags/{DAG_ID}/dagRuns", params={"run_type": "backfill", "limit": 100})
                runs = runs.json()["dag_runs"]
                return runs if runs and all(run["state"] in ("success", "failed") for run in runs) else []

            runs = services.wait_until(finished, 3600, "the backfill to finish", interval=2)
            wall = time.monotonic() - started
        print(json.dumps({"days": args.days, "events_per_day": args.events_per_day,
                          "backfill_wall_s": round(wall, 1), "runs": len(runs),
                          "states": sorted({run["state"] for run in runs}),
                          "startup": {key: round(value, 1) for key, value in services.timings.items()}}, indent=2))
        return 0 if all(run["state"] == "success" for run in runs) and len(runs) == args.days else 1
    finally:
        services.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
