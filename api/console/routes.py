"""Routes serving the console: ``/`` (the page) and ``/console/*`` (its modules, styles, vendor files).

Everything is served from the package: no asset comes from the internet, and the Content Security
Policy on the page lets the browser load scripts, styles and connections only from this server.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC = Path(__file__).parent / "static"


def content_security_policy(host: str) -> str:
    """Only this origin (and its own WebSocket for live notifications)."""
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: blob:",
            "font-src 'self'",
            f"connect-src 'self' ws://{host} wss://{host}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


async def console_index(request: Request) -> Response:
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    host = request.headers.get("host", "localhost")
    return HTMLResponse(
        html,
        headers={
            "Content-Security-Policy": content_security_policy(host),
            "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


class ConsoleStatic(StaticFiles):
    """Static files revalidated on every load (a new release is seen at once; unchanged files are 304)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["Cache-Control"] = "no-cache"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def console_routes() -> list[BaseRoute]:
    """``/`` serves the console page; ``/console`` its static files."""
    return [
        Route("/", console_index, methods=["GET", "HEAD"]),
        Mount("/console", app=ConsoleStatic(directory=STATIC), name="console"),
    ]
