"""What every file download route shares (bulletins, attachments, documents): the caller's principal
from the same token or development headers as /graphql, or a signed link (api/signing.py); JSON
errors; and the attachment disposition."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse

from api import signing
from api.context import AppState, resolve_principal
from core.context import ServiceContext
from core.errors import DomainError
from core.principal import Principal


def download_error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


async def download_principal(request: Request) -> Principal | JSONResponse:
    """The caller, or the 401 answer for an invalid token (as the GraphQL view answers it)."""
    state: AppState = request.app.state.caseload
    client = request.client
    try:
        return await resolve_principal(state, request.headers, client.host if client else None)
    except Exception as exc:
        status = getattr(exc, "status_code", 401)
        return download_error(
            status if isinstance(status, int) else 401, "unauthenticated", "登录已过期，请重新登录"
        )


def disposition(ascii_name: str, file_name: str) -> str:
    """``attachment`` with an ASCII fallback and the real name per RFC 5987 (``filename*``)."""
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file_name)}"


async def download_access(request: Request) -> Principal | JSONResponse | None:
    """The caller's principal; ``None`` when the request is a genuine, current signed link for its
    path (the file is served to whoever holds it); or the refusal to send back."""
    given = request.query_params.get("signature")
    if given is None:
        return await download_principal(request)
    state: AppState = request.app.state.caseload
    if state.auth is None:
        return download_error(403, "invalid_link", "下载链接无效")
    reason = signing.check(
        state.auth.secret, request.url.path, request.query_params.get("expires", ""), given, state.clock()
    )
    if reason is not None:
        return download_error(403, "invalid_link", reason)
    return None


async def downloadable(
    request: Request,
    session: AsyncSession,
    principal: Principal | None,
    model: type[Any],
    ident: int,
    read: Callable[[ServiceContext, int], Awaitable[Any]],
    missing: str,
) -> Any:
    """The record a download serves, or the 404 to send back: through the caller's scope (``read``,
    the record's own service), or, for a signed link (``principal`` None), as it is."""
    if principal is None:  # a signed link: it was handed to someone who could read the record
        found = await session.get(model, ident)
        return found if found is not None else download_error(404, "not_found", missing)
    state: AppState = request.app.state.caseload
    ctx = ServiceContext(session=session, principal=principal, registry=state.registry, clock=state.clock)
    try:
        return await read(ctx, ident)
    except DomainError as exc:
        return download_error(404, exc.code, exc.message_zh)
