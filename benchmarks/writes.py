"""Concurrent writes: clients recording, assigning, accepting and reporting on disputes at once.

    python -m benchmarks.writes --database-url postgresql://…/bench --clients 10 --seconds 30 \
        [--spread] [--today 2026-12-07] [--server-root /path/to/other/checkout]

starts ``python -m benchmarks.app`` (one uvicorn worker) and runs ``--clients`` clients in one
process, each in a closed loop of four mutations on a dispute of its own: ``recordDispute`` →
``assignResolution`` → ``acceptResolution`` → ``reportResolutionProgress``. By default every client
writes in ONE county (the largest), so every recording takes a number from the same counter row;
``--spread`` gives each client a county of its own (round robin when the database has fewer).
Prints mutations/s and p50/p99/max latency, over all mutations and per mutation, then checks the
county's numbers of the year: unique, and gapless (1 … N, as many as there are disputes).
``--server-root`` serves another checkout of caseload (e.g. the commit before a change, extracted
with ``git archive``) against its own database.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from benchmarks.conftest import ROOT, free_port, stop_server

FAIL = "errors { field code message }"
RECORD = (
    "mutation($u: ID!, $r: Date!, $t: String!) { recordDispute(input: {unitId: $u, title: $t,"
    ' applicantName: "周某", field: WORK_INJURY, actionType: CONFIRMATION, source: SCREENING,'
    f" receivedDate: $r}}) {{ result {{ id number }} {FAIL} }} }}"
)
ASSIGN = (
    "mutation($d: ID!, $u: ID!, $a: Date!) { assignResolution(input: {disputeId: $d, unitId: $u,"
    f" stage: PRE_FILING, assignedDate: $a}}) {{ result {{ id }} {FAIL} }} }}"
)
ACCEPT = (
    "mutation($e: ID!, $a: Date!) { acceptResolution(input: {effortId: $e, acceptedDate: $a,"
    f" noticeDeliveredDate: $a}}) {{ result {{ id }} {FAIL} }} }}"
)
REPORT = (
    "mutation($e: ID!, $a: Date!) { reportResolutionProgress(input: {effortId: $e, reportDate: $a,"
    f' content: "已组织双方协调一次"}}) {{ result {{ id }} {FAIL} }} }}'
)


def start(database_url: str, today: dt.date, root: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``python -m benchmarks.app`` of the checkout at ``root`` on a free loopback port."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CASELOAD_BENCH_TODAY": today.isoformat(),
        "PYTHONPATH": str(root),
        "CASELOAD_RATE_LIMIT_PER_MINUTE": "0",
        "CASELOAD_ENV": "development",
    }
    env.pop("REDIS_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "benchmarks.app", "--port", str(port)], cwd=root, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"benchmark server exited with {proc.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop_server(proc)
    raise RuntimeError("benchmark server did not start in 60 s")


async def counties(database_url: str, spread: int) -> list[tuple[int, int]]:
    """(jurisdiction, unit) for each client: the largest county's first unit, or one county each."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        "SELECT d.jurisdiction_id, min(u.id) FROM disputes d"
                        " JOIN units u ON u.jurisdiction_id = d.jurisdiction_id AND u.active"
                        " GROUP BY d.jurisdiction_id ORDER BY count(*) DESC"
                    )
                )
            ).all()
    finally:
        await engine.dispose()
    chosen = [(int(j), int(u)) for j, u in rows]
    return chosen[:spread] if spread else chosen[:1]  # clients share counties when there are fewer


async def check_numbers(database_url: str, jurisdiction_id: int, year: int) -> tuple[int, int, int]:
    """The county's numbers of ``year``: (disputes, distinct numbers, highest number)."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            numbers = [
                str(n)
                for n in (
                    await conn.execute(
                        text("SELECT number FROM disputes WHERE jurisdiction_id = :j AND number LIKE :y"),
                        {"j": jurisdiction_id, "y": f"%-{year}-%"},
                    )
                ).scalars()
            ]
    finally:
        await engine.dispose()
    serials = [int(n.rsplit("-", 1)[1]) for n in numbers]
    return len(numbers), len(set(numbers)), max(serials, default=0)


async def run(base: str, places: list[tuple[int, int]], clients: int, seconds: float, today: dt.date) -> None:
    def day(n: int) -> str:
        return (today - dt.timedelta(days=n)).isoformat()

    latencies: dict[str, list[float]] = defaultdict(list)
    errors: list[Any] = []
    numbers: list[str] = []
    stop_at = 0.0

    async def send(http: httpx.AsyncClient, name: str, query: str, variables: dict[str, Any]) -> Any:
        started = time.perf_counter()
        response = await http.post("/graphql", json={"query": query, "variables": variables})
        latencies[name].append((time.perf_counter() - started) * 1000)
        body = response.json()
        if response.status_code != 200 or body.get("errors"):
            errors.append(body)
            return None
        (payload,) = body["data"].values()
        if payload["errors"]:
            errors.append(payload["errors"])
            return None
        return payload["result"]

    async def client(n: int) -> None:
        _, unit = places[n % len(places)]
        u = str(unit)
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            seq = 0
            while time.perf_counter() < stop_at:
                seq += 1
                title = f"工伤认定争议（写入基准{n}-{seq}）"
                dispute = await send(http, "recordDispute", RECORD, {"u": u, "r": day(10), "t": title})
                if dispute is None:
                    continue
                numbers.append(dispute["number"])
                effort = await send(
                    http, "assignResolution", ASSIGN, {"d": dispute["id"], "u": u, "a": day(9)}
                )
                if effort is None:
                    continue
                await send(http, "acceptResolution", ACCEPT, {"e": effort["id"], "a": day(8)})
                await send(http, "reportResolutionProgress", REPORT, {"e": effort["id"], "a": day(7)})

    # Warm up (each mutation once), then the timed run.
    stop_at = time.perf_counter() + 0.001
    await asyncio.gather(client(0))
    latencies.clear()
    numbers.clear()
    started = time.perf_counter()
    stop_at = started + seconds
    await asyncio.gather(*(client(n) for n in range(clients)))
    elapsed = time.perf_counter() - started
    every = sorted(x for values in latencies.values() for x in values)

    def line(name: str, values: list[float]) -> str:
        values = sorted(values)
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
        return (
            f"{name:<26} {len(values):6d}  {len(values) / elapsed:7.1f}/s"
            f"  p50 {statistics.median(values):7.1f} ms  p99 {p99:7.1f} ms  max {values[-1]:7.1f} ms"
        )

    print(f"clients={clients} counties={len(places)} seconds={elapsed:.1f} errors={len(errors)}")
    print(line("all mutations", every))
    for name, values in latencies.items():
        print(line(name, values))
    if errors:
        print("first error:", errors[0])
    print(f"numbers given in the run: {len(numbers)}, distinct {len(set(numbers))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--spread", action="store_true", help="each client in a county of its own")
    parser.add_argument("--today", default=dt.date.today().isoformat(), help="the server's date")
    parser.add_argument("--server-root", type=Path, default=ROOT)
    args = parser.parse_args()
    from core.config import normalise_database_url

    url = normalise_database_url(args.database_url)
    today = dt.date.fromisoformat(args.today)
    places = asyncio.run(counties(url, args.clients if args.spread else 0))
    proc, base = start(url, today, args.server_root)
    try:
        asyncio.run(run(base, places, args.clients, args.seconds, today))
    finally:
        stop_server(proc)
    year = (today - dt.timedelta(days=10)).year
    for jurisdiction_id, _ in places:
        total, distinct, highest = asyncio.run(check_numbers(url, jurisdiction_id, year))
        verdict = "unique and gapless" if total == distinct == highest else "NOT unique and gapless"
        print(
            f"jurisdiction {jurisdiction_id}, {year}: {total} disputes, {distinct} numbers,"
            f" highest {highest}: {verdict}"
        )


if __name__ == "__main__":
    main()
