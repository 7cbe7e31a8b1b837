"""Concurrent load against uvicorn on loopback, from its own process (httpx + asyncio; no locust).

    python -m benchmarks.load --database-url sqlite:///bench.db --workers 1 2 --clients 50 \
        --requests 3000 --seconds 60

starts ``python -m benchmarks.app`` with each worker count, and for each scenario (the trivial query
and the nested page of 20 disputes, each through GraphQL and through the plain endpoint) sends at
most ``--requests`` requests from ``--clients`` concurrent clients, stopping after ``--seconds``
whatever happens. It prints throughput and p50/p99/max latency, one line per run, and the same as
JSON lines with ``--json``. Only loopback addresses are accepted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlparse

import httpx

from benchmarks.app import PAGE, TRIVIAL

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass
class Result:
    scenario: str
    workers: int
    clients: int
    requests: int
    errors: int
    seconds: float
    throughput: float
    p50_ms: float
    p99_ms: float
    max_ms: float

    def line(self) -> str:
        return (
            f"{self.scenario:<16} workers={self.workers} clients={self.clients} requests={self.requests} "
            f"errors={self.errors} {self.throughput:8.1f} req/s  p50 {self.p50_ms:7.1f} ms  "
            f"p99 {self.p99_ms:7.1f} ms  max {self.max_ms:7.1f} ms"
        )


Request = Callable[[httpx.AsyncClient], Any]


def scenarios(jurisdiction: int) -> dict[str, Request]:
    page = {"query": PAGE, "variables": {"first": 20, "j": str(jurisdiction)}}
    return {
        "trivial-graphql": lambda c: c.post("/graphql", json={"query": TRIVIAL}),
        "trivial-plain": lambda c: c.get("/plain/trivial"),
        "page20-graphql": lambda c: c.post("/graphql", json=page),
        "page20-plain": lambda c: c.get("/plain/page", params={"first": 20, "j": jurisdiction}),
    }


async def run(base: str, name: str, request: Request, *, clients: int, total: int, seconds: float) -> Result:
    latencies: list[float] = []
    errors = 0
    issued = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        for _ in range(min(clients, 20)):  # warm up the connections and the server's caches
            await request(client)

        async def worker() -> None:
            nonlocal issued, errors
            while issued < total and time.perf_counter() < deadline:
                issued += 1
                started = time.perf_counter()
                try:
                    response = await request(client)
                    ok = response.status_code == 200 and b'"errors"' not in response.content[:200]
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - started)
                errors += not ok

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    quantiles = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else ordered * 99
    return Result(
        scenario=name,
        workers=0,
        clients=clients,
        requests=len(ordered),
        errors=errors,
        seconds=round(elapsed, 2),
        throughput=round(len(ordered) / elapsed, 1) if elapsed else 0.0,
        p50_ms=round(quantiles[49] * 1000, 1),
        p99_ms=round(quantiles[98] * 1000, 1),
        max_ms=round(ordered[-1] * 1000, 1) if ordered else 0.0,
    )


def main() -> None:
    from benchmarks.conftest import start_server, stop_server
    from core.config import Settings, normalise_database_url

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=3000, help="at most this many requests per run")
    parser.add_argument("--seconds", type=float, default=60.0, help="and at most this long per run")
    parser.add_argument("--jurisdiction", type=int, default=1)
    parser.add_argument("--only", nargs="*", help="scenario names to run (default: all)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    settings = Settings(database_url=normalise_database_url(args.database_url))
    chosen = scenarios(args.jurisdiction)
    if args.only:
        chosen = {k: v for k, v in chosen.items() if k in args.only}
    for workers in args.workers:
        proc, base = start_server(settings, workers=workers)
        assert urlparse(base).hostname in LOOPBACK
        try:
            for name, request in chosen.items():
                result = asyncio.run(
                    run(base, name, request, clients=args.clients, total=args.requests, seconds=args.seconds)
                )
                result.workers = workers
                print(json.dumps(asdict(result)) if args.json else result.line(), flush=True)
        finally:
            stop_server(proc)


if __name__ == "__main__":
    main()
