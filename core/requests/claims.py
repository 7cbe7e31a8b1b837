"""The idempotency claim of the request being served, and the mark its mutation commits with.

The HTTP middleware (api/hardening.py) claims an ``Idempotency-Key`` with a random lease token and
puts ``(key_hash, token)`` here; :func:`mark_committed` runs inside every mutation's transaction
(api/common.py ``run_mutation``), just before its commit. It sets ``committed_at`` only while the
claim is still this request's (same token): the mark and the writes commit together, or neither
does. A retry that took the key over after the lease lapsed holds a new token, so a stalled first
request can no longer commit: at most one attempt writes, and a retry of a committed request learns
that it committed instead of running again.
"""

from __future__ import annotations

import contextvars
import time

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import DomainError
from core.requests.models import IdempotencyKey

CLAIM: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar(
    "caseload_idempotency_claim", default=None
)


class ClaimLost(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "conflict",
            "该请求已超时并由重试接管，本次未写入任何数据",
            "this request's idempotency key was taken over by a retry; nothing was written",
            "Idempotency-Key",
        )


async def mark_committed(session: AsyncSession) -> None:
    """In the mutation's transaction: mark the claimed key committed, or refuse if it was taken over."""
    claim = CLAIM.get()
    if claim is None:
        return
    key_hash, token = claim
    done = await session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.key_hash == key_hash, IdempotencyKey.lease_token == token)
        .values(committed_at=time.time())
        .execution_options(synchronize_session=False)
    )
    if getattr(done, "rowcount", 1) == 0:
        raise ClaimLost()
