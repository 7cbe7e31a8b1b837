"""Target overrides, recorded assessment facts and frozen bulletins."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, IdMixin, TimestampMixin, VersionedMixin, utcnow


class TargetOverride(IdMixin, TimestampMixin, VersionedMixin, Base):
    """An administrator's target for a jurisdiction or unit, a year or one quarter of it.

    It replaces the plugin's target with the same ``target_id`` in its scope (or adds a target when
    no plugin target has that id); ``disabled`` drops the plugin's target there instead. A unit's or
    a quarter's override beats the jurisdiction's or the year's.
    """

    __tablename__ = "target_overrides"
    __table_args__ = (
        # scope_key spells out (unit, year, quarter, target) so that "no unit"/"whole year" are unique
        # too (NULLs never collide in a unique constraint).
        UniqueConstraint("jurisdiction_id", "scope_key"),
        Index("ix_target_overrides_jurisdiction_year", "jurisdiction_id", "year"),
    )

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int | None] = mapped_column(Integer)
    target_id: Mapped[str] = mapped_column(String(80))
    scope_key: Mapped[str] = mapped_column(String(160))
    indicator: Mapped[str] = mapped_column(String(60))
    title_zh: Mapped[str] = mapped_column(String(200), default="")
    comparator: Mapped[str | None] = mapped_column(String(4))
    value: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    reference_level: Mapped[str | None] = mapped_column(String(20))
    yoy_change: Mapped[Decimal | None] = mapped_column(Numeric(8, 4))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text, default="")


class AssessmentFact(IdMixin, TimestampMixin, Base):
    """A fact the justice bureau records against a unit for an assessment (e.g. ``many_losses``).

    Penalty rules with an ``event`` condition fire on these facts; a quarterly assessment sees the
    facts of its quarter, the annual assessment every fact of the year.
    """

    __tablename__ = "assessment_facts"
    __table_args__ = (Index("ix_assessment_facts_jurisdiction_year", "jurisdiction_id", "year"),)

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int | None] = mapped_column(Integer)
    fact: Mapped[str] = mapped_column(String(80))
    note: Mapped[str] = mapped_column(Text, default="")


class Bulletin(IdMixin, TimestampMixin, Base):
    """A published quarterly bulletin (季度通报): its computed content frozen as JSON.

    Never updated: later corrections of the data do not change it; publishing again adds the next
    ``edition``.
    """

    __tablename__ = "bulletins"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "year", "quarter", "edition"),)

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    edition: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    # Its 发文字号 (武司〔2026〕12号), also inside ``content``; here to find a bulletin by its number.
    document_number: Mapped[str | None] = mapped_column(String(60))
    content: Mapped[dict[str, Any]] = mapped_column()
    content_hash: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[dt.date] = mapped_column()
    published_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    published_by: Mapped[str] = mapped_column(String(120))
    note: Mapped[str] = mapped_column(Text, default="")
