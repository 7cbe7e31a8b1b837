"""The demo data: recorded through the services, covering every state, deterministic and idempotent."""

from __future__ import annotations

import datetime as dt
import io

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.audit.models import AuditEntry
from core.cases.models import Hearing, LitigationCase, Outcome, PostJudgmentDuty
from core.clock import CHINA
from core.demo import DEMO_PLUGINS, Dice, load_demo, stderr_demo_progress
from core.disputes.models import Dispute
from core.enums import DisputeStatus, DutyKind, HearingStatus, ObligationStatus
from core.models import Base
from core.obligations.models import Obligation
from core.org.models import Jurisdiction
from core.policy.manager import PolicyRegistry

TODAY = dt.date(2024, 11, 20)
SMALL = 12  # disputes per jurisdiction: enough for every story, fast enough for the suite

Factory = async_sessionmaker[AsyncSession]


async def row_counts(session_factory: Factory) -> dict[str, int]:
    """Rows in every table."""
    async with session_factory() as session:
        return {
            table.name: await session.scalar(select(func.count()).select_from(table)) or 0
            for table in Base.metadata.sorted_tables
        }


async def check_contents(session: AsyncSession, registry: PolicyRegistry) -> None:
    """The loaded demo has what the dashboards and screens need to show something in every state."""
    codes = {registry.policy(p).profile.code for p in DEMO_PLUGINS}  # type: ignore[union-attr]
    assert set(await session.scalars(select(Jurisdiction.code))) == codes
    # Every demo county went live half a year back: older duties are history, recent ones are live.
    assert set(await session.scalars(select(Jurisdiction.go_live_date))) == {dt.date(2024, 5, 1)}
    # 万人成讼率 needs a population (issue 21 defect 6); Qiannan's is the 2020 census count.
    rows = await session.execute(select(Jurisdiction.code, Jurisdiction.population))
    populations = {code: population for code, population in rows}
    assert all(populations.values()), populations
    assert populations["qiannan"] == 3_494_385

    statuses = set(await session.scalars(select(Dispute.status).distinct()))
    assert statuses == set(DisputeStatus)
    assert await session.scalar(select(func.count(Dispute.id))) == SMALL * len(DEMO_PLUGINS)

    lost_with_analysis = (
        select(Outcome.case_id)
        .join(PostJudgmentDuty, PostJudgmentDuty.case_id == Outcome.case_id)
        .where(Outcome.is_loss.is_(True), PostJudgmentDuty.kind == DutyKind.LOSS_ANALYSIS)
    )
    assert (await session.scalars(lost_with_analysis)).first() is not None

    now = dt.datetime.combine(TODAY, dt.time(10, 0), tzinfo=CHINA)
    scheduled = await session.scalars(select(Hearing).where(Hearing.status == HearingStatus.SCHEDULED))
    assert any(h.scheduled_at > now for h in scheduled)
    assert (await session.scalar(select(func.count(LitigationCase.id))) or 0) > 0

    obligation_states = set(await session.scalars(select(Obligation.status).distinct()))
    assert {ObligationStatus.OPEN, ObligationStatus.MET, ObligationStatus.MET_LATE} <= obligation_states
    overdue = select(func.count(Obligation.id)).where(
        Obligation.status == ObligationStatus.OPEN, Obligation.due_date < TODAY
    )
    assert (await session.scalar(overdue) or 0) > 0

    # The statutory duties of the national defaults are created and, in the demo, met.
    national = dict(
        (
            await session.execute(
                select(Obligation.rule_id, func.count(Obligation.id))
                .where(Obligation.rule_id.like("national.%"), Obligation.status == ObligationStatus.MET)
                .group_by(Obligation.rule_id)
            )
        ).all()
    )
    assert {"national.litigation_defence", "national.reconsideration_examination"} <= set(national), national

    audited = exists().where(AuditEntry.entity_type == "disputes", AuditEntry.entity_id == Dispute.id)
    assert await session.scalar(select(func.count(Dispute.id)).where(~audited)) == 0


async def test_small_demo_covers_every_state_and_loads_once(
    session_factory: Factory, registry: PolicyRegistry
) -> None:
    summary = await load_demo(session_factory, registry, today=TODAY, disputes_per_jurisdiction=SMALL)
    assert "武平县" in summary and "Demo data loaded" in summary
    async with session_factory() as session:
        await check_contents(session, registry)
    loaded = await row_counts(session_factory)

    again = await load_demo(session_factory, registry, today=TODAY, disputes_per_jurisdiction=SMALL)
    assert "already loaded" in again
    assert await row_counts(session_factory) == loaded

    # A reset deletes everything and, with the same seed and day, builds exactly the same data; the
    # progress shown on the way reaches every county's last dispute (caseload demo's stderr).
    out = io.StringIO()
    await load_demo(
        session_factory,
        registry,
        reset=True,
        today=TODAY,
        disputes_per_jurisdiction=SMALL,
        progress=stderr_demo_progress(out),
    )
    assert await row_counts(session_factory) == loaded
    lines = out.getvalue().splitlines()
    assert any(
        line.startswith("demo: 武平县 争议 / disputes") and f"{SMALL}/{SMALL} done" in line for line in lines
    )
    assert len([line for line in lines if "争议 / disputes" in line]) == 4 and "accounts" in lines[-1]


def test_deck_keeps_proportions_and_guarantees_rare_keys() -> None:
    deck = Dice("seed").deck({"common": 90.0, "rare": 1.0}, 10, ensure=["rare"])
    assert sorted(deck) == ["common"] * 9 + ["rare"]
    assert Dice("seed").deck({"a": 1.0, "b": 3.0}, 8) == Dice("seed").deck({"a": 1.0, "b": 3.0}, 8)
