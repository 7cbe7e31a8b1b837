"""kill -9 of an API process mid-mutation, with an Idempotency-Key (issue 17, point 9): whatever the
moment of death — before the request arrived, mid-write, after the commit — retrying the same key on
another process ends with the record written exactly once, and the retry never waits a day."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from typing import Any

import httpx
from sqlalchemy import func, select

from core.config import Settings
from core.disputes.models import Dispute
from tests.http_fixtures import free_port
from tests.support import make_org

RECORD = """mutation($u: ID!, $t: String!) { recordDispute(input: {unitId: $u, title: $t, applicantName: "陈某",
  field: OTHER, actionType: PENALTY, source: SCREENING, receivedDate: "2024-11-01"})
  { result { number } errors { code } } }"""
LEASE = 2.0


async def start(settings: Settings) -> tuple[asyncio.subprocess.Process, str]:
    port = free_port()
    env = dict(
        os.environ,
        DATABASE_URL=settings.database_url,
        CASELOAD_ENV="development",
        CASELOAD_IDEMPOTENCY_LEASE=str(LEASE),
        PYTHONPATH=os.getcwd(),
    )
    env.pop("REDIS_URL", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.security.server_proc",
        str(port),
        env=env,
        stderr=asyncio.subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient() as http:
        for _ in range(300):
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get(f"{base}/healthz")).status_code == 200:
                    return proc, base
            await asyncio.sleep(0.1)
    proc.kill()
    raise AssertionError("the API process did not start")


async def test_a_retry_after_kill_9_writes_the_record_exactly_once(
    ctx: Any, settings: Settings, session_factory: Any
) -> None:
    org = await make_org(ctx)
    await ctx.session.commit()
    headers = {
        "idempotency-key": "kill-9-retry",
        "x-caseload-role": "justice_staff",
        "x-caseload-jurisdiction": str(org.jurisdiction.id),
    }
    payload = {"query": RECORD, "variables": {"u": str(org.agency.id), "t": "被强制终止时登记"}}
    first, base = await start(settings)
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            pending = asyncio.ensure_future(http.post(f"{base}/graphql", json=payload, headers=headers))
            await asyncio.sleep(0.15)  # the request is on its way, in the middle, or done
            first.send_signal(signal.SIGKILL)
            await first.wait()
            with contextlib.suppress(httpx.HTTPError):
                await pending
    finally:
        with contextlib.suppress(ProcessLookupError):
            first.kill()
    second, base = await start(settings)
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            answer: dict[str, Any] = {}
            for _ in range(int(LEASE * 10) + 30):  # 409 with Retry-After while the dead lease lasts
                response = await http.post(f"{base}/graphql", json=payload, headers=headers)
                if response.status_code != 409:
                    answer = response.json()
                    break
                assert int(response.headers["retry-after"]) <= LEASE + 1
                await asyncio.sleep(0.2)
            assert answer, "the key was never released"
            written = (answer.get("data") or {}).get("recordDispute") or {}
            codes = [e.get("extensions", {}).get("code") for e in answer.get("errors") or []]
            assert written.get("result") or codes == ["idempotent_request_committed"], answer
    finally:
        second.kill()
        await second.wait()
    async with session_factory() as session:
        count = await session.scalar(
            select(func.count(Dispute.id)).where(Dispute.title == "被强制终止时登记")
        )
    assert count == 1
