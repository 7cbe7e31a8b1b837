"""The filtered lists users open (console desk, dashboard, README), their plans and their latency.

    python -m benchmarks.lists --database-url postgresql://…/bench --jurisdiction 4 \
        [--explain] [--requests 20] [--load 10 --clients 50 [--only NAME …]]

Each scenario is the GraphQL request the console or the README sends: a page of 20 disputes with the
nested fields the README's example asks for (unit, cases, hearings, open obligations), filtered by
status, loss risk, unit, field, dates, text and the desk's combinations, and the obligation lists
(overdue, due soon). :func:`list_plans` runs one through the app in process, keeps the statements it
sends over the listed table (the ``count`` and the page) and asks PostgreSQL for their plans with
``EXPLAIN (FORMAT JSON)`` — what ``tests/api/test_list_plans.py`` asserts on the generated data set.
With ``--load`` each scenario is instead sent by ``wrk`` (benchmarks/load.py) over ``--clients``
connections to uvicorn with one worker, for throughput and p99.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

PAGE_FIELDS = """totalCount
    edges { node {
      number title statusLabel fieldLabel receivedDate
      unit { name }
      litigationCases { caseNumber statusLabel
        hearings { scheduledAt designatedOfficial { name rankLabel } } }
      obligations(openOnly: true) { title dueDate citation }
    } }
    pageInfo { hasNextPage endCursor }"""

DISPUTES = f"""query($filter: DisputeFilter) {{
  disputes(filter: $filter, first: 20) {{
    {PAGE_FIELDS}
  }}
}}"""

OBLIGATIONS = """query($filter: ObligationFilter) {
  obligations(filter: $filter, first: 20) {
    totalCount
    edges { node { title dueDate status citation unit { name } } }
    pageInfo { hasNextPage endCursor }
  }
}"""

OPEN = ["OPEN", "IN_RESOLUTION", "ESCALATED"]


# The indexes a list may be read through: its filter's own, or the jurisdiction's in list order.
BY_DATE = "ix_disputes_jurisdiction_received"
STATUS = "ix_disputes_jurisdiction_status"
FIELD = "ix_disputes_jurisdiction_field"
RISK = "ix_disputes_loss_risk"
UNIT = "ix_dispute_respondents_unit_dispute"
OPEN_DUE = "ix_obligations_open_due"
ESCALATION = "ix_obligations_escalation"  # (jurisdiction, status, level, due date): overdue ranges


@dataclass(frozen=True)
class Scenario:
    name: str
    table: str  # the listed table: its count and page statements are the ones checked
    query: str
    filter: dict[str, Any]
    # Indexes matching the filter: the count must read the listed table through one of them.
    count_indexes: frozenset[str]
    # What the page may use besides: the list's own order (newest first, or by due date).
    order_index: str = BY_DATE

    @property
    def page_indexes(self) -> frozenset[str]:
        return self.count_indexes | {self.order_index}


@dataclass
class Probe:
    """What a county offers the scenarios: a unit, a field and a word its disputes use, today."""

    jurisdiction_id: int
    unit_id: int
    field: str
    word: str
    today: dt.date


def scenarios(p: Probe) -> list[Scenario]:
    j = str(p.jurisdiction_id)
    u = str(p.unit_id)
    soon = (p.today + dt.timedelta(days=7)).isoformat()
    quarter = {
        "receivedFrom": (p.today - dt.timedelta(days=91)).isoformat(),
        "receivedTo": p.today.isoformat(),
    }

    def dispute(name: str, indexes: set[str], **f: Any) -> Scenario:
        return Scenario(name, "disputes", DISPUTES, {"jurisdictionId": j, **f}, frozenset(indexes))

    def obligation(name: str, indexes: set[str], **f: Any) -> Scenario:
        return Scenario(
            name, "obligations", OBLIGATIONS, {"jurisdictionId": j, **f}, frozenset(indexes), OPEN_DUE
        )

    return [
        # The desk with nothing chosen, and each of its filters alone.
        dispute("desk, no filter", {BY_DATE}),
        dispute("status", {STATUS}, status=["IN_RESOLUTION"]),
        dispute("loss risk", {RISK}, lossRisk=True),
        dispute("unit", {UNIT}, unitId=u),
        dispute("field", {FIELD}, field=[p.field]),
        dispute("received dates", {BY_DATE}, **quarter),
        # No index finds words inside titles: the county's disputes are read in list order.
        dispute("text", {BY_DATE, STATUS}, text=p.word),
        # The README's example and the dashboard's risk count: open statuses with loss risk.
        dispute("open with loss risk", {RISK}, status=OPEN, lossRisk=True),
        # The desk's combinations (one status, one field, the risk box, a unit, a word).
        dispute("status + loss risk", {RISK}, status=["ESCALATED"], lossRisk=True),
        dispute("status + field", {FIELD}, status=["ESCALATED"], field=[p.field]),
        dispute("field + loss risk", {RISK, FIELD}, field=[p.field], lossRisk=True),
        dispute(
            "status + field + loss risk", {RISK, FIELD}, status=["ESCALATED"], field=[p.field], lossRisk=True
        ),
        dispute("unit + status", {UNIT, STATUS}, unitId=u, status=["ESCALATED"]),
        dispute("unit + loss risk", {UNIT, RISK}, unitId=u, lossRisk=True),
        dispute("text + status", {STATUS}, text=p.word, status=["ESCALATED"]),
        dispute("status + dates", {STATUS}, status=["ESCALATED"], **quarter),
        # Deadlines: the dashboard's overdue count and list, and what falls due in the next week.
        obligation("overdue obligations", {OPEN_DUE, ESCALATION}, overdue=True),
        obligation(
            "obligations due soon", {OPEN_DUE}, status=["OPEN"], dueAfter=p.today.isoformat(), dueBefore=soon
        ),
    ]


async def probe(engine: AsyncEngine, jurisdiction_id: int, today: dt.date) -> Probe:
    """A busy unit, the commonest field and a frequent title word of the county's disputes."""
    async with engine.connect() as conn:
        unit_id = (
            await conn.execute(
                text(
                    "SELECT r.unit_id FROM dispute_respondents r JOIN disputes d ON d.id = r.dispute_id"
                    " WHERE d.jurisdiction_id = :j GROUP BY r.unit_id ORDER BY count(*) DESC LIMIT 1"
                ),
                {"j": jurisdiction_id},
            )
        ).scalar_one()
        field_value = (
            await conn.execute(
                text(
                    "SELECT field FROM disputes WHERE jurisdiction_id = :j"
                    " GROUP BY field ORDER BY count(*) DESC LIMIT 1"
                ),
                {"j": jurisdiction_id},
            )
        ).scalar_one()
    # 补偿 ("compensation") is in many generated titles; a user types a word like it.
    return Probe(jurisdiction_id, int(unit_id), str(field_value).upper(), "补偿", today)


@dataclass
class Captured:
    statements: list[tuple[str, Any]] = field(default_factory=list)


class capture:
    """Keep every statement (with its parameters) the engine sends while open."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.seen = Captured()

    def _on(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        self.seen.statements.append((statement, parameters))

    def __enter__(self) -> Captured:
        event.listen(self.engine.sync_engine, "before_cursor_execute", self._on)
        return self.seen

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine.sync_engine, "before_cursor_execute", self._on)


def listed(statements: list[tuple[str, Any]], table: str) -> tuple[tuple[str, Any], tuple[str, Any]]:
    """The list's count statement and its page statement (the first two reading ``table``)."""
    mine = [(s, p) for s, p in statements if s.lstrip().upper().startswith("SELECT") and f"FROM {table}" in s]
    count = next(x for x in mine if "count(" in x[0].lower())
    page = next(x for x in mine if "count(" not in x[0].lower() and "LIMIT" in x[0].upper())
    return count, page


async def explain(engine: AsyncEngine, statement: str, parameters: Any) -> dict[str, Any]:
    """PostgreSQL's plan of a captured statement, run with its own parameters."""
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        args = parameters if isinstance(parameters, list | tuple) else list(parameters or ())
        row = await driver.fetchval(f"EXPLAIN (FORMAT JSON) {statement}", *args)  # type: ignore[union-attr]
    plan: dict[str, Any] = (json.loads(row) if isinstance(row, str) else row)[0]["Plan"]
    return plan


def nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def describe(plan: dict[str, Any]) -> str:
    """One line per node: type, index, rows estimated."""
    parts = []
    for node in nodes(plan):
        label = node["Node Type"]
        if "Index Name" in node:
            label += f" {node['Index Name']}"
        elif "Relation Name" in node:
            label += f" {node['Relation Name']}"
        parts.append(f"{label} ({node.get('Plan Rows')})")
    return " > ".join(parts)


async def list_plans(
    client: httpx.AsyncClient, engine: AsyncEngine, s: Scenario
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Run ``s`` through the app (``engine`` is the app's); return its answer and the plans of its
    count and page statements."""
    with capture(engine) as seen:
        response = await client.post("/graphql", json={"query": s.query, "variables": {"filter": s.filter}})
    body = response.json()
    assert response.status_code == 200 and not body.get("errors"), body
    count, page = listed(seen.statements, s.table)
    return body["data"], await explain(engine, *count), await explain(engine, *page)


async def main_async(args: argparse.Namespace) -> None:
    from benchmarks.app import make_app
    from core.config import Settings, normalise_database_url
    from core.policy.manager import build_registry

    today = dt.date.fromisoformat(args.today)
    settings = Settings(
        database_url=normalise_database_url(args.database_url),
        rate_limit_per_minute=0,
        environment="development",
    )
    app = make_app(settings, registry=build_registry(), today=today)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client,
    ):
        engine: AsyncEngine = app.state.engine
        p = await probe(engine, args.jurisdiction, today)
        for s in scenarios(p):
            data, count_plan, page_plan = await list_plans(client, engine, s)
            (connection,) = data.values()
            body = {"query": s.query, "variables": {"filter": s.filter}}
            for _ in range(3):
                await client.post("/graphql", json=body)
            times = []
            for _ in range(args.requests):
                started = time.perf_counter()
                response = await client.post("/graphql", json=body)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
            print(
                f"{s.name:28} total {connection['totalCount']:>7,}  median {statistics.median(times):6.1f} ms"
                f"  max {max(times):6.1f} ms"
            )
            if args.explain:
                print(f"    count: {describe(count_plan)}\n    page:  {describe(page_plan)}")


def load(args: argparse.Namespace) -> None:
    """Each scenario under ``wrk`` (``--clients`` connections, ``--load`` seconds) against uvicorn."""
    from benchmarks import load as wrk
    from benchmarks.conftest import ROOT, stop_server
    from benchmarks.writes import start
    from core.config import normalise_database_url

    url = normalise_database_url(args.database_url)
    today = dt.date.fromisoformat(args.today)

    async def chosen() -> list[Scenario]:
        engine = create_async_engine(url)
        try:
            return scenarios(await probe(engine, args.jurisdiction, today))
        finally:
            await engine.dispose()

    picked = [s for s in asyncio.run(chosen()) if not args.only or s.name in args.only]
    proc, base = start(url, today, ROOT)
    try:
        for s in picked:
            body = {"query": s.query, "variables": {"filter": s.filter}}
            result = wrk.run_wrk(
                base, s.name, wrk.Scenario("/graphql", body=body), clients=args.clients, seconds=args.load
            )
            print(result.line().replace(f"{s.name:<16}", f"{s.name:<28}", 1), flush=True)
    finally:
        stop_server(proc)


def main() -> None:
    parser = argparse.ArgumentParser(description="The filtered lists: plans and in-process latency")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--jurisdiction", type=int, default=4)
    parser.add_argument("--today", default=dt.date.today().isoformat(), help="the generator's --today")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument(
        "--load", type=float, default=0, help="seconds of wrk per scenario against uvicorn (one worker)"
    )
    parser.add_argument("--clients", type=int, default=50, help="wrk connections with --load")
    parser.add_argument("--only", nargs="*", help="scenario names to load (default: all)")
    args = parser.parse_args()
    if args.load:
        load(args)
    else:
        asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
