"""The Alembic migrations create exactly the schema the models describe, and the app refuses an
unmigrated or outdated database with a message naming the command to run."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from core.config import Settings
from core.context import ServiceContext
from core.db import make_engine
from core.enums import NotificationKind, ObligationStatus
from core.errors import ConfigurationError
from core.migrate import ensure_migrated, upgrade_database
from core.models import Base
from core.obligations.models import Notification, Obligation
from tests.support import make_org, migration_revision


async def test_migrated_schema_matches_the_models(engine: AsyncEngine):
    async with engine.connect() as conn:
        diff = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata))
    assert diff == [], f"models and migrations differ; generate a migration: {diff}"


async def test_unmigrated_database_is_refused(tmp_path: Path):
    engine = make_engine(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"))
    try:
        with pytest.raises(ConfigurationError, match="caseload migrate"):
            await ensure_migrated(engine)
        await upgrade_database(engine, "base")
        await upgrade_database(engine)
        await ensure_migrated(engine)
    finally:
        await engine.dispose()


async def test_app_does_not_start_on_an_empty_database(tmp_path: Path, registry):
    app = create_app(
        Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'new.db'}", environment="development"),
        registry=registry,
    )
    with pytest.raises(ConfigurationError, match="caseload migrate"):
        async with app.router.lifespan_context(app):
            pass


async def test_escalation_levels_become_the_steps_notified_for_the_current_due_date(
    engine: AsyncEngine, ctx: ServiceContext
):
    org = await make_org(ctx)
    due = dt.date(2024, 10, 8)

    def obligation(n: int, level: int) -> Obligation:
        ob = Obligation(
            jurisdiction_id=org.jurisdiction.id,
            owner_role="unit",
            plugin="testland",
            rule_id="testland.accept",
            title="受理",
            event="resolution_assigned",
            subject_type="resolution_effort",
            subject_id=n,
            trigger_date=due - dt.timedelta(days=7),
            due_rule={"kind": "working_days", "amount": 3},
            due_date=due,
            status=ObligationStatus.OVERDUE,
        )
        ob.escalation_level = level
        ctx.session.add(ob)
        return ob

    # Raised for a step quiet hours held back; moved due date; as sent; more sent than the level says.
    held, moved, exact, behind = obligation(1, 3), obligation(2, 2), obligation(3, 2), obligation(4, 1)
    await ctx.session.flush()
    for ob, keys in (
        (held, [f"{due}:1", f"{due}:2"]),
        (moved, ["2024-09-30:1", "2024-09-30:2"]),
        (exact, [f"{due}:1", f"{due}:2"]),
        (behind, [f"{due}:1", f"{due}:2"]),
    ):
        for key in keys:
            ctx.session.add(
                Notification(
                    jurisdiction_id=org.jurisdiction.id,
                    kind=NotificationKind.ESCALATION,
                    title="督办",
                    obligation_id=ob.id,
                    dedupe_key=f"esc:{ob.id}:{key}",
                )
            )
    await ctx.session.commit()
    recount = migration_revision("69d4a8d71fa8").recount_escalation_levels
    async with engine.begin() as conn:
        assert await conn.run_sync(recount) == 2
    ctx.session.expire_all()
    levels = {
        ob.subject_id: (ob.escalation_level, ob.version)
        for ob in await ctx.session.scalars(select(Obligation).order_by(Obligation.id))
    }
    assert levels == {1: (2, 2), 2: (0, 2), 3: (2, 1), 4: (1, 1)}


async def test_a_schema_newer_than_the_code_gets_its_own_message(tmp_path: Path):
    """Code rolled back over a database a newer version migrated: neither start-up nor `caseload
    migrate` may tell the operator to run migrate (which then failed with "Can't locate revision")."""
    from sqlalchemy import text

    engine = make_engine(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'newer.db'}"))
    try:
        await upgrade_database(engine)
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = 'f00dcafe0001'"))
        for attempt in (ensure_migrated(engine), upgrade_database(engine)):
            with pytest.raises(ConfigurationError) as refused:
                await attempt
            message = str(refused.value)
            assert "数据库结构比本程序新" in message and "restore a backup" in message
            assert "f00dcafe0001" in message and "run `caseload migrate`" not in message
    finally:
        await engine.dispose()


async def test_stored_citations_naming_a_file_are_rewritten_to_the_document(
    engine: AsyncEngine, ctx: ServiceContext, registry
):
    from core.policy.conformance import collect_rules

    org = await make_org(ctx)
    rule = collect_rules(registry, "wuping").deadlines[0]
    file_name, cite = rule.citation.source, rule.citation
    old_texts = [
        f"{file_name} {cite.section}：「{cite.clause}」",
        f"{file_name}：「{cite.clause}」",
        "管理员设定：「理由」",
    ]
    for n, text in enumerate(old_texts):
        ctx.session.add(
            Obligation(
                jurisdiction_id=org.jurisdiction.id,
                owner_role="unit",
                plugin="wuping",
                rule_id=rule.id,
                title="报告",
                event="case_filed",
                subject_type="case",
                subject_id=n,
                trigger_date=dt.date(2024, 10, 8),
                due_rule={"kind": "working_days", "amount": 3},
                due_date=dt.date(2024, 10, 11),
                status=ObligationStatus.OPEN,
                citation=text,
            )
        )
    await ctx.session.commit()
    module = migration_revision("e4a7c1f9b2d6")
    # The frozen mapping is what the plugins declare today.
    assert module.DOCUMENTS[file_name] == cite.document.reference
    async with engine.begin() as conn:
        assert await conn.run_sync(module.rewrite_citations) == 2
    ctx.session.expire_all()
    stored = [
        ob.citation for ob in await ctx.session.scalars(select(Obligation).order_by(Obligation.subject_id))
    ]
    assert stored == [cite.text, f"{cite.document.reference}：「{cite.clause}」", "管理员设定：「理由」"]
    assert not any(".txt" in text for text in stored)
