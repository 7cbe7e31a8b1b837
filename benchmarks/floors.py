"""The trivial query against its honest floor, alternated in one run (issue 23, point 1 and 2).

    python -m benchmarks.floors --database-url sqlite:///bench.db --clients 50 --seconds 10 --rounds 3

Two processes under the same uvicorn settings (:data:`benchmarks.app.UVICORN`, those of
``caseload serve``), one worker each: the bare Starlette + orjson app (benchmarks/bare.py) and
caseload's benchmark server as ``caseload serve`` runs it — its JSON access log on (written to a
file, one line per request), metrics on, and rate limiting on (a limit no benchmark reaches, so that
the check runs on every request and never refuses). Every round runs, with ``wrk`` for ``--seconds``
each: the bare app, caseload's ``/graphql`` and caseload's in-app ``/plain/trivial`` (the second,
labelled floor: caseload's app and middleware without GraphQL), so a busy machine's noise falls on
all three alike. It prints every run, then the median of the rounds and the ratios.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from dataclasses import asdict
from pathlib import Path

from benchmarks.app import TRIVIAL
from benchmarks.load import Result, Scenario, run_wrk

# A limit the benchmark cannot reach in a minute: the limiter still counts every request.
UNREACHED_RATE_LIMIT = "1000000000"

LINES = {
    "bare": "bare Starlette + orjson, own process (honest floor)",
    "caseload": "caseload /graphql { __typename }, access log + metrics + rate limit on",
    "in-app": "caseload /plain/trivial, in caseload's app and middleware (in-app floor)",
    "no-log": "caseload /graphql { __typename } in a third process without its access log",
}


def main() -> None:
    from benchmarks.conftest import start_server, stop_server
    from core.config import Settings, normalise_database_url

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-access-log", action="store_true", help="caseload without its access log")
    parser.add_argument(
        "--log-cost",
        action="store_true",
        help="also run a third process, caseload without its access log, in every round",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    settings = Settings(database_url=normalise_database_url(args.database_url), environment="development")
    post = Scenario("/graphql", body={"query": TRIVIAL})
    with tempfile.TemporaryDirectory() as tmp:
        log_path = Path(tmp) / "caseload.log"
        with log_path.open("wb") as log_file:
            caseload, caseload_base = start_server(
                settings,
                args=() if args.no_access_log else ("--access-log",),
                env={"CASELOAD_RATE_LIMIT_PER_MINUTE": UNREACHED_RATE_LIMIT},
                stderr=log_file,
            )
            bare, bare_base = start_server(None, module="benchmarks.bare")
            quiet, quiet_base = (
                start_server(settings, env={"CASELOAD_RATE_LIMIT_PER_MINUTE": UNREACHED_RATE_LIMIT})
                if args.log_cost
                else (None, "")
            )
            plan = [
                ("bare", bare_base, post),
                ("caseload", caseload_base, post),
                ("in-app", caseload_base, Scenario("/plain/trivial", body={"query": TRIVIAL})),
            ]
            if quiet is not None:
                plan.append(("no-log", quiet_base, post))
            runs: dict[str, list[Result]] = {name: [] for name, _, _ in plan}
            try:
                for round_ in range(args.rounds):
                    for name, base, scenario in plan:
                        result = run_wrk(base, name, scenario, clients=args.clients, seconds=args.seconds)
                        result.workers = 1
                        runs[name].append(result)
                        line = (
                            json.dumps({"round": round_ + 1, **asdict(result)})
                            if args.json
                            else result.line()
                        )
                        print(line, flush=True)
            finally:
                stop_server(caseload)
                stop_server(bare)
                if quiet is not None:
                    stop_server(quiet)
        access_lines = sum(1 for line in log_path.open("rb") if b'"caseload.access"' in line)
    print(f"load average after the run: {Path('/proc/loadavg').read_text().split()[:3]}")
    medians = {name: statistics.median(r.throughput for r in results) for name, results in runs.items()}
    p99 = {name: statistics.median(r.p99_ms for r in results) for name, results in runs.items()}
    print(f"median of {args.rounds} rounds, {args.clients} connections, one worker each:")
    for name in runs:
        label = LINES[name]
        ratio = medians[name] / medians["bare"] if medians["bare"] else 0.0
        print(f"  {medians[name]:8.0f} req/s  p99 {p99[name]:6.1f} ms  {ratio:.2f}× bare  {label}")
    print(f"  access log lines written by caseload: {access_lines}")


if __name__ == "__main__":
    main()
