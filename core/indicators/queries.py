"""The SQL aggregates behind every indicator: one function per indicator.

Each function returns a :class:`Tally`: numerator and denominator per (period bucket, jurisdiction,
unit), counted by the database with ``COUNT``/``SUM`` over ``CASE`` expressions and grouped by unit.
Several periods (a time series, or a period, the same period a year earlier and the year to date) are
answered by one statement: each period is a column ``SUM(CASE WHEN <date in the period> …)``. Nothing
here loads a row into Python, and nothing depends on the dialect, so SQLite and PostgreSQL give the
same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, literal, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

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


def _in_periods(column: Any, periods: Sequence[Period], moment: bool) -> ColumnElement[bool]:
    return or_(*[and_(column >= lo, column < hi) for lo, hi in (_bounds(p, moment) for p in periods)])


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def _instances(definition: ResolvedDefinition) -> list[Instance]:
    return [Instance(v) for v in definition.definition.instances if v in Instance._value2member_map_]


def _loss_kinds(definition: ResolvedDefinition) -> list[OutcomeKind]:
    return [OutcomeKind(v) for v in definition.loss_outcomes if v in OutcomeKind._value2member_map_]


Output = tuple[ColumnElement[int], ColumnElement[int] | None]
"""A numerator and a denominator (``None`` for a count) counted over the same rows."""


async def _grouped(
    session: AsyncSession,
    scope: Scope,
    *,
    date_column: Any,
    moment: bool,
    jurisdiction_column: Any,
    unit_column: Any,
    numerator: ColumnElement[int],
    denominator: ColumnElement[int] | None,
    source: Any,
    where: Sequence[ColumnElement[bool]] = (),
    per: Any = None,
) -> Tally:
    """SUM the numerator and denominator flags per period, jurisdiction and unit, in one statement."""
    (counted,) = await _grouped_many(
        session,
        scope,
        date_column=date_column,
        moment=moment,
        jurisdiction_column=jurisdiction_column,
        unit_column=unit_column,
        outputs=[(numerator, denominator)],
        source=source,
        where=where,
        per=per,
    )
    return counted


async def _grouped_many(
    session: AsyncSession,
    scope: Scope,
    *,
    date_column: Any,
    moment: bool,
    jurisdiction_column: Any,
    unit_column: Any,
    outputs: Sequence[Output],
    source: Any,
    where: Sequence[ColumnElement[bool]] = (),
    per: Any = None,
) -> list[Tally]:
    """Several numerator/denominator pairs over the same rows, per period, jurisdiction and unit.

    One statement: each period is a set of columns (each output's sums, and the period's row count),
    so periods may overlap (a period, the same period a year earlier, the year to date and the
    previous year are one scan). With ``per`` (e.g. the case id of a hearing) the rows of one
    ``per`` value in one period count once: the flags are first reduced with ``MAX`` per
    (jurisdiction, unit, ``per``) and period.
    """
    inside = [_in_periods(date_column, [p], moment) for p in scope.periods]
    flags: list[ColumnElement[int]] = []  # per period: each output's numerator and denominator, rows
    for hit in inside:
        for numerator, denominator in outputs:
            flags.append(case((hit, numerator), else_=0))
            flags.append(case((hit, denominator if denominator is not None else literal(0)), else_=0))
        flags.append(case((hit, 1), else_=0))
    conditions = [
        jurisdiction_column.in_(scope.jurisdiction_ids),
        _in_periods(date_column, scope.periods, moment),
        *where,
    ]
    if scope.unit_id is not None:
        conditions.append(unit_column == scope.unit_id)
    if per is None:
        stmt = (
            select(jurisdiction_column, unit_column, *[func.sum(f) for f in flags])
            .select_from(source)
            .where(*conditions)
            .group_by(jurisdiction_column, unit_column)
        )
    else:
        sub = (
            select(
                jurisdiction_column.label("j"),
                unit_column.label("u"),
                *[func.max(f).label(f"f{i}") for i, f in enumerate(flags)],
            )
            .select_from(source)
            .where(*conditions)
            .group_by(jurisdiction_column, unit_column, per)
            .subquery()
        )
        sums = [func.sum(sub.c[f"f{i}"]) for i in range(len(flags))]
        stmt = select(sub.c.j, sub.c.u, *sums).group_by(sub.c.j, sub.c.u)
    cells: list[dict[Cell, tuple[int, int | None]]] = [{} for _ in outputs]
    width = 2 * len(outputs) + 1
    for row in (await session.execute(stmt)).all():
        j, u = int(row[0]), None if row[1] is None else int(row[1])
        for bucket in range(len(inside)):
            values = row[2 + width * bucket : 2 + width * (bucket + 1)]
            if not values[-1]:  # no row of this unit in the period: no cell (no data there)
                continue
            for i, (_numerator, denominator) in enumerate(outputs):
                n, d = values[2 * i], values[2 * i + 1]
                cells[i][(bucket, j, u)] = (int(n or 0), int(d or 0) if denominator is not None else None)
    return [
        Tally(found, has_denominator=denominator is not None)
        for found, (_numerator, denominator) in zip(cells, outputs, strict=True)
    ]


def _concluded_cases(scope: Scope) -> tuple[Any, list[ColumnElement[bool]]]:
    join = LitigationCase.__table__.join(Outcome.__table__, Outcome.case_id == LitigationCase.id)
    return join, [LitigationCase.instance.in_(_instances(scope.definition))]


# ---------------------------------------------------------------------------------------------
# Litigation
# ---------------------------------------------------------------------------------------------


async def case_volume(session: AsyncSession, scope: Scope) -> Tally:
    """New litigation cases by filed date (first instance unless refined)."""
    return await _grouped(
        session,
        scope,
        date_column=LitigationCase.filed_date,
        moment=False,
        jurisdiction_column=LitigationCase.jurisdiction_id,
        unit_column=LitigationCase.unit_id,
        numerator=literal(1),
        denominator=None,
        source=LitigationCase,
        where=[LitigationCase.instance.in_(_instances(scope.definition))],
    )


async def suits_per_10k(session: AsyncSession, scope: Scope) -> Tally:
    """New cases over the jurisdiction's population (a unit's own cases over the same population)."""
    return await _per_population(session, scope, await case_volume(session, scope))


async def _per_population(session: AsyncSession, scope: Scope, counted: Tally) -> Tally:
    """A count over each jurisdiction's population."""
    rows = await session.execute(
        select(Jurisdiction.id, Jurisdiction.population).where(Jurisdiction.id.in_(scope.jurisdiction_ids))
    )
    populations = {int(j): (int(p) if p else None) for j, p in rows.all()}
    cells = {cell: (n, populations.get(cell[1])) for cell, (n, _) in counted.cells.items()}
    return Tally(cells, has_denominator=True, populations=populations)


async def _concluded(session: AsyncSession, scope: Scope, hit: ColumnElement[bool], rate: bool) -> Tally:
    (counted,) = await _concluded_many(session, scope, [(hit, rate)])
    return counted


async def _concluded_many(
    session: AsyncSession, scope: Scope, hits: Sequence[tuple[ColumnElement[bool], bool]]
) -> list[Tally]:
    """Concluded cases by the date of the decision: per ``(hit, rate)`` the cases it hits (÷ all)."""
    join, where = _concluded_cases(scope)
    return await _grouped_many(
        session,
        scope,
        date_column=LitigationCase.concluded_date,
        moment=False,
        jurisdiction_column=LitigationCase.jurisdiction_id,
        unit_column=LitigationCase.unit_id,
        outputs=[(_flag(hit), literal(1) if rate else None) for hit, rate in hits],
        source=join,
        where=where,
    )


def _concluded_hit(indicator: str, scope: Scope) -> tuple[ColumnElement[bool], bool]:
    """What a concluded-case indicator counts, and whether it is a rate (see :data:`CONCLUDED`)."""
    if indicator in ("loss_rate", "loss_count"):
        return Outcome.kind.in_(_loss_kinds(scope.definition)), indicator == "loss_rate"
    if indicator == "hidden_losses":
        return and_(Outcome.kind == OutcomeKind.WITHDRAWAL, Outcome.agency_changed_act.is_(True)), False
    return _WITHDRAWN_OR_MEDIATED, indicator == "withdrawn_mediated_rate"


async def loss_rate(session: AsyncSession, scope: Scope) -> Tally:
    """Lost ÷ concluded cases by the date of the decision (first instance unless refined)."""
    return await _concluded(session, scope, *_concluded_hit("loss_rate", scope))


async def loss_count(session: AsyncSession, scope: Scope) -> Tally:
    """Lost cases, counted as the loss rate's numerator."""
    return await _concluded(session, scope, *_concluded_hit("loss_count", scope))


async def hidden_losses(session: AsyncSession, scope: Scope) -> Tally:
    """Withdrawals after the agency itself revoked or changed the contested act."""
    return await _concluded(session, scope, *_concluded_hit("hidden_losses", scope))


_WITHDRAWN_OR_MEDIATED = Outcome.kind.in_([OutcomeKind.WITHDRAWAL, OutcomeKind.MEDIATION])


async def withdrawn_mediated_rate(session: AsyncSession, scope: Scope) -> Tally:
    """Cases ended by withdrawal or mediation ÷ concluded cases (调撤率)."""
    return await _concluded(session, scope, *_concluded_hit("withdrawn_mediated_rate", scope))


async def withdrawn_mediated_count(session: AsyncSession, scope: Scope) -> Tally:
    """Cases ended by withdrawal or mediation (调撤案件数), counted as the rate's numerator."""
    return await _concluded(session, scope, *_concluded_hit("withdrawn_mediated_count", scope))


def _hearings_of(scope: Scope) -> tuple[Any, list[ColumnElement[bool]]]:
    join = Hearing.__table__.join(LitigationCase.__table__, LitigationCase.id == Hearing.case_id)
    return join, [LitigationCase.instance.in_(_instances(scope.definition))]


async def _held_hearings(
    session: AsyncSession,
    scope: Scope,
    numerator: ColumnElement[int],
    denominator: ColumnElement[int] | None,
    *,
    per_case: bool,
    where: Sequence[ColumnElement[bool]] = (),
) -> Tally:
    join, instances = _hearings_of(scope)
    return await _grouped(
        session,
        scope,
        date_column=Hearing.held_at,
        moment=True,
        jurisdiction_column=Hearing.jurisdiction_id,
        unit_column=Hearing.unit_id,
        numerator=numerator,
        denominator=denominator,
        source=join,
        where=[Hearing.status == HearingStatus.HELD, *instances, *where],
        per=Hearing.case_id if per_case else None,
    )


async def head_appearance_rate(session: AsyncSession, scope: Scope) -> Tally:
    """Held hearings a qualifying head attended ÷ held hearings, by the day it was held.

    Counted per case when the definition says so (``per_case``): a case heard in the period counts
    once, as attended when a qualifying head attended at least one of its hearings in the period.
    """
    return await _held_hearings(
        session,
        scope,
        _flag(Hearing.head_attended.is_(True)),
        literal(1),
        per_case=scope.definition.definition.per_case,
    )


async def hearing_reschedules(session: AsyncSession, scope: Scope) -> Tally:
    """Hearings moved to another date, by the date they were originally set for (or cases, ``per_case``)."""
    join, where = _hearings_of(scope)
    return await _grouped(
        session,
        scope,
        date_column=Hearing.scheduled_at,
        moment=True,
        jurisdiction_column=Hearing.jurisdiction_id,
        unit_column=Hearing.unit_id,
        numerator=literal(1),
        denominator=None,
        source=join,
        where=[Hearing.status == HearingStatus.RESCHEDULED, *where],
        per=Hearing.case_id if scope.definition.definition.per_case else None,
    )


# ---------------------------------------------------------------------------------------------
# Reconsideration
# ---------------------------------------------------------------------------------------------


async def _reconsiderations(session: AsyncSession, scope: Scope, hit: ColumnElement[bool]) -> Tally:
    return await _grouped(
        session,
        scope,
        date_column=ReconsiderationCase.concluded_date,
        moment=False,
        jurisdiction_column=ReconsiderationCase.jurisdiction_id,
        unit_column=ReconsiderationCase.unit_id,
        numerator=_flag(hit),
        denominator=literal(1),
        source=ReconsiderationCase,
        where=[ReconsiderationCase.status == ReconsiderationStatus.CONCLUDED],
    )


async def correction_rate(session: AsyncSession, scope: Scope) -> Tally:
    """Corrected (revoked, varied, confirmed illegal, ordered to perform) ÷ concluded reconsiderations."""
    return await _reconsiderations(
        session, scope, ReconsiderationCase.decision.in_(list(CORRECTION_DECISIONS))
    )


async def mediation_rate(session: AsyncSession, scope: Scope) -> Tally:
    """Reconsiderations concluded by mediation ÷ concluded reconsiderations."""
    return await _reconsiderations(
        session, scope, ReconsiderationCase.decision == ReconsiderationDecision.MEDIATED
    )


# ---------------------------------------------------------------------------------------------
# Disputes and obligations
# ---------------------------------------------------------------------------------------------


async def resolved_before_filing(session: AsyncSession, scope: Scope) -> Tally:
    """Disputes resolved (by the resolution date) that never became a reconsideration or lawsuit."""
    no_case = not_(exists().where(LitigationCase.dispute_id == Dispute.id))
    no_recon = not_(exists().where(ReconsiderationCase.dispute_id == Dispute.id))
    return await _grouped(
        session,
        scope,
        date_column=Dispute.resolved_date,
        moment=False,
        jurisdiction_column=Dispute.jurisdiction_id,
        unit_column=Dispute.unit_id,
        numerator=literal(1),
        denominator=None,
        source=Dispute,
        where=[
            Dispute.status.in_([DisputeStatus.RESOLVED, DisputeStatus.CLOSED]),
            Dispute.resolution_result.is_not(None),
            no_case,
            no_recon,
        ],
    )


async def obligations_on_time_rate(session: AsyncSession, scope: Scope) -> Tally:
    """Obligations met by their due date ÷ obligations that fell due (by the due date).

    An obligation still open after its due date counts as due and not met even before the
    scheduler marks it overdue; waived and paused obligations, and those not yet due, are left out.
    """
    return await _grouped(
        session,
        scope,
        date_column=Obligation.due_date,
        moment=False,
        jurisdiction_column=Obligation.jurisdiction_id,
        unit_column=Obligation.unit_id,
        numerator=_flag(Obligation.status == ObligationStatus.MET),
        denominator=literal(1),
        source=Obligation,
        where=[_fell_due(scope.as_of)],
    )


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


async def added_indicator(session: AsyncSession, scope: Scope, added: CustomIndicator) -> Tally:
    """A plugin-added indicator: one grouped aggregate over the records it counts.

    A count sums the records the numerator matches. A rate counts, among the records the
    denominator matches, those the numerator also matches. A figure per 10,000 residents divides
    the count by the population, like 万人成讼率.
    """
    rate = added.kind is IndicatorKind.RATE
    num_cond = _matches(added.records, added.numerator)
    den_cond = _matches(added.records, added.denominator) if added.denominator is not None else []
    # A count filters in SQL; a rate flags the numerator among the denominator's rows.
    where = list(den_cond) if rate else list(num_cond)
    hit = _all(num_cond) if rate else None
    numerator: ColumnElement[int] = _flag(hit) if hit is not None else literal(1)
    denominator = literal(1) if rate else None
    r = CountedRecords
    counted: Tally
    if added.records in (r.HEARINGS_HELD, r.CASES_HEARD):
        counted = await _held_hearings(
            session,
            replace(scope, definition=_with_instances(scope.definition, added.instances)),
            numerator,
            denominator,
            per_case=added.records is r.CASES_HEARD,
            where=where,
        )
    else:
        table, date_column, base = _RECORDS[added.records]
        if added.records in (r.CASES_FILED, r.CASES_CONCLUDED):
            base = [*base, LitigationCase.instance.in_([Instance(v) for v in sorted(added.instances)])]
        if added.records is r.OBLIGATIONS_DUE:
            base = [*base, _fell_due(scope.as_of)]
        counted = await _grouped(
            session,
            scope,
            date_column=date_column,
            moment=False,
            jurisdiction_column=table.jurisdiction_id,
            unit_column=table.unit_id,
            numerator=numerator,
            denominator=denominator,
            source=_CONCLUDED_CASES if added.records is r.CASES_CONCLUDED else table,
            where=[*base, *where],
        )
    if added.kind is IndicatorKind.PER_10K:
        return await _per_population(session, scope, counted)
    return counted


_CONCLUDED_CASES = LitigationCase.__table__.join(Outcome.__table__, Outcome.case_id == LitigationCase.id)
_RECORDS: dict[CountedRecords, tuple[Any, Any, list[ColumnElement[bool]]]] = {
    # records: (table, the date that places a record in a period, conditions every record meets)
    CountedRecords.CASES_FILED: (LitigationCase, LitigationCase.filed_date, []),
    CountedRecords.CASES_CONCLUDED: (LitigationCase, LitigationCase.concluded_date, []),
    CountedRecords.RECONSIDERATIONS_RECEIVED: (ReconsiderationCase, ReconsiderationCase.received_date, []),
    CountedRecords.RECONSIDERATIONS_CONCLUDED: (
        ReconsiderationCase,
        ReconsiderationCase.concluded_date,
        [ReconsiderationCase.status == ReconsiderationStatus.CONCLUDED],
    ),
    CountedRecords.DISPUTES_RECEIVED: (Dispute, Dispute.received_date, []),
    CountedRecords.OBLIGATIONS_DUE: (Obligation, Obligation.due_date, []),
}
"""Where each kind of record is counted from (hearings go through :func:`_held_hearings`)."""


def _with_instances(definition: ResolvedDefinition, instances: frozenset[str]) -> ResolvedDefinition:
    return replace(definition, definition=replace(definition.definition, instances=instances))


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
"""National indicators counted over concluded cases: one statement answers those of equal scope."""


async def tally_many(session: AsyncSession, scopes: Mapping[str, Scope]) -> dict[str, Tally]:
    """:func:`tally` for several indicators, those over concluded cases with one scope in one statement.

    Their scopes may differ only in the definition's loss outcomes (which only change what is hit);
    indicators whose definitions count other instances get a statement of their own.
    """
    out: dict[str, Tally] = {}
    fused: dict[tuple[Any, ...], list[str]] = {}
    for indicator, scope in scopes.items():
        if indicator in CONCLUDED and scope.definition.added is None:
            key = (
                scope.jurisdiction_ids,
                tuple((p.start, p.end) for p in scope.periods),
                scope.unit_id,
                tuple(sorted(scope.definition.definition.instances)),
            )
            fused.setdefault(key, []).append(indicator)
    for indicators in fused.values():
        first = scopes[indicators[0]]
        hits = [_concluded_hit(ind, scopes[ind]) for ind in indicators]
        for ind, counted in zip(indicators, await _concluded_many(session, first, hits), strict=True):
            out[ind] = counted
    for indicator, scope in scopes.items():
        if indicator not in out:
            out[indicator] = await tally(session, indicator, scope)
    return {indicator: out[indicator] for indicator in scopes}


async def tally(session: AsyncSession, indicator: str, scope: Scope) -> Tally:
    """Run the aggregate of ``indicator`` (national, or added by a plugin) over ``scope``."""
    query = QUERIES.get(indicator)
    if query is not None:
        return await query(session, scope)
    added = scope.definition.added
    if added is None or added.code != indicator:
        raise KeyError(indicator)
    return await added_indicator(session, scope, added)
