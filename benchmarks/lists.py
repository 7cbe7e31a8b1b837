"""The filtered lists users open (console desk, dashboard, README), their plans and their latency.

    python -m benchmarks.lists --database-url postgresql://…/bench --jurisdiction 4 [--explain] [--requests 20]

Each scenario is the GraphQL request the console or the README sends: a page of 20 disputes with the
nested fields the README's example asks for (unit, cases, hearings, open obligations), filtered by
status, loss risk, unit, field, dates, text and the desk's combinations, and the obligation lists
(overdue, due soon). :func:`list_plans` runs one through the app in process, keeps the statements it
sends over the listed table (the ``count`` and the page) and asks PostgreSQL for their plans with
``EXPLAIN (FORMAT JSON)`` — what ``tests/api/test_list_plans.py`` asserts on the generated data set.
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
from sqlalchemy.ext.asyncio import AsyncEngine

PAGE_FIELDS = """totalCount
    edges { node {
      number title statusLabel fieldLabel receivedDate
      unit { name }
      litigationCases { caseNumber statusLabel hearings { scheduledAt designatedOfficial { name rankLabel } } }
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


@dataclass(frozen=True)
class Scenario:
    name: str
    table: str  # the listed table: its count and page statements are the ones checked
    query: str
    filter: dict[str, Any]
    # The column whose index the count must be read through (beyond the jurisdiction).
    index_column: str


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
    soon = (p.today + dt.timedelta(days=7)).isoformat()
    last_quarter = ((p.today - dt.timedelta(days=91)).isoformat(), p.today.isoformat())
    d = "disputes"
    return [
        # The desk with nothing chosen, and each of its filters alone.
        Scenario("desk, no filter", d, DISPUTES, {"jurisdictionId": j}, "received_date"),
        Scenario("status", d, DISPUTES, {"jurisdictionId": j, "status": ["IN_RESOLUTION"]}, "status"),
        Scenario("loss risk", d, DISPUTES, {"jurisdictionId": j, "lossRisk": True}, "loss_risk"),
        Scenario("unit", d, DISPUTES, {"jurisdictionId": j, "unitId": str(p.unit_id)}, "unit_id"),
        Scenario("field", d, DISPUTES, {"jurisdictionId": j, "field": [p.field]}, "field"),
        Scenario(
            "received dates",
            d,
            DISPUTES,
            {"jurisdictionId": j, "receivedFrom": last_quarter[0], "receivedTo": last_quarter[1]},
            "received_date",
        ),
        Scenario("text", d, DISPUTES, {"jurisdictionId": j, "text": p.word}, "received_date"),
        # The README's example and the dashboard's risk count: open statuses with loss risk.
        Scenario("open with loss risk", d, DISPUTES, {"jurisdictionId": j, "status": OPEN, "lossRisk": True}, "loss_risk"),
        # The desk's combinations (one status, one field, the risk box, a unit, a word).
        Scenario(
            "status + loss risk",
            d,
            DISPUTES,
            {"jurisdictionId": j, "status": ["ESCALATED"], "lossRisk": True},
            "loss_risk",
        ),
        Scenario("status + field", d, DISPUTES, {"jurisdictionId": j, "status": ["ESCALATED"], "field": [p.field]}, "field"),
        Scenario(
            "field + loss risk", d, DISPUTES, {"jurisdictionId": j, "field": [p.field], "lossRisk": True}, "loss_risk"
        ),
        Scenario(
            "status + field + loss risk",
            d,
            DISPUTES,
            {"jurisdictionId": j, "status": ["ESCALATED"], "field": [p.field], "lossRisk": True},
            "loss_risk",
        ),
        Scenario(
            "unit + status",
            d,
            DISPUTES,
            {"jurisdictionId": j, "unitId": str(p.unit_id), "status": ["ESCALATED"]},
            "unit_id",
        ),
        Scenario(
            "text + status", d, DISPUTES, {"jurisdictionId": j, "text": p.word, "status": ["ESCALATED"]}, "status"
        ),
        # Deadlines: the dashboard's overdue count and list, and what falls due in the next week.
        Scenario("overdue obligations", "obligations", OBLIGATIONS, {"jurisdictionId": j, "overdue": True}, "status"),
        Scenario(
            "obligations due soon",
            "obligations",
            OBLIGATIONS,
            {"jurisdictionId": j, "status": ["OPEN"], "dueAfter": p.today.isoformat(), "dueBefore": soon},
            "due_date",
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


class capture:  # noqa: N801 - used as a context manager, named like one
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
    """Run ``s`` through the app; return its answer and the plans of its count and page statements."""
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


def main() -> None:
    parser = argparse.ArgumentParser(description="The filtered lists: plans and in-process latency")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--jurisdiction", type=int, default=4)
    parser.add_argument("--today", default=dt.date.today().isoformat(), help="the generator's --today")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--explain", action="store_true")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
