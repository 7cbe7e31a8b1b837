"""Time consecutive scans of one jurisdiction on an existing data set (benchmarks/test_scan.py builds one).

    python -m benchmarks.scan --database-url postgresql://…/scan --build 1000000   # prints the jurisdiction
    python -m benchmarks.scan --database-url postgresql://…/scan --jurisdiction 14 --times 3
    python -m benchmarks.scan … --reference   # the per-obligation scan (benchmarks/scan_reference.py)

``--build N`` empties the database and builds benchmarks/test_scan.py's data set with N open
obligations (one jurisdiction, every obligation open and never escalated: the first scan is the
backlog).

Each scan is its own committed transaction at the benchmarks' fixed moment (10:00, 15 June 2026).
"""

from __future__ import annotations

import argparse
import asyncio
import time

from benchmarks.app import bench_clock_moment
from benchmarks.scan_reference import scan_jurisdiction_reference
from core.clock import fixed_clock
from core.config import Settings, normalise_database_url
from core.context import ServiceContext
from core.db import make_engine, make_session_factory
from core.obligations.scan import scan_jurisdiction
from core.policy.manager import build_registry
from core.principal import SYSTEM


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--jurisdiction", type=int, help="the jurisdiction to scan")
    parser.add_argument("--build", type=int, metavar="N", help="build the data set with N obligations first")
    parser.add_argument("--reference", action="store_true", help="time the per-obligation reference scan")
    parser.add_argument("--times", type=int, default=3, help="consecutive scans (default 3, at most 20)")
    args = parser.parse_args()
    if not 1 <= args.times <= 20:
        parser.error("--times must be between 1 and 20")
    if args.build is not None:
        from benchmarks.test_scan import _build

        started = time.perf_counter()
        url = normalise_database_url(args.database_url)
        jurisdiction = asyncio.run(_build(url, build_registry(), args.build))
        seconds = time.perf_counter() - started
        print(f"built {args.build:,} obligations in {seconds:.0f} s: jurisdiction {jurisdiction}")
        if args.jurisdiction is None:
            return
    if args.jurisdiction is None:
        parser.error("--jurisdiction is required (or --build)")
    scan = scan_jurisdiction_reference if args.reference else scan_jurisdiction

    async def run() -> None:
        engine = make_engine(Settings(database_url=normalise_database_url(args.database_url)))
        registry = build_registry()
        try:
            for _ in range(args.times):
                started = time.perf_counter()
                async with make_session_factory(engine)() as session, session.begin():
                    ctx = ServiceContext(
                        session=session,
                        principal=SYSTEM,
                        registry=registry,
                        clock=fixed_clock(bench_clock_moment()),
                    )
                    report = await scan(ctx, args.jurisdiction)
                print(
                    f"{scan.__name__}: {time.perf_counter() - started:.2f} s, "
                    f"{report.marked_overdue} marked overdue, {len(report.sent)} sent"
                )
        finally:
            await engine.dispose()

    asyncio.run(run())


if __name__ == "__main__":
    main()
