"""Downloading an attachment: ``GET /attachments/{id}``, authenticated as GraphQL is.

An attachment whose record the principal may not read is a 404 (no leak by id). The file goes out
as a download with the media type stored at upload, never sniffed or shown inline.
"""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.context import AppState, resolve_principal
from core.attachments import service
from core.attachments.models import Attachment
from core.context import ServiceContext
from core.errors import DomainError


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


async def download(request: Request) -> Response:
    state: AppState = request.app.state.caseload
    client = request.client
    try:
        principal = await resolve_principal(state, request.headers, client.host if client else None)
    except Exception as exc:  # an invalid token: the GraphQL view answers 401 the same way
        status = getattr(exc, "status_code", 401)
        return _error(status if isinstance(status, int) else 401, "unauthenticated", "登录已过期，请重新登录")
    ident = int(request.path_params["attachment_id"])
    async with state.session_factory() as session:
        ctx = ServiceContext(session=session, principal=principal, registry=state.registry, clock=state.clock)
        try:
            attachment = await service.get_attachment(ctx, ident)
        except DomainError as exc:
            return _error(404, exc.code, exc.message_zh)
        data = await session.scalar(select(Attachment.content).where(Attachment.id == attachment.id))
        media_type, file_name = attachment.media_type, attachment.file_name
    ascii_name = f"attachment-{ident}{service.EXTENSIONS.get(media_type, '')}"
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file_name)}"
    return Response(
        data or b"",
        media_type=media_type,
        headers={
            "Content-Disposition": disposition,
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def attachment_routes() -> list[Route]:
    """The download route, for the app to mount next to ``/graphql``."""
    return [Route("/attachments/{attachment_id:int}", download, methods=["GET"])]
