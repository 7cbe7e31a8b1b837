"""The ``attachments`` table: a file attached to a dispute, case, hearing, obligation or reconsideration.

The bytes live in the database (LargeBinary) so that every host serving the API sees the same files
without a shared disk; the metadata beside them is what listings show.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from core.db import Base, IdMixin, utcnow


class Attachment(IdMixin, Base):
    """One uploaded file; ``unit_id`` is the record's unit so that scoping works as for the record."""

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_subject", "subject_type", "subject_id"),)

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # Deferred: listings never load the bytes, only a download does.
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    uploader_name: Mapped[str] = mapped_column(String(80), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
