"""The worker's scan of many open obligations: the set-based core scan against the per-obligation reference.

A dedicated data set: one jurisdiction (xx_county) with a webhook endpoint and ``BENCH_SCAN_N`` open
obligations (default 300) due from 60 days ago to 90 days ahead, so about a third are overdue, a few
are inside the warning window and the rest beyond the 31-day look-ahead. ``BENCH_SCAN_DATABASE_URL``
points at a database that is EMPTIED and refilled (use a dedicated one); without it a temporary
SQLite file.

Structure (every run, CI too): both scans write the same notifications and webhook deliveries and
leave the obligations in the same state, and a second scan writes nothing. Timing:
``--benchmark-enable``; each round starts from the freshly built state ("first scan": marks overdue,
sends every escalation so far) and the steady state is timed separately ("second scan": nothing new
to send). ``tests/obligations/test_scan.py`` checks that the core scan's statements do not grow with
the number of obligations.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from benchmarks.app import bench_clock_moment
from benchmarks.scan_reference import scan_jurisdiction_reference
from core.clock import fixed_clock
from core.config import Settings, normalise_database_url
from core.context import ServiceContext
from core.db import make_engine, make_session_factory
from core.demo import delete_everything
from core.enums import ObligationStatus, Role
from core.generate import GenerateOptions, _Rows, _Writer, generate
from core.migrate import upgrade_database
from core.notify.models import NotificationDelivery, WebhookEndpoint
from core.obligations.models import Notification, Obligation
from core.obligations.scan import ScanReport, scan_jurisdiction
from core.org.models import Unit
from core.policy.manager import PolicyRegistry
from core.policy.types import Owner
from core.principal import Principal

SCAN_N = int(os.environ.get("BENCH_SCAN_N", "300"))
WORKER = Principal(user="worker", role=Role.SYSTEM_ADMIN)
Scan = Callable[[ServiceContext, int], Awaitable[ScanReport]]


async def _build(url: str, registry: PolicyRegistry, n: int) -> int:
    engine = make_engine(Settings(database_url=url))
    try:
        await upgrade_database(engine)
        await delete_everything(make_session_factory(engine))
        today = bench_clock_moment().date()
        report = await generate(engine, registry, GenerateOptions(jurisdictions=1, cases=0, today=today))
        jurisdiction_id = report.jurisdiction_ids[0]
        policy = registry.policy("xx_county")
        rules = [r for r in policy.deadline_rules if r.owner != Owner.LAW_FIRM and r.recurring is None]
        rng = random.Random(n)
        async with engine.connect() as conn:
            units = list(await conn.scalars(select(Unit.id).where(Unit.jurisdiction_id == jurisdiction_id)))
            await conn.commit()
            rows = _Rows({"obligations": 1})
            writer = _Writer(conn, dt.datetime.now(dt.UTC))
            for i in range(n):
                rule = rules[i % len(rules)]
                due = today + dt.timedelta(days=rng.randint(-60, 90))
                rows.add(
                    "obligations",
                    {
                        "jurisdiction_id": jurisdiction_id,
                        "unit_id": rng.choice(units) if rule.owner == Owner.UNIT else None,
                        "owner_role": rule.owner.value,
                        "plugin": "xx_county",
                        "rule_id": rule.id,
                        "title": rule.title_zh,
                        "title_en": rule.title_en,
                        "citation": str(rule.citation),
                        "event": rule.trigger.kind.value,
                        "subject_type": "dispute",
                        "subject_id": i + 1,
                        "occurrence": "",
                        "trigger_date": due - dt.timedelta(days=7),
                        "due_rule": rule.due.to_dict(),
                        "due_date": due,
                        "status": ObligationStatus.OPEN.value,
                        "urgent": rule.urgent,
                    },
                )
                if rows.size >= 50_000:
                    await writer.write(rows.take(), Counter())
            await writer.write(rows.take(), Counter())
            await conn.execute(
                insert(WebhookEndpoint).values(
                    jurisdiction_id=jurisdiction_id, name="值班群", url="http://10.0.0.5/hook", version=1
                )
            )
            await conn.commit()
            await writer.finish()
        return jurisdiction_id
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def scan_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("BENCH_SCAN_DATABASE_URL")
    if url:
        return normalise_database_url(url)
    return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('scan') / 'scan.db'}"


@pytest.fixture(scope="module")
def scan_data(scan_url: str, registry: PolicyRegistry) -> int:
    return asyncio.run(_build(scan_url, registry, SCAN_N))


async def _reset(engine: AsyncEngine) -> None:
    """Back to the built state: every obligation open and never escalated, no notification."""
    async with engine.begin() as conn:
        await conn.execute(delete(NotificationDelivery))
        await conn.execute(delete(Notification))
        await conn.execute(
            update(Obligation).values(
                status=ObligationStatus.OPEN, escalation_level=0, last_escalated_at=None, version=1
            )
        )


async def _scan(
    engine: AsyncEngine, registry: PolicyRegistry, scan: Scan, jurisdiction_id: int
) -> ScanReport:
    async with make_session_factory(engine)() as session, session.begin():
        ctx = ServiceContext(
            session=session, principal=WORKER, registry=registry, clock=fixed_clock(bench_clock_moment())
        )
        return await scan(ctx, jurisdiction_id)


async def _state(
    engine: AsyncEngine,
) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    async with engine.connect() as conn:
        notes = {
            tuple(row)
            for row in await conn.execute(
                select(
                    Notification.dedupe_key,
                    Notification.kind,
                    Notification.title,
                    Notification.body,
                    Notification.recipient_role,
                    Notification.recipient_unit_id,
                    Notification.recipient_official_id,
                    Notification.obligation_id,
                    Notification.subject_type,
                    Notification.subject_id,
                    Notification.rule_id,
                )
            )
        }
        obligations = {
            tuple(row)
            for row in await conn.execute(
                select(Obligation.id, Obligation.status, Obligation.escalation_level)
            )
        }
        deliveries = {
            tuple(row)
            for row in await conn.execute(
                select(
                    Notification.dedupe_key, NotificationDelivery.endpoint_id, NotificationDelivery.status
                ).join(Notification, Notification.id == NotificationDelivery.notification_id)
            )
        }
    return notes, obligations, deliveries


def test_scan_writes_what_the_reference_scan_writes(
    scan_url: str, scan_data: int, registry: PolicyRegistry
) -> None:
    async def run() -> None:
        engine = make_engine(Settings(database_url=scan_url))
        try:
            results = []
            for scan in (scan_jurisdiction_reference, scan_jurisdiction):
                await _reset(engine)
                first = await _scan(engine, registry, scan, scan_data)
                state = await _state(engine)
                second = await _scan(engine, registry, scan, scan_data)
                assert second.sent == [] and second.marked_overdue == 0, scan.__name__
                assert await _state(engine) == state
                results.append((first, state))
            (reference, reference_state), (core, core_state) = results
            assert reference.marked_overdue == core.marked_overdue > 0
            assert len(reference.sent) == len(core.sent) > 0
            assert {n[1] for n in reference_state[0]} >= {"warning", "reminder", "escalation"}
            assert len(reference_state[2]) == len(reference.sent)  # one delivery per notification
            assert core_state == reference_state
        finally:
            await engine.dispose()

    asyncio.run(run())


async def _analyze(engine: AsyncEngine) -> None:
    """Fresh planner statistics after the backlog scan rewrote a third of the table (as autovacuum
    would soon do in production), so the steady state is measured as it runs, not in the minute after."""
    async with engine.connect() as conn:
        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text("ANALYZE"))


def _timed(scan_url: str, registry: PolicyRegistry, scan: Scan, jurisdiction_id: int, *, steady: bool) -> Any:
    """A benchmark target and its setup: reset (and, for the steady state, one scan first)."""
    engine_box: dict[str, AsyncEngine] = {}
    loop = asyncio.new_event_loop()

    def setup() -> None:
        engine = engine_box.get("e") or make_engine(Settings(database_url=scan_url))
        engine_box["e"] = engine
        loop.run_until_complete(_reset(engine))
        if steady:
            loop.run_until_complete(_scan(engine, registry, scan, jurisdiction_id))
            loop.run_until_complete(_analyze(engine))

    def target() -> ScanReport:
        return loop.run_until_complete(_scan(engine_box["e"], registry, scan, jurisdiction_id))

    def close() -> None:
        if "e" in engine_box:
            loop.run_until_complete(engine_box["e"].dispose())
        loop.close()

    return setup, target, close


@pytest.mark.parametrize("steady", [False, True], ids=["first-scan", "second-scan"])
@pytest.mark.parametrize("name", ["reference", "core"])
def test_scan(
    benchmark: Any, scan_url: str, scan_data: int, registry: PolicyRegistry, name: str, steady: bool
) -> None:
    scan: Scan = scan_jurisdiction_reference if name == "reference" else scan_jurisdiction
    benchmark.group = f"worker scan of {SCAN_N:,} obligations ({'second' if steady else 'first'} scan)"
    setup, target, close = _timed(scan_url, registry, scan, scan_data, steady=steady)
    try:
        report = benchmark.pedantic(target, setup=setup, rounds=int(os.environ.get("BENCH_SCAN_ROUNDS", "1")))
    finally:
        close()
    assert (report.marked_overdue == 0) == steady
