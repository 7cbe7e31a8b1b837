"""Ledger imports as jobs users watch and cancel: importLedger answers with the queued job,
ledgerImport and the ledgerImportProgress subscription show its progress (to the jurisdiction's
bureau only), cancelLedgerImport stops it before anything is written, and on SQLite the job writes
in short transactions so another user's write during an import succeeds."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import datetime as dt
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from api.app import create_app
from core.audit.models import AuditEntry
from core.clock import fixed_clock
from core.config import ConfigurationError, Settings
from core.context import ServiceContext
from core.disputes.models import Dispute
from core.disputes.service import DisputeInput, record_dispute
from core.enums import ActionType, DisputeField, DisputeSource, Role
from core.ledger import jobs
from core.ledger.models import ImportJobStatus, LedgerImportJob
from core.principal import Principal
from tests.http_fixtures import NOW, GraphQLClient
from tests.ledger.test_ledger_import import GOOD_ROWS, STAFF, count, org, workbook
from tests.notify.conftest import LiveApp, WsClient, live_app, world, ws_client
from tests.support import Org

__all__ = ["live_app", "org", "world", "ws_client"]

QUEUE = """mutation($j: ID!, $file: String!) {
  importLedger(jurisdictionId: $j, fileBase64: $file, fileName: "台账.xlsx") {
    result { id status statusLabel rowsTotal rowsWritten finished cancellable } errors { field code message } } }"""
JOB = """query($id: ID!) { ledgerImport(id: $id) { id status statusLabel rowsTotal rowsChecked rowsWritten
  rowsPerSecond finished cancellable summary errors { row message } report { ok committed totalRows importedRows } } }"""
CANCEL = """mutation($id: ID!) { cancelLedgerImport(id: $id) {
  result { status statusLabel summary finished } errors { field code message messageEn } } }"""


def staff(org: Org, jurisdiction_id: int | None = None) -> dict[str, str]:
    return {**STAFF, "x-caseload-jurisdiction": str(jurisdiction_id or org.jurisdiction.id)}


@pytest.fixture
async def client_without_runner(
    settings: Settings, registry: Any, session_factory: Any
) -> AsyncIterator[GraphQLClient]:
    """The app as deployed with a worker (CASELOAD_IMPORT_RUNNER=worker): jobs stay queued here."""
    application = create_app(
        dataclasses.replace(settings, import_runner_setting="worker"),
        registry=registry,
        clock=fixed_clock(NOW),
    )
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://test") as http,
    ):
        yield GraphQLClient(http)


async def queue(client: GraphQLClient, org: Org, content: bytes) -> dict[str, Any]:
    data = await client.ok(
        QUEUE, {"j": str(org.jurisdiction.id), "file": base64.b64encode(content).decode()}, **staff(org)
    )
    payload: dict[str, Any] = data["importLedger"]
    assert payload["errors"] == [] and payload["result"] is not None, payload
    return dict(payload["result"])


async def test_import_answers_with_the_queued_job_which_its_bureau_alone_sees(
    client_without_runner: GraphQLClient, org: Org, session_factory: Any, registry: Any
) -> None:
    client = client_without_runner
    job = await queue(client, org, workbook(GOOD_ROWS))
    assert job["status"] == "QUEUED" and job["statusLabel"] == "排队中"
    assert not job["finished"] and job["cancellable"] and job["rowsWritten"] == 0
    assert await count(session_factory, Dispute) == 0  # nothing imported yet: it is only queued

    seen = (await client.ok(JOB, {"id": job["id"]}, **staff(org)))["ledgerImport"]
    assert seen["status"] == "QUEUED"
    # Another county's bureau and the county's own unit clerks do not see it.
    assert (await client.ok(JOB, {"id": job["id"]}, **staff(org, org.jurisdiction.id + 100)))[
        "ledgerImport"
    ] is None
    clerk = {"x-caseload-role": "unit_clerk", "x-caseload-unit": str(org.township.id), "x-caseload-user": "c"}
    assert (await client.ok(JOB, {"id": job["id"]}, **clerk))["ledgerImport"] is None

    assert await jobs.run_queued(session_factory, registry) == [int(job["id"])]  # as a worker would
    done = (await client.ok(JOB, {"id": job["id"]}, **staff(org)))["ledgerImport"]
    assert done["status"] == "SUCCEEDED" and done["statusLabel"] == "已完成" and done["finished"]
    assert (done["rowsTotal"], done["rowsChecked"], done["rowsWritten"]) == (3, 3, 3)
    assert done["report"] == {"ok": True, "committed": True, "totalRows": 3, "importedRows": 3}
    assert not done["cancellable"]
    assert await count(session_factory, Dispute) == 3


async def test_cancelling_a_queued_import_writes_nothing_and_is_audited(
    client_without_runner: GraphQLClient, org: Org, session_factory: Any, registry: Any
) -> None:
    client = client_without_runner
    job = await queue(client, org, workbook(GOOD_ROWS))
    # Another county's bureau cannot cancel it (it looks missing to them).
    refused = await client.ok(CANCEL, {"id": job["id"]}, **staff(org, org.jurisdiction.id + 100))
    assert refused["cancelLedgerImport"]["errors"][0]["code"] == "not_found"

    cancelled = (await client.ok(CANCEL, {"id": job["id"]}, **staff(org)))["cancelLedgerImport"]
    assert cancelled["errors"] == []
    assert cancelled["result"]["status"] == "CANCELLED" and cancelled["result"]["statusLabel"] == "已取消"
    again = (await client.ok(CANCEL, {"id": job["id"]}, **staff(org)))["cancelLedgerImport"]
    (error,) = again["errors"]
    assert error["field"] == "id" and error["code"] == "not_cancellable"
    assert "已结束" in error["message"] and "finished" in error["messageEn"]

    assert await jobs.run_queued(session_factory, registry) == []  # a cancelled job never runs
    assert await count(session_factory, Dispute) == 0
    async with session_factory() as session:
        actions = list(
            await session.scalars(
                select(AuditEntry.action).where(AuditEntry.entity_type == "ledger_import_jobs")
            )
        )
    assert actions == ["ledger.import_queue", "ledger.import_cancel"]


async def test_a_running_job_cancelled_while_checking_writes_nothing(
    ctx: ServiceContext, org: Org, session_factory: Any, registry: Any
) -> None:
    job_id = await enqueue(ctx, session_factory, org, rows(120))
    assert await jobs.claim(session_factory, job_id) == job_id
    original = jobs.import_in_batches

    async def cancel_midway(*args: Any, on_progress: Any, **kwargs: Any) -> Any:
        async def progress(checked: int, written: int, total: int) -> None:
            if checked >= 50:  # the cancel button, pressed while the rows are being checked
                async with session_factory() as session, session.begin():
                    admin = ServiceContext(
                        session=session, principal=ctx.principal, registry=registry, clock=ctx.clock
                    )
                    await jobs.cancel_import(admin, job_id)
            await on_progress(checked, written, total)

        return await original(*args, on_progress=progress, **kwargs)

    jobs.import_in_batches = cancel_midway  # type: ignore[assignment]
    try:
        status = await jobs.run_job(session_factory, registry, job_id, batch_rows=40)
    finally:
        jobs.import_in_batches = original  # type: ignore[assignment]
    assert status == ImportJobStatus.CANCELLED
    assert await count(session_factory, Dispute) == 0


def rows(n: int, start: int = 0) -> list[list[Any]]:
    return [
        [
            i + 1,
            f"申请人{i}",
            "县自然资源局",
            f"批量争议{i}",
            "征地拆迁",
            "行政征收征用",
            "月度排查",
            "2024-10-08",
            None,
            None,
            None,
        ]
        for i in range(start, start + n)
    ]


async def enqueue(ctx: ServiceContext, session_factory: Any, org: Org, data: list[list[Any]]) -> int:
    async with session_factory() as session, session.begin():
        clerk = ServiceContext(
            session=session,
            principal=Principal(
                user="ledger-clerk", role=Role.JUSTICE_STAFF, jurisdiction_id=org.jurisdiction.id
            ),
            registry=ctx.registry,
            clock=ctx.clock,
        )
        job = await jobs.enqueue_import(clerk, jurisdiction_id=org.jurisdiction.id, content=workbook(data))
        return job.id


async def another_users_write(session_factory: Any, ctx: ServiceContext, org: Org, n: int) -> None:
    """A dispute recorded by a colleague, waiting at most 1 s for a lock (SQLite's write lock, or on
    PostgreSQL the county's number counter row)."""
    async with session_factory() as session:
        if session.bind.dialect.name == "sqlite":
            await session.execute(text("PRAGMA busy_timeout=1000"))
        else:
            await session.execute(text("SET LOCAL lock_timeout = '1s'"))
        colleague = ServiceContext(
            session=session, principal=ctx.principal, registry=ctx.registry, clock=ctx.clock
        )
        await record_dispute(
            colleague,
            DisputeInput(
                unit_id=org.agency.id,
                title=f"同时登记的争议{n}",
                applicant_name=f"同时申请人{n}",
                field=DisputeField.OTHER,
                action_type=ActionType.PENALTY,
                source=DisputeSource.SCREENING,
                received_date=dt.date(2024, 10, 9),
            ),
        )
        await session.commit()


async def test_another_users_write_during_an_import_succeeds(
    ctx: ServiceContext, org: Org, session_factory: Any, registry: Any, settings: Settings
) -> None:
    job_id = await enqueue(ctx, session_factory, org, rows(400))
    assert await jobs.claim(session_factory, job_id) == job_id
    started = time.monotonic()
    task = asyncio.create_task(jobs.run_job(session_factory, registry, job_id, batch_rows=10_000))
    writes = during_writing = 0
    while not task.done():
        live = jobs.LIVE.get(job_id)
        writing = live is not None and 0 < live.written < live.total
        await another_users_write(
            session_factory, ctx, org, writes
        )  # raises "database is locked" if it waits >1 s
        writes += 1
        during_writing += writing
        await asyncio.sleep(0.02)
    assert await task == ImportJobStatus.SUCCEEDED
    elapsed = time.monotonic() - started
    # The import took longer than a colleague waits for the lock: only short transactions let them in.
    assert elapsed > 1.0, f"the import took {elapsed:.2f}s, too short to show anything"
    assert writes >= 5 and during_writing >= 1, (writes, during_writing)
    assert await count(session_factory, Dispute) == 400 + writes
    async with session_factory() as session:
        job = await session.get(LedgerImportJob, job_id)
        assert job is not None and job.rows_written == 400 and job.report is not None


async def test_a_refusal_only_the_write_finds_stops_there_and_says_what_was_written(
    ctx: ServiceContext, org: Org, session_factory: Any, registry: Any, settings: Settings
) -> None:
    """The county's staff removes the alias one row uses between the check and the write: the
    chunks before that row stay (listed as imported), the rest is not written, the job fails saying
    so."""
    from core.ledger.aliases import add_unit_alias, remove_unit_alias

    alias = await add_unit_alias(ctx, org.jurisdiction.id, alias="资源局", unit_id=org.agency.id)
    await ctx.session.commit()
    data = rows(60)
    data[45][2] = "资源局"
    job_id = await enqueue(ctx, session_factory, org, data)
    assert await jobs.claim(session_factory, job_id) == job_id
    original = jobs.import_in_batches
    removed: list[int] = []

    async def meanwhile(*args: Any, on_progress: Any, **kwargs: Any) -> Any:
        async def progress(checked: int, written: int, total: int) -> None:
            if checked == total and not written and not removed:  # checked, not written: the alias goes
                removed.append(alias.id)
                async with session_factory() as session, session.begin():
                    clerk = Principal(
                        user="ledger-clerk", role=Role.JUSTICE_STAFF, jurisdiction_id=org.jurisdiction.id
                    )
                    colleague = ServiceContext(
                        session=session, principal=clerk, registry=registry, clock=ctx.clock
                    )
                    await remove_unit_alias(colleague, alias.id)
            await on_progress(checked, written, total)

        return await original(*args, on_progress=progress, **kwargs)

    jobs.import_in_batches = meanwhile  # type: ignore[assignment]
    try:
        status = await jobs.run_job(session_factory, registry, job_id, batch_rows=20, batch_seconds=60)
    finally:
        jobs.import_in_batches = original  # type: ignore[assignment]
    assert status == ImportJobStatus.FAILED
    async with session_factory() as session:
        job = await session.get(LedgerImportJob, job_id)
        assert job is not None and job.report is not None
        assert job.rows_written == 40  # the first two chunks of 20
        statuses = {r["row"] - job.report["header_row"]: r["status"] for r in job.report["rows"]}
        assert "此前的40行已写入" in job.summary and "已写入的行会自动跳过" in job.summary
        imported = await session.scalar(
            select(func.count()).select_from(Dispute).where(Dispute.title.like("批量争议%"))
        )
    assert imported == 40
    assert statuses[1] == statuses[40] == "imported"
    assert statuses[46] == "invalid" and statuses[41] == statuses[60] == "valid"


def test_the_import_runner_is_the_api_on_sqlite_and_the_worker_elsewhere() -> None:
    assert Settings.from_env({}).import_runner == "api"
    assert Settings.from_env({"DATABASE_URL": "postgresql://db/caseload"}).import_runner == "worker"
    assert Settings.from_env({"CASELOAD_IMPORT_RUNNER": "worker"}).import_runner == "worker"
    with pytest.raises(ConfigurationError, match="CASELOAD_IMPORT_RUNNER"):
        Settings.from_env({"CASELOAD_IMPORT_RUNNER": "cron"})


PROGRESS = """subscription($id: ID!) { ledgerImportProgress(id: $id) { status rowsTotal rowsChecked rowsWritten finished } }"""


async def test_the_subscription_streams_progress_until_the_import_ends(
    live_app: LiveApp, ws_client: WsClient, world: Any
) -> None:
    headers = {**STAFF, "x-caseload-jurisdiction": str(world.jid)}
    async with httpx.AsyncClient(base_url=live_app.url) as http:
        response = await http.post(
            "/graphql",
            json={
                "query": QUEUE,
                "variables": {"j": str(world.jid), "file": base64.b64encode(workbook(rows(300))).decode()},
            },
            headers=headers,
        )
    job = response.json()["data"]["importLedger"]["result"]
    sub = await ws_client.subscribe(PROGRESS, {"id": job["id"]}, init_payload=headers)
    seen: list[dict[str, Any]] = []
    while True:
        message = await sub.next(timeout=60)
        if message["type"] == "complete":
            break
        assert message["type"] == "next", message
        seen.append(message["payload"]["data"]["ledgerImportProgress"])
    assert seen[-1] == {
        "status": "SUCCEEDED",
        "rowsTotal": 300,
        "rowsChecked": 300,
        "rowsWritten": 300,
        "finished": True,
    }
    assert [s["rowsWritten"] for s in seen] == sorted(s["rowsWritten"] for s in seen)
    # Another county's bureau is refused.
    other = await ws_client.subscribe(
        PROGRESS, {"id": job["id"]}, init_payload={**STAFF, "x-caseload-jurisdiction": str(world.other.id)}
    )
    message = await other.next(timeout=5)
    assert message["type"] in ("error", "next") and "errors" in str(message), message
