"""graphql-http's server audit (the GraphQL-over-HTTP specification's own conformance suite) against
a real server process: every audit ok in development mode; in production every audit ok but the
few whose query needs introspection, which production keeps off.

The npm package is installed into ``<repo>/.cache/graphql-http`` on first use (CI and the
developer image have node and npm); the test is skipped only when ``node`` is not installed.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "graphql-http"
SCRIPT = Path(__file__).with_name("graphql_http_audit.mjs")
PACKAGE = "graphql-http@^1.22"

# The audits whose query asks for ``__type(name: …)``: production refuses introspection, so these
# get a validation error (400 under application/graphql-response+json, errors under JSON).
NEED_INTROSPECTION = {
    "2EA1": "SHOULD allow map {variables} parameter when accepting application/graphql-response+json",
    "28B9": "MUST allow map {variables} parameter when accepting application/json",
    "D6D5": "MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting "
    "application/graphql-response+json",
    "6A70": "MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/json",
}

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed: no audit")


@pytest.fixture(scope="module")
def graphql_http() -> Path:
    """graphql-http from the cache, installed there with npm if missing."""
    if not (CACHE / "node_modules" / "graphql-http" / "package.json").exists():
        npm = shutil.which("npm")
        assert npm is not None, "node is installed but npm is not: cannot install graphql-http"
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--prefix", str(CACHE), PACKAGE],
            check=True,
            timeout=300,
            capture_output=True,
        )
    return CACHE


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite file: the audit exercises HTTP, never a table."""
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('audit') / 'audit.db'}"
    subprocess.run(
        [sys.executable, "-m", "api.cli", "migrate"], cwd=ROOT, env=_env(url, {}), check=True, timeout=120
    )
    return url


def _env(database_url: str, extra: dict[str, str]) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CASELOAD_")}
    env.pop("REDIS_URL", None)
    env.update(
        DATABASE_URL=database_url,
        PYTHONPATH=str(ROOT),
        CASELOAD_INPROCESS_WORKER="0",
        CASELOAD_RATE_LIMIT_PER_MINUTE="0",
        CASELOAD_LOG_LEVEL="WARNING",
        **extra,
    )
    return env


@pytest.fixture
def serve(database: str) -> Iterator[object]:
    processes: list[subprocess.Popen[bytes]] = []

    def start(**extra: str) -> str:
        port = _free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--port", str(port)],
            cwd=ROOT,
            env=_env(database, extra),
        )
        processes.append(proc)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert proc.poll() is None, f"the server exited with {proc.returncode}"
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    return f"{base}/graphql"
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError("the server did not start in 60 s")

    yield start
    for proc in processes:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def audit(url: str, package: Path) -> dict[str, dict[str, object]]:
    """id → the audit's result ({name, status, reason, response…})."""
    done = subprocess.run(
        ["node", str(SCRIPT), url, str(package)], capture_output=True, text=True, timeout=180, check=True
    )
    results = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert len(results) > 50, done.stdout + done.stderr  # the suite ran (61 audits in 1.23)
    return {result["id"]: result for result in results}


def _not_ok(results: dict[str, dict[str, object]]) -> dict[str, dict[str, object]]:
    return {key: result for key, result in results.items() if result["status"] != "ok"}


def test_every_audit_passes_in_development(graphql_http: Path, serve: object) -> None:
    url = serve(CASELOAD_ENV="development")  # type: ignore[operator]
    results = audit(url, graphql_http)
    assert _not_ok(results) == {}
    # The new media type is what the audit's first check asks for, and it got it.
    assert results["22EB"]["status"] == "ok"


def test_in_production_only_the_audits_needing_introspection_fail(graphql_http: Path, serve: object) -> None:
    url = serve(CASELOAD_ENV="production", CASELOAD_SECRET_KEY="audit-" + "k" * 40)  # type: ignore[operator]
    failed = _not_ok(audit(url, graphql_http))
    assert {key: result["name"] for key, result in failed.items()} == NEED_INTROSPECTION
    for result in failed.values():
        assert "introspection" in str(result.get("responseBody", "")), result
