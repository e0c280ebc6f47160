"""Airflow's services as separate processes on 127.0.0.1, configured the way docker-compose.yaml runs them.

One ``AirflowServices`` is: a fresh PostgreSQL database as the metadata DB, ``airflow db migrate`` and the
warehouse pool (``clickstream.local_airflow.prepare``, what the compose ``airflow-init`` one-shot runs), then
``api-server``, ``scheduler``, ``dag-processor``, ``triggerer`` and a ``celery worker`` (CeleryExecutor on
Redis), each a child process in its own process group with its log under ``<root>/logs/``. Every process
shares the compose file's settings: one JWT secret, one API secret key, one Fernet key, the execution API
URL on the API server, SimpleAuthManager's ``admin`` user with a passwords file.

Test-only differences from compose, each for isolation or speed on a small machine: ports are free ports on
127.0.0.1, the Celery queues and worker name are unique (a Redis shared with other runs never hands our tasks
to another worker), one worker consumes both the default and the warehouse queue, the worker and the triggerer
run without their log servers (those listen on every interface; the API server reads the task logs from the
shared AIRFLOW_HOME instead), the API server runs one worker process, the scheduler loops faster, DAGs start
unpaused, and the DAG's cron fires at midnight UTC
(``SCHEDULE``): with ``catchup=False`` the unpaused DAG starts its latest due run at once, which always
processes yesterday (UTC), the day ``scheduled_day`` names.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from polling import poll
from smtp_sink import free_port

from clickstream.local_airflow import DAG_ID, airflow_env, prepare

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
ADMIN = "admin"
SCHEDULE = "0 0 * * *"  # its latest fire is today's midnight: the scheduled run at start processes yesterday


def scheduled_day(now: datetime | None = None) -> date:
    """The day the scheduled run that starts with the services processes (yesterday, UTC)."""
    return (now or datetime.now(UTC)).date() - timedelta(days=1)


def postgres_unavailable() -> str | None:
    """Why the local PostgreSQL cannot hold a test metadata DB, or None if it can."""
    try:
        import psycopg
    except ImportError as error:
        return f"psycopg is not installed: {error}"
    try:
        with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", connect_timeout=3) as con:
            con.execute("SELECT 1")
    except Exception as error:  # noqa: BLE001 (any failure to connect is a reason to skip)
        return f"PostgreSQL on {PG_HOST}:{PG_PORT} (user {PG_USER}) is not reachable: {error}".strip()
    return None


def redis_unavailable() -> str | None:
    """Why Redis cannot be the Celery broker, or None if it can."""
    try:
        import redis
    except ImportError as error:
        return f"redis (Python client) is not installed: {error}"
    try:
        redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_connect_timeout=3).ping()
    except Exception as error:  # noqa: BLE001
        return f"Redis on {REDIS_HOST}:{REDIS_PORT} is not reachable: {error}"
    return None


def celery_executor_problem() -> str | None:
    """Why the Celery provider's executor does not import with the installed packages, or None if it does.

    Checked in a child process, the way the scheduler and ``airflow celery worker`` import it."""
    check = "import airflow.providers.celery.executors.celery_executor"
    result = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=180,
                            env={**os.environ, "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor"})
    if result.returncode == 0:
        return None
    errors = [line for line in result.stderr.splitlines() if "Error" in line or "Exception" in line]
    return f"`{check}` fails: {errors[0].strip() if errors else result.stderr[-500:]}"


def _postgres_admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True) as con:
        con.execute(statement)


def create_database(name: str) -> None:
    _postgres_admin(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    _postgres_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def log_tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class AirflowServices:
    root: Path
    data_dir: Path
    executor: str = "CeleryExecutor"  # or "LocalExecutor": no broker, no worker process
    extra_env: dict[str, str] = field(default_factory=dict)
    database: str = field(default_factory=lambda: f"clickstream_it_{secrets.token_hex(4)}")
    port: int = field(default_factory=free_port)
    password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    health: dict[str, Any] = field(default_factory=dict)
    _database_created: bool = False

    def __post_init__(self) -> None:
        from cryptography.fernet import Fernet

        self.suffix = self.database.rsplit("_", 1)[-1]
        self.secrets = {"jwt": secrets.token_urlsafe(32), "api": secrets.token_urlsafe(32),
                        "fernet": Fernet.generate_key().decode()}
        self.redis_db = 1 + int(secrets.token_hex(2), 16) % 15  # db 0 stays free for the machine's other users
        self.queue = f"clickstream-it-{self.suffix}"
        self.warehouse_queue = f"{self.queue}-warehouse"  # CLICKSTREAM_WAREHOUSE_QUEUE: one worker takes both
        self.side_ports = [free_port() for _ in range(3)]  # scheduler health, worker logs, triggerer logs

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_dir(self) -> Path:
        return self.root / "logs"

    def env(self) -> dict[str, str]:
        home = self.root / "airflow_home"
        passwords = self.root / "simple_auth_manager_passwords.json"
        db = f"postgresql+psycopg2://{PG_USER}@{PG_HOST}:{PG_PORT}/{self.database}"
        s = self.secrets
        settings = {
            # As in docker-compose.yaml (x-airflow-common):
            "AIRFLOW__CORE__EXECUTOR": self.executor,
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": db,
            "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{self.database}",
            "AIRFLOW__CELERY__BROKER_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{self.redis_db}",
            "AIRFLOW__CORE__FERNET_KEY": s["fernet"],
            "AIRFLOW__API_AUTH__JWT_SECRET": s["jwt"],
            "AIRFLOW__API__SECRET_KEY": s["api"],
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.base_url}/execution/",
            "AIRFLOW__CORE__AUTH_MANAGER":
                "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "True",
            "CLICKSTREAM_AIRFLOW_BASE_URL": self.base_url,
            # Isolation on a shared machine: loopback, free ports, our own Celery queue.
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_HOST": "127.0.0.1",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(self.side_ports[0]),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(self.side_ports[1]),  # unused: --skip-serve-logs
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(self.side_ports[2]),
            "AIRFLOW__OPERATORS__DEFAULT_QUEUE": self.queue,
            "CLICKSTREAM_WAREHOUSE_QUEUE": self.warehouse_queue,
            # Speed on a 2-core machine.
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__CORE__PARALLELISM": "4",  # LocalExecutor: 4 worker processes, not 32 (one pool slot anyway)
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
            "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
            "AIRFLOW__DAG_PROCESSOR__PRINT_STATS_INTERVAL": "0",
            "CLICKSTREAM_SCHEDULE": SCHEDULE,
        }
        return airflow_env(self.data_dir, home, {**settings, **self.extra_env})

    # -- lifecycle --------------------------------------------------------------------------------------

    def start(self, ready_timeout: float = 240) -> None:
        started = time.monotonic()
        self.log_dir.mkdir(parents=True, exist_ok=True)
        env = self.env()
        Path(env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]).write_text(json.dumps({ADMIN: self.password}))
        create_database(self.database)
        self._database_created = True
        try:
            prepare(env)  # airflow db migrate + the warehouse pool, like compose's airflow-init
        except subprocess.CalledProcessError as error:
            raise RuntimeError(f"{error.cmd} failed:\n{error.stdout}\n{error.stderr}") from error
        self.timings["db migrate + pool"] = time.monotonic() - started
        airflow = str(Path(sys.executable).with_name("airflow"))
        commands = {
            "api-server": [airflow, "api-server", "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1"],
            "scheduler": [airflow, "scheduler"],
            "dag-processor": [airflow, "dag-processor"],
            "triggerer": [airflow, "triggerer"],
        }
        if self.executor == "CeleryExecutor":
            queues = f"{self.queue},{self.warehouse_queue}"
            commands["celery-worker"] = [airflow, "celery", "worker", "--queues", queues, "--concurrency", "2",
                                         "--celery-hostname", f"{self.database}@%h", "--skip-serve-logs"]
        # Task and trigger logs are files under AIRFLOW_HOME/logs, which the API server reads directly: no log
        # server (it would listen on every interface, its host is not configurable).
        commands["triggerer"].append("--skip-serve-logs")
        for name, command in commands.items():
            log = (self.log_dir / f"{name}.log").open("ab")
            self.processes[name] = subprocess.Popen(
                command, env=env, cwd=self.root, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: stop() ends its children too
            )
            log.close()
        self.wait_until(self._healthy, ready_timeout, "the API server to report every service healthy")
        self.timings["services healthy"] = time.monotonic() - started

    def stop(self) -> None:
        """End every service (its whole process group), then drop the database. Safe to call twice."""
        for process in self.processes.values():
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 20
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for process in self.processes.values():
            try:  # the group may outlive its leader (e.g. task processes of the worker)
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            if process.poll() is None:
                process.wait(timeout=10)
        self.processes.clear()
        if self.executor == "CeleryExecutor":
            self._forget_queue()
        if self._database_created:
            drop_database(self.database)
            self._database_created = False

    def _forget_queue(self) -> None:
        """Delete what Celery left in Redis for our queues (a shared Redis keeps no trace of the test)."""
        try:
            import redis

            client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=self.redis_db, socket_connect_timeout=3)
            keys = list(client.scan_iter(f"*{self.queue}*"))
            if keys:
                client.delete(*keys)
            # Messages a stopped worker had taken but not acknowledged (kombu keeps them for redelivery).
            for tag, message in client.hgetall("unacked").items():
                if any(f'"routing_key": "{queue}"'.encode() in message for queue in (self.queue, self.warehouse_queue)):
                    client.hdel("unacked", tag)
                    client.zrem("unacked_index", tag)
            if set(client.scan_iter()) <= {b"_kombu.binding_deadlines"}:  # kombu's bookkeeping, if only ours
                client.delete("_kombu.binding_deadlines")
        except Exception:  # noqa: BLE001 (best effort: nothing else depends on it)
            pass

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:  # (-15: SIGTERM from outside the test, e.g. a `pkill -f airflow`)
                raise RuntimeError(f"airflow {name} exited with {process.returncode}; its log ends:\n"
                                   f"{log_tail(self.log_dir / f'{name}.log')}")

    def wait_until(self, condition: Callable[[], Any], timeout: float, what: str, interval: float = 2) -> Any:
        # A service going away (TransportError) is reported by check_alive on the next turn.
        result = poll(condition, timeout, interval, not_yet=(httpx.TransportError,), each_turn=self.check_alive)
        if not result:
            raise TimeoutError(f"waited {timeout:.0f}s for {what}; logs in {self.log_dir}")
        return result

    # -- REST API ---------------------------------------------------------------------------------------

    def _healthy(self) -> bool:
        try:
            health = httpx.get(f"{self.base_url}/api/v2/monitor/health", timeout=5).json()
        except (httpx.HTTPError, ValueError):
            return False
        self.health = health
        return all(health.get(part, {}).get("status") == "healthy"
                   for part in ("metadatabase", "scheduler", "triggerer", "dag_processor"))

    def token(self, username: str = ADMIN, password: str | None = None) -> httpx.Response:
        return httpx.post(f"{self.base_url}/auth/token", timeout=30,
                          json={"username": username, "password": self.password if password is None else password})

    def client(self) -> httpx.Client:
        response = self.token()
        response.raise_for_status()
        return httpx.Client(base_url=self.base_url, timeout=30,
                            headers={"Authorization": f"Bearer {response.json()['access_token']}"})

    def trigger(self, api: httpx.Client, partition: str) -> dict[str, Any]:
        response = api.post(f"/api/v2/dags/{DAG_ID}/dagRuns",
                            json={"logical_date": None, "conf": {"partition_date": partition}})
        assert response.status_code == 200, response.text
        return response.json()

    def wait_for_run(self, api: httpx.Client, run_id: str, timeout: float = 360) -> dict[str, Any]:
        def finished() -> dict[str, Any] | None:
            run = api.get(f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}").json()
            return run if run["state"] in ("success", "failed") else None

        return self.wait_until(finished, timeout, f"run {run_id} to finish", interval=3)

    def task_states(self, api: httpx.Client, run_id: str) -> dict[str, str]:
        response = api.get(f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances")
        response.raise_for_status()
        return {ti["task_id"]: ti["state"] for ti in response.json()["task_instances"]}
