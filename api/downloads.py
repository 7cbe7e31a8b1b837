"""What every file download route shares (bulletins, attachments, documents): the caller's principal
from the same token or development headers as /graphql, or a signed link (api/signing.py); JSON
errors; and the attachment disposition."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse

from api import signing
from api.context import AppState, resolve_principal
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
