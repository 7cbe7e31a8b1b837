"""A county's litigation ledger imported as a background job, while colleagues keep working.

A ledger of ``BENCH_IMPORT_ROWS`` rows (default 100) in the county style — 序号, 案号, 原告, 被告, 案由,
争议领域 and 行为类型 given as mapping constants, 立案日期, 法院, 审理结果 (a mix of the usual
wordings and 审理中), 结案日期, 开庭日期 and 出庭负责人 — is checked (dry run) and then imported by the job
runner (``core.ledger.jobs.run_job``, what ``importLedger`` and ``caseload import`` queue). Meanwhile
a colleague records a dispute and reads the county's open disputes every ``PROBE_EVERY`` seconds
through the same services; each probe's latency is kept.

``BENCH_IMPORT_DATABASE_URL`` points at a database that is EMPTIED and refilled (use a dedicated
one); without it a temporary SQLite file. Structure (every run, CI too): both jobs succeed, every
row is written once, no probe fails. Figures: ``--benchmark-enable`` records the import's time; the
rows per second and the probes' p50 / p99 / max are printed and kept in ``extra_info``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import os
import statistics
import time
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from core.clock import fixed_clock
from core.config import Settings, normalise_database_url
from core.context import ServiceContext
from core.db import make_engine, make_session_factory
from core.demo import delete_everything
from core.disputes.models import Dispute
from core.disputes.service import DisputeInput, record_dispute
from core.enums import ActionType, DisputeField, DisputeSource, DisputeStatus, OfficialRank, Role, UnitKind
from core.ledger import jobs
from core.ledger.models import ImportJobStatus, LedgerImportJob
from core.migrate import upgrade_database
from core.org.service import create_jurisdiction_from_plugin, create_official, create_unit
from core.policy.manager import PolicyRegistry
from core.principal import SYSTEM, Principal

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100"))
PROBE_EVERY = 0.2
NOW = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)
HEADERS = [
    *("序号", "案号", "原告", "被告", "案由", "立案日期", "法院"),
    *("审理结果", "结案日期", "开庭日期", "出庭负责人"),
]
UNITS = ["武平县自然资源局", "武平县市场监督管理局", "武平县住房和城乡建设局", "武平县交通运输局"]
OUTCOMES = ["驳回诉讼请求", "撤销", "确认违法", "撤诉", "审理中", "", "驳回起诉", "责令履行"]
# Constants: court ledgers lack both columns.
MAPPING = {"争议领域": {"constant": "其他"}, "行为类型": {"constant": "行政处罚"}}


def ledger(rows: int) -> bytes:
    """A county-style litigation ledger: a title line, the header, ``rows`` cases, a 合计 line."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("行政诉讼台账")
    sheet.append(["武平县行政诉讼案件台账（2024年）"])
    sheet.append(HEADERS)
    for n in range(rows):
        filed = dt.date(2024, 1, 2) + dt.timedelta(days=n % 330)
        outcome = OUTCOMES[n % len(OUTCOMES)]
        heard = filed + dt.timedelta(days=40) if outcome not in ("", "审理中") else None
        sheet.append(
            [
                n + 1,
                f"（2024）闽0824行初{n + 1}号",
                f"原告{n}",
                UNITS[n % len(UNITS)],
                "行政处罚纠纷",
                filed.isoformat(),
                "武平县人民法院",
                outcome,
                (heard + dt.timedelta(days=20)).isoformat() if heard else None,
                heard.isoformat() if heard else None,
                "张局长" if heard else None,
            ]
        )
    sheet.append(["合计", f"共{rows}件"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def _county(factory: Any, registry: PolicyRegistry) -> int:
    async with factory() as session, session.begin():
        ctx = ServiceContext(session=session, principal=SYSTEM, registry=registry, clock=fixed_clock(NOW))
        county = await create_jurisdiction_from_plugin(ctx, "wuping")
        for name in UNITS:
            unit = await create_unit(ctx, county.id, name=name, kind=UnitKind.AGENCY)
            await session.flush()
            await create_official(ctx, unit.id, name="张局长", rank=OfficialRank.PRINCIPAL_HEAD)
        await create_unit(ctx, county.id, name="武平县人民政府", kind=UnitKind.COUNTY_GOVERNMENT)
        return county.id


async def _job(factory: Any, registry: PolicyRegistry, county: int, content: bytes, dry_run: bool) -> int:
    clerk = Principal(user="ledger-clerk", role=Role.JUSTICE_STAFF, jurisdiction_id=county)
    async with factory() as session, session.begin():
        ctx = ServiceContext(session=session, principal=clerk, registry=registry, clock=fixed_clock(NOW))
        job = await jobs.enqueue_import(
            ctx,
            jurisdiction_id=county,
            content=content,
            file_name="台账.xlsx",
            mapping=MAPPING,
            dry_run=dry_run,
        )
        return job.id


async def _probe(factory: Any, registry: PolicyRegistry, county: int, n: int) -> float:
    """A colleague's write and read: a dispute recorded, then the county's open disputes counted."""
    began = time.perf_counter()
    staff = Principal(user="colleague", role=Role.JUSTICE_STAFF, jurisdiction_id=county)
    async with factory() as session, session.begin():
        ctx = ServiceContext(session=session, principal=staff, registry=registry, clock=fixed_clock(NOW))
        unit = await session.scalar(select(Dispute.unit_id).where(Dispute.jurisdiction_id == county).limit(1))
        if unit is not None:
            await record_dispute(
                ctx,
                DisputeInput(
                    unit_id=unit,
                    title=f"同事登记的争议{n}",
                    applicant_name=f"申请人{n}",
                    field=DisputeField.OTHER,
                    action_type=ActionType.PENALTY,
                    source=DisputeSource.SCREENING,
                    received_date=dt.date(2026, 12, 1),
                ),
            )
    async with factory() as session:
        await session.scalar(
            select(func.count())
            .select_from(Dispute)
            .where(Dispute.jurisdiction_id == county, Dispute.status != DisputeStatus.CLOSED)
        )
    return time.perf_counter() - began


async def _run(url: str, registry: PolicyRegistry, rows: int) -> dict[str, Any]:
    engine = make_engine(Settings(database_url=url))
    factory = make_session_factory(engine)
    try:
        await upgrade_database(engine)
        await delete_everything(factory)
        county = await _county(factory, registry)
        content = ledger(rows)
        figures: dict[str, Any] = {"rows": rows}
        for dry_run in (True, False):
            job_id = await _job(factory, registry, county, content, dry_run)
            assert await jobs.claim(factory, job_id) == job_id
            latencies: list[float] = []
            began = time.perf_counter()
            task = asyncio.create_task(jobs.run_job(factory, registry, job_id, clock=fixed_clock(NOW)))
            while not task.done():
                latencies.append(await _probe(factory, registry, county, len(latencies)))
                await asyncio.sleep(PROBE_EVERY)
            status = await task
            elapsed = time.perf_counter() - began
            if status != ImportJobStatus.SUCCEEDED:
                async with factory() as session:
                    job = await session.get(LedgerImportJob, job_id)
                    assert job is not None
                    raise AssertionError(f"{status}: {job.summary} {job.errors[:5]}")
            phase = "check" if dry_run else "import"
            ordered = sorted(latencies) or [0.0]
            figures[phase] = {
                "seconds": round(elapsed, 2),
                "rows_per_second": round(rows / elapsed, 1),
                "probes": len(latencies),
                "probe_p50_ms": round(statistics.median(ordered) * 1000, 1),
                "probe_p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1),
                "probe_max_ms": round(ordered[-1] * 1000, 1),
            }
        async with factory() as session:
            cases = await session.scalar(
                select(func.count()).select_from(Dispute).where(Dispute.title == "行政处罚纠纷")
            )
        assert cases == rows, (cases, rows)  # every row written once
        return figures
    finally:
        await engine.dispose()


@pytest.mark.scan
def test_a_litigation_ledger_imports_while_colleagues_work(
    benchmark: Any, registry: PolicyRegistry, tmp_path: Any
) -> None:
    given = os.environ.get("BENCH_IMPORT_DATABASE_URL")
    url = normalise_database_url(given) if given else f"sqlite+aiosqlite:///{tmp_path / 'import.db'}"
    figures: dict[str, Any] = {}

    def once() -> None:
        figures.update(asyncio.run(_run(url, registry, ROWS)))

    benchmark.pedantic(once, rounds=1, iterations=1)
    benchmark.extra_info.update(figures)
    print(f"\nledger import on {url.split(':', 1)[0]}: {figures}")
