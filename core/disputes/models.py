from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, IdMixin, TimestampMixin, VersionedMixin, enum_type
from core.enums import (
    ActionType,
    BatchKind,
    DisputeField,
    DisputeSource,
    DisputeStatus,
    ResolutionResult,
    ResolutionStage,
    ResolutionStatus,
)


class Dispute(IdMixin, TimestampMixin, VersionedMixin, Base):
    """The root record of an administrative dispute, from its first sign to its final outcome."""

    __tablename__ = "disputes"
    __table_args__ = (
        # The lists (api/disputes/queries.py) are always one jurisdiction's, newest first
        # (received_date, id): each index below ends in that order, so a page is read in order and a
        # count from the index alone, each filter the desk offers leading with its column rather
        # than ANDing a jurisdiction bitmap with a status one (issue 23). Dates and text use the first.
        Index("ix_disputes_jurisdiction_received", "jurisdiction_id", "received_date", "id"),
        Index("ix_disputes_jurisdiction_status", "jurisdiction_id", "status", "received_date", "id"),
        Index("ix_disputes_jurisdiction_field", "jurisdiction_id", "field", "status", "received_date", "id"),
        # Loss risk marks a small share of disputes: a partial index holds only those.
        Index(
            "ix_disputes_loss_risk",
            "jurisdiction_id",
            "status",
            "received_date",
            "id",
            postgresql_where=text("loss_risk"),
            sqlite_where=text("loss_risk"),
        ),
        UniqueConstraint("jurisdiction_id", "number"),
    )

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    # The principal respondent; further respondents are in dispute_respondents.
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    number: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    applicant_name: Mapped[str] = mapped_column(String(120))
    applicant_id_number: Mapped[str | None] = mapped_column(String(40))
    applicant_phone: Mapped[str | None] = mapped_column(String(40))
    applicant_count: Mapped[int] = mapped_column(Integer, default=1)
    field: Mapped[DisputeField] = mapped_column(enum_type(DisputeField))
    action_type: Mapped[ActionType] = mapped_column(enum_type(ActionType))
    source: Mapped[DisputeSource] = mapped_column(enum_type(DisputeSource))
    received_date: Mapped[dt.date] = mapped_column()
    # The originating event when it precedes recording: the court's oral notice, the court letter,
    # the day a law firm took the case. Reporting deadlines count from it.
    origin_date: Mapped[dt.date | None] = mapped_column()
    reported_by: Mapped[str | None] = mapped_column(String(120))
    batch_kind: Mapped[BatchKind] = mapped_column(enum_type(BatchKind), default=BatchKind.SINGLE)
    is_major: Mapped[bool] = mapped_column(Boolean, default=False)
    loss_risk: Mapped[bool] = mapped_column(Boolean, default=False)
    # 领导包案: the leader in charge, with the plan, deadline and task team ("一案一策一专班").
    leader_in_charge_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id"))
    leader_plan: Mapped[str | None] = mapped_column(Text)
    leader_deadline: Mapped[dt.date | None] = mapped_column()
    task_team: Mapped[str | None] = mapped_column(Text)
    status: Mapped[DisputeStatus] = mapped_column(
        enum_type(DisputeStatus), default=DisputeStatus.OPEN, index=True
    )
    resolution_result: Mapped[ResolutionResult | None] = mapped_column(enum_type(ResolutionResult))
    resolved_date: Mapped[dt.date | None] = mapped_column()
    closed_date: Mapped[dt.date | None] = mapped_column()


class DisputeNumberCounter(Base):
    """The last dispute number given out in a jurisdiction and year (``CODE-YEAR-00001`` …).

    A number is taken with one upsert that raises ``last_number`` and returns it, so two recordings at
    the same moment never get the same number (the row lock orders them on PostgreSQL, the write lock on
    SQLite), and recording does not count the jurisdiction's disputes.
    """

    __tablename__ = "dispute_number_counters"

    jurisdiction_id: Mapped[int] = mapped_column(
        ForeignKey("jurisdictions.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, nullable=False)


class DisputeRespondent(IdMixin, Base):
    """Every respondent unit of a dispute (the principal one included)."""

    __tablename__ = "dispute_respondents"
    __table_args__ = (
        UniqueConstraint("dispute_id", "unit_id"),
        # A unit's disputes (the unit filter, a clerk's scope) read from the index alone.
        Index("ix_dispute_respondents_unit_dispute", "unit_id", "dispute_id"),
    )

    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))


class ResolutionEffort(IdMixin, TimestampMixin, VersionedMixin, Base):
    """One attempt to resolve a dispute, assigned to a unit, at one stage."""

    __tablename__ = "resolution_efforts"

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    litigation_case_id: Mapped[int | None] = mapped_column(ForeignKey("litigation_cases.id"))
    stage: Mapped[ResolutionStage] = mapped_column(enum_type(ResolutionStage))
    status: Mapped[ResolutionStatus] = mapped_column(
        enum_type(ResolutionStatus), default=ResolutionStatus.ASSIGNED, index=True
    )
    # True when the court entrusted the resolution by a coordination letter (委托协调化解函).
    by_court_letter: Mapped[bool] = mapped_column(Boolean, default=False)
    assigned_date: Mapped[dt.date] = mapped_column()
    accepted_date: Mapped[dt.date | None] = mapped_column()
    notice_delivered_date: Mapped[dt.date | None] = mapped_column()
    due_date: Mapped[dt.date | None] = mapped_column()
    extensions_used: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[ResolutionResult | None] = mapped_column(enum_type(ResolutionResult))
    concluded_date: Mapped[dt.date | None] = mapped_column()
    # A failed effort's written reply: the process, both sides' claims, the point in dispute, why it failed.
    failure_reason: Mapped[str | None] = mapped_column(Text)
    failure_process: Mapped[str | None] = mapped_column(Text)
    claims_summary: Mapped[str | None] = mapped_column(Text)
    point_in_dispute: Mapped[str | None] = mapped_column(Text)
    agreement_effective_date: Mapped[dt.date | None] = mapped_column()
    confirmation_requested_date: Mapped[dt.date | None] = mapped_column()
    confirmation_date: Mapped[dt.date | None] = mapped_column()


class ResolutionProgress(IdMixin, TimestampMixin, Base):
    """A progress report (进展反馈) on a resolution effort."""

    __tablename__ = "resolution_progress"

    effort_id: Mapped[int] = mapped_column(ForeignKey("resolution_efforts.id"), index=True)
    report_date: Mapped[dt.date] = mapped_column()
    content: Mapped[str] = mapped_column(Text)
    reported_by: Mapped[str] = mapped_column(String(120), default="")


class ResolutionExtension(IdMixin, TimestampMixin, Base):
    """An extension of a resolution deadline, with the consents it requires recorded."""

    __tablename__ = "resolution_extensions"

    effort_id: Mapped[int] = mapped_column(ForeignKey("resolution_efforts.id"), index=True)
    granted_date: Mapped[dt.date] = mapped_column()
    previous_due_date: Mapped[dt.date | None] = mapped_column()
    new_due_date: Mapped[dt.date] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    applicant_consent: Mapped[bool] = mapped_column(Boolean)
    centre_consent: Mapped[bool] = mapped_column(Boolean)
    court_informed: Mapped[bool] = mapped_column(Boolean, default=False)


class ResolutionHearing(IdMixin, TimestampMixin, Base):
    """A resolution hearing (纾解听证) for a hard case, fully recorded."""

    __tablename__ = "resolution_hearings"

    effort_id: Mapped[int] = mapped_column(ForeignKey("resolution_efforts.id"), index=True)
    held_date: Mapped[dt.date] = mapped_column()
    participants: Mapped[str] = mapped_column(Text)
    record: Mapped[str] = mapped_column(Text)
