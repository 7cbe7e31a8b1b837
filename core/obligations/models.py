from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, IdMixin, TimestampMixin, VersionedMixin, enum_type, utcnow
from core.enums import NotificationKind, ObligationStatus, Role


class Obligation(IdMixin, TimestampMixin, VersionedMixin, Base):
    """A duty created by a plugin rule when an event happens."""

    __tablename__ = "obligations"
    __table_args__ = (
        Index("ix_obligations_status_due", "status", "due_date"),
        Index("ix_obligations_subject", "subject_type", "subject_id"),
        # The worker's escalation steps read only the overdue obligations that have not reached a step.
        Index("ix_obligations_escalation", "jurisdiction_id", "status", "escalation_level", "due_date"),
        # The lists of what is still to do (overdue, due soon): a jurisdiction's open obligations in
        # due-date order, the status kept in the index so a count never visits the table.
        Index(
            "ix_obligations_open_due",
            "jurisdiction_id",
            "due_date",
            "status",
            "id",
            postgresql_where=text("status IN ('open', 'overdue')"),
            sqlite_where=text("status IN ('open', 'overdue')"),
        ),
        # One obligation per rule, subject and occurrence (e.g. a month's screening report).
        UniqueConstraint("jurisdiction_id", "rule_id", "subject_type", "subject_id", "occurrence"),
    )

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    owner_role: Mapped[str] = mapped_column(String(40))
    plugin: Mapped[str] = mapped_column(String(60))
    rule_id: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    citation: Mapped[str] = mapped_column(Text, default="")
    event: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int] = mapped_column(Integer)
    occurrence: Mapped[str] = mapped_column(String(40), default="")
    trigger_date: Mapped[dt.date] = mapped_column()
    due_rule: Mapped[dict[str, Any]] = mapped_column()
    # None while the calendar cannot count the period (a year whose holidays are not entered yet);
    # ``due_error`` then says why, and entering the year recomputes it.
    due_date: Mapped[dt.date | None] = mapped_column()
    due_error: Mapped[str | None] = mapped_column(Text)
    # Which calendar version computed the due date (recomputed when an administrator corrects it).
    calendar_version: Mapped[str] = mapped_column(String(80), default="")
    status: Mapped[ObligationStatus] = mapped_column(
        enum_type(ObligationStatus), default=ObligationStatus.OPEN
    )
    met_date: Mapped[dt.date | None] = mapped_column()
    waived_reason: Mapped[str | None] = mapped_column(Text)
    # The latest explanation given with an action on it (met, paused, extended, corrected).
    note: Mapped[str | None] = mapped_column(Text)
    paused_since: Mapped[dt.date | None] = mapped_column()
    # Set when an extension or a pause moved the due date by hand: a calendar correction then leaves
    # the date alone (it was agreed, not computed).
    due_overridden: Mapped[bool] = mapped_column(Boolean, default=False)
    extensions_used: Mapped[int] = mapped_column(Integer, default=0)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    # How many steps of its escalation chain were notified for the current due date (the worker's scan
    # sends step k to the obligations below level k); a new due date starts again at 0.
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    last_escalated_at: Mapped[dt.datetime | None] = mapped_column()


@event.listens_for(Obligation.due_date, "set")
def _due_date_moved(target: Obligation, value: Any, oldvalue: Any, _initiator: Any) -> None:
    """A moved due date (extension, resumption, correction, new calendar) is escalated afresh.

    The notifications of a step carry the due date in their dedupe key, so the steps of the new date
    are new messages; resetting when the old value is unknown (not loaded) is harmless, as a step
    whose notification exists is never sent twice.
    """
    if value != oldvalue:
        target.escalation_level = 0


class Notification(IdMixin, Base):
    """A message in someone's inbox: a reminder, warning, escalation or notice."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("dedupe_key"),
        Index("ix_notifications_recipient", "jurisdiction_id", "recipient_role", "recipient_unit_id"),
    )

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    recipient_role: Mapped[Role | None] = mapped_column(enum_type(Role))
    recipient_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    recipient_official_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id"))
    kind: Mapped[NotificationKind] = mapped_column(enum_type(NotificationKind))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    obligation_id: Mapped[int | None] = mapped_column(ForeignKey("obligations.id"), index=True)
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    rule_id: Mapped[str | None] = mapped_column(String(80))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column()


class PeriodicReport(IdMixin, TimestampMixin, Base):
    """A periodic report a unit or the justice bureau submits (monthly screening, zero reports …)."""

    __tablename__ = "periodic_reports"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "unit_id", "kind", "period"),)

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    period: Mapped[str] = mapped_column(String(20))
    submitted_date: Mapped[dt.date] = mapped_column()
    is_zero: Mapped[bool] = mapped_column(Boolean, default=False)
    content: Mapped[str] = mapped_column(Text, default="")


class DomainEvent(IdMixin, Base):
    """Every event the core emitted: the case timeline, and what a rule created later can look back on."""

    __tablename__ = "domain_events"
    __table_args__ = (Index("ix_domain_events_subject", "subject_type", "subject_id"),)

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int | None] = mapped_column(Integer)
    day: Mapped[dt.date] = mapped_column()
    attributes: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
