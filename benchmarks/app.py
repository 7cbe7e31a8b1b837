"""The server under benchmark: caseload's app plus *plain* endpoints in the same process.

Each plain endpoint is the physical limit of one GraphQL operation: the same rows, read with
SQLAlchemy Core (no ORM, no GraphQL, no DataLoaders) in the fewest statements, serialised with
orjson into the very document the GraphQL endpoint returns. Both run on one Starlette app, one
engine and one event loop, so their ratio measures what caseload's layers cost.

Run it alone with ``python -m benchmarks.app --port 8765 --workers 2`` (``DATABASE_URL`` selects the
database; ``CASELOAD_BENCH_TODAY`` fixes the server's clock, default 2026-06-15 10:00 China time).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
from collections import defaultdict
from typing import Any

import orjson
from sqlalchemy import Integer, and_, bindparam, case, exists, func, or_, select, update
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.app import create_app
from core.clock import CHINA, fixed_clock
from core.config import Settings
from core.db import Base
from core.enums import (
    CORRECTION_DECISIONS,
    DisputeStatus,
    HearingStatus,
    Instance,
    ObligationStatus,
    OutcomeKind,
    ReconsiderationDecision,
    ReconsiderationStatus,
    UnitKind,
)
from core.policy.manager import PolicyRegistry
from core.policy.types import INDICATORS

DEFAULT_TODAY = dt.date(2026, 6, 15)

TRIVIAL = "{ __typename }"

# A page of the oldest disputes (full histories) with their cases, each case's hearings, outcome and
# open obligations.
PAGE = """query Page($first: Int!, $j: ID!) {
  disputes(first: $first, order: RECEIVED_ASC, filter: {jurisdictionId: $j}) {
    totalCount
    nodes {
      id number title status receivedDate
      litigationCases {
        id caseNumber status filedDate
        hearings { id scheduledAt status headAttended }
        outcome { kind isLoss decidedDate }
        obligations(openOnly: true) { id ruleId dueDate status }
      }
    }
  }
}"""

# The dashboard of a jurisdiction for one year (every indicator, against targets, with unit ranking).
DASHBOARD = """query Dashboard($j: ID!, $year: Int!) {
  dashboard(jurisdictionId: $j, period: {kind: YEAR, year: $year}) {
    jurisdictionName
    indicators { indicator current { numerator denominator value display } previous { value } status }
    units { unitId name values { indicator figure { numerator denominator value } rank } }
  }
}"""

# The same dashboard for a custom period (the cold benchmark asks a different end every round).
DASHBOARD_RANGE = DASHBOARD.replace("$year: Int!", "$start: Date!, $end: Date!").replace(
    "{kind: YEAR, year: $year}", "{kind: CUSTOM, start: $start, end: $end}"
)

T = Base.metadata.tables
ACTIVE = [ObligationStatus.OPEN, ObligationStatus.OVERDUE, ObligationStatus.PAUSED]
LOSSES = [k for k in OutcomeKind if k.is_loss]


def bench_today() -> dt.date:
    value = os.environ.get("CASELOAD_BENCH_TODAY")
    return dt.date.fromisoformat(value) if value else DEFAULT_TODAY


def bench_clock_moment(today: dt.date | None = None) -> dt.datetime:
    return dt.datetime.combine(today or bench_today(), dt.time(10, 0), tzinfo=CHINA)


def _json(document: Any) -> Response:
    return Response(orjson.dumps(document), media_type="application/json")


def _name(value: Any) -> str | None:
    return value.name if value is not None else None


async def plain_trivial(request: Request) -> Response:
    """The trivial answer; sent the same POST as GraphQL is, it reads and parses the body first (the
    least an endpoint answering that request must do). GET: the bare route."""
    if request.method == "POST":
        payload = orjson.loads(await request.body())
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return Response(status_code=400)
    return _json({"data": {"__typename": "Query"}})


async def plain_page(request: Request) -> Response:
    """The PAGE document, read in five statements with SQLAlchemy Core."""
    jurisdiction_id = int(request.query_params["j"])
    first = min(int(request.query_params.get("first", "50")), 100)
    d, c, h, o, ob = (
        T["disputes"],
        T["litigation_cases"],
        T["hearings"],
        T["outcomes"],
        T["obligations"],
    )
    async with request.app.state.engine.connect() as conn:
        total = await conn.scalar(select(func.count()).where(d.c.jurisdiction_id == jurisdiction_id))
        disputes = (
            await conn.execute(
                select(d.c.id, d.c.number, d.c.title, d.c.status, d.c.received_date)
                .where(d.c.jurisdiction_id == jurisdiction_id)
                .order_by(d.c.received_date.asc(), d.c.id.asc())
                .limit(first)
            )
        ).all()
        cases = (
            await conn.execute(
                select(c.c.id, c.c.dispute_id, c.c.case_number, c.c.status, c.c.filed_date)
                .where(c.c.dispute_id.in_([r.id for r in disputes]))
                .order_by(c.c.filed_date, c.c.id)
            )
        ).all()
        case_ids = [r.id for r in cases]
        hearings = (
            await conn.execute(
                select(h.c.id, h.c.case_id, h.c.scheduled_at, h.c.status, h.c.head_attended)
                .where(h.c.case_id.in_(case_ids))
                .order_by(h.c.scheduled_at, h.c.id)
            )
        ).all()
        outcomes = (
            await conn.execute(
                select(o.c.case_id, o.c.kind, o.c.is_loss, o.c.decided_date).where(o.c.case_id.in_(case_ids))
            )
        ).all()
        obligations = (
            await conn.execute(
                select(ob.c.id, ob.c.subject_id, ob.c.rule_id, ob.c.due_date, ob.c.status)
                .where(
                    ob.c.subject_type == "litigation_case",
                    ob.c.subject_id.in_(case_ids),
                    ob.c.status.in_(ACTIVE),
                )
                .order_by(ob.c.due_date, ob.c.id)
            )
        ).all()
    hearings_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in hearings:
        hearings_of[r.case_id].append(
            {
                "id": str(r.id),
                "scheduledAt": r.scheduled_at,
                "status": r.status.name,
                "headAttended": r.head_attended,
            }
        )
    outcome_of = {
        r.case_id: {"kind": r.kind.name, "isLoss": r.is_loss, "decidedDate": r.decided_date} for r in outcomes
    }
    obligations_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in obligations:
        obligations_of[r.subject_id].append(
            {"id": str(r.id), "ruleId": r.rule_id, "dueDate": r.due_date, "status": r.status.name}
        )
    cases_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in cases:
        cases_of[r.dispute_id].append(
            {
                "id": str(r.id),
                "caseNumber": r.case_number,
                "status": r.status.name,
                "filedDate": r.filed_date,
                "hearings": hearings_of.get(r.id, []),
                "outcome": outcome_of.get(r.id),
                "obligations": obligations_of.get(r.id, []),
            }
        )
    nodes = [
        {
            "id": str(r.id),
            "number": r.number,
            "title": r.title,
            "status": r.status.name,
            "receivedDate": r.received_date,
            "litigationCases": cases_of.get(r.id, []),
        }
        for r in disputes
    ]
    return _json({"data": {"disputes": {"totalCount": total, "nodes": nodes}}})


async def plain_write(request: Request) -> Response:
    """The floor under a mutation: one transaction updating one row, over HTTP."""
    dispute_id = int(request.query_params["id"])
    d = T["disputes"]
    async with request.app.state.engine.begin() as conn:
        await conn.execute(
            update(d)
            .where(d.c.id == dispute_id)
            .values(updated_at=dt.datetime.now(dt.UTC), version=d.c.version)
        )
    return _json({"data": {"ok": True}})


class _Columns:
    """Named ``SUM(CASE WHEN … THEN 1 ELSE 0 END)`` columns of one statement; a key given twice is one."""

    def __init__(self) -> None:
        self.exprs: dict[str, Any] = {}
        self.names: dict[str, str] = {}

    def count(self, key: str, condition: Any) -> str:
        if key not in self.names:
            self.names[key] = name = f"c{len(self.names)}"
            self.exprs[name] = func.sum(case((condition, 1), else_=0)).label(name)
        return key

    def columns(self) -> list[Any]:
        return list(self.exprs.values())

    def read(self, rows: Any, into: dict[int | None, dict[str, int]]) -> None:
        for row in rows:
            found = into.setdefault(row.u, {})
            for key, name in self.names.items():
                found[key] = found.get(key, 0) + int(getattr(row, name) or 0)


# What the floor counts: indicator → (numerator key, denominator key or None, the key whose count makes a
# unit's cell exist). Keys are "<what>@<period index>"; filled in per request by plain_dashboard.
CONCLUDED = (
    "loss_rate",
    "loss_count",
    "hidden_losses",
    "withdrawn_mediated_rate",
    "withdrawn_mediated_count",
)
_ADDED_BY_FLOOR = {
    "qiannan.reconsideration_received",
    "qiannan.correction_count",
    "qiannan.head_appearance_cases",
}


async def plain_dashboard(request: Request) -> Response:
    """The raw aggregate under DASHBOARD: the same figures, counted in about one statement per table.

    Every indicator of the jurisdiction (the national ones with its plugin's refinements, and the ones
    Qiannan's plugin adds) for the four periods the dashboard counts (the period, the same period a
    year earlier, the year to date, the previous year), per unit: ``SUM(CASE …)`` columns over
    litigation cases with their outcomes, hearings (per case where the definition says so),
    reconsiderations, disputes (two: resolved before filing, and at risk) and obligations — six
    grouped statements with SQLAlchemy Core, plus the jurisdiction and its units. Returned: each
    indicator's numerator, denominator and value for the period, its value a year earlier, and every
    shown unit's figures — DASHBOARD's figures without what is not a count (display texts, target
    statuses, ranks; references and targets are not read).
    ``start``/``end`` give a custom period (as the cold benchmark asks), else ``year``.
    """
    from core.indicators import periods as P
    from core.indicators.definitions import compute, resolve
    from core.indicators.service import counted_periods

    jurisdiction_id = int(request.query_params["j"])
    if "year" in request.query_params:
        period = P.year(int(request.query_params["year"]))
    else:
        start_day = dt.date.fromisoformat(request.query_params["start"])
        end_day = dt.date.fromisoformat(request.query_params["end"])
        period = P.custom(start_day, end_day)
    state = request.app.state.caseload
    as_of = state.clock().astimezone(CHINA).date()
    roles = counted_periods(period, as_of)  # the same four periods the dashboard counts
    distinct = sorted({(p.start, p.end_exclusive) for p in roles})
    index = [distinct.index((p.start, p.end_exclusive)) for p in roles]
    lo, hi = distinct[0][0], max(e for _, e in distinct)

    def moment(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), tzinfo=CHINA)

    c, o, h, r, d, ob = (
        T["litigation_cases"],
        T["outcomes"],
        T["hearings"],
        T["reconsideration_cases"],
        T["disputes"],
        T["obligations"],
    )
    j_, u_ = T["jurisdictions"], T["units"]
    async with request.app.state.engine.connect() as conn:
        jurisdiction = (
            await conn.execute(
                select(j_.c.name, j_.c.population, j_.c.plugin).where(j_.c.id == jurisdiction_id)
            )
        ).one()
        policy = state.registry.policy(jurisdiction.plugin)
        unknown = set(policy.indicator_codes) - set(INDICATORS) - _ADDED_BY_FLOOR
        if unknown:
            return Response(f"the floor does not count {sorted(unknown)}", status_code=501)
        defs = {ind: resolve(policy, ind) for ind in INDICATORS}

        def instances(ind: str) -> Any:
            return c.c.instance.in_([Instance(v) for v in sorted(defs[ind].definition.instances)])

        def tag(ind: str) -> str:  # column keys carry the instances (and loss outcomes) they count
            return ",".join(sorted(defs[ind].definition.instances))

        # Litigation cases (and their outcomes): filed, and concluded by the decision date.
        cases = _Columns()
        counted: dict[str, tuple[str, str | None, str]] = {}  # per indicator and period (see above)
        for i, (start, end) in enumerate(distinct):
            filed_in = and_(c.c.filed_date >= start, c.c.filed_date < end)
            decided_in = and_(o.c.id.is_not(None), c.c.concluded_date >= start, c.c.concluded_date < end)
            for ind in ("case_volume", "suits_per_10k"):
                key = cases.count(f"filed {tag(ind)}@{i}", and_(filed_in, instances(ind)))
                counted[f"{ind}@{i}"] = (key, None, key)
            for ind in CONCLUDED:
                dfn = defs[ind]
                all_key = cases.count(f"concluded {tag(ind)}@{i}", and_(decided_in, instances(ind)))
                hit: Any
                if ind in ("loss_rate", "loss_count"):
                    hit = o.c.kind.in_([OutcomeKind(v) for v in sorted(dfn.loss_outcomes)])
                elif ind == "hidden_losses":
                    hit = and_(o.c.kind == OutcomeKind.WITHDRAWAL, o.c.agency_changed_act.is_(True))
                else:
                    hit = o.c.kind.in_([OutcomeKind.WITHDRAWAL, OutcomeKind.MEDIATION])
                what = f"{ind} {tag(ind)}/{','.join(sorted(dfn.loss_outcomes))}@{i}"
                hit_key = cases.count(what, and_(decided_in, instances(ind), hit))
                rate = ind in ("loss_rate", "withdrawn_mediated_rate")
                counted[f"{ind}@{i}"] = (hit_key, all_key if rate else None, all_key)
        filed_any = and_(c.c.filed_date >= lo, c.c.filed_date < hi)
        decided_any = and_(c.c.concluded_date >= lo, c.c.concluded_date < hi)
        case_rows = (
            await conn.execute(
                select(c.c.unit_id.label("u"), *cases.columns())
                # An outcome is its case's jurisdiction's: joining only those spares a scan of all outcomes.
                .select_from(
                    c.outerjoin(o, and_(o.c.case_id == c.c.id, o.c.jurisdiction_id == jurisdiction_id))
                )
                .where(c.c.jurisdiction_id == jurisdiction_id, or_(filed_any, decided_any))
                .group_by(c.c.unit_id)
            )
        ).all()

        # Hearings: held (the head appearance rate, and Qiannan's cases heard with a head in court) and
        # rescheduled, first per case (a case counts once per period where the definition is per case).
        per_hearing = _Columns()
        added_heard = frozenset({"first"})  # qiannan.head_appearance_cases: first-instance cases
        for i, (start, end) in enumerate(distinct):
            held = and_(
                h.c.status == HearingStatus.HELD, h.c.held_at >= moment(start), h.c.held_at < moment(end)
            )
            moved = and_(
                h.c.status == HearingStatus.RESCHEDULED,
                h.c.scheduled_at >= moment(start),
                h.c.scheduled_at < moment(end),
            )
            head = instances("head_appearance_rate")
            per_hearing.count(f"held@{i}", and_(held, head))
            per_hearing.count(f"attended@{i}", and_(held, head, h.c.head_attended.is_(True)))
            first = c.c.instance.in_([Instance(v) for v in sorted(added_heard)])
            per_hearing.count(f"heard attended@{i}", and_(held, first, h.c.head_attended.is_(True)))
            per_hearing.count(f"moved@{i}", and_(moved, instances("hearing_reschedules")))
        inner = (
            select(*per_hearing.columns())
            .add_columns(h.c.unit_id.label("u"))
            .select_from(h.join(c, c.c.id == h.c.case_id))
            .where(
                h.c.jurisdiction_id == jurisdiction_id,
                or_(
                    and_(
                        h.c.status == HearingStatus.HELD,
                        h.c.held_at >= moment(lo),
                        h.c.held_at < moment(hi),
                    ),
                    and_(
                        h.c.status == HearingStatus.RESCHEDULED,
                        h.c.scheduled_at >= moment(lo),
                        h.c.scheduled_at < moment(hi),
                    ),
                ),
            )
            .group_by(h.c.unit_id, h.c.case_id)
            .subquery()
        )
        per_case = {
            "held": defs["head_appearance_rate"].definition.per_case,
            "attended": defs["head_appearance_rate"].definition.per_case,
            "heard attended": True,
            "moved": defs["hearing_reschedules"].definition.per_case,
        }
        hearings = _Columns()
        for key, name in per_hearing.names.items():
            column = inner.c[name]
            what = key.split("@")[0]
            hearings.names[key] = name
            hearings.exprs[name] = (
                func.sum(case((column > 0, 1), else_=0)) if per_case[what] else func.sum(column)
            ).label(name)
        hearing_rows = (await conn.execute(select(inner.c.u, *hearings.columns()).group_by(inner.c.u))).all()

        # Reconsiderations: concluded (corrected, mediated) by the concluded date, received by that date.
        recons = _Columns()
        for i, (start, end) in enumerate(distinct):
            done = and_(
                r.c.status == ReconsiderationStatus.CONCLUDED,
                r.c.concluded_date >= start,
                r.c.concluded_date < end,
            )
            recons.count(f"concluded@{i}", done)
            recons.count(f"corrected@{i}", and_(done, r.c.decision.in_(sorted(CORRECTION_DECISIONS))))
            recons.count(f"mediated@{i}", and_(done, r.c.decision == ReconsiderationDecision.MEDIATED))
            recons.count(f"received@{i}", and_(r.c.received_date >= start, r.c.received_date < end))
        recon_rows = (
            await conn.execute(
                select(r.c.unit_id.label("u"), *recons.columns())
                .where(
                    r.c.jurisdiction_id == jurisdiction_id,
                    or_(
                        and_(r.c.concluded_date >= lo, r.c.concluded_date < hi),
                        and_(r.c.received_date >= lo, r.c.received_date < hi),
                    ),
                )
                .group_by(r.c.unit_id)
            )
        ).all()

        # Disputes: resolved before any reconsideration or lawsuit (checked once per dispute), and
        # flagged at risk and still open at each period's end.
        resolved_any = and_(
            d.c.status.in_([DisputeStatus.RESOLVED, DisputeStatus.CLOSED]),
            d.c.resolution_result.is_not(None),
            d.c.resolved_date >= lo,
            d.c.resolved_date < hi,
        )
        never_filed = and_(
            ~exists().where(c.c.dispute_id == d.c.id), ~exists().where(r.c.dispute_id == d.c.id)
        )
        # Two statements: in one (a UNION ALL of both row sets) the never-filed check ran slower at 1M.
        resolved = _Columns()
        for i, (start, end) in enumerate(distinct):
            resolved.count(f"resolved@{i}", and_(d.c.resolved_date >= start, d.c.resolved_date < end))
        mine = d.c.jurisdiction_id == jurisdiction_id
        resolved_rows = (
            await conn.execute(
                select(d.c.unit_id.label("u"), *resolved.columns())
                .where(mine, resolved_any, never_filed)
                .group_by(d.c.unit_id)
            )
        ).all()
        at_risk = _Columns()
        for i, (_start, end) in enumerate(distinct):
            still_open = and_(
                d.c.received_date < end,
                or_(d.c.closed_date.is_(None), d.c.closed_date >= end),
                ~and_(
                    d.c.status == DisputeStatus.RESOLVED,
                    d.c.resolved_date.is_not(None),
                    d.c.resolved_date < end,
                ),
            )
            at_risk.count(f"open@{i}", still_open)
        risk_rows = (
            await conn.execute(
                select(d.c.unit_id.label("u"), *at_risk.columns())
                .where(mine, d.c.loss_risk.is_(True))
                .group_by(d.c.unit_id)
            )
        ).all()

        # Obligations that fell due (met, met late, overdue, or open past the due date), by the due date.
        fell_due = or_(
            ob.c.status.in_([ObligationStatus.MET, ObligationStatus.MET_LATE, ObligationStatus.OVERDUE]),
            and_(ob.c.status == ObligationStatus.OPEN, ob.c.due_date < as_of),
        )
        dues = _Columns()
        for i, (start, end) in enumerate(distinct):
            due_in = and_(ob.c.due_date >= start, ob.c.due_date < end)
            dues.count(f"due@{i}", due_in)
            dues.count(f"met@{i}", and_(due_in, ob.c.status == ObligationStatus.MET))
        due_rows = (
            await conn.execute(
                select(ob.c.unit_id.label("u"), *dues.columns())
                .where(
                    ob.c.jurisdiction_id == jurisdiction_id, ob.c.due_date >= lo, ob.c.due_date < hi, fell_due
                )
                .group_by(ob.c.unit_id)
            )
        ).all()
        units = (
            await conn.execute(
                select(u_.c.id, u_.c.name, u_.c.active)
                .where(
                    u_.c.jurisdiction_id == jurisdiction_id,
                    u_.c.kind.not_in([UnitKind.JUSTICE_BUREAU, UnitKind.COURT]),
                )
                .order_by(u_.c.name, u_.c.id)
            )
        ).all()

    values: dict[int | None, dict[str, int]] = {}
    for columns, rows in (
        (cases, case_rows),
        (hearings, hearing_rows),
        (recons, recon_rows),
        (resolved, resolved_rows),
        (at_risk, risk_rows),
        (dues, due_rows),
    ):
        columns.read(rows, values)
    for i in range(len(distinct)):
        counted[f"head_appearance_rate@{i}"] = (f"attended@{i}", f"held@{i}", f"held@{i}")
        counted[f"hearing_reschedules@{i}"] = (f"moved@{i}", None, f"moved@{i}")
        counted[f"correction_rate@{i}"] = (f"corrected@{i}", f"concluded@{i}", f"concluded@{i}")
        counted[f"mediation_rate@{i}"] = (f"mediated@{i}", f"concluded@{i}", f"concluded@{i}")
        counted[f"resolved_before_filing@{i}"] = (f"resolved@{i}", None, f"resolved@{i}")
        counted[f"obligations_on_time_rate@{i}"] = (f"met@{i}", f"due@{i}", f"due@{i}")
        counted[f"open_loss_risk@{i}"] = (f"open@{i}", None, f"open@{i}")
        counted[f"qiannan.reconsideration_received@{i}"] = (f"received@{i}", None, f"received@{i}")
        counted[f"qiannan.correction_count@{i}"] = (f"corrected@{i}", None, f"corrected@{i}")
        counted[f"qiannan.head_appearance_cases@{i}"] = (f"heard attended@{i}", None, f"heard attended@{i}")
    population = int(jurisdiction.population) if jurisdiction.population else None

    def counts(ind: str, bucket: int, rows: list[dict[str, int]]) -> tuple[int, int | None]:
        num_key, den_key, _ = counted[f"{ind}@{bucket}"]
        num = sum(v.get(num_key, 0) for v in rows)
        if ind == "suits_per_10k":
            return num, population
        return num, (sum(v.get(den_key, 0) for v in rows) if den_key else None)

    def figure_of(ind: str, bucket: int, rows: list[dict[str, int]]) -> dict[str, Any]:
        num, den = counts(ind, bucket, rows)
        value = compute(ind, num, den)
        return {"numerator": num, "denominator": den, "value": None if value is None else str(value)}

    now, before = index[0], index[1]
    everything = list(values.values())  # the jurisdiction: its units and rows of no unit
    codes = policy.indicator_codes
    with_data = {
        u
        for u, found in values.items()
        for ind in codes
        if u is not None and found.get(counted[f"{ind}@{now}"][2], 0) > 0
    }
    indicators = [
        {
            "indicator": ind,
            "current": figure_of(ind, now, everything),
            "previous": {"value": figure_of(ind, before, everything)["value"]},
        }
        for ind in codes
    ]
    shown = [
        {
            "unitId": str(u.id),
            "name": u.name,
            "values": [
                {"indicator": ind, "figure": figure_of(ind, now, [values.get(u.id, {})])} for ind in codes
            ],
        }
        for u in units
        if u.active or u.id in with_data
    ]
    document = {"jurisdictionName": jurisdiction.name, "indicators": indicators, "units": shown}
    return _json({"data": {"dashboard": document}})


@functools.cache
def _stamp_statement() -> Any:
    j, audit = T["jurisdictions"], T["audit_entries"]
    wanted = bindparam("j", type_=Integer)
    me = select(j.c.parent_name, j.c.province_name).where(j.c.id == wanted).subquery()
    same_city = and_(me.c.parent_name.is_not(None), j.c.parent_name == me.c.parent_name)
    same_province = and_(me.c.province_name.is_not(None), j.c.province_name == me.c.province_name)
    watermark = select(func.max(audit.c.id)).scalar_subquery()
    return select(j.c.id, watermark).where(or_(j.c.id == wanted, same_city, same_province))


async def plain_dashboard_cached(request: Request) -> Response:
    """The floor under a cached dashboard: the bytes the cache holds for DASHBOARD, served as they are.

    What it must still do to know they are current: one statement (the jurisdictions the answer
    depends on, and the newest audit entry; built once), the cache's generations, and the read. It
    serves the entry GraphQL stored for DASHBOARD with the same variables, so ask GraphQL once first
    (404 if absent). GraphQL does on top: the principal and the rate limit, strawberry's request
    handling, the readability check (the same one statement, on the request's read session), and
    decoding and encoding the document. It does not parse, validate or execute a dashboard it has
    run before (api/indicators/document_cache.py).
    """
    from api.indicators.document_cache import document_key

    jurisdiction_id = int(request.query_params["j"])
    year = int(request.query_params["year"])
    state = request.app.state.caseload
    cache = state.indicator_cache
    async with request.app.state.engine.connect() as conn:
        rows = (await conn.execute(_stamp_statement(), {"j": jurisdiction_id})).all()
    scope = sorted(int(r[0]) for r in rows)
    stamp = f"{await cache.stamp(scope)}.w{rows[0][1] or 0}"
    today = state.clock().astimezone(CHINA).date()
    key = document_key(DASHBOARD, None, {"j": str(jurisdiction_id), "year": year}, today)  # sent unnamed
    raw = await cache.get_raw(jurisdiction_id, stamp, key)
    if raw is None:
        return Response(status_code=404)
    return Response(raw.encode(), media_type="application/json")


def make_app(
    settings: Settings | None = None,
    *,
    registry: PolicyRegistry | None = None,
    today: dt.date | None = None,
) -> Starlette:
    """caseload's app with the plain endpoints beside it, on a clock fixed at 10:00 on ``today``."""
    app = create_app(settings, registry=registry, clock=fixed_clock(bench_clock_moment(today)))
    app.router.routes[0:0] = [
        Route("/plain/trivial", plain_trivial, methods=["GET", "POST"]),
        Route("/plain/page", plain_page),
        Route("/plain/write", plain_write, methods=["POST"]),
        Route("/plain/dashboard", plain_dashboard),
        Route("/plain/dashboard/cached", plain_dashboard_cached),
    ]
    return app


# The uvicorn settings of every benchmark server (caseload's and the bare floor, benchmarks/bare.py):
# those of `caseload serve` (api/cli.py), so a ratio compares the apps, not their servers.
UVICORN: dict[str, Any] = {
    "log_level": "info",
    "log_config": None,
    "access_log": False,
    "proxy_headers": True,
}


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="serve caseload with the plain benchmark endpoints")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--access-log",
        action="store_true",
        help="log as `caseload serve` does (JSON lines with an access line per request, to stderr)",
    )
    args = parser.parse_args()
    if args.access_log:
        from api.ops import configure_logging

        configure_logging()
    uvicorn.run(
        "benchmarks.app:make_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        **UVICORN,
    )


if __name__ == "__main__":
    main()
