"""Benchmark fixtures: a generated data set, the benchmark server in its own process, an HTTP client.

Without settings this generates a SMALL data set into a temporary SQLite file (CI: the structural
checks run in seconds with ``--benchmark-disable``). For real figures point ``BENCH_DATABASE_URL`` at
a database filled by ``caseload generate`` (its schema is upgraded if the code's has moved on; its
data is only added to, by the lifecycle benchmark's own disputes) and run with ``--benchmark-enable``.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from benchmarks.app import bench_today
from core.config import Settings, normalise_database_url
from core.db import make_engine
from core.disputes.models import Dispute
from core.generate import GenerateOptions, generate
from core.migrate import upgrade_database
from core.policy.manager import PolicyRegistry, build_registry

ROOT = Path(__file__).resolve().parent.parent
SMALL_CASES = int(os.environ.get("BENCH_SMALL_CASES", "300"))


def pytest_configure(config: pytest.Config) -> None:
    # The project's addopts disable benchmarks; `--benchmark-enable` on the command line wins.
    config.addinivalue_line("markers", "scan: worker scan benchmarks (own data set)")


@pytest.fixture(scope="session")
def registry() -> PolicyRegistry:
    return build_registry()


async def _migrate(url: str) -> None:
    engine = make_engine(Settings(database_url=url))
    try:
        await upgrade_database(engine)
    finally:
        await engine.dispose()


async def _prepare_small(url: str, registry: PolicyRegistry, cases: int) -> None:
    engine = make_engine(Settings(database_url=url))
    try:
        await upgrade_database(engine)
        await generate(engine, registry, GenerateOptions(jurisdictions=4, cases=cases, today=bench_today()))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def bench_settings(tmp_path_factory: pytest.TempPathFactory, registry: PolicyRegistry) -> Settings:
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        settings = Settings(database_url=normalise_database_url(url), environment="development")
        asyncio.run(_migrate(settings.database_url))  # the schema may have moved on since it was generated
        return settings
    path = tmp_path_factory.mktemp("bench") / "bench.db"
    database_url = f"sqlite+aiosqlite:///{path}"
    asyncio.run(_prepare_small(database_url, registry, SMALL_CASES))
    return Settings(database_url=database_url, environment="development")


@pytest.fixture(scope="session")
def busiest_jurisdiction(bench_settings: Settings) -> int:
    """The jurisdiction with the most disputes (its pages are always full)."""

    async def find() -> int:
        engine = make_engine(bench_settings)
        try:
            async with engine.connect() as conn:
                row = (
                    await conn.execute(
                        select(Dispute.jurisdiction_id)
                        .group_by(Dispute.jurisdiction_id)
                        .order_by(func.count().desc())
                        .limit(1)
                    )
                ).scalar_one()
                return int(row)
        finally:
            await engine.dispose()

    return asyncio.run(find())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    settings: Settings | None,
    workers: int = 1,
    *,
    module: str = "benchmarks.app",
    args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    stderr: Any = None,
) -> tuple[subprocess.Popen[bytes], str]:
    """``python -m benchmarks.app`` (or ``module``) on a free loopback port; returns the process and
    its base URL. ``env`` adds to (or overrides) the benchmark's environment."""
    port = free_port()
    environment = {
        **os.environ,
        "CASELOAD_BENCH_TODAY": bench_today().isoformat(),
        "PYTHONPATH": str(ROOT),
        # The per-principal rate limit would throttle a benchmark's single client: off here.
        "CASELOAD_RATE_LIMIT_PER_MINUTE": "0",
        # Benchmark clients send no token: development mode (explicit) makes them the administrator.
        "CASELOAD_ENV": "development",
        **({"DATABASE_URL": settings.database_url} if settings is not None else {}),
        **(env or {}),
    }
    environment.pop("REDIS_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", module, "--port", str(port), "--workers", str(workers), *args],
        cwd=ROOT,
        env=environment,
        stderr=stderr,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"benchmark server exited with {proc.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    stop_server(proc)
    raise RuntimeError("benchmark server did not start in 30 s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def server(bench_settings: Settings) -> Iterator[str]:
    proc, base = start_server(bench_settings)
    try:
        yield base
    finally:
        stop_server(proc)


@pytest.fixture(scope="session")
def http(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=60) as client:
        yield client
