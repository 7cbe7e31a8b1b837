"""The counter behind each jurisdiction's 发文字号 (武司〔2026〕12号), one row per jurisdiction and year, and
the letters issued from records, each version frozen."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from core.db import Base, IdMixin, utcnow


class DocumentNumberCounter(Base):
    """The last document number a jurisdiction gave out in a year.

    Taken with one upsert (as the dispute numbers are), so two documents issued at the same moment never
    share a number; numbers start again at 1 each year, as 发文字号 do.
    """

    __tablename__ = "document_number_counters"

    jurisdiction_id: Mapped[int] = mapped_column(
        ForeignKey("jurisdictions.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, nullable=False)


class IssuedDocument(IdMixin, Base):
    """One version of a letter issued from a record (纾解告知书, 反馈函, 败诉原因分析报告, 提醒函, 约谈,
    通报).

    A row is never changed: the Word file is frozen as issued (``docx``), with the values it was
    filled from (``content``); reissuing the same kind for the same record adds the next ``version``
    and keeps the earlier ones. ``jurisdiction_id`` and ``unit_id`` are the record's, so a document is
    scoped exactly as its record is.
    """

    __tablename__ = "issued_documents"
    __table_args__ = (
        UniqueConstraint("kind", "subject_type", "subject_id", "version", name="uq_issued_documents_version"),
        Index("ix_issued_documents_subject", "subject_type", "subject_id"),
    )

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    document_number: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(400))
    issuing_authority: Mapped[str] = mapped_column(String(120))
    issued_on: Mapped[dt.date] = mapped_column()
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    issued_by: Mapped[str] = mapped_column(String(80), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[dict[str, Any]] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    # Deferred: listings never load the file, only a download does.
    docx: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
