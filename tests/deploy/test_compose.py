"""docker-compose.yaml, checked without a Docker engine: it is a valid Compose file, every service the
design needs is there and health-checked, and everything it reads from the repository and from .env
exists. The live stack is exercised by the integration tests."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import jsonschema
import pytest
from deploy_files import (
    COMPOSE_FILE,
    COMPOSE_SCHEMA,
    ENV_EXAMPLE,
    ROOT,
    MissingVariable,
    command_text,
    compose,
    conn_json,
    container_environment,
    env_example,
    environment,
    example_env,
    is_bind,
    raw_compose,
    short_volume,
    variables_read,
    write_env_file,
)

from clickstream.local_airflow import WAREHOUSE_POOL
from clickstream.settings import Settings

INFRASTRUCTURE = {"postgres", "redis", "mailpit"}
WORKERS = {"airflow-worker", "airflow-worker-warehouse"}
AIRFLOW = {"airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer", *WORKERS}
ONE_SHOT = {"airflow-init"}
# Host folders the stack writes and git ignores: docker creates them on `up` and airflow-init hands them to
# AIRFLOW_UID, so a fresh clone need not have them.
GENERATED = {"logs", "data", "warehouse"}
DATA, WAREHOUSE = "/opt/airflow/data", "/opt/airflow/warehouse"
CATALOG_URI = "postgresql+psycopg2://airflow:airflow@postgres/iceberg"
SECRETS = {"AIRFLOW_FERNET_KEY", "AIRFLOW_JWT_SECRET", "AIRFLOW_API_SECRET_KEY", "AIRFLOW_ADMIN_PASSWORD"}
SETTINGS = {f"CLICKSTREAM_{name.upper()}" for name in Settings.model_fields}
# The settings compose sets to the containers' own paths, whatever .env says (docs/deployment.md, "Configure").
CONTAINER_PATHS = {"CLICKSTREAM_DATA_DIR": DATA, "CLICKSTREAM_WAREHOUSE_DIR": WAREHOUSE,
                   "CLICKSTREAM_ICEBERG_CATALOG_URI": CATALOG_URI}


@pytest.fixture(scope="module")
def services() -> dict:
    assert ENV_EXAMPLE.exists(), ".env.example is missing: the compose file's variables must be documented"
    return compose()["services"]


def compose_cli() -> list[str] | None:
    """`docker compose` (v2) if it runs here, else Debian's `docker-compose` (v1), else None."""
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True, timeout=30).returncode == 0:
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_the_stack_has_the_services_the_design_needs(services):
    assert set(services) == INFRASTRUCTURE | AIRFLOW | ONE_SHOT


def test_compose_file_matches_the_compose_specification(services):
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    jsonschema.Draft7Validator(schema).validate(compose())


def test_docker_compose_accepts_the_file_with_a_fresh_env(tmp_path):
    cli = compose_cli()
    if cli is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed; the schema test still runs")
    env_file = write_env_file(tmp_path / ".env", example_env())
    result = subprocess.run(
        [*cli, "--project-directory", str(ROOT), "-f", str(COMPOSE_FILE),
         "--env-file", str(env_file), "config", "-q"],
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)}, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_compose_refuses_to_start_without_the_secrets():
    missing = example_env()
    del missing["AIRFLOW_FERNET_KEY"]
    with pytest.raises(MissingVariable, match="AIRFLOW_FERNET_KEY"):
        compose(missing)


def test_every_long_running_service_has_a_health_check(services):
    unchecked = [name for name in INFRASTRUCTURE | AIRFLOW if not services[name].get("healthcheck", {}).get("test")]
    assert unchecked == []


def test_every_dependency_waits_for_a_condition(services):
    for name, service in services.items():
        depends_on = service.get("depends_on", {})
        assert isinstance(depends_on, dict), f"{name}: depends_on must name a condition per service"
        for dependency, rule in depends_on.items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            assert rule.get("condition") in {"service_healthy", "service_completed_successfully"}, (name, dependency)


def test_airflow_services_start_once_init_succeeded_on_a_healthy_database_and_broker(services):
    for name in AIRFLOW:
        depends_on = services[name]["depends_on"]
        assert depends_on["airflow-init"]["condition"] == "service_completed_successfully", name
        assert depends_on["postgres"]["condition"] == "service_healthy", name
        assert depends_on["redis"]["condition"] == "service_healthy", name


def test_workers_wait_for_the_execution_api(services):
    for name in WORKERS:
        assert services[name]["depends_on"]["airflow-apiserver"]["condition"] == "service_healthy", name


def test_every_variable_the_compose_file_reads_is_in_env_example():
    assert ENV_EXAMPLE.exists(), ".env.example is missing"
    undocumented = sorted(set(variables_read(raw_compose())) - set(env_example()))
    assert undocumented == []


def test_secrets_are_required_and_have_no_value_in_env_example():
    read = variables_read(raw_compose())
    assert {name for name, ops in read.items() if ":?" in ops} == SECRETS
    assert ENV_EXAMPLE.exists(), ".env.example is missing"
    committed = {name for name in SECRETS if env_example().get(name)}
    assert committed == set()


def test_every_bind_mounted_path_exists_or_is_generated_and_ignored(services):
    gitignore = set((ROOT / ".gitignore").read_text().split())
    for name, service in services.items():
        for spec in service.get("volumes", []):
            source, _ = short_volume(spec)
            if not is_bind(source):
                continue
            path = (ROOT / source).resolve()
            top = path.relative_to(ROOT).parts[0]
            if top in GENERATED:
                assert f"{top}/" in gitignore, f"{top}/ is written by the stack but not ignored by git"
            else:
                assert path.exists(), f"{name} mounts {source}, which is not in the repository"


def test_named_volumes_are_declared(services):
    declared = set(compose().get("volumes") or {})
    for service in services.values():
        for spec in service.get("volumes", []):
            source, _ = short_volume(spec)
            assert is_bind(source) or source in declared, source


def mounts(service: dict) -> dict[str, tuple[str, str]]:
    """Target -> (source, mode) of a service's volumes; mode "rw" unless the spec says ":ro"."""
    found = {}
    for spec in service.get("volumes", []):
        source, target = short_volume(spec)
        found[target] = (source, "ro" if spec.endswith(":ro") else "rw")
    return found


def test_every_airflow_container_mounts_the_project_and_one_shared_data_dir(services):
    project = {"/opt/airflow/" + folder for folder in ("dags", "plugins", "include", "sql", "config", "logs")}
    for name in AIRFLOW | ONE_SHOT:
        mounted = mounts(services[name])
        data_dir = environment(services[name])["CLICKSTREAM_DATA_DIR"]
        assert project <= set(mounted), name
        assert mounted[data_dir] == ("./data", "rw"), name


def test_the_two_workers_consume_the_default_and_the_warehouse_queue(services):
    # `airflow celery worker` without --queues consumes [operators] default_queue, "default"; the DAG sends
    # validate there and the warehouse stages to CLICKSTREAM_WAREHOUSE_QUEUE (tests/dags).
    assert command_text(services["airflow-worker"]) == "celery worker"
    assert command_text(services["airflow-worker-warehouse"]) == "celery worker --queues warehouse"
    assert {name: environment(services[name])["CLICKSTREAM_WAREHOUSE_QUEUE"] for name in AIRFLOW | ONE_SHOT} == (
        dict.fromkeys(AIRFLOW | ONE_SHOT, "warehouse"))


def test_the_warehouse_queue_is_one_setting_for_the_dag_and_its_worker():
    renamed = compose({**example_env(), "CLICKSTREAM_WAREHOUSE_QUEUE": "duckdb"})["services"]
    assert command_text(renamed["airflow-worker-warehouse"]) == "celery worker --queues duckdb"
    assert environment(renamed["airflow-dag-processor"])["CLICKSTREAM_WAREHOUSE_QUEUE"] == "duckdb"


def test_only_the_warehouse_worker_runs_with_the_warehouse_mounted(services):
    holders = {name: mounts(service)[WAREHOUSE] for name, service in services.items() if WAREHOUSE in mounts(service)}
    # airflow-init: the one-shot that creates the folder and hands it to AIRFLOW_UID, then exits before the rest start.
    assert holders == {"airflow-worker-warehouse": ("./warehouse", "rw"), "airflow-init": ("./warehouse", "rw")}
    assert {name: environment(services[name])["CLICKSTREAM_WAREHOUSE_DIR"] for name in AIRFLOW | ONE_SHOT} == (
        dict.fromkeys(AIRFLOW | ONE_SHOT, WAREHOUSE))


def test_the_warehouse_folder_is_not_inside_the_shared_data_dir(services):
    warehouse = mounts(services["airflow-worker-warehouse"])
    assert not WAREHOUSE.startswith(DATA + "/")
    assert (ROOT / warehouse[WAREHOUSE][0]).resolve() != (ROOT / warehouse[DATA][0]).resolve()
    moved = compose({**example_env(), "CLICKSTREAM_HOST_WAREHOUSE_DIR": "/srv/duckdb"})["services"]
    assert mounts(moved["airflow-worker-warehouse"])[WAREHOUSE] == ("/srv/duckdb", "rw")


def test_the_warehouse_worker_mounts_what_the_other_airflow_containers_mount_and_the_warehouse(services):
    common = mounts(services["airflow-worker"])
    assert mounts(services["airflow-worker-warehouse"]) == {**common, WAREHOUSE: ("./warehouse", "rw")}
    assert mounts(services["airflow-init"]) == {**common, WAREHOUSE: ("./warehouse", "rw")}
    assert all(mounts(services[name]) == common for name in AIRFLOW - {"airflow-worker-warehouse"})


def test_the_warehouse_worker_is_checked_and_stopped_like_the_default_one(services):
    default, warehouse = services["airflow-worker"], services["airflow-worker-warehouse"]
    assert warehouse["healthcheck"] == default["healthcheck"]
    assert environment(warehouse)["DUMB_INIT_SETSID"] == "0"
    assert warehouse["restart"] == "always"


def test_every_airflow_container_names_the_iceberg_catalog_on_the_stacks_postgres(services):
    assert {name: environment(services[name])["CLICKSTREAM_ICEBERG_CATALOG_URI"] for name in AIRFLOW | ONE_SHOT} == (
        dict.fromkeys(AIRFLOW | ONE_SHOT, CATALOG_URI))


def test_init_creates_the_catalogs_database_from_the_same_setting(services):
    assert '/entrypoint python -m clickstream.databases "${CLICKSTREAM_ICEBERG_CATALOG_URI}"' in command_text(
        services["airflow-init"])


def test_airflow_containers_share_the_secrets_and_the_execution_api(services):
    shared = ("AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__API__SECRET_KEY",
              "AIRFLOW__CORE__EXECUTION_API_SERVER_URL", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN")
    values = {key: {environment(services[name])[key] for name in AIRFLOW | ONE_SHOT} for key in shared}
    assert all(len(seen) == 1 for seen in values.values()), values
    assert values["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == {"http://airflow-apiserver:8080/execution/"}
    assert "127.0.0.1:8080:8080" in services["airflow-apiserver"]["ports"]


def test_the_executor_is_celery_with_redis_and_a_postgres_result_backend(services):
    env = environment(services["airflow-scheduler"])
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://:@redis:6379/")
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://")
    assert "@postgres/" in env["AIRFLOW__CELERY__RESULT_BACKEND"]


def test_dags_start_paused_unless_the_user_asks():
    unset = {name: value for name, value in example_env().items() if name != "AIRFLOW_DAGS_ARE_PAUSED_AT_CREATION"}
    scheduler = compose(unset)["services"]["airflow-scheduler"]
    assert environment(scheduler)["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"] == "true"
    assert env_example()["AIRFLOW_DAGS_ARE_PAUSED_AT_CREATION"] == "true"


def test_examples_are_not_loaded(services):
    assert environment(services["airflow-scheduler"])["AIRFLOW__CORE__LOAD_EXAMPLES"] == "false"


def test_smtp_default_is_mailpit_over_plain_smtp(services):
    conn = conn_json(environment(services["airflow-worker"])["AIRFLOW_CONN_SMTP_DEFAULT"])
    assert (conn["conn_type"], conn["host"], conn["port"]) == ("smtp", "mailpit", 1025)
    assert conn["extra"]["disable_tls"] is True and conn["extra"]["disable_ssl"] is True
    assert conn["extra"]["from_email"]
    assert "127.0.0.1:8025:8025" in services["mailpit"]["ports"]


def test_alerts_go_to_someone_by_default(services):
    env = environment(services["airflow-worker"])
    assert env["CLICKSTREAM_ALERT_EMAILS"]
    assert env["CLICKSTREAM_AIRFLOW_BASE_URL"] == "http://localhost:8080"


def test_init_creates_the_warehouse_pool_with_one_slot(services):
    assert re.search(rf"airflow pools set {WAREHOUSE_POOL} 1 ", command_text(services["airflow-init"]))


def test_init_migrates_the_database_and_hands_the_written_folders_to_airflow_uid(services):
    init = services["airflow-init"]
    script = command_text(init)
    assert "airflow db migrate" in script
    assert re.search(r'chown -R "\d+:0" /opt/airflow/logs /opt/airflow/data /opt/airflow/warehouse\n', script)
    assert init["user"] == "0:0"


def test_the_admin_password_reaches_only_the_api_server(services):
    holders = {name for name, service in services.items() if "AIRFLOW_ADMIN_PASSWORD" in environment(service)}
    assert holders == {"airflow-apiserver"}
    assert environment(services["airflow-apiserver"])["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"] == "admin:admin"


def test_every_airflow_setting_is_an_option_of_the_pinned_airflow(services, tmp_path):
    # A subprocess with its own AIRFLOW_HOME, so this test's Airflow import touches no other test.
    code = ("import json; from airflow.configuration import conf; "
            "print(json.dumps({s: sorted(d['options']) for s, d in conf.configuration_description.items()}))")
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path), "AIRFLOW_CONFIG": str(tmp_path / "airflow.cfg")}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
                            check=True)
    options = json.loads(result.stdout.strip().splitlines()[-1])
    unknown = sorted(
        key
        for service in services.values()
        for key in environment(service)
        if key.startswith("AIRFLOW__")
        and key.split("__")[2].lower() not in options.get(key.split("__")[1].lower(), [])
    )
    assert unknown == []


def test_the_config_folder_holds_the_airflow_cfg_the_containers_read(services):
    assert environment(services["airflow-scheduler"])["AIRFLOW_CONFIG"] == "/opt/airflow/config/airflow.cfg"
    assert (ROOT / "config" / "airflow.cfg").is_file()



def test_published_ports_listen_on_this_machine_only_by_default(services):
    published = {name: service["ports"] for name, service in services.items() if service.get("ports")}
    # PostgreSQL: for readers of the Iceberg catalog on the host; 5432 is often a PostgreSQL of the host's own.
    assert published == {"airflow-apiserver": ["127.0.0.1:8080:8080"], "mailpit": ["127.0.0.1:8025:8025"],
                         "postgres": ["127.0.0.1:5433:5432"]}


def test_every_setting_is_set_by_compose_or_passed_through_to_every_airflow_container(services):
    missing = {name: sorted(SETTINGS - set(environment(services[name]))) for name in AIRFLOW | ONE_SHOT}
    assert missing == dict.fromkeys(AIRFLOW | ONE_SHOT, [])


def test_every_setting_edited_in_env_reaches_every_airflow_container_but_the_container_paths():
    edited = {**example_env(), **{setting: f"edited {setting}" for setting in SETTINGS}}
    services = compose(edited)["services"]
    seen = {name: {setting: value for setting, value in container_environment(services[name], edited).items()
                   if setting in SETTINGS} for name in AIRFLOW | ONE_SHOT}
    expected = {**{setting: f"edited {setting}" for setting in SETTINGS}, **CONTAINER_PATHS}
    assert seen == dict.fromkeys(AIRFLOW | ONE_SHOT, expected)


def test_a_setting_left_out_of_env_is_left_out_of_the_containers():
    without = {name: value for name, value in example_env().items() if name != "CLICKSTREAM_MAX_QUARANTINE_RATE"}
    worker = compose(without)["services"]["airflow-worker"]
    assert "CLICKSTREAM_MAX_QUARANTINE_RATE" not in container_environment(worker, without)


def test_a_fresh_env_gives_the_containers_the_defaults_but_the_paths_and_the_two_mail_addresses(monkeypatch):
    defaults = Settings(_env_file=None).model_dump()
    dot_env = example_env()
    for name, value in container_environment(compose(dot_env)["services"]["airflow-worker"], dot_env).items():
        if name.startswith("CLICKSTREAM_"):
            monkeypatch.setenv(name, value)
    in_container = Settings(_env_file=None).model_dump()
    changed = {field: str(value) for field, value in in_container.items() if value != defaults[field]}
    assert changed == {"data_dir": DATA, "warehouse_dir": WAREHOUSE, "iceberg_catalog_uri": CATALOG_URI,
                       "alert_emails": "data-oncall@example.com", "report_emails": "stakeholders@example.com"}
