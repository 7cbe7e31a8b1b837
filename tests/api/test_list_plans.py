"""Every filtered list a user opens reads an index that matches its filter, on a generated data set.

PostgreSQL only (the plans are PostgreSQL's; CI's second pass sets ``DATABASE_URL``): 100,000 cases
are generated (about 30 s on two shared cores), vacuumed and analysed, and each list of
``benchmarks/lists.py`` — the console desk's filters and their combinations, the README's example,
the overdue and due-soon deadlines — is sent through the API. Its ``count`` and page statements, as
the app sent them, are explained: the listed table is read through an index of the filter (or, for
the page, the list's own order), never scanned whole, and no two indexes are ANDed as bitmaps
(issue 23: the jurisdiction index ANDed with the status one over half a million rows at 1M).
"""

from __future__ import annotations

import os
import time
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from benchmarks.lists import Scenario, describe, list_plans, nodes, probe, scenarios
from core.generate import BUILTIN_PLUGINS, GenerateOptions, generate
from core.models import Base
from core.policy.manager import PolicyRegistry
from tests.api.conftest import GraphQLClient
from tests.conftest import TODAY

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="index plans are PostgreSQL's: set DATABASE_URL to a postgresql URL",
)

CASES = 100_000


def problems(s: Scenario, statement: str, plan: dict[str, Any], allowed: frozenset[str]) -> list[str]:
    """What is wrong with one statement's plan for the list ``s`` (nothing when it is right)."""
    found = []
    used = set()
    for node in nodes(plan):
        kind = node["Node Type"]
        if kind == "BitmapAnd":
            found.append("ANDs two bitmaps")
        if kind == "Seq Scan" and node.get("Relation Name") in (s.table, "dispute_respondents"):
            found.append(f"scans {node['Relation Name']} whole")
        if "Index Name" in node:
            used.add(node["Index Name"])
    if not used & allowed:
        found.append(f"uses none of {sorted(allowed)}")
    return [f"{s.name}, {statement}: {p} ({describe(plan)})" for p in found]


async def test_every_list_reads_an_index_of_its_filter(
    engine: AsyncEngine, registry: PolicyRegistry, app: Any, client: GraphQLClient
):
    if not all(registry.has(p) for p in BUILTIN_PLUGINS):
        pytest.skip("the built-in plugins are not installed")
    try:
        await check_plans(engine, registry, app, client)
    finally:
        # Emptied in one statement: the fixture's row-by-row deletes take minutes over 860,000 rows.
        names = ", ".join(t.name for t in Base.metadata.sorted_tables)
        async with engine.begin() as conn:
            await conn.exec_driver_sql(f"TRUNCATE {names} CASCADE")


async def check_plans(engine: AsyncEngine, registry: PolicyRegistry, app: Any, client: GraphQLClient) -> None:
    started = time.perf_counter()
    await generate(engine, registry, GenerateOptions(jurisdictions=4, cases=CASES, today=TODAY))
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.exec_driver_sql("VACUUM ANALYZE")
        # The largest county (about a third of the cases), as BENCHMARKS.md measures.
        jurisdiction_id = (
            await conn.exec_driver_sql(
                "SELECT jurisdiction_id FROM disputes GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
            )
        ).scalar_one()
    print(f"generated and analysed {CASES:,} cases in {time.perf_counter() - started:.1f} s")
    wrong: list[str] = []
    for s in scenarios(await probe(engine, jurisdiction_id, TODAY)):
        # The app's own engine sends the statements; the test's explains them.
        data, count_plan, page_plan = await list_plans(client.http, app.state.engine, s)
        (connection,) = data.values()
        assert connection["totalCount"] > 0, f"{s.name}: the generated set has no such rows"
        assert len(connection["edges"]) == min(20, connection["totalCount"])
        wrong += problems(s, "count", count_plan, s.count_indexes)
        wrong += problems(s, "page", page_plan, s.page_indexes)
    assert not wrong, "\n".join(wrong)
