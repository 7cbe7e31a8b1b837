"""Downloading an issued letter: ``GET /documents/{id}.docx`` (the frozen file) and ``.pdf``.

Authenticated as GraphQL is, or by the signed link the ``docxUrl``/``pdfUrl`` fields hand out; a
document whose record the principal may not read is a 404. The PDF is LibreOffice's rendering of
the frozen Word file, made once per file in this process and kept in a small cache; without
LibreOffice the route answers 404 saying so.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.context import AppState
from api.downloads import disposition, download_access, download_error, downloadable
from core.documents import render, service
from core.documents.models import IssuedDocument
from core.lru import LRU
from core.principal import Principal

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
_PDFS: LRU[str, bytes] = LRU(16)


def _endpoint(kind: str) -> Callable[[Request], Awaitable[Response]]:
    async def download(request: Request) -> Response:
        state: AppState = request.app.state.caseload
        principal = await download_access(request)
        if principal is not None and not isinstance(principal, Principal):
            return principal
        if kind == "pdf" and not render.pdf_available():
            return download_error(
                404, "pdf_unavailable", "服务器未安装 LibreOffice，暂不能提供 PDF，请下载 Word 文件"
            )
        ident = int(request.path_params["document_id"])
        async with state.session_factory() as session:
            row = await downloadable(
                request, session, principal, IssuedDocument, ident, service.get_document, "文书不存在"
            )
            if isinstance(row, JSONResponse):
                return row
            data = await service.docx_of(session, row.id)
            sha, name = row.sha256, f"{row.title}（{row.document_number}）"
        if kind == "pdf":
            cached = _PDFS.get(sha)
            if cached is None:
                cached = await run_in_threadpool(render.pdf, data)
                _PDFS.put(sha, cached)
            data = cached
        return Response(
            data,
            media_type=DOCX if kind == "docx" else PDF,
            headers={
                "Content-Disposition": disposition(f"document-{ident}.{kind}", f"{name}.{kind}"),
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    return download


def document_routes() -> list[Route]:
    """The download routes, for the app to mount next to ``/graphql``."""
    return [
        Route("/documents/{document_id:int}.docx", _endpoint("docx"), methods=["GET"]),
        Route("/documents/{document_id:int}.pdf", _endpoint("pdf"), methods=["GET"]),
    ]
