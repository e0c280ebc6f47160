"""The reports plugin: Airflow loads it, it lists and serves reports, nothing outside the reports folder,
and only to a logged-in Airflow user allowed to read the DAG's runs."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

PLUGINS_DIR = Path(__file__).resolve().parents[2] / "plugins"
HTML = "<!DOCTYPE html><html><body>report of 8 March</body></html>"


def load_plugin_module():
    spec = importlib.util.spec_from_file_location("clickstream_reports", PLUGINS_DIR / "clickstream_reports.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


plugin = load_plugin_module()


def write_report(root: Path, partition: str, revenue: float) -> None:
    folder = root / partition
    folder.mkdir(parents=True)
    (folder / "report.html").write_text(HTML.replace("8 March", partition))
    (folder / "report.md").write_text(f"# Report {partition}\n")
    summary = {"partition_date": partition, "run_id": f"run_{partition}", "generated_at": "2025-03-09T02:31:00+00:00",
               "kpis": {"sessions": {"window": 1200}, "orders": {"window": 9}, "revenue": {"window": revenue}}}
    (folder / "summary.json").write_text(json.dumps(summary))


@pytest.fixture
def reports(tmp_path) -> Path:
    """reports/ with two partitions and latest/, next to files that must never be served."""
    root = tmp_path / "data" / "reports"
    write_report(root, "2025-03-07", 1000.0)
    write_report(root, "2025-03-08", 12345.6)
    (root / "latest").mkdir()
    (root / "latest" / "report.md").write_text("# Report 2025-03-08\n")
    (root / "2025-03-08" / "notes.txt").write_text("not a report file")
    (tmp_path / "data" / "secret.html").write_text("<p>secret</p>")
    (root / "2025-03-08" / "escape.html").symlink_to(tmp_path / "data" / "secret.html")
    return root


@pytest.fixture
def client(reports) -> TestClient:
    """The plugin's app over ``reports``, with a logged-in reader (authentication is tested below)."""
    app = plugin.create_app()
    app.dependency_overrides[plugin.reports_dir] = lambda: reports
    app.dependency_overrides[plugin.require_reader] = lambda: "reader"
    return TestClient(app)


# --- serving ------------------------------------------------------------------------------------------------


def test_a_report_is_served_as_html_that_may_only_be_framed_by_airflow(client):
    response = client.get("/2025-03-08/report.html")
    assert response.status_code == 200
    assert response.text == HTML.replace("8 March", "2025-03-08")
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "frame-ancestors 'self'" in response.headers["content-security-policy"]


PDF = b"%PDF-1.7 a printed report"


def test_a_reports_pdf_is_served_as_a_pdf_and_linked_from_the_index(client, reports):
    (reports / "2025-03-08" / "report.pdf").write_bytes(PDF)
    response = client.get("/2025-03-08/report.pdf")
    assert (response.status_code, response.content) == (200, PDF)
    assert response.headers["content-type"] == "application/pdf"
    page = client.get("/").text
    assert '<a href="/2025-03-08/report.pdf">PDF</a>' in page
    assert '<a href="/2025-03-07/report.pdf">' not in page  # no PDF printed for that day


def test_the_latest_markdown_is_served_as_markdown(client):
    response = client.get("/latest/report.md")
    assert (response.status_code, response.text) == (200, "# Report 2025-03-08\n")
    assert response.headers["content-type"] == "text/markdown; charset=utf-8"


@pytest.mark.parametrize("path", [
    "/%2e%2e/secret.html",
    "/2025-03-08/%2e%2e/%2e%2e/secret.html",
    "/2025-03-08/..%2f..%2fsecret.html",
    "/latest/%2e%2e%2f%2e%2e%2fsecret.html",
])
def test_parent_paths_are_refused(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", ["//etc/passwd", "/%2Fetc%2Fpasswd", "/%2F%2Fetc/passwd"])
def test_absolute_paths_are_refused(client, path):
    assert client.get(path).status_code == 404


def test_the_absolute_path_of_a_real_report_is_refused_too(client, reports):
    assert client.get("/" + str(reports / "2025-03-08" / "report.html")).status_code == 404


def test_a_symlink_out_of_the_reports_folder_is_refused(client):
    assert client.get("/2025-03-08/escape.html").status_code == 404


def test_files_other_than_reports_are_refused(client):
    assert client.get("/2025-03-08/notes.txt").status_code == 404


def test_resolve_inside_accepts_report_files_under_the_root_only(reports):
    assert plugin.resolve_inside(reports, "2025-03-08/report.html") == (reports / "2025-03-08/report.html").resolve()
    refused = ("../secret.html", "2025-03-08/../2025-03-07/report.md", "2025-03-08\\..\\..\\secret.html",
               "/etc/passwd", "", "a\x00b")
    assert [plugin.resolve_inside(reports, path) for path in refused] == [None] * len(refused)


# --- listing ------------------------------------------------------------------------------------------------


def test_reports_are_listed_newest_partition_first_with_their_figures(client):
    listed = client.get("/api/reports").json()
    assert [r["partition_date"] for r in listed] == ["2025-03-08", "2025-03-07"]
    assert listed[0] == {"partition_date": "2025-03-08", "files": ["report.html", "report.md", "summary.json"],
                         "run_id": "run_2025-03-08", "generated_at": "2025-03-09T02:31:00+00:00",
                         "kpis": {"sessions": 1200, "orders": 9, "revenue": 12345.6}}


def test_the_index_page_links_every_report_and_the_latest(client):
    page = client.get("/").text
    assert '<a href="/2025-03-08/report.html">2025-03-08</a>' in page
    assert '<a href="/2025-03-07/report.html">2025-03-07</a>' in page
    assert "$12,346" in page and 'href="/latest/report.html"' in page


def test_without_reports_the_index_says_when_they_appear(client, reports):
    client.app.dependency_overrides[plugin.reports_dir] = lambda: reports / "missing"
    assert "No reports yet" in client.get("/").text


def test_mounted_in_the_api_server_links_carry_the_mount_path(reports):
    root = FastAPI()
    app = plugin.create_app()
    app.dependency_overrides[plugin.reports_dir] = lambda: reports
    app.dependency_overrides[plugin.require_reader] = lambda: "reader"
    root.mount(plugin.URL_PREFIX, app)
    page = TestClient(root).get(plugin.URL_PREFIX + "/").text
    assert f'<a href="{plugin.URL_PREFIX}/2025-03-08/report.html">' in page


# --- Airflow integration --------------------------------------------------------------------------------------


def test_airflow_loads_the_plugin_with_its_app_and_navigation_link(monkeypatch):
    from airflow import plugins_manager, settings
    from airflow.api_fastapi.core_api.datamodels.plugins import ExternalViewResponse

    monkeypatch.setattr(settings, "PLUGINS_FOLDER", str(PLUGINS_DIR))
    caches = (plugins_manager._get_plugins, plugins_manager._get_ui_plugins, plugins_manager.get_fastapi_plugins)
    for cached in caches:
        cached.cache_clear()
    try:
        apps, _ = plugins_manager.get_fastapi_plugins()
        views, _ = plugins_manager._get_ui_plugins()
        errors = plugins_manager.get_import_errors()
    finally:
        for cached in caches:
            cached.cache_clear()
    assert [a["url_prefix"] for a in apps if a["name"] == "Clickstream reports"] == ["/clickstream-reports"]
    view = ExternalViewResponse.model_validate(next(v for v in views if v["name"] == "Reports"))
    assert (view.href, view.url_route, view.destination) == ("/clickstream-reports/", "clickstream-reports", "nav")
    assert not [path for path in errors if "clickstream_reports" in path]


def test_loading_the_plugin_imports_neither_airflow_security_nor_the_pipeline():
    """Every Airflow process that loads plugins pays for the module's imports; requests pay for the rest."""
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('p', {str(PLUGINS_DIR / 'clickstream_reports.py')!r})\n"
        "spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
        "heavy = ('airflow.api_fastapi.core_api.security', 'airflow.api_fastapi.app', 'clickstream', 'duckdb')\n"
        "print(sorted(name for name in heavy if name in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


@pytest.fixture
def airflow_auth(monkeypatch):
    """Airflow's SimpleAuthManager, initialised as the API server does, and a way to sign its tokens."""
    monkeypatch.setenv("AIRFLOW__API_AUTH__JWT_SECRET", "clickstream-test-secret-" * 4)
    from airflow.api_fastapi.app import create_auth_manager, purge_cached_app
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from airflow.models.revoked_token import RevokedToken

    # Token checks look up revoked tokens in the metadata DB; the tests keep that DB untouched.
    monkeypatch.setattr(RevokedToken, "is_revoked", classmethod(lambda cls, jti, session=None: False))
    manager = create_auth_manager()
    manager.init()
    yield lambda role: manager.generate_jwt(SimpleAuthManagerUser(username=f"a-{role}", role=role))
    purge_cached_app()


@pytest.fixture
def guarded(reports, airflow_auth) -> TestClient:
    """The plugin's app with Airflow's real authentication."""
    app = plugin.create_app()
    app.dependency_overrides[plugin.reports_dir] = lambda: reports
    return TestClient(app, follow_redirects=False)


def test_without_a_token_the_api_answers_401(guarded):
    assert guarded.get("/api/reports").status_code == 401


def test_without_a_token_a_browser_is_sent_to_airflows_login(guarded):
    response = guarded.get("/2025-03-08/report.html", headers={"accept": "text/html"})
    assert response.status_code == 307
    assert response.headers["location"].startswith("/auth/")
    assert "next=" in response.headers["location"]


def test_the_ui_session_cookie_of_a_viewer_opens_a_report(guarded, airflow_auth):
    guarded.cookies.set("_token", airflow_auth("viewer"))
    assert guarded.get("/2025-03-08/report.html").status_code == 200


def test_the_pdf_needs_the_same_login_as_the_page(guarded, airflow_auth, reports):
    (reports / "2025-03-08" / "report.pdf").write_bytes(PDF)
    assert guarded.get("/2025-03-08/report.pdf").status_code == 401
    guarded.cookies.set("_token", airflow_auth("viewer"))
    assert guarded.get("/2025-03-08/report.pdf").content == PDF


def test_a_bearer_token_of_a_viewer_lists_the_reports(guarded, airflow_auth):
    response = guarded.get("/api/reports", headers={"Authorization": f"Bearer {airflow_auth('viewer')}"})
    assert [r["partition_date"] for r in response.json()] == ["2025-03-08", "2025-03-07"]


def test_a_user_without_a_role_is_forbidden(guarded, airflow_auth):
    guarded.cookies.set("_token", airflow_auth(None))
    assert guarded.get("/2025-03-08/report.html").status_code == 403


def test_a_forged_token_is_refused(guarded):
    guarded.cookies.set("_token", "eyJhbGciOiJIUzUxMiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl")
    assert guarded.get("/api/reports").status_code in (401, 403)


def test_the_navigation_icon_needs_no_login(guarded):
    response = guarded.get("/icon-light.svg")
    assert (response.status_code, response.headers["content-type"]) == (200, "image/svg+xml")
