"""Concurrent load against uvicorn on loopback, from its own process (wrk, or httpx + asyncio).

    python -m benchmarks.load --database-url sqlite:///bench.db --workers 1 2 --clients 50 \
        --requests 3000 --seconds 60 [--engine wrk|httpx]

starts ``python -m benchmarks.app`` with each worker count, and for each scenario (the trivial query,
the nested page of 20 disputes and the cached dashboard, each through GraphQL and through its plain
endpoint; the trivial query's plain route also sent the same POST as GraphQL, ``trivial-plain-post``)
keeps ``--clients`` connections busy, each sending its next request as soon as the last is answered.
It prints throughput and p50/p99/max latency, one line per run, and the same as JSON lines with
``--json``. Only loopback addresses are accepted.

Engines: ``wrk`` (the Debian package; one C thread, a few percent of a core) runs each scenario for
``--seconds``; ``httpx`` (pure Python, no extra package) sends at most ``--requests`` requests and
stops after ``--seconds``. On a two-core machine the load generator shares the cores with the server
and PostgreSQL, and the httpx client spends about as much CPU per request as the server's plain
endpoints do, so ``wrk`` (the default when installed) measures the server rather than the client.
Both check one answer of each scenario for a 200 and no ``errors`` before loading it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlparse

import httpx

from benchmarks.app import DASHBOARD, PAGE, TRIVIAL

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


@dataclass(frozen=True)
class Scenario:
    """One request, sent again and again: a GraphQL POST (``body``) or a plain GET (``params``)."""

    path: str
    body: dict[str, Any] | None = None
    params: dict[str, Any] | None = None
    prime: Scenario | None = None  # asked before each warm-up request (see run_wrk)

    @property
    def method(self) -> str:
        return "POST" if self.body is not None else "GET"

    @property
    def target(self) -> str:
        return f"{self.path}?{urlencode(self.params)}" if self.params else self.path

    async def send(self, client: httpx.AsyncClient) -> httpx.Response:
        if self.body is not None:
            return await client.post(self.path, json=self.body)
        return await client.get(self.target)


def scenarios(jurisdiction: int, year: int = 2025) -> dict[str, Scenario]:
    j = str(jurisdiction)
    page = {"query": PAGE, "variables": {"first": 20, "j": j}}
    dashboard = {"query": DASHBOARD, "variables": {"j": j, "year": year}}  # unnamed, as the floor expects
    return {
        "trivial-graphql": Scenario("/graphql", body={"query": TRIVIAL}),
        "trivial-plain": Scenario("/plain/trivial"),
        # The same POST as the GraphQL scenario, read and parsed by the plain route.
        "trivial-plain-post": Scenario("/plain/trivial", body={"query": TRIVIAL}),
        "page20-graphql": Scenario("/graphql", body=page),
        "page20-plain": Scenario("/plain/page", params={"first": 20, "j": j}),
        # The plain endpoint serves the bytes GraphQL cached: the GraphQL scenario runs first.
        "dashboard-graphql": Scenario("/graphql", body=dashboard),
        "dashboard-plain": Scenario(
            "/plain/dashboard/cached",
            params={"j": j, "year": year},
            prime=Scenario("/graphql", body=dashboard),
        ),
    }


def _answered(response: httpx.Response) -> bool:
    return response.status_code == 200 and b'"errors"' not in response.content[:200]


async def run(
    base: str, name: str, scenario: Scenario, *, clients: int, total: int, seconds: float
) -> Result:
    latencies: list[float] = []
    errors = 0
    issued = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        for _ in range(min(clients, 20)):  # warm up the connections and the server's caches
            if scenario.prime is not None:
                await scenario.prime.send(client)
            await scenario.send(client)

        async def worker() -> None:
            nonlocal issued, errors
            while issued < total and time.perf_counter() < deadline:
                issued += 1
                started = time.perf_counter()
                try:
                    ok = _answered(await scenario.send(client))
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


WRK_SCRIPT = """
wrk.method = %(method)s
wrk.body = %(body)s
wrk.headers["Content-Type"] = "application/json"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %%d, "seconds": %%.3f, "errors": %%d, "p50_us": %%d, "p99_us": %%d, "max_us": %%d}\\n',
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal for this text


def run_wrk(base: str, name: str, scenario: Scenario, *, clients: int, seconds: float) -> Result:
    """The scenario under ``wrk`` (one thread, ``clients`` connections) for ``seconds``."""
    # Warm-up and check, each request on a connection of its own so that every worker gets some
    # (with several workers, each has its own in-process cache: the plain dashboard serves the bytes
    # its worker's GraphQL stored, so the scenario's ``prime`` is asked first on every connection).
    with httpx.Client(base_url=base, timeout=30, headers={"connection": "close"}) as client:
        for _ in range(20):
            for step in (scenario.prime, scenario):
                if step is None:
                    continue
                if step.body is not None:
                    response = client.post(step.path, json=step.body)
                else:
                    response = client.get(step.target)
                if not _answered(response):
                    raise RuntimeError(f"{name}: {response.status_code} {response.text[:300]}")
    body = json.dumps(scenario.body) if scenario.body is not None else ""
    script = WRK_SCRIPT % {"method": _lua_string(scenario.method), "body": _lua_string(body)}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scenario.lua"
        path.write_text(script, encoding="utf-8")
        done = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{clients}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "60s",
                "-s",
                str(path),
                base + scenario.target,
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 120,
        )
    figures = json.loads(next(line for line in done.stdout.splitlines() if line.startswith("{")))
    elapsed = figures["seconds"]
    return Result(
        scenario=name,
        workers=0,
        clients=clients,
        requests=figures["requests"],
        errors=figures["errors"],
        seconds=round(elapsed, 2),
        throughput=round(figures["requests"] / elapsed, 1) if elapsed else 0.0,
        p50_ms=round(figures["p50_us"] / 1000, 1),
        p99_ms=round(figures["p99_us"] / 1000, 1),
        max_ms=round(figures["max_us"] / 1000, 1),
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
    parser.add_argument(
        "--engine",
        choices=["wrk", "httpx"],
        default="wrk" if shutil.which("wrk") else "httpx",
        help="load generator (default: wrk when installed; --requests applies to httpx only)",
    )
    args = parser.parse_args()
    settings = Settings(database_url=normalise_database_url(args.database_url), environment="development")
    chosen = scenarios(args.jurisdiction)
    if args.only:
        chosen = {k: v for k, v in chosen.items() if k in args.only}
    for workers in args.workers:
        proc, base = start_server(settings, workers=workers)
        assert urlparse(base).hostname in LOOPBACK
        try:
            for name, scenario in chosen.items():
                if args.engine == "wrk":
                    result = run_wrk(base, name, scenario, clients=args.clients, seconds=args.seconds)
                else:
                    result = asyncio.run(
                        run(
                            base,
                            name,
                            scenario,
                            clients=args.clients,
                            total=args.requests,
                            seconds=args.seconds,
                        )
                    )
                result.workers = workers
                print(json.dumps(asdict(result)) if args.json else result.line(), flush=True)
        finally:
            stop_server(proc)


if __name__ == "__main__":
    main()
