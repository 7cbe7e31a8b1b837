"""Bookkeeping of ledger imports (which file, by whom, a content key per imported row) and unit aliases."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, IdMixin, TimestampMixin


class LedgerImport(IdMixin, TimestampMixin, Base):
    """One committed import of an Excel ledger into a jurisdiction."""

    __tablename__ = "ledger_imports"

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    file_hash: Mapped[str] = mapped_column(String(64), index=True)
    file_name: Mapped[str] = mapped_column(String(200), default="")
    sheet_name: Mapped[str] = mapped_column(String(100), default="")
    actor: Mapped[str] = mapped_column(String(120))
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    imported_rows: Mapped[int] = mapped_column(Integer, default=0)
    skipped_rows: Mapped[int] = mapped_column(Integer, default=0)


class LedgerImportRow(IdMixin, TimestampMixin, Base):
    """A ledger row that was imported, keyed by a hash of its content (a second import skips it)."""

    __tablename__ = "ledger_import_rows"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "row_key"),)

    import_id: Mapped[int] = mapped_column(ForeignKey("ledger_imports.id", ondelete="CASCADE"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    row_key: Mapped[str] = mapped_column(String(64))
    row_number: Mapped[int] = mapped_column(Integer)
    dispute_id: Mapped[int | None] = mapped_column(ForeignKey("disputes.id"))
    litigation_case_id: Mapped[int | None] = mapped_column(ForeignKey("litigation_cases.id"))


class UnitAlias(IdMixin, TimestampMixin, Base):
    """Another name a county's ledgers use for one of its units (县住建局 → 武平县住房和城乡建设局).

    Kept by the county's staff; every import resolves unit cells through it, so nothing is matched
    by guesswork and nothing is created silently.
    """

    __tablename__ = "unit_aliases"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "alias"),)

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    alias: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
