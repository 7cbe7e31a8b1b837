"""The load generator runs (a few requests, a few clients) and reports sane figures (CI smoke test)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from benchmarks.conftest import ROOT
from core.config import Settings


@pytest.mark.parametrize("engine", ["httpx", "wrk"])
def test_load_script_reports_throughput_and_latency(
    bench_settings: Settings, busiest_jurisdiction: int, engine: str
) -> None:
    if engine == "wrk" and shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (apt-get install wrk)")
    command = [
        sys.executable,
        "-m",
        "benchmarks.load",
        "--database-url",
        bench_settings.database_url,
        "--engine",
        engine,
        "--workers",
        "1",
        "--clients",
        "4",
        "--requests",
        "40",
        "--seconds",
        "20" if engine == "httpx" else "1",
        "--jurisdiction",
        str(busiest_jurisdiction),
        "--only",
        "trivial-graphql",
        "trivial-plain-post",
        "page20-plain",
        "dashboard-graphql",
        "dashboard-plain",
        "--json",
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=180, check=True)
    results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert [r["scenario"] for r in results] == [
        "trivial-graphql",
        "trivial-plain-post",
        "page20-plain",
        "dashboard-graphql",
        "dashboard-plain",
    ]
    for r in results:
        assert r["errors"] == 0 and r["throughput"] > 0, r
        assert r["requests"] == 40 if engine == "httpx" else r["requests"] > 0, r
        assert 0 < r["p50_ms"] <= r["p99_ms"] <= r["max_ms"], r
