"""Airflow UI plugin: the clickstream reports, listed by partition and served from ``DATA_DIR/reports/``.

- ``fastapi_apps``: a FastAPI app the API server mounts at ``/clickstream-reports``: ``/`` lists the
  reports (newest partition first), ``/api/reports`` lists them as JSON, ``/<YYYY-MM-DD or latest>/<file>``
  serves ``report.html``, ``report.pdf`` (once the DAG's deliver task printed it), ``report.md`` or
  ``summary.json``, each with the same authentication. Paths are resolved and must stay under the
  reports folder: ``..``, absolute paths and symlinks out of it are refused (404).
- ``external_views``: a "Reports" item in the UI's navigation that shows that page inside the Airflow UI.

Access: Airflow's own authentication, as the REST API applies it (``airflow.api_fastapi.core_api.security
.get_user``: the ``Authorization: Bearer`` token, else the UI's ``_token`` cookie, which the browser sends to
this same-origin app), then the auth manager's permission to read runs of the ``clickstream_elt`` DAG.
Without a user, pages redirect to Airflow's login and the JSON answers 401.

Loaded by every Airflow process that loads plugins, so module-level imports stay light: Airflow's
security module and the ``clickstream`` settings are imported inside the requests that need them.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from airflow.plugins_manager import AirflowPlugin
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

URL_PREFIX = "/clickstream-reports"
DAG_ID = "clickstream_elt"
PARTITION = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".json": "application/json",
    ".pdf": "application/pdf",
}
# The reports are self-contained: no script, no network; they may be framed by the Airflow UI only.
REPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'"
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache", "Referrer-Policy": "same-origin"}
# A bar-chart icon for the navigation, drawn in a grey for the light theme and a light grey for the dark one.
ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="{colour}" stroke-width="2" '
    'stroke-linecap="round"><path d="M4 20h16"/><path d="M7 16v-5"/><path d="M12 16V6"/><path d="M17 16v-8"/></svg>'
)
ICON_COLOURS = {"light": "#64748b", "dark": "#cbd5e1"}


class LoginRequired(Exception):
    """No logged-in user on a page request: send the browser to Airflow's login."""


def reports_dir() -> Path:
    """``DATA_DIR/reports`` of the pipeline's settings, resolved (a dependency, so tests can replace it)."""
    from clickstream.settings import get_settings

    return get_settings().reports_dir.resolve()


async def require_reader(request: Request) -> Any:
    """The Airflow user of the request, if the auth manager lets them read the DAG's runs; else 401/403."""
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity, DagDetails
    from airflow.api_fastapi.core_api.security import bearer_scheme, get_user

    try:
        user = await get_user(request, _oauth_token=None, bearer_credentials=await bearer_scheme(request))
    except HTTPException as error:
        if error.status_code == 401 and "text/html" in request.headers.get("accept", ""):
            raise LoginRequired from error
        raise
    allowed = get_auth_manager().is_authorized_dag(
        method="GET", access_entity=DagAccessEntity.RUN, details=DagDetails(id=DAG_ID), user=user
    )
    if not allowed:
        raise HTTPException(403, f"reading runs of the {DAG_ID} DAG is not allowed for this user")
    return user


Reader = Annotated[Any, Depends(require_reader)]
ReportsDir = Annotated[Path, Depends(reports_dir)]


def resolve_inside(root: Path, relative: str) -> Path | None:
    """``root/relative`` if it is a servable file inside ``root`` once resolved; None otherwise.

    Refused: absolute paths, any ``..`` segment (even one that would stay inside), and anything that
    resolves (symlinks followed) outside ``root``; only report files (.html, .pdf, .md, .json) are served."""
    if not relative or "\x00" in relative or relative.startswith(("/", "\\")) or Path(relative).is_absolute():
        return None
    if ".." in Path(relative.replace("\\", "/")).parts:
        return None
    root = root.resolve()
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    if candidate.suffix not in MEDIA_TYPES or candidate.name.startswith("."):
        return None
    return candidate


def list_reports(root: Path) -> list[dict[str, Any]]:
    """Every partition folder with a report.html, newest first, with its summary when there is one."""
    if not root.is_dir():
        return []
    reports = []
    for folder in sorted((p for p in root.iterdir() if p.is_dir() and PARTITION.match(p.name)), reverse=True):
        if not (folder / "report.html").is_file():
            continue
        try:
            summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            summary = {}
        reports.append({
            "partition_date": folder.name,
            "files": sorted(p.name for p in folder.iterdir() if resolve_inside(root, f"{folder.name}/{p.name}")),
            "run_id": summary.get("run_id"),
            "generated_at": summary.get("generated_at"),
            "kpis": {key: value.get("window") for key, value in summary.get("kpis", {}).items()},
        })
    return reports


def _money(value: Any) -> str:
    return f"${value:,.0f}" if isinstance(value, int | float) else "–"


def _count(value: Any) -> str:
    return f"{value:,.0f}" if isinstance(value, int | float) else "–"


def _pdf_link(report: dict[str, Any], base: str) -> str:
    if "report.pdf" not in report["files"]:
        return ""
    return f"<a href=\"{base}/{report['partition_date']}/report.pdf\">PDF</a> · "


def index_page(reports: list[dict[str, Any]], base: str) -> str:
    rows = "".join(
        f"<tr><td><a href=\"{base}/{r['partition_date']}/report.html\">{r['partition_date']}</a></td>"
        f"<td class=n>{_count(r['kpis'].get('sessions'))}</td><td class=n>{_count(r['kpis'].get('orders'))}</td>"
        f"<td class=n>{_money(r['kpis'].get('revenue'))}</td>"
        f"<td>{_pdf_link(r, base)}<a href=\"{base}/{r['partition_date']}/report.md\">Markdown</a></td>"
        f"<td>{html.escape(str(r['run_id'] or '–'))}</td>"
        f"<td>{html.escape(str(r['generated_at'] or '–')[:16].replace('T', ' '))}</td></tr>"
        for r in reports
    )
    body = (
        f"<p><a class=latest href=\"{base}/latest/report.html\">Open the latest report →</a></p>"
        "<table><thead><tr><th>Partition</th><th class=n>Sessions</th><th class=n>Orders</th><th class=n>Revenue</th>"
        f"<th>Print, text</th><th>Run</th><th>Generated (UTC)</th></tr></thead><tbody>{rows}</tbody></table>"
        "<p class=note>Sessions, orders and revenue of each report's trailing window.</p>"
        if reports else "<p>No reports yet: they appear here after the <code>analyze</code> task of "
        f"<code>{DAG_ID}</code> has run.</p>"
    )
    return (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>Clickstream reports</title><style>"
        "body{font:14px/1.5 -apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#1f2937;margin:0}"
        "main{max-width:960px;margin:0 auto;padding:24px 28px}h1{font-size:22px;margin:0 0 12px}"
        "table{border-collapse:collapse;width:100%}"
        "th,td{padding:6px 10px;border-bottom:1px solid #e5e7eb;text-align:left}"
        "th{font-size:12px;color:#6b7280;background:#f8fafc}.n{text-align:right;font-variant-numeric:tabular-nums}"
        "a{color:#1f5f9e}.latest{font-weight:600}.note{color:#6b7280;font-size:12px}</style></head><body><main>"
        f"<h1>Clickstream reports</h1>{body}</main></body></html>"
    )


def _base(request: Request) -> str:
    """Where this app is mounted, as the browser sees it (the API server's root path included)."""
    return html.escape(request.scope.get("root_path", "").rstrip("/"), quote=True)


def create_app() -> FastAPI:
    app = FastAPI(title="Clickstream reports", docs_url=None, redoc_url=None, openapi_url=None)

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, _: LoginRequired) -> Response:
        from airflow.api_fastapi.app import get_auth_manager

        return RedirectResponse(get_auth_manager().get_url_login(next_url=str(request.url)), status_code=307)

    @app.get("/icon-{theme}.svg", include_in_schema=False)
    def icon(theme: str) -> Response:
        if theme not in ICON_COLOURS:
            raise HTTPException(404, "no such icon")
        svg = ICON.format(colour=ICON_COLOURS[theme])
        return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"})

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request, _: Reader, root: ReportsDir) -> HTMLResponse:
        return HTMLResponse(index_page(list_reports(root), _base(request)), headers=SECURITY_HEADERS)

    @app.get("/api/reports")
    def reports(_: Reader, root: ReportsDir) -> list[dict[str, Any]]:
        return list_reports(root)

    @app.get("/{path:path}")
    def serve(path: str, _: Reader, root: ReportsDir) -> FileResponse:
        found = resolve_inside(root, path)
        if found is None:
            raise HTTPException(404, "no such report file")
        headers = {**SECURITY_HEADERS, **({"Content-Security-Policy": REPORT_CSP} if found.suffix == ".html" else {})}
        return FileResponse(found, media_type=MEDIA_TYPES[found.suffix], headers=headers)

    return app


def _ui_href() -> str:
    """The app's URL from the browser's side: under the API server's base path when Airflow has one."""
    from airflow.configuration import conf

    root = urlsplit(conf.get("api", "base_url", fallback="") or "").path.rstrip("/")
    return f"{root}{URL_PREFIX}/"


class ClickstreamReportsPlugin(AirflowPlugin):
    name = "clickstream_reports"
    fastapi_apps = [{"app": create_app(), "url_prefix": URL_PREFIX, "name": "Clickstream reports"}]
    external_views = [
        {
            "name": "Reports",
            "href": _ui_href(),
            "url_route": "clickstream-reports",
            "destination": "nav",
            "nav_top_level": True,
            "icon": f"{_ui_href()}icon-light.svg",
            "icon_dark_mode": f"{_ui_href()}icon-dark.svg",
        }
    ]
