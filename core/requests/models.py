from __future__ import annotations

from sqlalchemy import Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, IdMixin


class IdempotencyKey(IdMixin, Base):
    """The first response to a request carrying an ``Idempotency-Key`` (replayed on retries)."""

    __tablename__ = "idempotency_keys"

    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer, default=0)
    response: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[float] = mapped_column(Float, index=True)
    # The running request's lease (renewed while it runs): a request that died (kill -9) stops
    # renewing, and a retry after ``lease_until`` takes the key over with a new token.
    lease_token: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[float | None] = mapped_column(Float)
    # Set in the mutation's own transaction (core.requests.claims): its writes and this mark commit
    # together, so a retry can tell a request that committed from one that did not.
    committed_at: Mapped[float | None] = mapped_column(Float)
