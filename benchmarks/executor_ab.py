"""CPU per page with caseload's execution context against strawberry's stock one, alternated; or
with rows read as records (api/records.py) against ORM instances.

    python -m benchmarks.executor_ab --database-url postgresql://…/bench10k --jurisdiction 4
    python -m benchmarks.executor_ab --database-url postgresql://…/bench10k --operation dashboard
    python -m benchmarks.executor_ab --database-url postgresql://…/bench10k --jurisdiction 4 --compare records

One app, one process: between rounds the schema's ``execution_context_class`` is switched (both
execution paths read it per request), or ``Context.records`` is made to read instances as
``Context.scalars`` does; the plain endpoint takes its turn in every round, so the noise of a shared
machine falls on all three alike. Checks that both variants answer the same document first.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import statistics
import time
from collections.abc import Callable
from typing import Any

import httpx
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

import api.context
from api.executor import CaseloadExecutionContext
from benchmarks.app import DASHBOARD, PAGE, bench_today, make_app
from core.config import Settings, normalise_database_url
from core.policy.manager import build_registry

CONTEXTS = {"stock": StrawberryGraphQLCoreExecutionContext, "caseload": CaseloadExecutionContext}
READ_RECORDS = api.context.record_model


def variants(compare: str, schema: Any) -> dict[str, Callable[[], None]]:
    """The two ways compared, each as the switch that selects it (the baseline first)."""
    if compare == "records":

        def read(records: bool) -> Callable[[], None]:
            def switch() -> None:
                schema.execution_context_class = CaseloadExecutionContext
                api.context.record_model = READ_RECORDS if records else lambda stmt: None  # type: ignore[assignment]

            return switch

        return {"instances": read(False), "records": read(True)}

    def use(cls: type) -> Callable[[], None]:
        def switch() -> None:
            api.context.record_model = READ_RECORDS  # type: ignore[assignment]
            schema.execution_context_class = cls

        return switch

    return {name: use(cls) for name, cls in CONTEXTS.items()}


async def measure(
    url: str,
    jurisdiction: int,
    rounds: int,
    requests: int,
    operation: str = "page",
    compare: str = "executor",
) -> dict[str, list[float]]:
    settings = Settings(
        database_url=normalise_database_url(url), rate_limit_per_minute=0, environment="development"
    )
    app = make_app(settings, registry=build_registry())
    schema = _find_schema(app)
    ways = variants(compare, schema)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client,
    ):
        page = {"query": PAGE, "variables": {"first": 50, "j": str(jurisdiction)}}
        plain_url, plain = "/plain/page", {"first": 50, "j": jurisdiction}
        if operation == "dashboard":
            # A second root field keeps the document out of the dashboard cache (its figures are cached).
            query = DASHBOARD.replace("{\n  dashboard(", "{\n  __typename\n  dashboard(", 1)
            assert query != DASHBOARD
            page = {"query": query, "variables": {"j": str(jurisdiction), "year": bench_today().year}}
            plain_url, plain = "/plain/dashboard", {"j": jurisdiction, "year": bench_today().year}
        answers = {}
        for name, switch in ways.items():
            switch()
            for _ in range(5):
                response = await client.post("/graphql", json=page)
            answers[name] = response.content
        assert len(set(answers.values())) == 1, "the two ways answer differently"
        for name, switch in ways.items():
            # Python function calls per request: what the CPU figures approximate, free of the noise.
            switch()
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(requests):
                await client.post("/graphql", json=page)
            profile.disable()
            calls = pstats.Stats(profile).total_calls / requests  # type: ignore[attr-defined]
            print(f"{name:<9} function calls per request: {calls:,.0f}")
        cpu: dict[str, list[float]] = {name: [] for name in [*ways, "plain"]}
        for _ in range(rounds):
            for name in cpu:
                if name in ways:
                    ways[name]()
                start = time.process_time()
                for _ in range(requests):
                    if name == "plain":
                        response = await client.get(plain_url, params=plain)
                    else:
                        response = await client.post("/graphql", json=page)
                    assert response.status_code == 200
                cpu[name].append((time.process_time() - start) / requests * 1000)
    ways[next(reversed(ways))]()  # caseload's own way again
    return cpu


def _find_schema(app: Any) -> Any:
    """The strawberry schema behind the app's /graphql route."""
    for route in app.router.routes:
        schema = getattr(getattr(route, "endpoint", None), "schema", None)
        if schema is not None:
            return schema
    raise LookupError("no GraphQL route")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--jurisdiction", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--operation", choices=["page", "dashboard"], default="page")
    parser.add_argument(
        "--compare",
        choices=["executor", "records"],
        default="executor",
        help="the execution contexts (default), or records against ORM instances for the rows read",
    )
    args = parser.parse_args()
    cpu = asyncio.run(
        measure(
            args.database_url, args.jurisdiction, args.rounds, args.requests, args.operation, args.compare
        )
    )
    old, new = list(cpu)[:2]
    for name, values in cpu.items():
        print(
            f"{name:<9} cpu per page: median {statistics.median(values):6.2f} ms"
            f"  min {min(values):6.2f}  max {max(values):6.2f}  ({len(values)} rounds)"
        )
    for name, of in ((new, old), (old, "plain"), (new, "plain")):
        ratio = [a / b for a, b in zip(cpu[name], cpu[of], strict=True)]
        print(
            f"{name}/{of} per round: median {statistics.median(ratio):.3f}"
            f"  min {min(ratio):.3f}  max {max(ratio):.3f}"
        )


if __name__ == "__main__":
    main()
