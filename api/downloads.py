"""What every file download route shares (bulletins, attachments): the caller's principal from the
same token or development headers as /graphql, JSON errors, and the attachment disposition."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse

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
