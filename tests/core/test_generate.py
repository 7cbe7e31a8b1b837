"""The bulk generator (core/generate.py) on the test database: counts, referential validity,
statuses that agree with their dates, the source-004 rates, and an app that serves the data."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.app import create_app
from core.cases.models import Hearing, LitigationCase, Outcome, ReconsiderationCase
from core.clock import CHINA, fixed_clock
from core.config import Settings
from core.context import ServiceContext
from core.disputes import service as disputes
from core.disputes.models import Dispute
from core.enums import (
    LOSS_OUTCOMES,
    ActionType,
    CaseStatus,
    DisputeField,
    DisputeSource,
    Instance,
    ObligationStatus,
)
from core.errors import ConfigurationError
from core.generate import BUILTIN_PLUGINS, TABLE_ORDER, GenerateOptions, generate
from core.obligations.models import Notification, Obligation
from core.org.models import Jurisdiction, Unit
from core.policy.manager import PolicyRegistry
from core.principal import SYSTEM
from tests.api.conftest import GraphQLClient

TODAY = dt.date(2024, 11, 20)
CASES = 1500


@pytest.fixture
def builtins(registry: PolicyRegistry) -> PolicyRegistry:
    if not all(registry.has(p) for p in BUILTIN_PLUGINS):
        pytest.skip("the built-in plugins are not installed")
    return registry


async def make(engine: AsyncEngine, registry: PolicyRegistry, cases: int = CASES, **kw: Any) -> Any:
    options = GenerateOptions(jurisdictions=kw.pop("jurisdictions", 6), cases=cases, today=TODAY, **kw)
    return await generate(engine, registry, options)


async def scalar(session: AsyncSession, sql: str) -> Any:
    return (await session.execute(text(sql))).scalar()


async def test_counts_and_referential_validity(
    engine: AsyncEngine, builtins: PolicyRegistry, session_factory: async_sessionmaker[AsyncSession]
):
    seen: list[tuple[int, int, int]] = []
    report = await generate(
        engine,
        builtins,
        GenerateOptions(jurisdictions=6, cases=CASES, today=TODAY, batch_rows=3000),
        progress=lambda done, total, rows: seen.append((done, total, rows)),
    )
    assert report.counts["disputes"] == CASES and len(report.jurisdiction_ids) == 6
    assert len(seen) > 3 and seen[-1][0] == CASES and seen[-1][2] == report.rows  # batches, and progress
    async with session_factory() as session:
        for name in TABLE_ORDER:  # every table the report counts holds those rows
            assert await scalar(session, f"select count(*) from {name}") >= report.counts[name], name
        codes = list(await session.scalars(select(Jurisdiction.code).order_by(Jurisdiction.id)))
        assert codes[:4] == ["xx_county", "wuping", "wuyang", "qiannan"] or set(codes) >= {"gen-0001"}
        assert {"gen-0001", "gen-0002"} <= set(codes)
        # Every jurisdiction has units, a government with its leaders, and disputes.
        for jurisdiction_id in report.jurisdiction_ids:
            units = await session.scalar(select(func.count()).where(Unit.jurisdiction_id == jurisdiction_id))
            assert units and units >= 14
        # Children point at rows of their own jurisdiction.
        for sql in (
            "select count(*) from disputes d join units u on u.id = d.unit_id"
            " where u.jurisdiction_id != d.jurisdiction_id",
            "select count(*) from litigation_cases c join disputes d on d.id = c.dispute_id"
            " where d.jurisdiction_id != c.jurisdiction_id",
            "select count(*) from hearings h join litigation_cases c on c.id = h.case_id"
            " where c.jurisdiction_id != h.jurisdiction_id or c.unit_id != h.unit_id",
            "select count(*) from resolution_efforts e join disputes d on d.id = e.dispute_id"
            " where d.jurisdiction_id != e.jurisdiction_id",
            "select count(*) from notifications n join obligations o on o.id = n.obligation_id"
            " where o.jurisdiction_id != n.jurisdiction_id",
        ):
            assert await scalar(session, sql) == 0, sql
        # Obligations name subjects that exist (subject_id has no foreign key).
        for subject, table in (
            ("dispute", "disputes"),
            ("resolution_effort", "resolution_efforts"),
            ("litigation_case", "litigation_cases"),
            ("reconsideration_case", "reconsideration_cases"),
            ("hearing", "hearings"),
        ):
            missing = await scalar(
                session,
                f"select count(*) from obligations o where o.subject_type = '{subject}' and not exists"
                f" (select 1 from {table} t where t.id = o.subject_id)",
            )
            assert missing == 0, subject
        kinds = set(await session.scalars(select(Obligation.subject_type).distinct()))
        assert {"dispute", "resolution_effort", "litigation_case", "hearing"} <= kinds
        # Every versioned row starts at version 1.
        for name in ("disputes", "litigation_cases", "hearings", "obligations", "resolution_efforts"):
            assert await scalar(session, f"select count(*) from {name} where version != 1") == 0
        # Dispute numbers follow the service's pattern, unique per jurisdiction.
        numbers = list(await session.execute(select(Dispute.jurisdiction_id, Dispute.number)))
        assert len(set(numbers)) == CASES
        assert all(re.fullmatch(r"[A-Z0-9_-]+-20\d\d-\d{5}", n) for _, n in numbers)


async def test_statuses_agree_with_dates(
    engine: AsyncEngine, builtins: PolicyRegistry, session_factory: async_sessionmaker[AsyncSession]
):
    await make(engine, builtins)
    checks = {
        "closed dispute without a closed date": "select count(*) from disputes"
        " where (status = 'closed') != (closed_date is not null)",
        "resolved dispute without result": "select count(*) from disputes"
        " where status = 'resolved' and (resolution_result is null or resolved_date is null)",
        "received in the future": f"select count(*) from disputes where received_date > '{TODAY}'",
        "concluded case without outcome": "select count(*) from litigation_cases c where c.status in"
        " ('concluded','effective','closed') and not exists (select 1 from outcomes o where o.case_id = c.id)",
        "outcome on an open case": "select count(*) from outcomes o join litigation_cases c on c.id = o.case_id"
        " where c.status not in ('concluded','effective','closed')",
        "effective without date": "select count(*) from litigation_cases"
        " where status in ('effective','closed') and effective_date is null",
        "held hearing without attendance": "select count(*) from hearings"
        " where status = 'held' and (held_at is null or head_attended is null)",
        "attended without official": "select count(*) from hearings"
        " where head_attended and attending_official_id is null",
        "met obligation without date": "select count(*) from obligations"
        " where status in ('met','met_late','waived') and met_date is null",
        "open obligation past due": f"select count(*) from obligations"
        f" where status = 'open' and due_date < '{TODAY}'",
        "overdue obligation not past due": f"select count(*) from obligations"
        f" where status = 'overdue' and (due_date is null or due_date >= '{TODAY}')",
        "late without lateness": "select count(*) from obligations where status = 'met_late' and met_date <= due_date",
        "escalated without notification": "select count(*) from obligations o where escalation_level > 0 and"
        " (select count(*) from notifications n where n.obligation_id = o.id) != o.escalation_level",
        "concluded effort without date": "select count(*) from resolution_efforts"
        " where status in ('succeeded','failed') and concluded_date is null",
        "accepted effort without dates": "select count(*) from resolution_efforts"
        " where status != 'assigned' and accepted_date is null",
        "concluded reconsideration without decision": "select count(*) from reconsideration_cases"
        " where (status = 'concluded') != (decision is not null)",
    }
    async with session_factory() as session:
        for name, sql in checks.items():
            assert await scalar(session, sql) == 0, name
        loss_kinds = {k.value for k in LOSS_OUTCOMES}
        for kind, is_loss in await session.execute(select(Outcome.kind, Outcome.is_loss)):
            assert is_loss == (kind.value in loss_kinds)
        future = await session.scalar(
            select(func.count()).where(
                Hearing.status == "scheduled",
                Hearing.scheduled_at < dt.datetime.combine(TODAY, dt.time(), tzinfo=CHINA),
            )
        )
        assert future == 0
        statuses = set(await session.scalars(select(Obligation.status).distinct()))
        assert {ObligationStatus.OPEN, ObligationStatus.MET, ObligationStatus.OVERDUE} <= statuses
        assert await session.scalar(select(func.count(Notification.id))) > 0


async def test_rates_in_the_range_of_source_004(
    engine: AsyncEngine, builtins: PolicyRegistry, session_factory: async_sessionmaker[AsyncSession]
):
    await make(engine, builtins, cases=3000)
    async with session_factory() as session:
        concluded = select(Outcome.is_loss).join(LitigationCase, LitigationCase.id == Outcome.case_id)
        first = list(await session.scalars(concluded.where(LitigationCase.instance == Instance.FIRST)))
        loss_rate = sum(first) / len(first)
        decisions = list(
            await session.scalars(
                select(ReconsiderationCase.decision).where(ReconsiderationCase.decision.is_not(None))
            )
        )
        correction = sum(d.is_correction for d in decisions) / len(decisions)
        mediation = sum(d.value == "mediated" for d in decisions) / len(decisions)
        held = list(await session.scalars(select(Hearing.head_attended).where(Hearing.status == "held")))
        appearance = sum(bool(a) for a in held) / len(held)
        open_cases = await session.scalar(
            select(func.count()).where(
                LitigationCase.status.in_((CaseStatus.FILED, CaseStatus.NOTICE_RECEIVED))
            )
        )
    assert len(first) > 500 and len(decisions) > 250 and len(held) > 400
    assert 0.17 <= loss_rate <= 0.27, loss_rate
    assert 0.07 <= correction <= 0.15, correction
    assert 0.38 <= mediation <= 0.52, mediation
    # A head is designated ~85% of the time and attends 75% of those: 60-75% of hearings held.
    assert 0.55 <= appearance <= 0.80, appearance
    assert open_cases and open_cases > 0


async def test_same_seed_same_data_and_no_second_run_over_it(
    engine: AsyncEngine, builtins: PolicyRegistry, session_factory: async_sessionmaker[AsyncSession]
):
    async def snapshot() -> list[Any]:
        async with session_factory() as session:
            rows = await session.execute(
                select(Dispute.number, Dispute.title, Dispute.status, Dispute.received_date).order_by(
                    Dispute.id
                )
            )
            return list(rows)

    await make(engine, builtins, cases=200, jurisdictions=5, seed=7)
    first = await snapshot()
    with pytest.raises(ConfigurationError, match="already has"):
        await make(engine, builtins, cases=10, jurisdictions=5, seed=7)
    await make(engine, builtins, cases=200, jurisdictions=5, seed=7, reset=True)
    assert await snapshot() == first


async def test_the_app_records_the_next_dispute_after_generated_ones(
    engine: AsyncEngine,
    builtins: PolicyRegistry,
    session_factory: async_sessionmaker[AsyncSession],
):
    report = await make(engine, builtins, cases=300, jurisdictions=4)
    async with session_factory() as session, session.begin():
        ctx = ServiceContext(
            session=session,
            principal=SYSTEM,
            registry=builtins,
            clock=fixed_clock(dt.datetime.combine(TODAY, dt.time(10), tzinfo=CHINA)),
        )
        unit = await session.scalar(select(Unit).where(Unit.jurisdiction_id == report.jurisdiction_ids[0]))
        assert unit is not None
        d = await disputes.record_dispute(
            ctx,
            disputes.DisputeInput(
                unit_id=unit.id,
                title="新争议",
                applicant_name="张三",
                field=DisputeField.OTHER,
                action_type=ActionType.PENALTY,
                source=DisputeSource.SCREENING,
                received_date=TODAY,
            ),
        )
    async with session_factory() as session:
        same = await session.scalar(
            select(func.count()).where(
                Dispute.jurisdiction_id == d.jurisdiction_id, Dispute.number == d.number
            )
        )
        given = await session.scalars(
            select(Dispute.number).where(Dispute.jurisdiction_id == d.jurisdiction_id, Dispute.id != d.id)
        )
    assert same == 1
    # It numbers on from the highest generated number of the year (the generator left the counter there).
    highest = max(int(n.rsplit("-", 1)[1]) for n in given if n.split("-")[-2] == str(TODAY.year))
    assert d.number.endswith(f"-{TODAY.year}-{highest + 1:05d}")


PAGE = """query($first: Int!, $j: ID!) {
  disputes(first: $first, order: RECEIVED_DESC, filter: {jurisdictionId: $j}) { totalCount edges { node {
    number statusLabel fieldLabel unit { name } respondents { name } leaderInCharge { name }
    resolutionEfforts { stageLabel statusLabel dueDate unit { name } progressReports { content }
                        extensions { newDueDate } obligations { ruleId statusLabel dueRuleText } }
    litigationCases { caseNumber statusLabel instanceLabel
      hearings { scheduledAt statusLabel headAttended designatedOfficial { name } attendingOfficial { name } }
      outcome { kindLabel isLoss } duties { kindLabel statusLabel } obligations(openOnly: true) { ruleId dueDate } }
    reconsiderationCases { caseNumber statusLabel decisionLabel isCorrection }
    obligations { ruleId statusLabel rule { id } unit { name } }
  } } } }"""


@pytest.fixture
async def client(
    settings: Settings, builtins: PolicyRegistry, session_factory: Any
) -> AsyncIterator[GraphQLClient]:
    app = create_app(
        settings, registry=builtins, clock=fixed_clock(dt.datetime.combine(TODAY, dt.time(10), tzinfo=CHINA))
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http,
    ):
        yield GraphQLClient(http)


async def test_the_app_serves_the_generated_data(
    engine: AsyncEngine, builtins: PolicyRegistry, client: GraphQLClient
):
    report = await make(engine, builtins, cases=600, jurisdictions=5)
    for jurisdiction_id in report.jurisdiction_ids:
        # Twenty a page keeps this deep query under the API's cost limit (api/hardening.py).
        data = await client.ok(PAGE, {"first": 20, "j": str(jurisdiction_id)})
        page = data["disputes"]
        assert page["totalCount"] > 50 and len(page["edges"]) == 20
    nodes = [e["node"] for e in page["edges"]]
    assert any(n["litigationCases"] for n in nodes) and any(n["resolutionEfforts"] for n in nodes)
    data = await client.ok(
        "query($j: ID!) { obligations(filter: {jurisdictionId: $j}, first: 50) { totalCount nodes { ruleId dueDate } } }",
        {"j": str(report.jurisdiction_ids[-1])},
    )
    assert data["obligations"]["totalCount"] > 0
