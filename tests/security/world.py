"""The seeded world of the security tests: two jurisdictions, who is asking, and database snapshots.

Jurisdiction J1 ("securityland", a test plugin) has an agency A, a township B and the county
government G; jurisdiction J2 ("testland") is a second county. Every free-text field of a record
carries a marker naming where it belongs (``甲县机密`` in J1 with ``B单位机密`` for unit B,
``乙县机密`` in J2), so a leak shows up as a marker in a response body.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import sqlite3
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import delete, inspect, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import core.models  # noqa: F401  (every model registered on the metadata)
from core.auth.service import AuthConfig, bootstrap_admin, create_api_token, create_user
from core.cases import service as cases
from core.cases.models import LitigationCase
from core.clock import CHINA, fixed_clock
from core.context import ServiceContext
from core.db import Base
from core.disputes import service as disputes
from core.disputes.models import ResolutionEffort
from core.enums import (
    ActionType,
    DisputeField,
    DisputeSource,
    DutyKind,
    NotificationKind,
    OutcomeKind,
    ResolutionResult,
    ResolutionStage,
    Role,
)
from core.indicators import bulletins
from core.indicators import service as indicators
from core.notify import service as notify
from core.obligations.models import Obligation
from core.policy import hookimpl
from core.policy.manager import PolicyRegistry, build_registry
from core.policy.types import (
    AttributeType,
    ConditionKind,
    EventAttribute,
    EventSubject,
    JurisdictionProfile,
    PenaltyCondition,
    PenaltyKind,
    PenaltyRule,
    PolicyEvent,
    SubstitutePolicy,
)
from core.principal import SYSTEM, Principal
from tests.http_fixtures import NOW
from tests.support import CITE, Testland, make_org

T = TypeVar("T")

PASSWORD = "Correct-horse-9"
J1_MARK = "甲县机密"
A_MARK = J1_MARK + "A"  # unit A's records (unit B's carry J1_MARK + B_MARK)
B_MARK = "B单位机密"
J2_MARK = "乙县机密"
ID_NUMBER = "110101199001011234"
PHONE = "13812345678"
FOREIGN_ID_NUMBER = "220202198002022222"

# ---------------------------------------------------------------------------------------------
# The test plugin of J1: testland's deadlines plus a fact an assessment can be told about
# ---------------------------------------------------------------------------------------------


SECLAND_CRITICISED = PolicyEvent(
    "secland.criticised",
    "被通报批评",
    "publicly criticised",
    EventSubject.UNIT,
    CITE,
    (EventAttribute("bulletin", AttributeType.TEXT, "通报名称"),),
)


class Securityland(Testland):
    """Testland's rules, its own profile, and one event-conditioned penalty (so facts can be recorded)."""

    @hookimpl
    def caseload_jurisdiction_profile(self) -> JurisdictionProfile:
        return JurisdictionProfile(code="secland", name="安全测试县", name_en="Secland", population=200_000)

    @hookimpl
    def caseload_penalty_rules(self) -> list[PenaltyRule]:
        return [
            PenaltyRule(
                "secland.fault_accountability",
                PenaltyCondition(ConditionKind.EVENT, fact="loss_by_fault"),
                PenaltyKind.ACCOUNTABILITY,
                "因违法行为败诉的，追究过错责任",
                "accountability for a loss caused by unlawful conduct",
                CITE,
            )
        ]

    @hookimpl
    def caseload_events(self) -> list[PolicyEvent]:
        """One declared event, so ``recordPolicyEvent`` has a kind to record in J1."""
        return [SECLAND_CRITICISED]

    @hookimpl
    def caseload_substitute_heads(self, unit_kind: str, court_requires_head: bool) -> SubstitutePolicy:
        return SubstitutePolicy(
            frozenset({"deputy_head"}), frozenset({"county_leader_in_charge"}), "经批准由分管领导出庭", CITE
        )


def security_registry() -> PolicyRegistry:
    return build_registry(extra={"testland": Testland(), "securityland": Securityland()})


# ---------------------------------------------------------------------------------------------
# Who is asking
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Who:
    """A principal of the matrix: a role, in J1 or J2, of unit A or B (the records' unit is A)."""

    key: str
    column: str
    role: Role
    jurisdiction: str | None
    unit: str | None = None

    def headers(self, w: World) -> dict[str, str]:
        headers = {"x-caseload-role": self.role.value, "x-caseload-user": f"sec-{self.key}"}
        if self.jurisdiction is not None:
            headers["x-caseload-jurisdiction"] = str(w.jurisdiction_ids[self.jurisdiction])
        if self.unit is not None:
            headers["x-caseload-unit"] = str(w.unit_ids[self.unit])
        return headers


SYSTEM_ADMIN = Who("system_admin", "SA", Role.SYSTEM_ADMIN, None)
JUSTICE_STAFF = Who("justice_staff", "JS", Role.JUSTICE_STAFF, "J1")
COUNTY_ADMIN = Who("jurisdiction_admin", "JA", Role.JURISDICTION_ADMIN, "J1")
UNIT_CLERK = Who("unit_clerk", "UC", Role.UNIT_CLERK, "J1", "A")
OTHER_UNIT_CLERK = Who("other_unit_clerk", "UX", Role.UNIT_CLERK, "J1", "B")
COURT_LIAISON = Who("court_liaison", "CL", Role.COURT_LIAISON, "J1")
LEADER = Who("leader", "LD", Role.LEADER, "J1")
OTHER_JUSTICE_STAFF = Who("other_justice_staff", "JX", Role.JUSTICE_STAFF, "J2")
EVERYONE = (
    SYSTEM_ADMIN,
    COUNTY_ADMIN,
    JUSTICE_STAFF,
    UNIT_CLERK,
    OTHER_UNIT_CLERK,
    COURT_LIAISON,
    LEADER,
    OTHER_JUSTICE_STAFF,
)
BY_COLUMN = {w.column: w for w in EVERYONE}


# ---------------------------------------------------------------------------------------------
# The world
# ---------------------------------------------------------------------------------------------


@dataclass
class World:
    session_factory: async_sessionmaker[AsyncSession]
    registry: PolicyRegistry
    auth: AuthConfig
    jurisdiction_ids: dict[str, int] = field(default_factory=dict)
    unit_ids: dict[str, int] = field(default_factory=dict)
    official_ids: dict[str, int] = field(default_factory=dict)
    # Ids of seeded records, by kind: J1 unit A (``own``), J1 unit B (``b``), J2 (``foreign``).
    own: dict[str, int] = field(default_factory=dict)
    b: dict[str, int] = field(default_factory=dict)
    foreign: dict[str, int] = field(default_factory=dict)
    counter: int = 0

    @property
    def j1(self) -> int:
        return self.jurisdiction_ids["J1"]

    @property
    def j2(self) -> int:
        return self.jurisdiction_ids["J2"]

    @property
    def a(self) -> int:
        return self.unit_ids["A"]

    def next(self) -> int:
        self.counter += 1
        return self.counter

    async def run(self, fn: Callable[[ServiceContext], Awaitable[T]], principal: Principal = SYSTEM) -> T:
        """Run a service function in its own committed transaction (as the system by default)."""
        async with self.session_factory() as session:
            ctx = ServiceContext(
                session=session, principal=principal, registry=self.registry, clock=fixed_clock(NOW)
            )
            result = await fn(ctx)
            await session.commit()
            return result


async def truncate(engine: AsyncEngine) -> None:
    """Empty every table the migrations created (what tests/conftest.py does after each test)."""
    async with engine.begin() as conn:
        existing = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        for table in reversed(Base.metadata.sorted_tables):
            if table.name in existing:
                await conn.execute(delete(table))


# ---------------------------------------------------------------------------------------------
# Building blocks (as the system; dates are before the fixed "today", 2024-11-20)
# ---------------------------------------------------------------------------------------------


async def new_dispute(
    ctx: ServiceContext, unit_id: int, title: str, applicant: str = "甲某", **extra: Any
) -> Any:
    return await disputes.record_dispute(
        ctx,
        disputes.DisputeInput(
            unit_id=unit_id,
            title=title,
            applicant_name=applicant,
            field=DisputeField.MARKET_REGULATION,
            action_type=ActionType.PENALTY,
            source=DisputeSource.SCREENING,
            received_date=dt.date(2024, 11, 1),
            **extra,
        ),
    )


async def new_effort(
    ctx: ServiceContext, unit_id: int, n: int, *, accepted: bool = False, mark: str = ""
) -> Any:
    d = await new_dispute(ctx, unit_id, f"化解争议{n}{mark}")
    e = await disputes.assign_resolution(
        ctx, d.id, unit_id=unit_id, stage=ResolutionStage.PRE_FILING, assigned_date=dt.date(2024, 11, 1)
    )
    if accepted:
        e = await disputes.accept_resolution(
            ctx, e.id, accepted_date=dt.date(2024, 11, 4), notice_delivered_date=dt.date(2024, 11, 4)
        )
    return e


async def concluded_effort(ctx: ServiceContext, unit_id: int, n: int, result: ResolutionResult) -> Any:
    e = await new_effort(ctx, unit_id, n, accepted=True)
    return await disputes.conclude_resolution(
        ctx,
        e.id,
        succeeded=True,
        concluded_date=dt.date(2024, 11, 15),
        result=result,
        agreement_effective_date=dt.date(2024, 11, 15) if result == ResolutionResult.AGREEMENT else None,
    )


async def effort_obligation(ctx: ServiceContext, effort_id: int, extendable: bool) -> Obligation:
    """The effort's open deadline: the resolution period (extendable) or the acceptance one."""
    effort = await ctx.session.get(ResolutionEffort, effort_id)
    assert effort is not None
    policy = await ctx.policy(effort.jurisdiction_id)
    rows = await ctx.session.scalars(
        select(Obligation)
        .where(Obligation.subject_type == "resolution_effort", Obligation.subject_id == effort_id)
        .order_by(Obligation.id)
    )
    for ob in rows:
        rule = policy.deadline_rule(ob.rule_id)
        if rule is not None and (rule.extension is not None) == extendable:
            return ob
    raise AssertionError(f"effort {effort_id} has no {'extendable' if extendable else 'fixed'} obligation")


async def new_case(ctx: ServiceContext, unit_id: int, n: int, mark: str = "") -> Any:
    d = await new_dispute(ctx, unit_id, f"诉讼争议{n}{mark}")
    return await cases.file_litigation_case(
        ctx,
        d.id,
        court="县人民法院",
        case_number=f"(2024)安行初{n}号{mark}",
        plaintiff_name=f"原告{n}{mark}",
        filed_date=dt.date(2024, 11, 5),
    )


async def new_hearing(
    ctx: ServiceContext, unit_id: int, n: int, head_id: int | None = None, mark: str = ""
) -> Any:
    c = await new_case(ctx, unit_id, n, mark)
    h = await cases.schedule_hearing(ctx, c.id, scheduled_at=dt.datetime(2024, 11, 18, 9, 0, tzinfo=CHINA))
    if head_id is not None:
        h = await cases.designate_head(ctx, h.id, official_id=head_id)
    return h


async def decided_case(ctx: ServiceContext, unit_id: int, n: int, head_id: int, mark: str = "") -> Any:
    """A case whose hearing was held and whose judgment (a loss) was received."""
    h = await new_hearing(ctx, unit_id, n, head_id, mark)
    await cases.record_hearing(
        ctx, h.id, held_at=dt.datetime(2024, 11, 18, 9, 0, tzinfo=CHINA), head_attended=True, head_spoke=True
    )
    await cases.record_outcome(
        ctx,
        h.case_id,
        kind=OutcomeKind.REVOKED,
        decided_date=dt.date(2024, 11, 19),
        received_date=dt.date(2024, 11, 19),
    )
    case = await ctx.session.get(LitigationCase, h.case_id)
    assert case is not None
    return case


async def submit_all_duties(ctx: ServiceContext, case_id: int) -> list[Any]:
    return [
        await cases.submit_duty(
            ctx, case_id, kind=kind, content=f"{kind.label}内容", submitted_date=dt.date(2024, 11, 19)
        )
        for kind in (DutyKind.FILE_JUDGMENT, DutyKind.LOSS_ANALYSIS, DutyKind.RECTIFICATION)
    ]


async def new_user(ctx: ServiceContext, w: World, n: int, role: Role = Role.UNIT_CLERK) -> Any:
    user = await create_user(
        ctx,
        username=f"sec-made-{n}",
        password=PASSWORD,
        role=role,
        jurisdiction_id=w.j1,
        unit_id=w.a if role == Role.UNIT_CLERK else None,
    )
    await ctx.session.flush()
    return user


def ledger_file(rows: Iterable[dict[str, str]]) -> str:
    """A one-sheet ledger (the default Chinese headers) as base64."""
    from openpyxl import Workbook

    headers = ["申请人/原告", "被申请单位/被告", "争议事项", "争议领域", "行为类型", "来源", "收到日期"]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h, "") for h in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    return base64.b64encode(buffer.getvalue()).decode()


# ---------------------------------------------------------------------------------------------
# Seeding
# ---------------------------------------------------------------------------------------------


async def seed_world(w: World) -> None:
    """Two jurisdictions with a record of every kind in J1/A, J1/B and J2 (markers in their text)."""

    async def orgs(ctx: ServiceContext) -> None:
        one = await make_org(ctx, "securityland")
        two = await make_org(ctx, "testland")
        w.jurisdiction_ids.update(J1=one.jurisdiction.id, J2=two.jurisdiction.id)
        w.unit_ids.update(
            A=one.agency.id, B=one.township.id, G=one.government.id, A2=two.agency.id, B2=two.township.id
        )
        w.official_ids.update(
            head=one.head.id,
            deputy=one.deputy.id,
            staff=one.staff.id,
            county_leader=one.county_leader.id,
            b_head=await _b_head(ctx, one.township.id),
            foreign_head=two.head.id,
        )
        await bootstrap_admin(ctx.session, username="sec-root", password=PASSWORD)
        for name, role, jur, unit in (
            ("sec-user", Role.JUSTICE_STAFF, one.jurisdiction.id, None),
            ("sec-clerk-a", Role.UNIT_CLERK, one.jurisdiction.id, one.agency.id),
            ("sec-staff-j2", Role.JUSTICE_STAFF, two.jurisdiction.id, None),
        ):
            await create_user(
                ctx, username=name, password=PASSWORD, role=role, jurisdiction_id=jur, unit_id=unit
            )

    await w.run(orgs)
    await _seed_records(w, "A", w.own, A_MARK, ID_NUMBER)
    await _seed_records(w, "B", w.b, f"{J1_MARK}{B_MARK}", ID_NUMBER)
    await _seed_records(w, "A2", w.foreign, J2_MARK, FOREIGN_ID_NUMBER)


async def _b_head(ctx: ServiceContext, unit_id: int) -> int:
    from core.enums import OfficialRank
    from core.org.service import create_official

    head = await create_official(ctx, unit_id, name="镇长", rank=OfficialRank.PRINCIPAL_HEAD)
    await ctx.session.flush()
    return head.id


async def _seed_records(w: World, unit_key: str, into: dict[str, int], mark: str, id_number: str) -> None:
    unit_id = w.unit_ids[unit_key]
    head = {"A": "head", "B": "b_head", "A2": "foreign_head"}[unit_key]
    jurisdiction_id = w.j2 if unit_key == "A2" else w.j1

    async def records(ctx: ServiceContext) -> None:
        d = await new_dispute(
            ctx,
            unit_id,
            f"{mark}争议",
            applicant=f"{mark}申请人",
            applicant_id_number=id_number,
            applicant_phone=PHONE,
            summary=f"{mark}案情",
        )
        e = await new_effort(ctx, unit_id, w.next(), accepted=True, mark=mark)
        await disputes.report_progress(ctx, e.id, report_date=dt.date(2024, 11, 6), content=f"{mark}进展")
        c = await new_case(ctx, unit_id, w.next(), mark)
        h = await cases.schedule_hearing(ctx, c.id, scheduled_at=dt.datetime(2024, 11, 25, 9, tzinfo=CHINA))
        decided = await decided_case(ctx, unit_id, w.next(), w.official_ids[head], mark)
        r = await cases.receive_reconsideration(
            ctx, d.id, case_number=f"复{w.next()}{mark}", received_date=dt.date(2024, 11, 5)
        )
        endpoint = await notify.register_webhook(
            ctx, jurisdiction_id, name=f"{mark}推送{w.next()}", url="https://hooks.example.invalid/x"
        )
        notice = await notify.issue_notice(
            ctx,
            jurisdiction_id,
            kind=NotificationKind.REMINDER_LETTER,
            title=f"{mark}提醒函",
            body=f"{mark}正文",
            recipient_unit_id=unit_id,
        )
        await ctx.session.flush()
        into.update(
            dispute=d.id,
            effort=e.id,
            case=c.id,
            hearing=h.id,
            decided_case=decided.id,
            reconsideration=r.id,
            webhook=endpoint.id,
            notification=notice.id,
        )
        ob = await ctx.session.scalar(
            select(Obligation.id).where(
                Obligation.jurisdiction_id == jurisdiction_id, Obligation.unit_id == unit_id
            )
        )
        assert ob is not None
        into["obligation"] = ob
        if unit_key != "B":  # jurisdiction-wide records, once per jurisdiction
            target = await indicators.set_target(
                ctx,
                jurisdiction_id,
                indicator="loss_rate",
                year=2024,
                reason=f"{mark}调整",
                value=Decimal("8"),
            )
            bulletin = await bulletins.publish(ctx, jurisdiction_id, 2024, 3, note=f"{mark}通报")
            await ctx.session.flush()
            into.update(target=target.id, bulletin=bulletin.id)
            leader_note = await notify.issue_notice(
                ctx,
                jurisdiction_id,
                kind=NotificationKind.ESCALATION,
                title=f"{mark}督办",
                recipient_role=Role.LEADER,
            )
            await ctx.session.flush()
            into["leader_notification"] = leader_note.id
            user = await create_user(
                ctx,
                username=f"{mark}-user-{w.next()}",
                password=PASSWORD,
                role=Role.LEADER,
                jurisdiction_id=jurisdiction_id,
            )
            await ctx.session.flush()
            token, _plain = await create_api_token(ctx, user_id=user.id, name=f"{mark}令牌")
            await ctx.session.flush()
            into.update(user=user.id, api_token=token.id)

    await w.run(records)


# ---------------------------------------------------------------------------------------------
# Snapshots: a denied mutation writes nothing (not a row, not a column)
# ---------------------------------------------------------------------------------------------


async def database_state(session_factory: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    """A digest of every row of every table, by table: stricter than counting rows and versions."""
    state: dict[str, str] = {}
    async with session_factory() as session:
        conn = await session.connection()
        existing = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        for table in Base.metadata.sorted_tables:
            if table.name not in existing:
                continue
            order = list(table.primary_key.columns) or list(table.c)
            rows = (await session.execute(select(table).order_by(*order))).all()
            digest = hashlib.sha256(json.dumps([list(r) for r in rows], default=str).encode()).hexdigest()
            state[table.name] = f"{len(rows)}:{digest[:16]}"
    return state


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


class WriteProbe:
    """Did anything get written between ``start()`` and ``written()``?

    On SQLite, ``PRAGMA data_version`` of a connection of our own changes whenever any other
    connection commits a change to the file: exact and instant. Elsewhere, :func:`database_state`
    compares every row of every table.
    """

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self.session_factory = session_factory
        url = session_factory.kw["bind"].url
        self._sqlite: sqlite3.Connection | None = None
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            self._sqlite = sqlite3.connect(url.database)
        self._before: Any = None

    async def _now(self) -> Any:
        if self._sqlite is not None:
            return self._sqlite.execute("PRAGMA data_version").fetchone()[0]
        return await database_state(self.session_factory)

    async def start(self) -> None:
        self._before = await self._now()

    async def written(self) -> list[str]:
        """The tables written to (on SQLite: ``["<database>"]`` if anything at all was committed)."""
        after = await self._now()
        if self._sqlite is not None:
            return [] if after == self._before else ["<database>"]
        return changed_tables(self._before, after)

    def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
