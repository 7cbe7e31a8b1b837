"""The first dashboard after start against the ones after it, with and without the start-up warm-up.

    python -m benchmarks.first_dashboard --database-url sqlite:///bench.db [--warm-up] [--first other]

In process (ASGI, no sockets): builds the benchmark app, runs its lifespan, waits for the warm-up
when asked (``Settings.warm_up_at_start``, api/warmup.py), then asks six dashboards with the
console's own document: the first is the console's (the first county, this year to date) or, with
``--first other``, another county's year, then others, none of them cached before. Prints each time
and the first against the median of the rest.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

import httpx

from api.warmup import console_dashboard_document
from benchmarks.app import bench_today, make_app
from core.config import Settings, normalise_database_url


def _period(year: int | None) -> dict[str, Any]:
    return (
        {"kind": "YTD", "asOf": bench_today().isoformat()} if year is None else {"kind": "YEAR", "year": year}
    )


async def measure(url: str, warm_up: bool, first: str) -> tuple[float | None, list[float]]:
    settings = Settings(
        database_url=normalise_database_url(url),
        environment="development",
        rate_limit_per_minute=0,
        warm_up_at_start=warm_up,
    )
    year = bench_today().year - 1
    asked: list[tuple[int, int | None]] = (
        [(1, None), (2, None), (3, None), (4, None), (1, year), (2, year)]
        if first == "console"
        else [(2, year), (2, None), (3, None), (4, None), (1, year), (3, year)]
    )
    app = make_app(settings)
    document = console_dashboard_document()
    async with app.router.lifespan_context(app):
        warmed = await app.state.warm_up if app.state.warm_up is not None else None
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=120) as client:
            times = []
            for jurisdiction, period_year in asked:
                variables = {"j": str(jurisdiction), "period": _period(period_year)}
                started = time.perf_counter()
                response = await client.post("/graphql", json={"query": document, "variables": variables})
                times.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200 or b'"errors"' in response.content:
                    raise RuntimeError(response.text[:300])
    return warmed, times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--warm-up", action="store_true", help="with the start-up warm-up")
    parser.add_argument("--first", choices=["console", "other"], default="console")
    args = parser.parse_args()
    warmed, times = asyncio.run(measure(args.database_url, args.warm_up, args.first))
    rest = statistics.median(times[1:])
    state = "off" if not args.warm_up else f"{warmed:.2f} s" if warmed else "failed"
    print(
        f"warm-up {state}; first={args.first}: "
        f"first {times[0]:.0f} ms, then {' '.join(f'{t:.0f}' for t in times[1:])} ms; "
        f"first / median of the rest {times[0] / rest:.2f}×"
    )


if __name__ == "__main__":
    main()
