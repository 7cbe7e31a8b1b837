"""The load generator runs (a few requests, a few clients) and reports sane figures (CI smoke test)."""

from __future__ import annotations

import json
import subprocess
import sys

from benchmarks.conftest import ROOT
from core.config import Settings


def test_load_script_reports_throughput_and_latency(
    bench_settings: Settings, busiest_jurisdiction: int
) -> None:
    command = [
        sys.executable,
        "-m",
        "benchmarks.load",
        "--database-url",
        bench_settings.database_url,
        "--workers",
        "1",
        "--clients",
        "4",
        "--requests",
        "40",
        "--seconds",
        "20",
        "--jurisdiction",
        str(busiest_jurisdiction),
        "--only",
        "trivial-graphql",
        "page20-plain",
        "--json",
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert [r["scenario"] for r in results] == ["trivial-graphql", "page20-plain"]
    for r in results:
        assert r["errors"] == 0 and r["requests"] == 40 and r["throughput"] > 0
        assert 0 < r["p50_ms"] <= r["p99_ms"] <= r["max_ms"]
