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
