"""Downloading an attachment: ``GET /attachments/{id}``, authenticated as GraphQL is.

An attachment whose record the principal may not read is a 404 (no leak by id). A signed link
(the ``downloadUrl`` GraphQL hands out, api/signing.py) serves its one file without a token until it
expires. The file goes out as a download with the media type stored at upload, never sniffed or
shown inline.
"""

from __future__ import annotations

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.context import AppState
from api.downloads import disposition, download_access, downloadable
from core.attachments import service
from core.attachments.models import Attachment
from core.principal import Principal


async def download(request: Request) -> Response:
    state: AppState = request.app.state.caseload
    principal = await download_access(request)
    if principal is not None and not isinstance(principal, Principal):
        return principal
    ident = int(request.path_params["attachment_id"])
    async with state.session_factory() as session:
        attachment = await downloadable(
            request, session, principal, Attachment, ident, service.get_attachment, "附件不存在"
        )
        if isinstance(attachment, JSONResponse):
            return attachment
        data = await session.scalar(select(Attachment.content).where(Attachment.id == attachment.id))
        media_type, file_name = attachment.media_type, attachment.file_name
    ascii_name = f"attachment-{ident}{service.EXTENSIONS.get(media_type, '')}"
    return Response(
        data or b"",
        media_type=media_type,
        headers={
            "Content-Disposition": disposition(ascii_name, file_name),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def attachment_routes() -> list[Route]:
    """The download route, for the app to mount next to ``/graphql``."""
    return [Route("/attachments/{attachment_id:int}", download, methods=["GET"])]
