"""The deployed catalog and an object store: the same publish with its catalog in PostgreSQL (the compose stack's
``iceberg`` database, the JDBC catalog's tables) and its files in S3 (moto's S3 server on 127.0.0.1)."""

from __future__ import annotations

import socket
import uuid

import pytest
from conftest import DAYS, data_dir_with, sorted_rows, warehouse_rows

from clickstream.iceberg import live_files, open_catalog
from clickstream.publish import publish_partition
from clickstream.published import TABLES

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "dbname": "test"}


def _reachable(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex((host, port)) == 0


@pytest.fixture
def postgres_catalog():
    """A database of its own on the machine's PostgreSQL, dropped afterwards; its SQLAlchemy URL."""
    if not _reachable(PG["host"], PG["port"]):
        pytest.skip("no PostgreSQL on 127.0.0.1:5432")
    import psycopg2

    name = f"iceberg_test_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(**PG)
    admin.autocommit = True
    admin.cursor().execute(f"CREATE DATABASE {name}")
    try:
        yield f"postgresql+psycopg2://{PG['user']}@{PG['host']}:{PG['port']}/{name}", name
    finally:
        admin.cursor().execute(f"DROP DATABASE {name} WITH (FORCE)")
        admin.close()


def test_a_postgresql_catalog_holds_every_table_in_the_jdbc_catalogs_layout(tmp_path, warehouses, postgres_catalog):
    import psycopg2

    url, database = postgres_catalog
    settings = data_dir_with(tmp_path, warehouses["three_days"], iceberg_catalog_uri=url)
    assert publish_partition(settings, DAYS[2], "test-run")["tables_published"] == len(TABLES)
    with psycopg2.connect(**{**PG, "dbname": database}) as con, con.cursor() as cursor:
        cursor.execute("SELECT catalog_name, table_namespace, table_name FROM iceberg_tables ORDER BY table_name")
        listed = cursor.fetchall()
    assert listed == sorted(("clickstream", "clickstream", table.name) for table in TABLES)
    catalog = open_catalog(settings)
    for table in TABLES:
        read = catalog.load_table(f"clickstream.{table.name}").scan().to_arrow()
        assert sorted_rows(read) == warehouse_rows(settings, table.name), table.name
    assert not (settings.data_dir / "iceberg_catalog.db").exists()


@pytest.fixture
def s3_bucket():
    """moto's S3 server on a free port of 127.0.0.1 with an empty bucket; the settings that reach it."""
    import boto3
    from moto.server import ThreadedMotoServer

    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                     aws_secret_access_key="test").create_bucket(Bucket="lake")
        yield {"iceberg_warehouse": "s3://lake/clickstream", "iceberg_s3_endpoint": endpoint,
               "iceberg_s3_region": "us-east-1", "iceberg_s3_access_key_id": "test",
               "iceberg_s3_secret_access_key": "test"}, endpoint
    finally:
        server.stop()


def test_an_s3_warehouse_takes_every_tables_files_and_reads_back_equal(tmp_path, warehouses, s3_bucket):
    import boto3

    options, endpoint = s3_bucket
    settings = data_dir_with(tmp_path, warehouses["three_days"], **options)
    summary = publish_partition(settings, DAYS[2], "test-run")
    assert summary["tables_published"] == len(TABLES)
    assert summary["views"] == "skipped: the warehouse is not on this machine's filesystem"
    catalog = open_catalog(settings)
    for table in TABLES:
        loaded = catalog.load_table(f"clickstream.{table.name}")
        assert loaded.location() == f"s3://lake/clickstream/clickstream/{table.name}"
        assert sorted_rows(loaded.scan().to_arrow()) == warehouse_rows(settings, table.name), table.name
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                          aws_secret_access_key="test")
    sessions = catalog.load_table("clickstream.sessions")
    listed = client.list_objects_v2(Bucket="lake", Prefix="clickstream/clickstream/sessions/data/")["Contents"]
    assert sorted(f"s3://lake/{item['Key']}" for item in listed) == sorted(
        data_file.file_path for data_file in live_files(sessions))  # one object per day, in the bucket
    assert not (settings.data_dir / "iceberg").exists()
    assert publish_partition(settings, DAYS[2], "test-run")["status"] == "skipped_unchanged"
