"""Bookkeeping of ledger imports (which file, by whom, a content key per imported row), the
background jobs that run them, and unit aliases."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, IdMixin, TimestampMixin, enum_type


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


class ImportJobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class LedgerImportJob(IdMixin, TimestampMixin, Base):
    """A ledger import (or dry run) queued to run in the background (``core.ledger.jobs``).

    The file is kept with the job so that a worker on another host can run it; the counts are the
    progress readers poll, and ``import_id`` is the committed import once the job succeeded.
    """

    __tablename__ = "ledger_import_jobs"
    __table_args__ = (Index("ix_ledger_import_jobs_status", "status", "id"),)

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    status: Mapped[ImportJobStatus] = mapped_column(
        enum_type(ImportJobStatus), default=ImportJobStatus.QUEUED
    )
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    # Who asked: the job runs with their rights (user, role, scope), not the worker's.
    actor: Mapped[str] = mapped_column(String(120))
    actor_role: Mapped[str] = mapped_column(String(40))
    actor_jurisdiction_id: Mapped[int | None] = mapped_column(Integer)
    actor_unit_id: Mapped[int | None] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(200), default="")
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    mapping: Mapped[dict[str, Any] | None] = mapped_column()
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_checked: Mapped[int] = mapped_column(Integer, default=0)
    rows_written: Mapped[int] = mapped_column(Integer, default=0)
    # The row problems so far (row, column, message), and the file-level error of a failed job.
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    summary: Mapped[str] = mapped_column(Text, default="")
    # The finished job's report (core.ledger.jobs.report_to_json), what ``ledgerImport.report`` shows.
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[dt.datetime | None] = mapped_column()
    finished_at: Mapped[dt.datetime | None] = mapped_column()
    import_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_imports.id", ondelete="SET NULL"))


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
