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
from sqlalchemy import Integer, and_, bindparam, case, func, or_, select, update
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.app import create_app
from core.clock import CHINA, fixed_clock
from core.config import Settings
from core.db import Base
from core.enums import HearingStatus, Instance, ObligationStatus, OutcomeKind
from core.policy.manager import PolicyRegistry

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


async def plain_dashboard(request: Request) -> Response:
    """The raw aggregate under a dashboard: the year's counts per unit in three grouped statements."""
    jurisdiction_id = int(request.query_params["j"])
    year = int(request.query_params["year"])
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    c, o, h, r = T["litigation_cases"], T["outcomes"], T["hearings"], T["reconsideration_cases"]
    first = c.c.instance == Instance.FIRST
    async with request.app.state.engine.connect() as conn:
        cases = (
            await conn.execute(
                select(
                    c.c.unit_id,
                    func.count().filter(and_(first, c.c.filed_date.between(start, end))),
                    func.count(o.c.id).filter(and_(first, c.c.concluded_date.between(start, end))),
                    func.count(o.c.id).filter(
                        and_(first, c.c.concluded_date.between(start, end), o.c.is_loss)
                    ),
                )
                .select_from(c.outerjoin(o, o.c.case_id == c.c.id))
                .where(c.c.jurisdiction_id == jurisdiction_id)
                .group_by(c.c.unit_id)
            )
        ).all()
        since = dt.datetime.combine(start, dt.time(), tzinfo=CHINA)
        until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=CHINA)
        held = and_(h.c.status == HearingStatus.HELD, h.c.held_at >= since, h.c.held_at < until)
        hearings = (
            await conn.execute(
                select(
                    h.c.unit_id,
                    func.count().filter(held),
                    func.count().filter(and_(held, h.c.head_attended)),
                )
                .where(h.c.jurisdiction_id == jurisdiction_id)
                .group_by(h.c.unit_id)
            )
        ).all()
        concluded = r.c.concluded_date.between(start, end)
        corrected = r.c.decision.in_(["revoked", "varied", "confirmed_illegal", "ordered_to_perform"])
        recons = (
            await conn.execute(
                select(
                    r.c.unit_id,
                    func.count().filter(concluded),
                    func.count().filter(and_(concluded, corrected)),
                    func.sum(case((and_(concluded, r.c.decision == "mediated"), 1), else_=0)),
                )
                .where(r.c.jurisdiction_id == jurisdiction_id)
                .group_by(r.c.unit_id)
            )
        ).all()
    units: dict[int, dict[str, int]] = defaultdict(dict)
    for unit_id, filed, decided, lost in cases:
        units[unit_id].update(filed=filed, concluded=decided, lost=lost)
    for unit_id, held_count, attended in hearings:
        units[unit_id].update(held=held_count, attended=attended)
    for unit_id, done, corrected_count, mediated in recons:
        units[unit_id].update(recon_concluded=done, corrected=corrected_count, mediated=int(mediated or 0))
    totals: dict[str, int] = defaultdict(int)
    for values in units.values():
        for key, value in values.items():
            totals[key] += value
    return _json({"data": {"totals": totals, "units": {str(k): v for k, v in units.items()}}})


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
    key = document_key(DASHBOARD, "Dashboard", {"j": str(jurisdiction_id), "year": year}, today)
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


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="serve caseload with the plain benchmark endpoints")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    uvicorn.run(
        "benchmarks.app:make_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
