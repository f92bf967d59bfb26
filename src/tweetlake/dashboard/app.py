"""The dashboard's web app: static files plus one read-only JSON endpoint per chart.

Every endpoint is a ``GET`` that goes through :class:`~tweetlake.dashboard.queries.Dashboard`
and so through the guarded query layer. There is no endpoint that writes. Scripts, styles and
fonts are all served from the package (no CDN), so the page works on a machine with no network.

Served on an address other than loopback, the app requires an access token: ``?token=…`` once
(the page then keeps it in a cookie) or an ``Authorization: Bearer …`` header.
"""

from __future__ import annotations

import csv
import hmac
import io
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from tweetlake.dashboard.queries import Dashboard, Filters
from tweetlake.errors import ConfigError, QueryError
from tweetlake.query.engine import QueryEngine
from tweetlake.storage import Storage

__all__ = ["STATIC", "create_app"]

STATIC = Path(str(resources.files("tweetlake.dashboard") / "static"))
_COOKIE = "tweetlake_token"
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
_TOP = ("entities", "hashtags", "mentions", "domains", "authors")


def create_app(storage: Storage, *, token: str | None = None, refresh_seconds: float = 3.0) -> FastAPI:
    """Build the app for one lake. ``token``: require it on every request (None: open)."""
    engine = QueryEngine(storage, timeout=10.0, max_rows=100_000)
    dashboard = Dashboard(engine)
    app = FastAPI(title="tweetlake dashboard", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.dashboard = dashboard

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if request.method not in ("GET", "HEAD"):
            return JSONResponse({"error": "the dashboard is read-only"}, status_code=405)
        if token is not None and not _authorised(request, token):
            return JSONResponse({"error": "an access token is required: open the URL the command printed"}, 401)
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = _CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        if token is not None and request.query_params.get("token") == token:
            response.set_cookie(_COOKIE, token, httponly=True, samesite="strict")
        return response

    @app.exception_handler(ConfigError)
    async def bad_request(request: Request, exc: ConfigError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=400)

    @app.exception_handler(QueryError)
    async def query_failed(request: Request, exc: QueryError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=503)

    def filters(request: Request) -> Filters:
        return Filters.parse(dict(request.query_params))

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    @app.get("/api/config")
    def config() -> dict[str, Any]:
        return {
            "refresh_seconds": refresh_seconds,
            "lake": storage.url,
            "ranges": ["15m", "1h", "6h", "24h", "7d", "30d", "all"],
        }

    @app.get("/api/summary")
    def summary(request: Request) -> dict[str, Any]:
        return dashboard.summary(filters(request))

    @app.get("/api/volume")
    def volume(request: Request) -> dict[str, Any]:
        return dashboard.volume(filters(request))

    @app.get("/api/top/{kind}")
    def top(kind: str, request: Request, limit: int = 10) -> list[dict[str, Any]]:
        return dashboard.top(kind, filters(request), limit=min(max(limit, 1), 100))

    @app.get("/api/keywords")
    def keywords(request: Request) -> list[dict[str, Any]]:
        return dashboard.keywords(filters(request))

    @app.get("/api/breakdown/{kind}")
    def breakdown(kind: str, request: Request) -> list[dict[str, Any]]:
        return dashboard.breakdown(kind, filters(request))

    @app.get("/api/posts")
    def posts(request: Request, page: int = 1, size: int = 25) -> dict[str, Any]:
        return dashboard.posts(filters(request), page=page, size=size)

    @app.get("/api/quarantine")
    def quarantine() -> dict[str, Any]:
        return dashboard.quarantine()

    @app.get("/api/export/{view}.csv")
    def export(view: str, request: Request) -> Response:
        rows = export_rows(dashboard, view, filters(request))
        return Response(
            _csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="tweetlake-{view}.csv"'},
        )

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def export_rows(dashboard: Dashboard, view: str, f: Filters) -> list[dict[str, Any]]:
    """The rows behind one chart (or the post list), for CSV export."""
    if view == "volume":
        rows: list[dict[str, Any]] = dashboard.volume(f)["rows"]
        return rows
    if view == "keywords":
        return dashboard.keywords(f)
    if view in _TOP:
        return dashboard.top(view, f, limit=1000)
    if view in ("lang", "platform"):
        return dashboard.breakdown(view, f)
    if view == "posts":
        rows = dashboard.posts(f, page=1, size=200)["rows"]
        for row in rows:
            row["entities"] = "; ".join(f"{e['entity']} ({e['type']})" for e in row.pop("entities", []))
        return rows
    if view == "quarantine":
        samples: list[dict[str, Any]] = dashboard.quarantine(limit=10_000)["samples"]
        return samples
    raise ConfigError(
        f"unknown export {view!r}; choose volume, keywords, {', '.join(_TOP)}, lang, platform, posts or quarantine"
    )


def _csv(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "|".join(map(str, v)) if isinstance(v, list) else v for k, v in row.items()})
    return buffer.getvalue()


def _authorised(request: Request, token: str) -> bool:
    offered = request.query_params.get("token") or request.cookies.get(_COOKIE) or ""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        offered = header[7:]
    return hmac.compare_digest(offered.encode(), token.encode())
