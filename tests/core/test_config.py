"""Settings from the environment: the database pool, read by the engine, and the concurrency limit."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from core.config import Settings
from core.db import make_engine
from core.errors import ConfigurationError


async def test_the_pool_size_comes_from_the_environment():
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgresql://caseload@127.0.0.1:1/none",
            "CASELOAD_DB_POOL_SIZE": "7",
            "CASELOAD_DB_MAX_OVERFLOW": "3",
            "CASELOAD_MAX_CONCURRENT_REQUESTS": "4",
        }
    )
    assert (settings.db_pool_size, settings.db_max_overflow) == (7, 3)
    assert settings.concurrency_limit == 4
    engine = make_engine(settings)  # no connection is opened until one is asked for
    try:
        pool = engine.sync_engine.pool
        assert (pool.size(), pool._max_overflow) == (7, 3)  # type: ignore[attr-defined]
    finally:
        await engine.dispose()
    defaults = Settings.from_env({})
    assert (defaults.db_pool_size, defaults.db_max_overflow) == (20, 10)
    assert defaults.concurrency_limit == 10  # half the pool: a request can hold two connections
    assert defaults.freeze_gc_at_start  # a served process freezes what start-up built
    assert not Settings.from_env({"CASELOAD_GC_FREEZE": "0"}).freeze_gc_at_start
    assert not Settings(database_url="sqlite+aiosqlite:///x.db").freeze_gc_at_start  # apps built in code


def test_production_is_the_default_mode() -> None:
    assert Settings().production
    assert Settings.from_env({}).production
    assert Settings.from_env({"CASELOAD_ENV": "development"}).environment == "development"


@pytest.mark.parametrize("value", ["prod", "dev", "Production ", "test"])
def test_an_unknown_mode_refuses_to_start(value: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        Settings.from_env({"CASELOAD_ENV": value})
    assert "CASELOAD_ENV" in str(refused.value) and "production or development" in str(refused.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CASELOAD_DB_POOL_SIZE", "abc"),
        ("CASELOAD_DB_POOL_SIZE", "0"),
        ("CASELOAD_WORKER_INTERVAL", "soon"),
        ("CASELOAD_RATE_LIMIT_PER_MINUTE", "-1"),
        ("CASELOAD_GC_FREEZE", "maybe"),
        ("CASELOAD_MAX_BODY_BYTES", "16MB"),
    ],
)
def test_an_invalid_setting_names_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        Settings.from_env({name: value})
    assert name in str(refused.value) and repr(value) in str(refused.value)


def test_the_command_reports_a_bad_setting_in_one_line() -> None:
    """`CASELOAD_PORT=abc caseload serve` says which variable is wrong, without a traceback."""
    env = {**os.environ, "CASELOAD_PORT": "abc", "CASELOAD_ENV": "production"}
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "serve"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines == ["caseload: CASELOAD_PORT='abc' is not a whole number"], done.stderr
    env["CASELOAD_PORT"], env["CASELOAD_ENV"] = "8000", "prod"
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "migrate"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and "CASELOAD_ENV='prod' is not a mode" in done.stderr
    assert "Traceback" not in done.stderr


def test_every_variable_the_code_reads_is_in_the_readme() -> None:
    root = Path(__file__).resolve().parents[2]
    read = set()
    for folder in ("core", "api", "plugins"):
        for path in (root / folder).rglob("*.py"):
            read |= set(re.findall(r"\b(CASELOAD_[A-Z_]+|DATABASE_URL|REDIS_URL)\b", path.read_text()))
    assert {"DATABASE_URL", "CASELOAD_ENV", "CASELOAD_PORT"} <= read
    readme = (root / "README.md").read_text()
    table = {m for m in re.findall(r"^\| `([A-Z_]+)`", readme, flags=re.M)}
    table |= {
        n
        for row in re.findall(r"^\| (`[A-Z_]+`(?:, `[A-Z_]+`)+) \|", readme, flags=re.M)
        for n in re.findall(r"`([A-Z_]+)`", row)
    }
    assert read - table == set(), f"not in README's configuration table: {sorted(read - table)}"
