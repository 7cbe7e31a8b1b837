"""The counter behind each jurisdiction's 发文字号 (武司〔2026〕12号), one row per jurisdiction and year."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base


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
