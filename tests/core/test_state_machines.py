"""The core's state machines and validation rules, exercised through the services."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEntry
from core.cases import service as cases
from core.disputes import service as disputes
from core.enums import (
    ActionType,
    CaseStatus,
    DisputeField,
    DisputeSource,
    DisputeStatus,
    DutyKind,
    HearingStatus,
    ObligationStatus,
    OutcomeKind,
    ReconsiderationDecision,
    ResolutionResult,
    ResolutionStage,
    ResolutionStatus,
    Role,
)
from core.errors import DomainError, InvalidTransition, NotFound, ValidationFailed
from core.obligations.models import DomainEvent, Obligation
from core.principal import Principal
from tests.support import make_org

D = dt.date


def dispute_input(unit_id: int, **over: object) -> disputes.DisputeInput:
    data: dict[str, object] = dict(
        unit_id=unit_id,
        title="征收补偿争议",
        applicant_name="陈某",
        field=DisputeField.LAND_EXPROPRIATION,
        action_type=ActionType.EXPROPRIATION,
        source=DisputeSource.SCREENING,
        received_date=D(2024, 11, 1),
    )
    data.update(over)
    return disputes.DisputeInput(**data)  # type: ignore[arg-type]


async def test_record_dispute_numbers_it_and_writes_the_audit_trail(ctx):
    org = await make_org(ctx)
    d1 = await disputes.record_dispute(ctx, dispute_input(org.agency.id, other_unit_ids=(org.township.id,)))
    d2 = await disputes.record_dispute(ctx, dispute_input(org.agency.id))
    assert d1.number == "TESTLAND-2024-00001"
    assert d2.number == "TESTLAND-2024-00002"
    assert d1.status == DisputeStatus.OPEN
    entry = await ctx.session.scalar(
        select(AuditEntry).where(AuditEntry.entity_type == "disputes", AuditEntry.entity_id == d1.id)
    )
    assert entry is not None and entry.action == "dispute.record" and entry.actor == "system"
    assert entry.before is None and entry.after is not None and entry.after["title"] == "征收补偿争议"


@pytest.mark.parametrize(
    ("override", "field", "code"),
    [
        ({"title": "  "}, "title", "required"),
        ({"applicant_name": ""}, "applicantName", "required"),
        ({"received_date": D(2024, 12, 1)}, "receivedDate", "future_date"),
        ({"applicant_count": 0}, "applicantCount", "invalid_value"),
        ({"origin_date": D(2024, 11, 5)}, "receivedDate", "date_order"),
    ],
)
async def test_record_dispute_rejects_bad_input_naming_the_field(ctx, override, field, code):
    org = await make_org(ctx)
    with pytest.raises(ValidationFailed) as err:
        await disputes.record_dispute(ctx, dispute_input(org.agency.id, **override))
    assert err.value.field == field
    assert err.value.code == code
    assert err.value.message_zh and err.value.message_en


async def test_resolution_lifecycle_creates_and_meets_obligations(ctx):
    org = await make_org(ctx)
    d = await disputes.record_dispute(ctx, dispute_input(org.agency.id))
    effort = await disputes.assign_resolution(
        ctx, d.id, unit_id=org.agency.id, stage=ResolutionStage.PRE_FILING, assigned_date=D(2024, 11, 4)
    )
    assert d.status == DisputeStatus.IN_RESOLUTION
    accept = await ctx.session.scalar(select(Obligation).where(Obligation.rule_id == "testland.accept"))
    assert accept is not None and accept.due_date == D(2024, 11, 7)  # Mon + 3 working days
    await disputes.accept_resolution(
        ctx, effort.id, accepted_date=D(2024, 11, 6), notice_delivered_date=D(2024, 11, 6)
    )
    assert accept.status == ObligationStatus.MET
    resolve = await ctx.session.scalar(select(Obligation).where(Obligation.rule_id == "testland.resolve"))
    assert resolve is not None
    assert effort.due_date == resolve.due_date == D(2024, 12, 18)  # 30 working days after Wed 6 Nov
    await disputes.conclude_resolution(
        ctx, effort.id, succeeded=True, concluded_date=D(2024, 11, 15), result=ResolutionResult.MEDIATED
    )
    assert resolve.status == ObligationStatus.MET
    assert effort.status == ResolutionStatus.SUCCEEDED
    assert d.status == DisputeStatus.RESOLVED and d.resolution_result == ResolutionResult.MEDIATED
    with pytest.raises(InvalidTransition):
        await disputes.conclude_resolution(
            ctx, effort.id, succeeded=True, concluded_date=D(2024, 11, 16), result=ResolutionResult.MEDIATED
        )


async def test_extension_needs_the_consents_and_limits_of_its_rule(ctx):
    org = await make_org(ctx)
    d = await disputes.record_dispute(ctx, dispute_input(org.agency.id, received_date=D(2024, 8, 30)))
    effort = await disputes.assign_resolution(
        ctx, d.id, unit_id=org.agency.id, stage=ResolutionStage.PRE_FILING, assigned_date=D(2024, 9, 2)
    )
    await disputes.accept_resolution(
        ctx, effort.id, accepted_date=D(2024, 9, 3), notice_delivered_date=D(2024, 9, 3)
    )
    due = effort.due_date
    # 30 working days: Mid-Autumn 15–17 Sep (make-up Sat 14 Sep) and National Day 1–7 Oct
    # (make-up Sun 29 Sep and Sat 12 Oct) are counted as the State Council notice says.
    assert due == D(2024, 10, 21)
    with pytest.raises(ValidationFailed) as no_consent:
        await disputes.extend_resolution(
            ctx,
            effort.id,
            new_due_date=D(2024, 11, 15),
            reason="需补充评估",
            applicant_consent=False,
            centre_consent=True,
        )
    assert no_consent.value.field == "applicantConsent"
    with pytest.raises(ValidationFailed) as no_centre:
        await disputes.extend_resolution(
            ctx,
            effort.id,
            new_due_date=D(2024, 11, 15),
            reason="需补充评估",
            applicant_consent=True,
            centre_consent=False,
        )
    assert no_centre.value.field == "centreConsent"
    with pytest.raises(ValidationFailed) as too_long:
        await disputes.extend_resolution(
            ctx,
            effort.id,
            new_due_date=D(2024, 12, 31),
            reason="需补充评估",
            applicant_consent=True,
            centre_consent=True,
        )
    assert too_long.value.code == "extension_too_long"
    # The English message reads like the Chinese one, not like a serialised rule (issue 21, defect 5).
    assert too_long.value.message_en == "extension beyond the allowed 30 working day(s) (latest 2024-12-02)"
    assert "{" not in too_long.value.message_en
    await disputes.extend_resolution(
        ctx,
        effort.id,
        new_due_date=D(2024, 11, 15),
        reason="需补充评估",
        applicant_consent=True,
        centre_consent=True,
    )
    resolve = await ctx.session.scalar(select(Obligation).where(Obligation.rule_id == "testland.resolve"))
    assert resolve is not None and resolve.due_date == D(2024, 11, 15)
    with pytest.raises(ValidationFailed) as second:
        await disputes.extend_resolution(
            ctx,
            effort.id,
            new_due_date=D(2024, 11, 20),
            reason="再次延期",
            applicant_consent=True,
            centre_consent=True,
        )
    assert second.value.code == "extension_limit"


async def test_failed_resolution_needs_reasons_and_reopens_the_dispute(ctx):
    org = await make_org(ctx)
    d = await disputes.record_dispute(ctx, dispute_input(org.agency.id))
    effort = await disputes.assign_resolution(
        ctx, d.id, unit_id=org.agency.id, stage=ResolutionStage.PRE_FILING, assigned_date=D(2024, 11, 4)
    )
    await disputes.accept_resolution(
        ctx, effort.id, accepted_date=D(2024, 11, 5), notice_delivered_date=D(2024, 11, 5)
    )
    with pytest.raises(ValidationFailed) as err:
        await disputes.conclude_resolution(ctx, effort.id, succeeded=False, concluded_date=D(2024, 11, 8))
    assert err.value.field == "failureReason"
    await disputes.conclude_resolution(
        ctx,
        effort.id,
        succeeded=False,
        concluded_date=D(2024, 11, 8),
        failure_reason="申请人坚持起诉",
        failure_process="两次协调",
        claims_summary="要求提高补偿",
        point_in_dispute="补偿标准",
    )
    assert effort.status == ResolutionStatus.FAILED
    assert d.status == DisputeStatus.OPEN


async def _case_with_hearing(ctx, org):
    d = await disputes.record_dispute(ctx, dispute_input(org.agency.id, received_date=D(2024, 6, 3)))
    case = await cases.file_litigation_case(
        ctx,
        d.id,
        court="县人民法院",
        case_number="(2024)X0101行初1号",
        plaintiff_name="陈某",
        filed_date=D(2024, 7, 1),
    )
    return d, case


async def test_outcome_needs_a_held_hearing_except_withdrawal(ctx):
    org = await make_org(ctx)
    d, case = await _case_with_hearing(ctx, org)
    assert d.status == DisputeStatus.ESCALATED
    with pytest.raises(ValidationFailed) as err:
        await cases.record_outcome(
            ctx, case.id, kind=OutcomeKind.REVOKED, decided_date=D(2024, 9, 1), received_date=D(2024, 9, 2)
        )
    assert err.value.code == "hearing_required"
    outcome = await cases.record_outcome(
        ctx,
        case.id,
        kind=OutcomeKind.WITHDRAWAL,
        decided_date=D(2024, 9, 1),
        received_date=D(2024, 9, 2),
        agency_changed_act=True,
    )
    assert outcome.is_loss is False and case.status == CaseStatus.CONCLUDED
    with pytest.raises(InvalidTransition):
        await cases.record_outcome(
            ctx, case.id, kind=OutcomeKind.WITHDRAWAL, decided_date=D(2024, 9, 1), received_date=D(2024, 9, 2)
        )


async def test_loss_requires_post_judgment_duties_before_closing(make_ctx):
    ctx = make_ctx()
    org = await make_org(ctx)
    d, case = await _case_with_hearing(ctx, org)
    hearing = await cases.schedule_hearing(ctx, case.id, scheduled_at=dt.datetime(2024, 8, 6, 9, 0))
    await cases.designate_head(ctx, hearing.id, official_id=org.staff.id)
    await cases.check_identity(ctx, hearing.id)
    assert hearing.identity_check.value == "rejected"
    await cases.designate_head(ctx, hearing.id, official_id=org.deputy.id)
    await cases.check_identity(ctx, hearing.id)
    assert hearing.identity_check.value == "verified"
    with pytest.raises(ValidationFailed) as not_head:
        await cases.record_hearing(
            ctx,
            hearing.id,
            held_at=dt.datetime(2024, 8, 6, 9, 0),
            head_attended=True,
            attending_official_id=org.staff.id,
            head_spoke=True,
        )
    assert not_head.value.code == "not_qualifying"
    await cases.record_hearing(
        ctx, hearing.id, held_at=dt.datetime(2024, 8, 6, 9, 0), head_attended=True, head_spoke=True
    )
    assert case.status == CaseStatus.IN_HEARING
    await cases.record_outcome(
        ctx, case.id, kind=OutcomeKind.REVOKED, decided_date=D(2024, 9, 2), received_date=D(2024, 9, 4)
    )
    analysis = await ctx.session.scalar(
        select(Obligation).where(Obligation.rule_id == "testland.loss_analysis")
    )
    assert analysis is not None and analysis.due_date == D(2024, 9, 11)
    await cases.mark_effective(ctx, case.id, effective_date=D(2024, 9, 20))
    with pytest.raises(InvalidTransition) as pending:
        await cases.close_case(ctx, case.id, closed_date=D(2024, 10, 8))
    assert "败诉原因分析报告" in pending.value.message_zh
    for kind in (DutyKind.FILE_JUDGMENT, DutyKind.LOSS_ANALYSIS, DutyKind.RECTIFICATION):
        await cases.submit_duty(ctx, case.id, kind=kind, content="材料", submitted_date=D(2024, 9, 10))
    assert analysis.status == ObligationStatus.MET
    await cases.close_case(ctx, case.id, closed_date=D(2024, 10, 8))
    assert case.status == CaseStatus.CLOSED
    await disputes.close_dispute(ctx, d.id, closed_date=D(2024, 10, 9))
    assert d.status == DisputeStatus.CLOSED


async def test_reconsideration_cannot_be_concluded_twice(ctx):
    org = await make_org(ctx)
    d = await disputes.record_dispute(ctx, dispute_input(org.agency.id))
    r = await cases.receive_reconsideration(
        ctx, d.id, case_number="X复〔2024〕1号", received_date=D(2024, 11, 5)
    )
    with pytest.raises(InvalidTransition):
        await cases.conclude_reconsideration(
            ctx, r.id, decision=ReconsiderationDecision.UPHELD, concluded_date=D(2024, 11, 10)
        )
    await cases.accept_reconsideration(ctx, r.id, accepted_date=D(2024, 11, 6))
    await cases.conclude_reconsideration(
        ctx, r.id, decision=ReconsiderationDecision.REVOKED, concluded_date=D(2024, 11, 18)
    )
    assert r.decision is not None and r.decision.is_correction
    with pytest.raises(InvalidTransition) as twice:
        await cases.conclude_reconsideration(
            ctx, r.id, decision=ReconsiderationDecision.UPHELD, concluded_date=D(2024, 11, 19)
        )
    assert twice.value.code == "invalid_transition"


async def test_appeal_links_to_a_concluded_first_instance(ctx):
    org = await make_org(ctx)
    d, first = await _case_with_hearing(ctx, org)
    with pytest.raises(InvalidTransition):
        await cases.file_litigation_case(
            ctx,
            d.id,
            court="市中级人民法院",
            case_number="(2024)X01行终1号",
            plaintiff_name="陈某",
            filed_date=D(2024, 10, 1),
            instance=cases.Instance.SECOND,
            parent_case_id=first.id,
        )
    await cases.record_outcome(
        ctx,
        first.id,
        kind=OutcomeKind.SUIT_DISMISSED,
        decided_date=D(2024, 9, 1),
        received_date=D(2024, 9, 2),
    )
    second = await cases.file_litigation_case(
        ctx,
        d.id,
        court="市中级人民法院",
        case_number="(2024)X01行终1号",
        plaintiff_name="陈某",
        filed_date=D(2024, 10, 1),
        instance=cases.Instance.SECOND,
        parent_case_id=first.id,
    )
    assert second.parent_case_id == first.id


async def test_another_jurisdiction_cannot_see_or_touch_records(make_ctx):
    admin = make_ctx()
    org = await make_org(admin)
    d = await disputes.record_dispute(admin, dispute_input(org.agency.id))
    outsider = make_ctx(
        Principal(user="other", role=Role.JUSTICE_STAFF, jurisdiction_id=org.jurisdiction.id + 99)
    )
    with pytest.raises(NotFound):
        await disputes.update_dispute(outsider, d.id, loss_risk=True)
    leader = make_ctx(Principal(user="boss", role=Role.LEADER, jurisdiction_id=org.jurisdiction.id))
    with pytest.raises(DomainError) as forbidden:
        await disputes.update_dispute(leader, d.id, loss_risk=True)
    assert forbidden.value.code == "forbidden"
    count = await admin.session.scalar(
        select(func.count(AuditEntry.id)).where(AuditEntry.action == "dispute.update")
    )
    assert count == 0


async def test_a_duty_done_before_its_rule_fires_is_met_at_once(ctx):
    """Filing the judgment before it takes effect: the filing duty created at effect is already met."""
    org = await make_org(ctx)
    _, case = await _case_with_hearing(ctx, org)
    await cases.record_outcome(
        ctx, case.id, kind=OutcomeKind.WITHDRAWAL, decided_date=D(2024, 9, 2), received_date=D(2024, 9, 3)
    )
    await cases.submit_duty(
        ctx, case.id, kind=DutyKind.FILE_JUDGMENT, content="已报备", submitted_date=D(2024, 9, 4)
    )
    await cases.mark_effective(ctx, case.id, effective_date=D(2024, 9, 20))
    filing = await ctx.session.scalar(
        select(Obligation).where(Obligation.rule_id == "testland.file_judgment")
    )
    assert filing is not None and filing.status == ObligationStatus.MET and filing.met_date == D(2024, 9, 4)
    kinds = list(
        await ctx.session.scalars(
            select(DomainEvent.kind).where(DomainEvent.subject_id == case.id).order_by(DomainEvent.id)
        )
    )
    assert kinds[-3:] == ["judgment_received", "duty_submitted", "judgment_effective"]


async def test_a_hearing_cannot_be_held_before_the_day_it_was_scheduled(make_ctx) -> None:
    """A hearing set for 11-20 08:30 Beijing time recorded as held at 00:30 the same day is fine (same
    court day), but one recorded on an earlier day is refused until the hearing is rescheduled."""
    ctx = make_ctx()
    org = await make_org(ctx)
    _, case = await _case_with_hearing(ctx, org)
    china = dt.timezone(dt.timedelta(hours=8))
    hearing = await cases.schedule_hearing(
        ctx, case.id, scheduled_at=dt.datetime(2024, 11, 19, 8, 30, tzinfo=china)
    )
    version = hearing.version
    with pytest.raises(ValidationFailed) as early:
        # 2024-11-19 00:30 UTC is 08:30 Beijing on the 19th; 2024-11-18 23:00 Beijing is the day before.
        await cases.record_hearing(
            ctx,
            hearing.id,
            held_at=dt.datetime(2024, 11, 18, 23, 0, tzinfo=china),
            head_attended=False,
            excuse_reason="外出",
        )
    assert early.value.field == "heldAt" and early.value.code == "before_scheduled"
    assert "2024-11-19" in early.value.message_zh and "改期" in early.value.message_zh
    assert hearing.status == HearingStatus.SCHEDULED and hearing.version == version
    moved = await cases.reschedule_hearing(
        ctx, hearing.id, new_time=dt.datetime(2024, 11, 18, 15, 0, tzinfo=china), reason="法院提前开庭"
    )
    held = await cases.record_hearing(
        ctx,
        moved.id,
        held_at=dt.datetime(2024, 11, 18, 15, 0, tzinfo=china),
        head_attended=False,
        excuse_reason="外出",
    )
    assert held.status == HearingStatus.HELD
