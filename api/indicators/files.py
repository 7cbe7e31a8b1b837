"""Downloading a published bulletin as Excel or Word: ``GET /bulletins/{id}.xlsx`` and ``.docx``.

The principal is resolved as for GraphQL (bearer token, or the development headers); a bulletin
the principal may not read is a 404. Files are rendered from the frozen content, so they never
change; rendered files are kept in a small in-process cache keyed by the content hash.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.context import AppState, resolve_principal
from core.context import ServiceContext
from core.errors import DomainError
from core.indicators import bulletins, render

log = logging.getLogger("caseload.indicators.files")

_RENDERED: OrderedDict[tuple[int, str, str], bytes] = OrderedDict()
_MAX_RENDERED = 32


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _endpoint(kind: str) -> Callable[[Request], Awaitable[Response]]:
    make, media_type = render.RENDERERS[kind]

    async def download(request: Request) -> Response:
        state: AppState = request.app.state.caseload
        client = request.client
        try:
            principal = await resolve_principal(state, request.headers, client.host if client else None)
        except Exception as exc:  # an invalid token: the GraphQL view answers 401 the same way
            status = getattr(exc, "status_code", 401)
            return _error(
                status if isinstance(status, int) else 401, "unauthenticated", "登录已过期，请重新登录"
            )
        ident = int(request.path_params["bulletin_id"])
        async with state.session_factory() as session:
            ctx = ServiceContext(
                session=session, principal=principal, registry=state.registry, clock=state.clock
            )
            try:
                bulletin = await bulletins.get_bulletin(ctx, ident)
            except DomainError as exc:
                return _error(404, exc.code, exc.message_zh)
            key = (bulletin.id, bulletin.content_hash, kind)
            content = bulletins.content_of(bulletin)
            file_name = f"{bulletin.title}（第{bulletin.edition}版）.{kind}"
        data = _RENDERED.get(key)
        if data is None:
            data = await run_in_threadpool(make, content)
            _RENDERED[key] = data
            while len(_RENDERED) > _MAX_RENDERED:
                _RENDERED.popitem(last=False)
        disposition = f"attachment; filename=\"bulletin-{ident}.{kind}\"; filename*=UTF-8''{quote(file_name)}"
        return Response(
            data,
            media_type=media_type,
            headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
        )

    return download


def bulletin_routes() -> list[Route]:
    """The download routes, for the app to mount next to ``/graphql``."""
    return [
        Route("/bulletins/{bulletin_id:int}.xlsx", _endpoint("xlsx"), methods=["GET"]),
        Route("/bulletins/{bulletin_id:int}.docx", _endpoint("docx"), methods=["GET"]),
    ]
