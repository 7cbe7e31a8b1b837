"""Seconds from process start to the first answer of ``/healthz``: caseload against the bare app.

    python -m benchmarks.startup --database-url sqlite:///caseload.db [--rounds 3]

Each round starts ``uvicorn api.asgi:app`` (what ``caseload serve`` runs: configuration from the
environment, development mode, the database given, which must be migrated) and then the bare
Starlette app (benchmarks/bare.py) under the same uvicorn options, and polls ``/healthz`` every
20 ms from the moment the process is started. Prints every start and the medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from benchmarks.conftest import ROOT, free_port


def started_in(target: list[str], env: dict[str, str]) -> float:
    port = free_port()
    began = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", *target, "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while time.perf_counter() - began < 120:
            if proc.poll() is not None:
                raise RuntimeError(f"{target[0]} exited with {proc.returncode}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    return time.perf_counter() - began
            except httpx.HTTPError:
                time.sleep(0.02)
        raise RuntimeError(f"{target[0]} did not answer in 120 s")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "CASELOAD_ENV": "development",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)
    targets = {"caseload": ["api.asgi:app"], "bare": ["benchmarks.bare:make_app", "--factory"]}
    seconds: dict[str, list[float]] = {name: [] for name in targets}
    for _ in range(args.rounds):
        for name, target in targets.items():
            seconds[name].append(started_in(target, env))
            print(f"{name:<9} /healthz after {seconds[name][-1]:.2f} s", flush=True)
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else "?"
    medians = {name: statistics.median(values) for name, values in seconds.items()}
    print(f"medians: caseload {medians['caseload']:.2f} s, bare {medians['bare']:.2f} s (load {load})")


if __name__ == "__main__":
    main()
