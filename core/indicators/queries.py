"""The SQL aggregates behind every indicator: one function per indicator.

Each function returns a :class:`Tally`: numerator and denominator per (period bucket, jurisdiction,
unit), counted by the database with ``COUNT``/``SUM`` over ``CASE`` expressions and grouped by unit.
Several periods (a time series, or a period, the same period a year earlier and the year to date) are
answered by one statement: each period is a column ``SUM(CASE WHEN <date in the period> …)``. So are
several indicators over the same rows (:func:`tally_many`: each is a :class:`Plan`, a :class:`Share`
of the statement over its :class:`Rows`). Nothing here loads a row into Python, and nothing depends
on the dialect, so SQLite and PostgreSQL give the same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, case, exists, func, literal, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.util import identity_key

from core.cases.models import Hearing, LitigationCase, Outcome, ReconsiderationCase
from core.disputes.models import Dispute
from core.enums import (
    CORRECTION_DECISIONS,
    DisputeField,
    DisputeStatus,
    HearingStatus,
    Instance,
    ObligationStatus,
    OutcomeKind,
    ReconsiderationDecision,
    ReconsiderationStatus,
)
from core.indicators.definitions import ResolvedDefinition
from core.indicators.periods import Period
from core.obligations.models import Obligation
from core.org.models import Jurisdiction
from core.policy.types import CountedRecords, CustomIndicator, IndicatorKind, RecordFilter

Cell = tuple[int, int, int | None]  # (bucket, jurisdiction id, unit id)


@dataclass(frozen=True)
class Tally:
    """Numerator and denominator per (bucket, jurisdiction, unit); a count has denominator ``None``.

    Missing cells are zero. ``total`` adds up a jurisdiction's units (and rows with no unit, such
    as the justice bureau's own obligations): a sum of aggregates, never of records.
    """

    cells: Mapping[Cell, tuple[int, int | None]] = field(default_factory=dict)
    has_denominator: bool = True
    populations: Mapping[int, int | None] = field(default_factory=dict)

    def get(self, bucket: int, jurisdiction_id: int, unit_id: int | None) -> tuple[int, int | None]:
        found = self.cells.get((bucket, jurisdiction_id, unit_id))
        if found is not None:
            return found
        return 0, self._empty_denominator(jurisdiction_id)

    def total(self, bucket: int, jurisdiction_id: int) -> tuple[int, int | None]:
        num = den = 0
        for (b, j, _u), (n, d) in self.cells.items():
            if b == bucket and j == jurisdiction_id:
                num += n
                den += d or 0
        return num, self._denominator(jurisdiction_id, den)

    def units(self, bucket: int, jurisdiction_id: int) -> dict[int | None, tuple[int, int | None]]:
        return {u: v for (b, j, u), v in self.cells.items() if b == bucket and j == jurisdiction_id}

    def _empty_denominator(self, jurisdiction_id: int) -> int | None:
        return self._denominator(jurisdiction_id, 0)

    def _denominator(self, jurisdiction_id: int, summed: int) -> int | None:
        if self.populations:
            return self.populations.get(jurisdiction_id)
        return summed if self.has_denominator else None


@dataclass(frozen=True)
class Scope:
    """What to count: jurisdictions, periods (buckets; they may overlap), the definition, an optional unit."""

    jurisdiction_ids: tuple[int, ...]
    periods: tuple[Period, ...]
    definition: ResolvedDefinition
    as_of: dt.date
    unit_id: int | None = None


Query = Callable[[AsyncSession, Scope], Awaitable[Tally]]


# ---------------------------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------------------------


def _bounds(period: Period, moment: bool) -> tuple[Any, Any]:
    if moment:
        return period.start_moment(), period.end_moment()
    return period.start, period.end_exclusive


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def _loss_kinds(definition: ResolvedDefinition) -> list[OutcomeKind]:
    return [OutcomeKind(v) for v in definition.loss_outcomes if v in OutcomeKind._value2member_map_]


@dataclass(frozen=True)
class Share:
    """An output of a statement several indicators share: a numerator and a denominator (``None`` for a
    count), optionally over only the rows ``only`` holds for, as if it were the statement's own WHERE
    (a cell exists where such a row is in the period)."""

    numerator: ColumnElement[int]
    denominator: ColumnElement[int] | None
    only: ColumnElement[bool] | None = None


_STATEMENTS: dict[tuple[Any, ...], tuple[Any, list[list[tuple[int, int, int]]]]] = {}
"""Statements built once per shape: kind of rows, outputs, number of periods, one unit or all."""
_MAX_STATEMENTS = 512


async def _grouped_many(
    session: AsyncSession, scope: Scope, rows: Rows, outputs: Mapping[tuple[Any, ...], Share]
) -> list[Tally]:
    """Several numerator/denominator pairs over the same ``rows``, per period, jurisdiction and unit.

    One statement: each period is a set of columns (each output's sums, and the period's row count;
    an output counted over ``only`` some rows has its own row count), so periods may overlap (a
    period, the same period a year earlier, the year to date and the previous year are one scan).
    With ``rows.per`` (e.g. the case id of a hearing) the rows of one ``per`` value in one period
    count once: the flags are first reduced with ``MAX`` per (jurisdiction, unit, ``per``) and period.
    The periods, jurisdictions and unit are bound parameters, so a statement of the same shape (the
    same rows and outputs, as many periods) is built once and its compiled form cached.
    """
    key = (rows.key, tuple(outputs), len(scope.periods), scope.unit_id is None)
    built = _STATEMENTS.get(key)
    if built is None:
        if len(_STATEMENTS) >= _MAX_STATEMENTS:
            _STATEMENTS.clear()
        built = _STATEMENTS[key] = _build(rows, list(outputs.values()), len(scope.periods), scope.unit_id)
    stmt, at = built
    params: dict[str, Any] = {"jurisdictions": list(scope.jurisdiction_ids)}
    for i, period in enumerate(scope.periods):
        params[f"lo{i}"], params[f"hi{i}"] = _bounds(period, rows.moment)
    if scope.unit_id is not None:
        params["unit"] = scope.unit_id
    shares = list(outputs.values())
    cells: list[dict[Cell, tuple[int, int | None]]] = [{} for _ in shares]
    for row in (await session.execute(stmt, params)).all():
        j, u = int(row[0]), None if row[1] is None else int(row[1])
        values = row[2:]
        for bucket, mine in enumerate(at):
            for i, (num, den, present) in enumerate(mine):
                if not values[present]:  # no row of this unit in the period: no cell (no data there)
                    continue
                counted_den = int(values[den] or 0) if shares[i].denominator is not None else None
                cells[i][(bucket, j, u)] = (int(values[num] or 0), counted_den)
    return [
        Tally(found, has_denominator=out.denominator is not None)
        for found, out in zip(cells, shares, strict=True)
    ]


def _build(
    rows: Rows, outputs: Sequence[Share], periods: int, unit_id: int | None
) -> tuple[Any, list[list[tuple[int, int, int]]]]:
    """The statement of :func:`_grouped_many`, and where each period's and output's flags are."""
    column = rows.date_column
    bounds = [
        (bindparam(f"lo{i}", type_=column.type), bindparam(f"hi{i}", type_=column.type))
        for i in range(periods)
    ]
    inside = [and_(column >= lo, column < hi) for lo, hi in bounds]
    flags: list[ColumnElement[int]] = []
    at: list[list[tuple[int, int, int]]] = []  # per period, per output: (numerator, denominator, rows) flags

    def add(flag: ColumnElement[int]) -> int:
        flags.append(flag)
        return len(flags) - 1

    for hit in inside:
        every = add(case((hit, 1), else_=0)) if any(out.only is None for out in outputs) else -1
        mine = []
        for out in outputs:
            counted = hit if out.only is None else and_(hit, out.only)
            denominator = out.denominator if out.denominator is not None else literal(0)
            mine.append(
                (
                    add(case((counted, out.numerator), else_=0)),
                    add(case((counted, denominator), else_=0)),
                    every if out.only is None else add(case((counted, 1), else_=0)),
                )
            )
        at.append(mine)
    conditions = [
        rows.jurisdiction_column.in_(bindparam("jurisdictions", expanding=True)),
        or_(*inside),
        *rows.where,
    ]
    onlys = [out.only for out in outputs]
    if all(only is not None for only in onlys):  # no output counts every row: only the rows some count
        conditions.append(or_(*[only for only in onlys if only is not None]))
    if unit_id is not None:
        conditions.append(rows.unit_column == bindparam("unit"))
    j, u = rows.jurisdiction_column, rows.unit_column
    if rows.per is None:
        stmt = (
            select(j, u, *[func.sum(f) for f in flags])
            .select_from(rows.source)
            .where(*conditions)
            .group_by(j, u)
        )
    else:
        sub = (
            select(j.label("j"), u.label("u"), *[func.max(f).label(f"f{i}") for i, f in enumerate(flags)])
            .select_from(rows.source)
            .where(*conditions)
            .group_by(j, u, rows.per)
            .subquery()
        )
        sums = [func.sum(sub.c[f"f{i}"]) for i in range(len(flags))]
        stmt = select(sub.c.j, sub.c.u, *sums).group_by(sub.c.j, sub.c.u)
    return stmt, at


# ---------------------------------------------------------------------------------------------
# What each indicator counts, and over which rows: indicators over the same rows share a statement
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Rows:
    """The rows a statement counts and the date that places each in a period; equal ``key``, equal rows."""

    key: tuple[Any, ...]
    source: Any
    date_column: Any
    jurisdiction_column: Any
    unit_column: Any
    where: tuple[ColumnElement[bool], ...] = ()
    moment: bool = False
    per: Any = None  # count each value of this column (a case) once per period


@dataclass(frozen=True, eq=False)
class Plan:
    """One indicator's share of a statement over ``rows``; equal ``output`` keys over equal rows are
    counted once (case volume and suits per 10,000). ``per_population`` divides by the population."""

    rows: Rows
    share: Share
    output: tuple[Any, ...]
    per_population: bool = False


_CONCLUDED_CASES = LitigationCase.__table__.join(Outcome.__table__, Outcome.case_id == LitigationCase.id)
_HEARD_CASES = Hearing.__table__.join(LitigationCase.__table__, LitigationCase.id == Hearing.case_id)


def _instance_in(instances: frozenset[str]) -> ColumnElement[bool]:
    return LitigationCase.instance.in_(
        [Instance(v) for v in sorted(instances) if v in Instance._value2member_map_]
    )


def _filed(instances: frozenset[str]) -> Rows:
    """New litigation cases by filed date."""
    return Rows(
        ("cases_filed", tuple(sorted(instances))),
        LitigationCase,
        LitigationCase.filed_date,
        LitigationCase.jurisdiction_id,
        LitigationCase.unit_id,
        (_instance_in(instances),),
    )


def _concluded(instances: frozenset[str]) -> Rows:
    """Litigation cases with an outcome, by the date of the decision."""
    return Rows(
        ("cases_concluded", tuple(sorted(instances))),
        _CONCLUDED_CASES,
        LitigationCase.concluded_date,
        LitigationCase.jurisdiction_id,
        LitigationCase.unit_id,
        (_instance_in(instances),),
    )


def _hearings(name: str, status: HearingStatus, at: Any, instances: frozenset[str], per_case: bool) -> Rows:
    """Hearings in ``status`` by the moment ``at`` (each case once per period when ``per_case``)."""
    return Rows(
        (name, tuple(sorted(instances)), per_case),
        _HEARD_CASES,
        at,
        Hearing.jurisdiction_id,
        Hearing.unit_id,
        (Hearing.status == status, _instance_in(instances)),
        moment=True,
        per=Hearing.case_id if per_case else None,
    )


def _held(instances: frozenset[str], per_case: bool) -> Rows:
    """Held hearings by the moment held."""
    return _hearings("hearings_held", HearingStatus.HELD, Hearing.held_at, instances, per_case)


def _rescheduled(instances: frozenset[str], per_case: bool) -> Rows:
    """Hearings moved to another date, by the moment they were originally set for."""
    at = Hearing.scheduled_at
    return _hearings("hearings_rescheduled", HearingStatus.RESCHEDULED, at, instances, per_case)


_RECONSIDERATIONS_CONCLUDED = Rows(
    ("reconsiderations_concluded",),
    ReconsiderationCase,
    ReconsiderationCase.concluded_date,
    ReconsiderationCase.jurisdiction_id,
    ReconsiderationCase.unit_id,
    (ReconsiderationCase.status == ReconsiderationStatus.CONCLUDED,),
)
_RECONSIDERATIONS_RECEIVED = Rows(
    ("reconsiderations_received",),
    ReconsiderationCase,
    ReconsiderationCase.received_date,
    ReconsiderationCase.jurisdiction_id,
    ReconsiderationCase.unit_id,
)
_DISPUTES_RECEIVED = Rows(
    ("disputes_received",), Dispute, Dispute.received_date, Dispute.jurisdiction_id, Dispute.unit_id
)
_RESOLVED_BEFORE_FILING = Rows(
    ("resolved_before_filing",),
    Dispute,
    Dispute.resolved_date,
    Dispute.jurisdiction_id,
    Dispute.unit_id,
    (
        Dispute.status.in_([DisputeStatus.RESOLVED, DisputeStatus.CLOSED]),
        Dispute.resolution_result.is_not(None),
        not_(exists().where(LitigationCase.dispute_id == Dispute.id)),
        not_(exists().where(ReconsiderationCase.dispute_id == Dispute.id)),
    ),
)


def _obligations_due(as_of: dt.date) -> Rows:
    """Obligations that fell due by ``as_of``, by the due date (see :func:`obligations_on_time_rate`)."""
    return Rows(
        ("obligations_due", as_of),
        Obligation,
        Obligation.due_date,
        Obligation.jurisdiction_id,
        Obligation.unit_id,
        (_fell_due(as_of),),
    )


_EVERY = Share(literal(1), None)
"""A count of every row."""


def _rate_of(hit: ColumnElement[bool]) -> Share:
    return Share(_flag(hit), literal(1))


def _concluded_hit(indicator: str, scope: Scope) -> tuple[ColumnElement[bool], bool]:
    """What a concluded-case indicator counts, and whether it is a rate (see :data:`CONCLUDED`)."""
    if indicator in ("loss_rate", "loss_count"):
        return Outcome.kind.in_(_loss_kinds(scope.definition)), indicator == "loss_rate"
    if indicator == "hidden_losses":
        return and_(Outcome.kind == OutcomeKind.WITHDRAWAL, Outcome.agency_changed_act.is_(True)), False
    return _WITHDRAWN_OR_MEDIATED, indicator == "withdrawn_mediated_rate"


_WITHDRAWN_OR_MEDIATED = Outcome.kind.in_([OutcomeKind.WITHDRAWAL, OutcomeKind.MEDIATION])


def _national_plan(indicator: str, scope: Scope) -> Plan | None:
    """How a national indicator is counted (``None`` for the loss-risk snapshot, counted on its own)."""
    definition = scope.definition.definition
    instances = definition.instances
    if indicator in ("case_volume", "suits_per_10k"):
        return Plan(_filed(instances), _EVERY, ("every",), per_population=indicator == "suits_per_10k")
    if indicator in CONCLUDED:
        hit, rate = _concluded_hit(indicator, scope)
        share = Share(_flag(hit), literal(1) if rate else None)
        kinds = (
            tuple(sorted(scope.definition.loss_outcomes)) if indicator in ("loss_rate", "loss_count") else ()
        )
        return Plan(
            _concluded(instances),
            share,
            (indicator.removesuffix("_rate").removesuffix("_count"), kinds, rate),
        )
    if indicator == "head_appearance_rate":
        return Plan(
            _held(instances, definition.per_case), _rate_of(Hearing.head_attended.is_(True)), ("attended",)
        )
    if indicator == "hearing_reschedules":
        return Plan(_rescheduled(instances, definition.per_case), _EVERY, ("every",))
    if indicator == "correction_rate":
        hit = ReconsiderationCase.decision.in_(list(CORRECTION_DECISIONS))
        return Plan(_RECONSIDERATIONS_CONCLUDED, _rate_of(hit), ("corrected",))
    if indicator == "mediation_rate":
        hit = ReconsiderationCase.decision == ReconsiderationDecision.MEDIATED
        return Plan(_RECONSIDERATIONS_CONCLUDED, _rate_of(hit), ("mediated",))
    if indicator == "resolved_before_filing":
        return Plan(_RESOLVED_BEFORE_FILING, _EVERY, ("every",))
    if indicator == "obligations_on_time_rate":
        return Plan(
            _obligations_due(scope.as_of), _rate_of(Obligation.status == ObligationStatus.MET), ("met",)
        )
    return None


# ---------------------------------------------------------------------------------------------
# National indicators
# ---------------------------------------------------------------------------------------------


async def case_volume(session: AsyncSession, scope: Scope) -> Tally:
    """New litigation cases by filed date (first instance unless refined)."""
    return await tally(session, "case_volume", scope)


async def suits_per_10k(session: AsyncSession, scope: Scope) -> Tally:
    """New cases over the jurisdiction's population (a unit's own cases over the same population)."""
    return await tally(session, "suits_per_10k", scope)


async def loss_rate(session: AsyncSession, scope: Scope) -> Tally:
    """Lost ÷ concluded cases by the date of the decision (first instance unless refined)."""
    return await tally(session, "loss_rate", scope)


async def loss_count(session: AsyncSession, scope: Scope) -> Tally:
    """Lost cases, counted as the loss rate's numerator."""
    return await tally(session, "loss_count", scope)


async def hidden_losses(session: AsyncSession, scope: Scope) -> Tally:
    """Withdrawals after the agency itself revoked or changed the contested act."""
    return await tally(session, "hidden_losses", scope)


async def withdrawn_mediated_rate(session: AsyncSession, scope: Scope) -> Tally:
    """Cases ended by withdrawal or mediation ÷ concluded cases (调撤率)."""
    return await tally(session, "withdrawn_mediated_rate", scope)


async def withdrawn_mediated_count(session: AsyncSession, scope: Scope) -> Tally:
    """Cases ended by withdrawal or mediation (调撤案件数), counted as the rate's numerator."""
    return await tally(session, "withdrawn_mediated_count", scope)


async def head_appearance_rate(session: AsyncSession, scope: Scope) -> Tally:
    """Held hearings a qualifying head attended ÷ held hearings, by the day it was held.

    Counted per case when the definition says so (``per_case``): a case heard in the period counts
    once, as attended when a qualifying head attended at least one of its hearings in the period.
    """
    return await tally(session, "head_appearance_rate", scope)


async def hearing_reschedules(session: AsyncSession, scope: Scope) -> Tally:
    """Hearings moved to another date, by the date they were originally set for (or cases, ``per_case``)."""
    return await tally(session, "hearing_reschedules", scope)


async def correction_rate(session: AsyncSession, scope: Scope) -> Tally:
    """Corrected (revoked, varied, confirmed illegal, ordered to perform) ÷ concluded reconsiderations."""
    return await tally(session, "correction_rate", scope)


async def mediation_rate(session: AsyncSession, scope: Scope) -> Tally:
    """Reconsiderations concluded by mediation ÷ concluded reconsiderations."""
    return await tally(session, "mediation_rate", scope)


async def resolved_before_filing(session: AsyncSession, scope: Scope) -> Tally:
    """Disputes resolved (by the resolution date) that never became a reconsideration or lawsuit."""
    return await tally(session, "resolved_before_filing", scope)


async def obligations_on_time_rate(session: AsyncSession, scope: Scope) -> Tally:
    """Obligations met by their due date ÷ obligations that fell due (by the due date).

    An obligation still open after its due date counts as due and not met even before the
    scheduler marks it overdue; waived and paused obligations, and those not yet due, are left out.
    """
    return await tally(session, "obligations_on_time_rate", scope)


def _fell_due(as_of: dt.date) -> ColumnElement[bool]:
    """Met, met late, overdue, or still open after its due date (not waived, paused or not yet due)."""
    return or_(
        Obligation.status.in_([ObligationStatus.MET, ObligationStatus.MET_LATE, ObligationStatus.OVERDUE]),
        and_(Obligation.status == ObligationStatus.OPEN, Obligation.due_date < as_of),
    )


async def open_loss_risk(session: AsyncSession, scope: Scope) -> Tally:
    """Disputes flagged as likely to lose and still open at the end of each period (a snapshot).

    Open at the end of a period: received by then, not closed by then, and not resolved by then
    (a dispute resolved and later escalated is open again). The flag itself is the current one.
    """
    columns = []
    for p in scope.periods:
        end = p.end_exclusive
        still_open = and_(
            Dispute.received_date < end,
            or_(Dispute.closed_date.is_(None), Dispute.closed_date >= end),
            not_(
                and_(
                    Dispute.status == DisputeStatus.RESOLVED,
                    Dispute.resolved_date.is_not(None),
                    Dispute.resolved_date < end,
                )
            ),
        )
        columns.append(func.coalesce(func.sum(_flag(still_open)), 0))
    stmt = select(Dispute.jurisdiction_id, Dispute.unit_id, *columns).where(
        Dispute.jurisdiction_id.in_(scope.jurisdiction_ids), Dispute.loss_risk.is_(True)
    )
    if scope.unit_id is not None:
        stmt = stmt.where(Dispute.unit_id == scope.unit_id)
    stmt = stmt.group_by(Dispute.jurisdiction_id, Dispute.unit_id)
    cells: dict[Cell, tuple[int, int | None]] = {}
    for row in (await session.execute(stmt)).all():
        j, u, counts = int(row[0]), row[1], row[2:]
        for bucket, n in enumerate(counts):
            if int(n):
                cells[(bucket, j, None if u is None else int(u))] = (int(n), None)
    return Tally(cells, has_denominator=False)


# ---------------------------------------------------------------------------------------------
# Indicators added by plugins
# ---------------------------------------------------------------------------------------------


def _matches(records: CountedRecords, flt: RecordFilter) -> list[ColumnElement[bool]]:
    """The SQL conditions of a :class:`RecordFilter` on the table ``records`` are counted from."""
    out: list[ColumnElement[bool]] = []
    if flt.outcomes is not None:
        out.append(Outcome.kind.in_([OutcomeKind(v) for v in flt.outcomes]))
    if flt.agency_changed_act is not None:
        out.append(Outcome.agency_changed_act.is_(flt.agency_changed_act))
    if flt.decisions is not None:
        out.append(ReconsiderationCase.decision.in_([ReconsiderationDecision(v) for v in flt.decisions]))
    if flt.head_attended is not None:
        out.append(Hearing.head_attended.is_(flt.head_attended))
    if flt.statuses is not None:
        if records is CountedRecords.RECONSIDERATIONS_RECEIVED:
            out.append(ReconsiderationCase.status.in_([ReconsiderationStatus(v) for v in flt.statuses]))
        elif records is CountedRecords.DISPUTES_RECEIVED:
            out.append(Dispute.status.in_([DisputeStatus(v) for v in flt.statuses]))
        else:
            out.append(Obligation.status.in_([ObligationStatus(v) for v in flt.statuses]))
    if flt.fields is not None:
        out.append(Dispute.field.in_([DisputeField(v) for v in flt.fields]))
    if flt.loss_risk is not None:
        out.append(Dispute.loss_risk.is_(flt.loss_risk))
    if flt.major is not None:
        out.append(Dispute.is_major.is_(flt.major))
    if flt.rules is not None:
        out.append(Obligation.rule_id.in_(sorted(flt.rules)))
    return out


def _all(conditions: Sequence[ColumnElement[bool]]) -> ColumnElement[bool] | None:
    return and_(*conditions) if conditions else None


def _added_plan(added: CustomIndicator, as_of: dt.date) -> Plan:
    """A plugin-added indicator: its share of the statement over the records it counts.

    A count counts the records the numerator matches. A rate counts, among the records the
    denominator matches, those the numerator also matches. A figure per 10,000 residents divides
    the count by the population, like 万人成讼率.
    """
    rate = added.kind is IndicatorKind.RATE
    num_cond = _matches(added.records, added.numerator)
    den_cond = _matches(added.records, added.denominator) if added.denominator is not None else []
    # A count counts only the rows its numerator matches; a rate flags the numerator among the
    # denominator's rows.
    only = _all(den_cond) if rate else _all(num_cond)
    hit = _all(num_cond) if rate else None
    share = Share(_flag(hit) if hit is not None else literal(1), literal(1) if rate else None, only)
    output: tuple[Any, ...] = ("every",) if hit is None and only is None and not rate else ("added", added)
    r = CountedRecords
    rows = {
        r.CASES_FILED: lambda: _filed(added.instances),
        r.CASES_CONCLUDED: lambda: _concluded(added.instances),
        r.HEARINGS_HELD: lambda: _held(added.instances, per_case=False),
        r.CASES_HEARD: lambda: _held(added.instances, per_case=True),
        r.RECONSIDERATIONS_RECEIVED: lambda: _RECONSIDERATIONS_RECEIVED,
        r.RECONSIDERATIONS_CONCLUDED: lambda: _RECONSIDERATIONS_CONCLUDED,
        r.DISPUTES_RECEIVED: lambda: _DISPUTES_RECEIVED,
        r.OBLIGATIONS_DUE: lambda: _obligations_due(as_of),
    }[added.records]()
    return Plan(rows, share, output, per_population=added.kind is IndicatorKind.PER_10K)


async def added_indicator(session: AsyncSession, scope: Scope, added: CustomIndicator) -> Tally:
    """A plugin-added indicator: one grouped aggregate over the records it counts (:func:`_added_plan`)."""
    return (await _run(session, {added.code: (scope, _added_plan(added, scope.as_of))}))[added.code]


QUERIES: dict[str, Query] = {
    "case_volume": case_volume,
    "loss_rate": loss_rate,
    "suits_per_10k": suits_per_10k,
    "head_appearance_rate": head_appearance_rate,
    "correction_rate": correction_rate,
    "mediation_rate": mediation_rate,
    "withdrawn_mediated_rate": withdrawn_mediated_rate,
    "withdrawn_mediated_count": withdrawn_mediated_count,
    "resolved_before_filing": resolved_before_filing,
    "obligations_on_time_rate": obligations_on_time_rate,
    "open_loss_risk": open_loss_risk,
    "hearing_reschedules": hearing_reschedules,
    "hidden_losses": hidden_losses,
    "loss_count": loss_count,
}
"""One aggregate per indicator of :data:`core.policy.types.INDICATORS` (a test keeps them in step)."""


CONCLUDED = (
    "loss_rate",
    "loss_count",
    "hidden_losses",
    "withdrawn_mediated_rate",
    "withdrawn_mediated_count",
)
"""National indicators counted over concluded cases (one statement answers those of equal instances)."""


def _plan(indicator: str, scope: Scope) -> Plan | None:
    added = scope.definition.added
    if added is not None and added.code == indicator:
        return _added_plan(added, scope.as_of)
    if indicator not in QUERIES:
        raise KeyError(indicator)
    return _national_plan(indicator, scope)


async def _run(session: AsyncSession, planned: Mapping[str, tuple[Scope, Plan]]) -> dict[str, Tally]:
    """Count planned indicators: one statement per kind of rows and scope, each output once."""
    groups: dict[tuple[Any, ...], list[str]] = {}
    for indicator, (scope, plan) in planned.items():
        where = (scope.jurisdiction_ids, tuple((p.start, p.end) for p in scope.periods), scope.unit_id)
        groups.setdefault((*where, plan.rows.key), []).append(indicator)
    out: dict[str, Tally] = {}
    populations: dict[tuple[int, ...], dict[int, int | None]] = {}
    for indicators in groups.values():
        scope, plan = planned[indicators[0]]
        rows = plan.rows
        outputs: dict[tuple[Any, ...], Share] = {}
        for indicator in indicators:
            outputs.setdefault(planned[indicator][1].output, planned[indicator][1].share)
        counted = await _grouped_many(session, scope, rows, outputs)
        by_output = dict(zip(outputs, counted, strict=True))
        for indicator in indicators:
            found = by_output[planned[indicator][1].output]
            if planned[indicator][1].per_population:
                if scope.jurisdiction_ids not in populations:
                    populations[scope.jurisdiction_ids] = await _populations(session, scope)
                found = _per_population(found, populations[scope.jurisdiction_ids])
            out[indicator] = found
    return out


async def _populations(session: AsyncSession, scope: Scope) -> dict[int, int | None]:
    """Each jurisdiction's population: from the session when it holds them all (a dashboard has read
    its jurisdiction already), else in one statement."""
    loaded = [
        session.sync_session.identity_map.get(identity_key(Jurisdiction, j)) for j in scope.jurisdiction_ids
    ]
    if all(j is not None and "population" in j.__dict__ for j in loaded):
        return {j.id: (int(j.population) if j.population else None) for j in loaded if j is not None}
    rows = await session.execute(
        select(Jurisdiction.id, Jurisdiction.population).where(Jurisdiction.id.in_(scope.jurisdiction_ids))
    )
    return {int(j): (int(p) if p else None) for j, p in rows.all()}


def _per_population(counted: Tally, populations: Mapping[int, int | None]) -> Tally:
    """A count over each jurisdiction's population."""
    cells = {cell: (n, populations.get(cell[1])) for cell, (n, _) in counted.cells.items()}
    return Tally(cells, has_denominator=True, populations=populations)


async def tally_many(session: AsyncSession, scopes: Mapping[str, Scope]) -> dict[str, Tally]:
    """:func:`tally` for several indicators: those counted over the same rows (new cases; concluded cases;
    held hearings, per case or not; concluded reconsiderations; obligations fallen due …) with one scope
    share one statement, and an output two indicators share (case volume, suits per 10,000) is counted
    once. Indicators whose definitions count other instances get a statement of their own.
    """
    planned: dict[str, tuple[Scope, Plan]] = {}
    out: dict[str, Tally] = {}
    for indicator, scope in scopes.items():
        plan = _plan(indicator, scope)
        if plan is None:
            out[indicator] = await open_loss_risk(session, scope)
        else:
            planned[indicator] = (scope, plan)
    out.update(await _run(session, planned))
    return {indicator: out[indicator] for indicator in scopes}


async def tally(session: AsyncSession, indicator: str, scope: Scope) -> Tally:
    """Run the aggregate of ``indicator`` (national, or added by a plugin) over ``scope``."""
    return (await tally_many(session, {indicator: scope}))[indicator]
