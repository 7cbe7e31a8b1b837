"""Downloading a published bulletin as Excel or Word: ``GET /bulletins/{id}.xlsx`` and ``.docx``.

The principal is resolved as for GraphQL (bearer token, or the development headers); a bulletin
the principal may not read is a 404. Files are rendered from the frozen content, so they never
change; rendered files are kept in a small in-process cache keyed by the content hash.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.context import AppState
from api.downloads import disposition, download_error, download_principal
from core.context import ServiceContext
from core.errors import DomainError
from core.indicators import bulletins, render
from core.principal import Principal

log = logging.getLogger("caseload.indicators.files")

_RENDERED: OrderedDict[tuple[int, str, str], bytes] = OrderedDict()
_MAX_RENDERED = 32


def _endpoint(kind: str) -> Callable[[Request], Awaitable[Response]]:
    make, media_type = render.RENDERERS[kind]

    async def download(request: Request) -> Response:
        state: AppState = request.app.state.caseload
        principal = await download_principal(request)
        if not isinstance(principal, Principal):
            return principal
        ident = int(request.path_params["bulletin_id"])
        async with state.session_factory() as session:
            ctx = ServiceContext(
                session=session, principal=principal, registry=state.registry, clock=state.clock
            )
            try:
                bulletin = await bulletins.get_bulletin(ctx, ident)
            except DomainError as exc:
                return download_error(404, exc.code, exc.message_zh)
            key = (bulletin.id, bulletin.content_hash, kind)
            content = bulletins.content_of(bulletin)
            file_name = f"{bulletin.title}（第{bulletin.edition}版）.{kind}"
        data = _RENDERED.get(key)
        if data is None:
            data = await run_in_threadpool(make, content)
            _RENDERED[key] = data
            while len(_RENDERED) > _MAX_RENDERED:
                _RENDERED.popitem(last=False)
        return Response(
            data,
            media_type=media_type,
            headers={
                "Content-Disposition": disposition(f"bulletin-{ident}.{kind}", file_name),
                "Cache-Control": "no-store",
            },
        )

    return download


def bulletin_routes() -> list[Route]:
    """The download routes, for the app to mount next to ``/graphql``."""
    return [
        Route("/bulletins/{bulletin_id:int}.xlsx", _endpoint("xlsx"), methods=["GET"]),
        Route("/bulletins/{bulletin_id:int}.docx", _endpoint("docx"), methods=["GET"]),
    ]
