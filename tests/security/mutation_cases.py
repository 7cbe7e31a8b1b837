"""One valid call of every mutation, on a fresh record of J1's unit A made for each attempt.

``prepare(ctx, world, who, n)`` runs as the system (committed before the call) and returns the
variables; ``n`` is unique per attempt, so an allowed attempt never collides with an earlier one.
The system administrator's column of the matrix (always allowed) proves every input is valid, so
a refusal elsewhere is the role's, not the input's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core.attachments import service as attachments
from core.auth import service as auth
from core.calendar import admin as calendar_admin
from core.calendar.models import CalendarYear
from core.cases import service as cases
from core.cases import statutory
from core.context import ServiceContext
from core.enums import DutyKind, NotificationKind, ResolutionResult, Role
from core.indicators import service as indicators
from core.ledger import aliases as ledger_aliases
from core.ledger import jobs as ledger_jobs
from core.ledger.models import ImportJobStatus
from core.notify import service as notify
from core.notify.models import DeliveryStatus, NotificationDelivery
from core.obligations import actions
from tests.http_fixtures import NOW
from tests.security.world import (
    PASSWORD,
    Who,
    World,
    concluded_effort,
    decided_case,
    effort_obligation,
    ledger_file,
    new_case,
    new_dispute,
    new_effort,
    new_hearing,
    new_user,
    submit_all_duties,
)

PAYLOAD = "result { __typename } errors { field code message }"
Prepare = Callable[[ServiceContext, World, Who, int], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Case:
    name: str
    document: str
    prepare: Prepare
    # The target depends on who asks (otherwise refused attempts share one target).
    per_who: bool = False


CASES: dict[str, Case] = {}


def case(name: str, document: str, *, per_who: bool = False) -> Callable[[Prepare], Prepare]:
    def register(fn: Prepare) -> Prepare:
        CASES[name] = Case(name, "mutation" + document.replace("{P}", "{" + PAYLOAD + "}"), fn, per_who)
        return fn

    return register


# ---------------------------------------------------------------------------------------------
# Organisation
# ---------------------------------------------------------------------------------------------


@case("createJurisdiction", "($p: String!) { createJurisdiction(plugin: $p) {P} }")
async def _create_jurisdiction(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"p": "wuyang"}


@case("updateJurisdiction", "($id: ID!) { updateJurisdiction(id: $id, population: 210000) {P} }")
async def _update_jurisdiction(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"id": w.j1}


@case("setGoLiveDate", '($id: ID!) { setGoLiveDate(id: $id, goLiveDate: "2024-01-01") {P} }')
async def _set_go_live_date(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"id": w.j1}


@case(
    "setReferenceFigure",
    '($j: ID!, $y: Int!) { setReferenceFigure(input: {jurisdictionId: $j, indicator: "loss_rate",'
    ' level: "city", year: $y, value: "12.5", source: "市司法局通报"}) {P} }',
)
async def _set_reference(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"j": w.j1, "y": 1990 + n % 30}


@case(
    "createUnit",
    "($j: ID!, $name: String!) { createUnit(input: {jurisdictionId: $j, name: $name, kind: AGENCY}) {P} }",
)
async def _create_unit(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"j": w.j1, "name": f"新设单位{n}"}


@case("updateUnit", "($id: ID!) { updateUnit(input: {id: $id, kind: AGENCY}) {P} }")
async def _update_unit(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"id": w.a}


@case(
    "createOfficial",
    "($u: ID!, $name: String!) { createOfficial(input: {unitId: $u, name: $name, rank: STAFF}) {P} }",
)
async def _create_official(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"u": w.a, "name": f"新人员{n}"}


@case("updateOfficial", "($id: ID!, $t: String!) { updateOfficial(input: {id: $id, title: $t}) {P} }")
async def _update_official(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"id": w.official_ids["staff"], "t": f"科员{n}"}


# ---------------------------------------------------------------------------------------------
# Disputes and resolution
# ---------------------------------------------------------------------------------------------


@case(
    "recordDispute",
    '($u: ID!, $t: String!) { recordDispute(input: {unitId: $u, title: $t, applicantName: "吴某",'
    ' field: OTHER, actionType: PENALTY, source: SCREENING, receivedDate: "2024-11-01"}) {P} }',
)
async def _record_dispute(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"u": w.a, "t": f"新登记争议{n}"}


@case("updateDispute", "($id: ID!) { updateDispute(input: {id: $id, lossRisk: true}) {P} }")
async def _update_dispute(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"id": (await new_dispute(ctx, w.a, f"修改争议{n}")).id}


@case(
    "assignLeader",
    '($d: ID!, $o: ID!) { assignLeader(input: {disputeId: $d, officialId: $o, plan: "一案一策",'
    ' deadline: "2024-12-31", taskTeam: "专班"}) {P} }',
)
async def _assign_leader(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    d = await new_dispute(ctx, w.a, f"包案争议{n}")
    return {"d": d.id, "o": w.official_ids["county_leader"]}


@case(
    "assignResolution",
    "($d: ID!, $u: ID!) { assignResolution(input: {disputeId: $d, unitId: $u, stage: PRE_FILING,"
    ' assignedDate: "2024-11-01"}) {P} }',
)
async def _assign_resolution(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"d": (await new_dispute(ctx, w.a, f"分流争议{n}")).id, "u": w.a}


@case(
    "acceptResolution",
    '($e: ID!) { acceptResolution(input: {effortId: $e, acceptedDate: "2024-11-04",'
    ' noticeDeliveredDate: "2024-11-04"}) {P} }',
)
async def _accept_resolution(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"e": (await new_effort(ctx, w.a, n)).id}


@case(
    "reportResolutionProgress",
    '($e: ID!) { reportResolutionProgress(input: {effortId: $e, reportDate: "2024-11-06", content: "协调一次"}) {P} }',
)
async def _report_progress(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"e": (await new_effort(ctx, w.a, n, accepted=True)).id}


@case(
    "extendResolution",
    '($e: ID!, $due: Date!) { extendResolution(input: {effortId: $e, newDueDate: $due, reason: "双方同意延期",'
    " applicantConsent: true, centreConsent: true}) {P} }",
)
async def _extend_resolution(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    e = await new_effort(ctx, w.a, n, accepted=True)
    assert e.due_date is not None
    return {"e": e.id, "due": (e.due_date + dt.timedelta(days=7)).isoformat()}


@case(
    "recordResolutionHearing",
    '($e: ID!) { recordResolutionHearing(input: {effortId: $e, heldDate: "2024-11-10", participants: "律师、人大代表",'
    ' record: "听证记录"}) {P} }',
)
async def _resolution_hearing(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"e": (await new_effort(ctx, w.a, n, accepted=True)).id}


@case(
    "concludeResolution",
    '($e: ID!) { concludeResolution(input: {effortId: $e, succeeded: true, concludedDate: "2024-11-15",'
    " result: MEDIATED}) {P} }",
)
async def _conclude_resolution(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"e": (await new_effort(ctx, w.a, n, accepted=True)).id}


@case(
    "requestJudicialConfirmation",
    '($e: ID!) { requestJudicialConfirmation(input: {effortId: $e, requestedDate: "2024-11-18"}) {P} }',
)
async def _judicial_confirmation(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"e": (await concluded_effort(ctx, w.a, n, ResolutionResult.AGREEMENT)).id}


@case("closeDispute", '($id: ID!) { closeDispute(id: $id, closedDate: "2024-11-19") {P} }')
async def _close_dispute(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"id": (await concluded_effort(ctx, w.a, n, ResolutionResult.MEDIATED)).dispute_id}


# ---------------------------------------------------------------------------------------------
# Reconsideration and litigation
# ---------------------------------------------------------------------------------------------


@case(
    "receiveReconsideration",
    "($d: ID!, $no: String!) { receiveReconsideration(input: {disputeId: $d, caseNumber: $no,"
    ' receivedDate: "2024-11-05"}) {P} }',
)
async def _receive_recon(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"d": (await new_dispute(ctx, w.a, f"复议争议{n}")).id, "no": f"复字{n}号"}


async def _received_recon(ctx: ServiceContext, w: World, n: int, accepted: bool = False) -> int:
    d = await new_dispute(ctx, w.a, f"复议争议{n}")
    r = await cases.receive_reconsideration(
        ctx, d.id, case_number=f"复字{n}号", received_date=dt.date(2024, 11, 5)
    )
    if accepted:
        r = await cases.accept_reconsideration(ctx, r.id, accepted_date=dt.date(2024, 11, 6))
    return int(r.id)


@case(
    "acceptReconsideration", '($c: ID!) { acceptReconsideration(caseId: $c, acceptedDate: "2024-11-06") {P} }'
)
async def _accept_recon(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"c": await _received_recon(ctx, w, n)}


@case(
    "rejectReconsideration",
    '($c: ID!) { rejectReconsideration(caseId: $c, rejectedDate: "2024-11-06", reason: "超过申请期限") {P} }',
)
async def _reject_recon(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"c": await _received_recon(ctx, w, n)}


@case(
    "concludeReconsideration",
    '($c: ID!) { concludeReconsideration(input: {caseId: $c, decision: UPHELD, concludedDate: "2024-11-15"}) {P} }',
)
async def _conclude_recon(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"c": await _received_recon(ctx, w, n, accepted=True)}


@case("sendApplicationCopy", '($c: ID!) { sendApplicationCopy(caseId: $c, sentDate: "2024-11-07") {P} }')
async def _send_copy(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"c": await _received_recon(ctx, w, n, accepted=True)}


@case("submitWrittenReply", '($c: ID!) { submitWrittenReply(caseId: $c, submittedDate: "2024-11-08") {P} }')
async def _written_reply(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    r = await _received_recon(ctx, w, n, accepted=True)
    await statutory.send_application_copy(ctx, r, sent_date=dt.date(2024, 11, 7))
    return {"c": r}


@case(
    "extendReconsideration",
    '($c: ID!) { extendReconsideration(input: {caseId: $c, newDueDate: "2025-01-20", reason: "案情复杂",'
    ' approvedBy: "复议机构负责人王某", partiesNotified: true}) {P} }',
)
async def _extend_recon(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"c": await _received_recon(ctx, w, n, accepted=True)}


@case(
    "fileLitigationCase",
    '($d: ID!, $no: String!) { fileLitigationCase(input: {disputeId: $d, court: "县人民法院", caseNumber: $no,'
    ' plaintiffName: "吴某", filedDate: "2024-11-05"}) {P} }',
)
async def _file_case(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"d": (await new_dispute(ctx, w.a, f"起诉争议{n}")).id, "no": f"(2024)新行初{n}号"}


@case(
    "recordResponseNotice", '($c: ID!) { recordResponseNotice(caseId: $c, receivedDate: "2024-11-06") {P} }'
)
async def _response_notice(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"c": (await new_case(ctx, w.a, n)).id}


@case("recordComplaintCopy", '($c: ID!) { recordComplaintCopy(caseId: $c, receivedDate: "2024-11-06") {P} }')
async def _complaint_copy(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"c": (await new_case(ctx, w.a, n)).id}


@case("submitDefence", '($c: ID!) { submitDefence(caseId: $c, submittedDate: "2024-11-08") {P} }')
async def _defence(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    c = await new_case(ctx, w.a, n)
    await statutory.record_complaint_copy(ctx, c.id, received_date=dt.date(2024, 11, 6))
    return {"c": c.id}


@case("reportResponse", '($c: ID!) { reportResponse(caseId: $c, reportedDate: "2024-11-07") {P} }')
async def _report_response(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    c = await new_case(ctx, w.a, n)
    await cases.record_response_notice(ctx, c.id, received_date=dt.date(2024, 11, 6))
    return {"c": c.id}


@case(
    "scheduleHearing",
    '($c: ID!) { scheduleHearing(input: {caseId: $c, scheduledAt: "2024-12-02T09:00:00+08:00"}) {P} }',
)
async def _schedule_hearing(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"c": (await new_case(ctx, w.a, n)).id}


@case(
    "designateHearingHead", "($h: ID!, $o: ID!) { designateHearingHead(hearingId: $h, officialId: $o) {P} }"
)
async def _designate(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"h": (await new_hearing(ctx, w.a, n)).id, "o": w.official_ids["head"]}


@case(
    "approveSubstituteHead",
    "($h: ID!, $o: ID!, $a: ID!) { approveSubstituteHead(hearingId: $h, officialId: $o, approvedById: $a,"
    ' reason: "局长出差") {P} }',
)
async def _substitute(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {
        "h": (await new_hearing(ctx, w.a, n)).id,
        "o": w.official_ids["deputy"],
        "a": w.official_ids["county_leader"],
    }


@case("checkHearingIdentity", "($h: ID!) { checkHearingIdentity(hearingId: $h) {P} }")
async def _identity(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"h": (await new_hearing(ctx, w.a, n, w.official_ids["head"])).id}


@case(
    "recordHearing",
    '($h: ID!) { recordHearing(input: {hearingId: $h, heldAt: "2024-11-18T09:00:00+08:00", headAttended: true,'
    " headSpoke: true}) {P} }",
)
async def _record_hearing(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"h": (await new_hearing(ctx, w.a, n, w.official_ids["head"])).id}


@case(
    "rescheduleHearing",
    '($h: ID!) { rescheduleHearing(hearingId: $h, newTime: "2024-12-09T09:00:00+08:00", reason: "法院通知改期") {P} }',
)
async def _reschedule(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"h": (await new_hearing(ctx, w.a, n)).id}


@case("cancelHearing", '($h: ID!) { cancelHearing(hearingId: $h, reason: "原告撤诉") {P} }')
async def _cancel(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"h": (await new_hearing(ctx, w.a, n)).id}


@case(
    "recordOutcome",
    '($c: ID!) { recordOutcome(input: {caseId: $c, kind: REVOKED, decidedDate: "2024-11-19",'
    ' receivedDate: "2024-11-19"}) {P} }',
)
async def _record_outcome(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    h = await new_hearing(ctx, w.a, n, w.official_ids["head"])
    await cases.record_hearing(ctx, h.id, held_at=h.scheduled_at, head_attended=True, head_spoke=True)
    return {"c": h.case_id}


@case(
    "markJudgmentEffective",
    '($c: ID!) { markJudgmentEffective(caseId: $c, effectiveDate: "2024-11-20") {P} }',
)
async def _effective(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"c": (await decided_case(ctx, w.a, n, w.official_ids["head"])).id}


@case(
    "submitPostJudgmentDuty",
    '($c: ID!) { submitPostJudgmentDuty(input: {caseId: $c, kind: LOSS_ANALYSIS, content: "未履行告知义务",'
    ' submittedDate: "2024-11-20"}) {P} }',
)
async def _submit_duty(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"c": (await decided_case(ctx, w.a, n, w.official_ids["head"])).id}


@case(
    "reviewPostJudgmentDuty",
    '($d: ID!) { reviewPostJudgmentDuty(dutyId: $d, reviewedDate: "2024-11-20", note: "分析到位") {P} }',
)
async def _review_duty(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    c = await decided_case(ctx, w.a, n, w.official_ids["head"])
    duty = await cases.submit_duty(
        ctx, c.id, kind=DutyKind.LOSS_ANALYSIS, content="分析", submitted_date=dt.date(2024, 11, 19)
    )
    return {"d": duty.id}


@case("closeLitigationCase", '($c: ID!) { closeLitigationCase(caseId: $c, closedDate: "2024-11-20") {P} }')
async def _close_case(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    c = await decided_case(ctx, w.a, n, w.official_ids["head"])
    await submit_all_duties(ctx, c.id)
    await cases.mark_effective(ctx, c.id, effective_date=dt.date(2024, 11, 20))
    return {"c": c.id}


# ---------------------------------------------------------------------------------------------
# Obligations, reports, notifications, calendar
# ---------------------------------------------------------------------------------------------


async def _obligation(ctx: ServiceContext, w: World, n: int, *, extendable: bool) -> Any:
    e = await new_effort(ctx, w.a, n, accepted=extendable)
    return await effort_obligation(ctx, e.id, extendable)


@case("markObligationMet", '($id: ID!) { markObligationMet(id: $id, metDate: "2024-11-04", note: "") {P} }')
async def _met(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"id": (await _obligation(ctx, w, n, extendable=False)).id}


@case("waiveObligation", '($id: ID!) { waiveObligation(id: $id, reason: "申请人撤回") {P} }')
async def _waive(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"id": (await _obligation(ctx, w, n, extendable=False)).id}


@case(
    "submitReport",
    "($j: ID!, $u: ID!, $p: String!) { submitReport(input: {jurisdictionId: $j, unitId: $u,"
    ' kind: "monthly_screening", period: $p, submittedDate: "2024-11-20", isZero: true}) {P} }',
)
async def _submit_report(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"j": w.j1, "u": w.a, "p": f"2024-P{n}"}


@case(
    "assignOffice",
    '($j: ID!, $u: ID!) { assignOffice(jurisdictionId: $j, office: "county_government_office", unitId: $u) {P} }',
)
async def _assign_office(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"j": w.j1, "u": w.a}


@case(
    "recordPolicyEvent",
    '($j: ID!, $u: ID!, $a: JSON!) { recordPolicyEvent(input: {jurisdictionId: $j, kind: "secland.criticised",'
    ' date: "2024-11-20", subjectId: $u, attributes: $a}) {P} }',
)
async def _record_policy_event(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"j": w.j1, "u": w.a, "a": {"bulletin": f"第{n}期通报"}}


@case(
    "extendObligation",
    '($id: ID!, $due: Date!) { extendObligation(input: {id: $id, newDueDate: $due, reason: "双方同意",'
    " applicantConsent: true, centreConsent: true}) {P} }",
)
async def _extend_obligation(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    ob = await _obligation(ctx, w, n, extendable=True)
    return {"id": ob.id, "due": (ob.due_date + dt.timedelta(days=7)).isoformat()}


@case(
    "pauseObligation", '($id: ID!) { pauseObligation(id: $id, since: "2024-11-10", reason: "中止调解") {P} }'
)
async def _pause(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"id": (await _obligation(ctx, w, n, extendable=True)).id}


@case("resumeObligation", '($id: ID!) { resumeObligation(id: $id, on: "2024-11-15") {P} }')
async def _resume(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    ob = await _obligation(ctx, w, n, extendable=True)
    await actions.pause_obligation(ctx, ob.id, since=dt.date(2024, 11, 10), reason="中止调解")
    return {"id": ob.id}


@case(
    "correctObligationTriggerDate",
    '($id: ID!) { correctObligationTriggerDate(id: $id, triggerDate: "2024-11-04", reason: "录入错误") {P} }',
)
async def _correct(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"id": (await _obligation(ctx, w, n, extendable=False)).id}


@case("acknowledgeNotification", "($id: ID!) { acknowledgeNotification(id: $id) {P} }", per_who=True)
async def _acknowledge(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    """A J1 notice addressed to the asker's role (to unit A's clerks for a clerk; to J1's staff otherwise)."""
    role = who.role if who.role != Role.SYSTEM_ADMIN and who.jurisdiction == "J1" else Role.JUSTICE_STAFF
    notice = await notify.issue_notice(
        ctx,
        w.j1,
        kind=NotificationKind.INFO,
        title=f"通知{n}",
        recipient_role=role,
        recipient_unit_id=w.a if role == Role.UNIT_CLERK else None,
    )
    await ctx.session.flush()
    return {"id": notice.id}


@case(
    "setCalendarDay",
    '($d: Date!) { setCalendarDay(day: $d, isWorkingDay: false, name: "测试假日", note: "") {P} }',
)
async def _set_day(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"d": (dt.date(2099, 1, 1) + dt.timedelta(days=n)).isoformat()}


@case("clearCalendarDay", "($d: Date!) { clearCalendarDay(day: $d) {P} }")
async def _clear_day(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    day = dt.date(2098, 1, 1) + dt.timedelta(days=n)
    await calendar_admin.set_calendar_day(ctx, day=day, is_working_day=False, name="测试假日")
    return {"d": day.isoformat()}


@case(
    "declareCalendarYear", '($y: Int!) { declareCalendarYear(year: $y, source: "国办发明电〔2099〕1号") {P} }'
)
async def _declare_year(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    declared = set(await ctx.session.scalars(select(CalendarYear.year)))
    return {"y": next(y for y in range(2100, 2030, -1) if y not in declared)}


# ---------------------------------------------------------------------------------------------
# Webhooks and notices
# ---------------------------------------------------------------------------------------------


@case(
    "registerWebhook",
    "($j: ID!, $name: String!) { registerWebhook(input: {jurisdictionId: $j, name: $name,"
    ' url: "https://hooks.example.invalid/new"}) {P} }',
)
async def _register_webhook(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"j": w.j1, "name": f"推送地址{n}"}


@case(
    "updateWebhook",
    "($id: ID!, $v: Int!, $name: String!) { updateWebhook(input: {id: $id, version: $v, name: $name}) {P} }",
)
async def _update_webhook(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    endpoint = await notify.register_webhook(
        ctx, w.j1, name=f"推送地址{n}", url="https://hooks.example.invalid/u"
    )
    await ctx.session.flush()
    return {"id": endpoint.id, "v": endpoint.version, "name": f"改名推送{n}"}


@case(
    "issueNotice",
    '($j: ID!, $u: ID!) { issueNotice(input: {jurisdictionId: $j, kind: REMINDER_LETTER, title: "工作提醒函",'
    " recipientUnitId: $u}) {P} }",
)
async def _issue_notice(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"j": w.j1, "u": w.a}


@case("retryNotificationDelivery", "($id: ID!) { retryNotificationDelivery(id: $id) {P} }")
async def _retry_delivery(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    await notify.register_webhook(ctx, w.j1, name=f"重推地址{n}", url="https://hooks.example.invalid/r")
    await ctx.session.flush()
    notice = await notify.issue_notice(
        ctx, w.j1, kind=NotificationKind.INFO, title=f"重推{n}", recipient_unit_id=w.a
    )
    await ctx.session.flush()
    delivery = await ctx.session.scalar(
        select(NotificationDelivery).where(NotificationDelivery.notification_id == notice.id)
    )
    assert delivery is not None
    delivery.status = DeliveryStatus.FAILED
    delivery.attempts = 5
    delivery.last_error = "HTTP 500"
    await ctx.session.flush()
    return {"id": delivery.id}


# ---------------------------------------------------------------------------------------------
# Accounts and tokens
# ---------------------------------------------------------------------------------------------


@case(
    "login",
    "($u: String!, $p: String!) { login(username: $u, password: $p)"
    " { result { __typename } errors { field code message } } }",
)
async def _login(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"u": "sec-user", "p": PASSWORD}


async def _refresh_token(ctx: ServiceContext, w: World) -> str:
    pair = await auth.login(ctx.session, w.auth, username="sec-user", password=PASSWORD, now=NOW)
    return pair.refresh_token


@case(
    "refreshSession",
    "($t: String!) { refreshSession(refreshToken: $t) { result { __typename } errors { field code message } } }",
)
async def _refresh(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"t": await _refresh_token(ctx, w)}


@case("logout", "($t: String!) { logout(refreshToken: $t) }")
async def _logout(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"t": await _refresh_token(ctx, w)}


@case(
    "createUser",
    "($name: String!, $p: String!, $j: ID!, $u: ID!) { createUser(input: {username: $name, password: $p,"
    " role: UNIT_CLERK, jurisdictionId: $j, unitId: $u}) {P} }",
)
async def _create_user(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"name": f"sec-new-{n}", "p": PASSWORD, "j": w.j1, "u": w.a}


@case("updateUser", "($id: ID!) { updateUser(id: $id, active: false) {P} }")
async def _update_user(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"id": (await new_user(ctx, w, n)).id}


@case("createApiToken", '($u: ID!) { createApiToken(userId: $u, name: "法院数据接口") {P} }')
async def _create_token(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"u": (await new_user(ctx, w, n, Role.JUSTICE_STAFF)).id}


@case("revokeApiToken", "($id: ID!) { revokeApiToken(id: $id) {P} }")
async def _revoke_token(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    user = await new_user(ctx, w, n, Role.JUSTICE_STAFF)
    token, _plain = await auth.create_api_token(ctx, user_id=user.id, name=f"令牌{n}")
    await ctx.session.flush()
    return {"id": token.id}


# ---------------------------------------------------------------------------------------------
# Ledger, targets, assessments, bulletins
# ---------------------------------------------------------------------------------------------


@case(
    "importLedger",
    '($j: ID!, $f: String!) { importLedger(jurisdictionId: $j, fileBase64: $f, fileName: "台账.xlsx",'
    " dryRun: false) { result { id status } errors { field code message } } }",
)
async def _import_ledger(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    row = {
        "申请人/原告": f"台账申请人{n}",
        "被申请单位/被告": "县自然资源局",
        "争议事项": f"台账争议{n}",
        "争议领域": "其他",
        "行为类型": "行政处罚",
        "来源": "排查",
        "收到日期": "2024-10-08",
    }
    return {"j": w.j1, "f": ledger_file([row])}


@case(
    "addUnitAlias",
    "($j: ID!, $u: ID!, $a: String!) { addUnitAlias(jurisdictionId: $j, alias: $a, unitId: $u) {P} }",
)
async def _add_unit_alias(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"j": w.j1, "u": w.a, "a": f"台账别名{n}"}


@case("removeUnitAlias", "($id: ID!) { removeUnitAlias(id: $id) {P} }")
async def _remove_unit_alias(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    row = await ledger_aliases.add_unit_alias(ctx, w.j1, alias=f"待删别名{n}", unit_id=w.a)
    return {"id": row.id}


@case("cancelLedgerImport", "($id: ID!) { cancelLedgerImport(id: $id) {P} }")
async def _cancel_ledger_import(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    # Running in another process (claimed there): cancelling asks it to stop, whatever this
    # process's own import runner does meanwhile.
    job = await ledger_jobs.enqueue_import(ctx, jurisdiction_id=w.j1, content=b"", file_name=f"台账{n}.xlsx")
    job.status = ImportJobStatus.RUNNING
    job.started_at = NOW
    await ctx.session.flush()
    return {"id": job.id}


@case(
    "setTarget",
    '($j: ID!, $t: String!) { setTarget(input: {jurisdictionId: $j, indicator: "loss_rate", year: 2024,'
    ' reason: "县政府常务会议决定", targetId: $t, comparator: "<=", value: "8"}) {P} }',
)
async def _set_target(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"j": w.j1, "t": f"custom.loss_rate_{n}"}


@case("clearTarget", "($id: ID!) { clearTarget(id: $id) {P} }")
async def _clear_target(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    row = await indicators.set_target(
        ctx,
        w.j1,
        indicator="loss_rate",
        year=2024,
        reason="调整",
        target_id=f"custom.clear_{n}",
        value=Decimal("8"),
    )
    await ctx.session.flush()
    return {"id": row.id}


@case(
    "recordAssessmentFact",
    '($j: ID!, $u: ID!) { recordAssessmentFact(input: {jurisdictionId: $j, fact: "loss_by_fault", year: 2024,'
    ' note: "未经合法性审查即作出决定", unitId: $u}) {P} }',
)
async def _record_fact(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"j": w.j1, "u": w.a}


@case("removeAssessmentFact", "($id: ID!) { removeAssessmentFact(id: $id) {P} }")
async def _remove_fact(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    row = await indicators.record_fact(ctx, w.j1, fact="loss_by_fault", year=2024, note="认定", unit_id=w.a)
    await ctx.session.flush()
    return {"id": row.id}


@case("publishBulletin", "($j: ID!) { publishBulletin(jurisdictionId: $j, year: 2024, quarter: 3) {P} }")
async def _publish(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"j": w.j1}


PDF_BASE64 = "JVBERi0xLjQKJSVFT0YK"  # "%PDF-1.4\n%%EOF\n"


@case(
    "attachFile",
    '($id: ID!) { attachFile(input: {subjectType: "dispute", subjectId: $id, fileName: "决定书.pdf",'
    f' contentBase64: "{PDF_BASE64}"}}) {{P}} }}',
)
async def _attach_file(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    return {"id": (await new_dispute(ctx, w.a, f"附件争议{n}")).id}


@case("deleteAttachment", '($id: ID!) { deleteAttachment(id: $id, reason: "重复上传") {P} }')
async def _delete_attachment(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    dispute = await new_dispute(ctx, w.a, f"删附件争议{n}")
    row = await attachments.attach_file(
        ctx, subject_type="dispute", subject_id=dispute.id, file_name="a.pdf", content=b"%PDF-1.4\n%%EOF\n"
    )
    return {"id": row.id}


@case("issueDocument", "($id: ID!) { issueDocument(input: {kind: RELIEF_NOTICE, recordId: $id}) {P} }")
async def _issue_document(ctx: ServiceContext, w: World, who: Who, n: int) -> dict[str, Any]:
    # A unit's own letter: its clerk may issue it; the bureau's letters are refused to clerks in
    # tests/documents/test_letters.py.
    return {"id": (await new_effort(ctx, w.a, n, accepted=True)).id}
