"""Dispute numbers (``CODE-YEAR-00001``) come from a counter per jurisdiction and year: consecutive, never
shared by two recordings made at the same moment, restarting each year, and continuing after the
numbers a database already holds when the counters were introduced."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.clock import CHINA, fixed_clock
from core.context import ServiceContext
from core.disputes import service as disputes
from core.disputes.models import Dispute, DisputeNumberCounter
from core.enums import ActionType, DisputeField, DisputeSource, DisputeStatus
from core.policy.manager import PolicyRegistry
from core.principal import SYSTEM
from tests.api.conftest import GraphQLClient
from tests.conftest import TODAY, StatementCounter
from tests.support import make_org, migration_revision


def _input(unit_id: int, received: dt.date = TODAY, title: str = "征收补偿争议") -> disputes.DisputeInput:
    return disputes.DisputeInput(
        unit_id=unit_id,
        title=title,
        applicant_name="张三",
        field=DisputeField.LAND_EXPROPRIATION,
        action_type=ActionType.EXPROPRIATION,
        source=DisputeSource.SCREENING,
        received_date=received,
    )


def _ctx(session: AsyncSession, registry: PolicyRegistry) -> ServiceContext:
    moment = dt.datetime.combine(TODAY, dt.time(10), tzinfo=CHINA)
    return ServiceContext(session=session, principal=SYSTEM, registry=registry, clock=fixed_clock(moment))


async def test_numbers_are_consecutive_per_jurisdiction_and_restart_each_year(ctx: ServiceContext):
    org = await make_org(ctx)
    other = await make_org(ctx, "wuping")
    code = org.jurisdiction.code.upper()
    first = await disputes.record_dispute(ctx, _input(org.agency.id))
    second = await disputes.record_dispute(ctx, _input(org.agency.id))
    elsewhere = await disputes.record_dispute(ctx, _input(other.agency.id))
    last_year = await disputes.record_dispute(ctx, _input(org.agency.id, dt.date(2023, 12, 29)))
    third = await disputes.record_dispute(ctx, _input(org.agency.id))
    assert [first.number, second.number, third.number] == [
        f"{code}-2024-00001",
        f"{code}-2024-00002",
        f"{code}-2024-00003",
    ]
    assert last_year.number == f"{code}-2023-00001"
    assert elsewhere.number == f"{other.jurisdiction.code.upper()}-2024-00001"


async def test_a_rejected_recording_gives_back_its_number(
    ctx: ServiceContext, session_factory: async_sessionmaker[AsyncSession], registry: PolicyRegistry
):
    org = await make_org(ctx)
    await ctx.session.commit()
    async with session_factory() as session:
        with pytest.raises(RuntimeError):
            async with session.begin():
                await disputes.record_dispute(_ctx(session, registry), _input(org.agency.id))
                raise RuntimeError("the mutation fails after numbering")
    async with session_factory() as session, session.begin():
        d = await disputes.record_dispute(_ctx(session, registry), _input(org.agency.id))
    assert d.number.endswith("-2024-00001")


async def test_recordings_at_the_same_moment_never_share_a_number(
    ctx: ServiceContext, session_factory: async_sessionmaker[AsyncSession], registry: PolicyRegistry
):
    org = await make_org(ctx)
    await ctx.session.commit()

    async def record(n: int) -> str:
        async with session_factory() as session, session.begin():
            d = await disputes.record_dispute(
                _ctx(session, registry), _input(org.agency.id, title=f"争议{n}")
            )
            await asyncio.sleep(0.01)  # hold the transaction open while the others number theirs
            return d.number

    numbers = await asyncio.gather(*(record(n) for n in range(8)))
    assert sorted(numbers) == [f"{org.jurisdiction.code.upper()}-2024-{n:05d}" for n in range(1, 9)]


async def test_the_migration_starts_each_counter_after_the_numbers_already_given(
    engine: AsyncEngine, ctx: ServiceContext
):
    org = await make_org(ctx, "wuping")
    code = org.jurisdiction.code.upper()
    # Numbers given before the counters existed, not in order, with a gap and an imported oddity.
    for number in (f"{code}-2024-00007", f"{code}-2024-00003", f"{code}-2023-00012", "外来编号"):
        ctx.session.add(
            Dispute(
                jurisdiction_id=org.jurisdiction.id,
                unit_id=org.agency.id,
                number=number,
                title="旧争议",
                applicant_name="李四",
                field=DisputeField.OTHER,
                action_type=ActionType.OTHER,
                source=DisputeSource.SCREENING,
                received_date=dt.date(2024, 3, 1),
                status=DisputeStatus.OPEN,
            )
        )
    await ctx.session.commit()
    async with engine.begin() as conn:
        await conn.execute(delete(DisputeNumberCounter))
        await conn.run_sync(migration_revision("c7e75b542bd9").backfill_counters)
    counters = {(c.year, c.last_number) for c in await ctx.session.scalars(select(DisputeNumberCounter))}
    assert counters == {(2024, 7), (2023, 12)}
    d = await disputes.record_dispute(ctx, _input(org.agency.id))
    assert d.number == f"{code}-2024-00008"


RECORD = """mutation($u: ID!, $t: String!, $s: DisputeSource! = SCREENING) { recordDispute(input: {unitId: $u,
  title: $t, applicantName: "陈某", field: LAND_EXPROPRIATION, actionType: EXPROPRIATION, source: $s,
  receivedDate: "2024-11-18", originDate: "2024-11-18"}) { result { number } errors { field code message } } }"""


async def test_the_number_is_the_recordings_last_write_but_its_audit_entry(
    ctx: ServiceContext, app: Any, client: GraphQLClient
):
    # The counter row stays locked from the number's statement to the commit: everything else a
    # recording writes (the dispute, its respondents, its obligations) comes before it.
    org = await make_org(ctx, "wuping")
    await ctx.session.commit()
    with StatementCounter(app.state.engine) as seen:
        # The court's oral notice: wuping's rules give it two obligations at once.
        result = await client.mutate(
            RECORD, {"u": str(org.agency.id), "t": "征收补偿争议", "s": "COURT_ORAL_NOTICE"}
        )
    assert result["number"] == f"{org.jurisdiction.code.upper()}-2024-00001"
    taken = next(i for i, s in enumerate(seen.statements) if "dispute_number_counters" in s)
    later = [
        s for s in seen.statements[taken + 1 :] if s.lstrip().split()[0] in ("INSERT", "UPDATE", "DELETE")
    ]
    assert all(
        s.startswith("INSERT INTO audit_entries") or s.startswith("UPDATE disputes SET number") for s in later
    ), later
    earlier = " ".join(seen.statements[:taken])
    assert "INSERT INTO dispute_respondents" in earlier and "INSERT INTO obligations" in earlier


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="concurrent transactions on one counter row: PostgreSQL's row locks",
)
async def test_ten_concurrent_recordings_in_one_county_get_unique_gapless_numbers(
    ctx: ServiceContext,
    client: GraphQLClient,
    session_factory: async_sessionmaker[AsyncSession],
    registry: PolicyRegistry,
):
    org = await make_org(ctx)
    await ctx.session.commit()

    async def record(n: int) -> str:
        result = await client.mutate(RECORD, {"u": str(org.agency.id), "t": f"征收补偿争议{n}"})
        return str(result["number"])

    async def roll_back(n: int) -> None:
        # A recording that takes its number, then fails before committing: the number comes back.
        with pytest.raises(RuntimeError):
            async with session_factory() as session, session.begin():
                await disputes.record_dispute(
                    _ctx(session, registry), _input(org.agency.id, title=f"失败{n}")
                )
                await asyncio.sleep(0.02)
                raise RuntimeError("rolled back after numbering")

    outcomes = await asyncio.gather(*(record(n) for n in range(10)), *(roll_back(n) for n in range(3)))
    numbers = [n for n in outcomes if n is not None]
    code = org.jurisdiction.code.upper()
    assert sorted(numbers) == [f"{code}-2024-{n:05d}" for n in range(1, 11)]
    stored = list(
        await ctx.session.scalars(
            select(Dispute.number).where(Dispute.jurisdiction_id == org.jurisdiction.id)
        )
    )
    assert sorted(stored) == sorted(numbers)
    counter = await ctx.session.scalar(
        select(DisputeNumberCounter.last_number).where(
            DisputeNumberCounter.jurisdiction_id == org.jurisdiction.id
        )
    )
    assert counter == 10
