from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, IdMixin, TimestampMixin, VersionedMixin, enum_type
from core.enums import (
    CaseStatus,
    DutyKind,
    DutyStatus,
    HearingStatus,
    IdentityCheck,
    Instance,
    OutcomeKind,
    ReconsiderationDecision,
    ReconsiderationStatus,
)


class ReconsiderationCase(IdMixin, TimestampMixin, VersionedMixin, Base):
    """An administrative reconsideration (行政复议) against a unit's act."""

    __tablename__ = "reconsideration_cases"
    __table_args__ = (Index("ix_recon_jurisdiction_concluded", "jurisdiction_id", "concluded_date"),)

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    case_number: Mapped[str] = mapped_column(String(60))
    received_date: Mapped[dt.date] = mapped_column()
    status: Mapped[ReconsiderationStatus] = mapped_column(
        enum_type(ReconsiderationStatus), default=ReconsiderationStatus.RECEIVED
    )
    accepted_date: Mapped[dt.date | None] = mapped_column()
    rejected_date: Mapped[dt.date | None] = mapped_column()
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    concluded_date: Mapped[dt.date | None] = mapped_column()
    decision: Mapped[ReconsiderationDecision | None] = mapped_column(enum_type(ReconsiderationDecision))
    decision_note: Mapped[str | None] = mapped_column(Text)
    # 行政复议法第四十八条: the copy sent to the respondent (and the day it arrived), its written reply.
    copy_sent_date: Mapped[dt.date | None] = mapped_column()
    copy_received_date: Mapped[dt.date | None] = mapped_column()
    reply_date: Mapped[dt.date | None] = mapped_column()
    # 第六十二条: the decision period extended once, with the approving head and the reason.
    extended_due_date: Mapped[dt.date | None] = mapped_column()
    extension_approved_by: Mapped[str | None] = mapped_column(String(120))
    extension_reason: Mapped[str | None] = mapped_column(Text)


class LitigationCase(IdMixin, TimestampMixin, VersionedMixin, Base):
    """An administrative lawsuit (行政诉讼) at one instance; appeals and retrials link to the first."""

    __tablename__ = "litigation_cases"
    __table_args__ = (
        UniqueConstraint("jurisdiction_id", "case_number"),
        Index("ix_litigation_jurisdiction_filed", "jurisdiction_id", "filed_date"),
        Index("ix_litigation_jurisdiction_concluded", "jurisdiction_id", "concluded_date"),
    )

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    parent_case_id: Mapped[int | None] = mapped_column(ForeignKey("litigation_cases.id"), index=True)
    court: Mapped[str] = mapped_column(String(120))
    case_number: Mapped[str] = mapped_column(String(80))
    instance: Mapped[Instance] = mapped_column(enum_type(Instance), default=Instance.FIRST)
    plaintiff_name: Mapped[str] = mapped_column(String(120))
    filed_date: Mapped[dt.date] = mapped_column()
    response_notice_date: Mapped[dt.date | None] = mapped_column()
    # 行政诉讼法第六十七条: the complaint copy received and the defence submitted to the court.
    complaint_copy_date: Mapped[dt.date | None] = mapped_column()
    defence_date: Mapped[dt.date | None] = mapped_column()
    status: Mapped[CaseStatus] = mapped_column(enum_type(CaseStatus), default=CaseStatus.FILED, index=True)
    concluded_date: Mapped[dt.date | None] = mapped_column()
    effective_date: Mapped[dt.date | None] = mapped_column()
    closed_date: Mapped[dt.date | None] = mapped_column()


class Hearing(IdMixin, TimestampMixin, VersionedMixin, Base):
    """A court hearing (庭审) and whether a qualifying head appeared (负责人出庭应诉)."""

    __tablename__ = "hearings"
    __table_args__ = (Index("ix_hearings_jurisdiction_scheduled", "jurisdiction_id", "scheduled_at"),)

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("litigation_cases.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    scheduled_at: Mapped[dt.datetime] = mapped_column()
    court: Mapped[str] = mapped_column(String(120))
    courtroom: Mapped[str | None] = mapped_column(String(60))
    head_required: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[HearingStatus] = mapped_column(enum_type(HearingStatus), default=HearingStatus.SCHEDULED)
    designated_official_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id"))
    designated_date: Mapped[dt.date | None] = mapped_column()
    identity_check: Mapped[IdentityCheck] = mapped_column(
        enum_type(IdentityCheck), default=IdentityCheck.UNCHECKED
    )
    identity_note: Mapped[str | None] = mapped_column(Text)
    held_at: Mapped[dt.datetime | None] = mapped_column()
    head_attended: Mapped[bool | None] = mapped_column(Boolean)
    attending_official_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id"))
    head_spoke: Mapped[bool | None] = mapped_column(Boolean)
    substitute_name: Mapped[str | None] = mapped_column(String(120))
    substitute_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id"))
    excuse_reason: Mapped[str | None] = mapped_column(Text)
    excuse_proof: Mapped[str | None] = mapped_column(Text)
    # The written explanation (情况说明) of a head who cannot appear: 法释〔2020〕3号第九条 asks for
    # proof "加盖行政机关印章或者由该机关主要负责人签字认可"; ``excuse_sealed`` records that it is,
    # ``excuse_attachment_id`` the scanned explanation among the hearing's attachments (no foreign
    # key: deleting an attachment is audited and leaves the record's own text in place).
    excuse_sealed: Mapped[bool | None] = mapped_column(Boolean)
    excuse_attachment_id: Mapped[int | None] = mapped_column()
    rescheduled_from_id: Mapped[int | None] = mapped_column(ForeignKey("hearings.id"))
    cancel_reason: Mapped[str | None] = mapped_column(Text)


class Outcome(IdMixin, TimestampMixin, VersionedMixin, Base):
    """The court's decision (裁判结果) on a litigation case."""

    __tablename__ = "outcomes"

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("litigation_cases.id"), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    kind: Mapped[OutcomeKind] = mapped_column(enum_type(OutcomeKind))
    is_loss: Mapped[bool] = mapped_column(Boolean)
    decided_date: Mapped[dt.date] = mapped_column()
    received_date: Mapped[dt.date] = mapped_column()
    # The day the decision was served on the last party (行政诉讼法第八十五条 counts the appeal window
    # from service); None: on the day the unit received it.
    served_date: Mapped[dt.date | None] = mapped_column()
    # A withdrawal after the agency itself revoked or changed the contested act (a "hidden loss").
    agency_changed_act: Mapped[bool] = mapped_column(Boolean, default=False)
    summary: Mapped[str | None] = mapped_column(Text)


class PostJudgmentDuty(IdMixin, TimestampMixin, VersionedMixin, Base):
    """A duty after judgment: file the judgment, analyse a loss, rectify, follow a judicial suggestion."""

    __tablename__ = "post_judgment_duties"
    __table_args__ = (UniqueConstraint("case_id", "kind", "sequence"),)

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("litigation_cases.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    kind: Mapped[DutyKind] = mapped_column(enum_type(DutyKind))
    # Several judicial suggestions may follow one case; the other kinds have sequence 1.
    sequence: Mapped[int] = mapped_column(default=1)
    status: Mapped[DutyStatus] = mapped_column(enum_type(DutyStatus), default=DutyStatus.PENDING)
    content: Mapped[str | None] = mapped_column(Text)
    submitted_date: Mapped[dt.date | None] = mapped_column()
    reviewed_date: Mapped[dt.date | None] = mapped_column()
    review_note: Mapped[str | None] = mapped_column(Text)
