from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, IdMixin, TimestampMixin, VersionedMixin, enum_type
from core.enums import JurisdictionLevel, OfficialRank, UnitKind


class Jurisdiction(IdMixin, TimestampMixin, VersionedMixin, Base):
    """A county (县) or prefecture (州) whose justice bureau runs the programme."""

    __tablename__ = "jurisdictions"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    level: Mapped[JurisdictionLevel] = mapped_column(
        enum_type(JurisdictionLevel), default=JurisdictionLevel.COUNTY
    )
    # The policy plugin whose rules apply here (its registered name, e.g. "wuping").
    plugin: Mapped[str] = mapped_column(String(60))
    population: Mapped[int | None] = mapped_column(Integer)
    parent_name: Mapped[str | None] = mapped_column(String(100))
    province_name: Mapped[str | None] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdictions.id"))
    # The day the county started running caseload: a duty due before it is history (counted in the
    # indicators, never reminded, warned or escalated). None: every duty is live.
    go_live_date: Mapped[dt.date | None] = mapped_column()
    # The 公文 it issues (core.documents.numbers): the 发文机关 of the 版头 (default: NAME司法局) and the
    # 机关代字 of its 发文字号 (default: from the short name, 武平县 → 武司).
    issuing_authority: Mapped[str | None] = mapped_column(String(100))
    document_prefix: Mapped[str | None] = mapped_column(String(20))


class ReferenceFigure(IdMixin, TimestampMixin, Base):
    """A city or provincial average of an indicator, entered by an administrator or a plugin."""

    __tablename__ = "reference_figures"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "indicator", "level", "year"),)

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    indicator: Mapped[str] = mapped_column(String(60))
    level: Mapped[str] = mapped_column(String(20))  # "city" | "province"
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    source: Mapped[str] = mapped_column(String(200), default="")


class Unit(IdMixin, TimestampMixin, VersionedMixin, Base):
    """A respondent unit: an enforcement agency, a township or street, or the county government."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "name"),)

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[UnitKind] = mapped_column(enum_type(UnitKind), default=UnitKind.AGENCY)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def unit_id(self) -> int:
        """A unit is its own owning unit (uniform scoping)."""
        return self.id


class Official(IdMixin, TimestampMixin, VersionedMixin, Base):
    """A person who may be designated to appear in court or receive escalations."""

    __tablename__ = "officials"

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(100), default="")
    rank: Mapped[OfficialRank] = mapped_column(enum_type(OfficialRank))
    phone: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    since: Mapped[dt.date | None] = mapped_column()


class OfficeAssignment(IdMixin, TimestampMixin, Base):
    """Which unit (and, where named, which official) acts as an office in a jurisdiction.

    Offices are the county government office, the justice bureau, the court liaison and any office
    the jurisdiction's plugin names (``caseload_offices``); rules own duties and escalation steps
    address messages by office, and the jurisdiction's administrator maps each office here
    (``assignOffice``). An office nobody mapped falls back to the justice bureau's staff.
    """

    __tablename__ = "office_assignments"
    __table_args__ = (UniqueConstraint("jurisdiction_id", "office"),)

    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    office: Mapped[str] = mapped_column(String(60))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    official_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id"))
