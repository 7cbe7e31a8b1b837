"""The Wuping world the letter tests share: a dispute, its lawsuit and a court-entrusted resolution
effort, with helpers that fail the effort, lose the case and make a duty overdue; and the check
that no internal identifier reaches a reader."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEntry
from core.cases import service as cases
from core.cases.models import LitigationCase
from core.clock import CHINA
from core.context import ServiceContext
from core.disputes import service as disputes
from core.disputes.models import Dispute, ResolutionEffort
from core.disputes.service import DisputeInput, record_dispute
from core.documents.models import IssuedDocument
from core.enums import (
    ActionType,
    DisputeField,
    DisputeSource,
    ObligationStatus,
    OutcomeKind,
    ResolutionStage,
)
from core.obligations.models import DomainEvent, Obligation
from tests.conftest import CtxFactory
from tests.support import Org, make_org

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
SEED_FILE = re.compile(r"\d{3}_[0-9a-f]{16}\.txt")
RULE_ID = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)*\.[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def internal_identifiers(text: str, forbidden: tuple[str, ...] = ()) -> list[str]:
    """What must never reach a letter's reader (``forbidden``: the plugin and jurisdiction codes, the
    dispute's registration number)."""
    found = [m.group(0) for p in (UUID, SEED_FILE, RULE_ID) for m in p.finditer(text)]
    for word in (*forbidden, "DOMAIN.md", "口径"):
        if word and word.lower() in text.lower():
            found.append(word)
    return found


def docx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("word/document.xml").decode()
    return "".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", xml))


@dataclass
class World:
    org: Org
    dispute: Dispute
    case: LitigationCase
    effort: ResolutionEffort
    # Plain ids, readable after a rollback has expired the instances.
    case_id: int = 0
    effort_id: int = 0
    agency_id: int = 0
    head_id: int = 0
    forbidden: tuple[str, ...] = ()


async def _dispute(ctx: ServiceContext, org: Org, title: str) -> Dispute:
    return await record_dispute(
        ctx,
        DisputeInput(
            unit_id=org.agency.id,
            title=title,
            applicant_name="陈某某",
            field=DisputeField.LAND_EXPROPRIATION,
            action_type=ActionType.EXPROPRIATION,
            source=DisputeSource.SCREENING,
            received_date=dt.date(2024, 10, 8),
            summary="申请人对房屋征收补偿标准有异议。",
        ),
    )


@pytest.fixture
async def world(ctx: ServiceContext) -> World:
    org = await make_org(ctx, "wuping")
    dispute = await _dispute(ctx, org, "房屋征收补偿争议")
    case = await cases.file_litigation_case(
        ctx,
        dispute.id,
        court="武平县人民法院",
        case_number="（2024）闽0824行初15号",
        plaintiff_name="陈某某",
        filed_date=dt.date(2024, 10, 10),
    )
    effort = await disputes.assign_resolution(
        ctx,
        dispute.id,
        unit_id=org.agency.id,
        stage=ResolutionStage.IN_LITIGATION,
        assigned_date=dt.date(2024, 10, 12),
        by_court_letter=True,
        litigation_case_id=case.id,
    )
    effort = await disputes.accept_resolution(
        ctx, effort.id, accepted_date=dt.date(2024, 10, 14), notice_delivered_date=dt.date(2024, 10, 14)
    )
    await ctx.session.commit()
    forbidden = (org.jurisdiction.plugin, org.jurisdiction.code, dispute.number)
    return World(org, dispute, case, effort, case.id, effort.id, org.agency.id, org.head.id, forbidden)


async def fail_effort(ctx: ServiceContext, w: World) -> ResolutionEffort:
    effort = await disputes.conclude_resolution(
        ctx,
        w.effort_id,
        succeeded=False,
        concluded_date=dt.date(2024, 11, 8),
        failure_process="10月15日、10月29日两次组织双方协调，听取意见并释法说理。",
        claims_summary="原告要求按市场价补偿；被告坚持按已公布的补偿标准执行。",
        point_in_dispute="补偿标准是否适用于原告的临街商铺。",
        failure_reason="双方对补偿标准的分歧无法弥合，原告坚持诉讼。",
    )
    await ctx.session.commit()
    return effort


async def lose_case(ctx: ServiceContext, w: World) -> LitigationCase:
    hearing = await cases.schedule_hearing(
        ctx, w.case_id, scheduled_at=dt.datetime(2024, 11, 12, 9, 0, tzinfo=CHINA)
    )
    hearing = await cases.designate_head(ctx, hearing.id, official_id=w.head_id)
    await cases.record_hearing(
        ctx,
        hearing.id,
        held_at=dt.datetime(2024, 11, 12, 9, 0, tzinfo=CHINA),
        head_attended=True,
        head_spoke=True,
    )
    await cases.record_outcome(
        ctx,
        w.case_id,
        kind=OutcomeKind.REVOKED,
        decided_date=dt.date(2024, 11, 13),
        received_date=dt.date(2024, 11, 14),
        summary="被诉补偿决定认定事实不清，判决撤销。",
    )
    await cases.mark_effective(ctx, w.case_id, effective_date=dt.date(2024, 11, 15))
    await ctx.session.commit()
    case = await ctx.session.get(LitigationCase, w.case_id)
    assert case is not None
    return case


async def overdue_obligation(ctx: ServiceContext, w: World) -> Obligation:
    """The case's judgment filing duty (7 working days), past due and marked so as the scan does."""
    ob = await ctx.session.scalar(
        select(Obligation).where(
            Obligation.subject_type == "litigation_case",
            Obligation.subject_id == w.case_id,
            Obligation.title.like("%备案%"),
        )
    )
    assert ob is not None and ob.due_date is not None and ob.unit_id == w.agency_id
    ob.due_date = dt.date(2024, 11, 18)
    ob.status = ObligationStatus.OVERDUE
    await ctx.session.commit()
    return ob


async def rows(ctx: ServiceContext) -> tuple[int, int, int]:
    docs = await ctx.session.scalar(select(func.count()).select_from(IssuedDocument))
    audits = await ctx.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "document.issue")
    )
    events = await ctx.session.scalar(
        select(func.count()).select_from(DomainEvent).where(DomainEvent.kind == "document_issued")
    )
    return int(docs or 0), int(audits or 0), int(events or 0)


async def fresh(make_ctx: CtxFactory, ctx: ServiceContext) -> ServiceContext:
    """After a refusal: roll back as a mutation does, and go on with a new context (the old one's
    cached jurisdiction expired with the rollback)."""
    await ctx.session.rollback()
    return make_ctx(ctx.principal)


def check_clean(text: str, w: World) -> None:
    assert internal_identifiers(text, w.forbidden) == [], text
