"""The statutory deadlines of the national defaults, driven through the GraphQL API (issue 21).

Each duty is created by the lifecycle step the law counts from, carries its citation, is met by the
step the law asks for, escalates along the county's chain when late, and — the decision period —
is extended once with approval. A county replaces a national rule only by naming it.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from typing import Any

import pytest

from core.calendar.rules import working_days
from core.cases import service as cases
from core.cases.models import LitigationCase as LitigationCaseModel
from core.clock import CHINA, fixed_clock
from core.disputes import service as disputes
from core.enums import ActionType, DisputeField, DisputeSource, Instance, NotificationKind
from core.obligations.scan import scan_jurisdiction
from core.policy import hookimpl
from core.policy.conformance import check_plugin, normalise
from core.policy.manager import PolicyRegistry, build_registry
from core.policy.types import (
    Citation,
    DeadlineRule,
    EscalationChain,
    EscalationStep,
    EventKind,
    EventMatch,
    JurisdictionProfile,
    Owner,
    Recipient,
)
from plugins.defaults.law import APPEAL_JUDGMENT, APPEAL_LAPSED, APPEAL_RULING, NATIONAL_RULES
from tests.api.conftest import GraphQLClient
from tests.security.world import new_hearing
from tests.support import Testland, make_org

LAW = resources.files("plugins.defaults").joinpath("sources/national_law.txt")
CITE = Citation(
    source="tests/plugins/test_national_law.py", clause="本县规定：复议机构3个工作日内发送申请书副本"
)


class Lawland:
    """A county with its own default chain, one rule replacing a national one and one beside it."""

    @hookimpl
    def caseload_jurisdiction_profile(self) -> JurisdictionProfile:
        return JurisdictionProfile(code="lawland", name="法治县", name_en="Lawland", population=200_000)

    @hookimpl
    def caseload_escalation_chains(self) -> list[EscalationChain]:
        return [
            EscalationChain(
                id="default",
                title_zh="本县督办：次日司法局督办",
                steps=(
                    EscalationStep(
                        working_days(1), Recipient.JUSTICE_BUREAU, NotificationKind.ESCALATION, "本县督办"
                    ),
                ),
                citation=CITE,
            )
        ]

    @hookimpl
    def caseload_deadline_rules(self) -> list[DeadlineRule]:
        return [
            DeadlineRule(
                id="lawland.copy_sooner",
                trigger=EventMatch(EventKind.RECONSIDERATION_ACCEPTED),
                title_zh="受理后3个工作日内发送申请书副本",
                title_en="send the copy within 3 working days",
                due=working_days(3),
                owner=Owner.JUSTICE_BUREAU,
                met_by=(EventMatch(EventKind.APPLICATION_COPY_SENT),),
                citation=CITE,
                escalation="default",
                replaces="national.reconsideration_copy",
            ),
            DeadlineRule(
                id="lawland.complaint_report",
                trigger=EventMatch(EventKind.COMPLAINT_COPY_RECEIVED),
                title_zh="收到起诉状副本后3个工作日内报司法局",
                title_en="report the complaint within 3 working days",
                due=working_days(3),
                owner=Owner.UNIT,
                met_by=(EventMatch(EventKind.RESPONSE_REPORTED),),
                citation=CITE,
                escalation="default",
            ),
        ]


@pytest.fixture
def registry() -> PolicyRegistry:
    return build_registry(extra={"testland": Testland(), "lawland": Lawland()})


def test_every_national_citation_is_verbatim_in_the_shipped_law() -> None:
    text = normalise(LAW.read_text(encoding="utf-8"))
    cited = [r.citation for r in NATIONAL_RULES]
    cited += [r.extension.citation for r in NATIONAL_RULES if r.extension and r.extension.citation]
    cited += [APPEAL_JUDGMENT, APPEAL_RULING, APPEAL_LAPSED]
    for citation in cited:
        assert normalise(citation.clause) in text, citation.clause
        assert citation.document is not None and citation.document.key == citation.source
        assert str(citation).startswith(f"《{citation.document.title}》第")


CASE = """query($id: ID!) { litigationCase(id: $id) { complaintCopyDate defenceDate
  obligations { ruleId title dueDate status metDate citation ownerRole escalationLevel rule { id kind } } } }"""
RECON = """query($id: ID!) { reconsiderationCase(id: $id) { status copySentDate copyReceivedDate replyDate
  extendedDueDate extensionApprovedBy
  obligations { ruleId title dueDate status metDate citation ownerRole note } } }"""
P = "errors { field code message messageEn }"


async def _dispute(ctx: Any, unit_id: int, received: dt.date) -> Any:
    return await disputes.record_dispute(
        ctx,
        disputes.DisputeInput(
            unit_id=unit_id,
            title="征收补偿争议",
            applicant_name="陈某",
            field=DisputeField.LAND_EXPROPRIATION,
            action_type=ActionType.EXPROPRIATION,
            source=DisputeSource.SCREENING,
            received_date=received,
        ),
    )


def _by_rule(case: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {o["ruleId"]: o for o in case["obligations"]}


async def test_the_defence_duty_is_created_cited_escalated_and_met(
    make_ctx: Any, client: GraphQLClient
) -> None:
    ctx = make_ctx(today=dt.date(2024, 11, 1))
    org = await make_org(ctx, "lawland")
    d = await _dispute(ctx, org.agency.id, dt.date(2024, 11, 1))
    await ctx.session.commit()
    filed = await client.mutate(
        """mutation($d: ID!) { fileLitigationCase(input: {disputeId: $d, court: "县人民法院",
             caseNumber: "(2024)法行初1号", plaintiffName: "陈某", filedDate: "2024-11-01"}) { result { id } errors { code } } }""",
        {"d": str(d.id)},
    )
    await ctx.session.commit()
    case_id = filed["id"]
    clerk = {
        "x-caseload-role": "unit_clerk",
        "x-caseload-jurisdiction": str(org.jurisdiction.id),
        "x-caseload-unit": str(org.agency.id),
    }
    # Nothing yet: the defence period runs from the complaint copy, not from filing.
    assert "national.litigation_defence" not in _by_rule(
        (await client.ok(CASE, {"id": case_id}))["litigationCase"]
    )

    early = await client.ok(
        f'mutation($c: ID!) {{ submitDefence(caseId: $c, submittedDate: "2024-11-05") {{ {P} }} }}',
        {"c": case_id},
        **clerk,
    )
    assert early["submitDefence"]["errors"][0]["code"] == "invalid_transition"

    await client.mutate(
        f'mutation($c: ID!) {{ recordComplaintCopy(caseId: $c, receivedDate: "2024-11-04") {{ result {{ id }} {P} }} }}',
        {"c": case_id},
        **clerk,
    )
    case = (await client.ok(CASE, {"id": case_id}))["litigationCase"]
    assert case["complaintCopyDate"] == "2024-11-04"
    defence = _by_rule(case)["national.litigation_defence"]
    # 11-04 + 15 days = 11-19 (a Tuesday, no roll).
    assert defence["dueDate"] == "2024-11-19" and defence["status"] == "OPEN"
    assert defence["ownerRole"] == "unit"
    assert defence["citation"].startswith(
        "《中华人民共和国行政诉讼法》第六十七条第一款：「被告应当在收到起诉状副本之日起十五日内"
    )
    assert defence["rule"] == {"id": "national.litigation_defence", "kind": "deadline"}
    # The county's own rule on the same event did not replace the national one: both apply.
    assert _by_rule(case)["lawland.complaint_report"]["status"] == "OPEN"

    # Late: the scan on 11-20 escalates along the county's own default chain (justice bureau).
    scan = make_ctx(today=dt.date(2024, 11, 20))
    scan.clock = fixed_clock(dt.datetime(2024, 11, 20, 10, tzinfo=CHINA))
    await scan_jurisdiction(scan, org.jurisdiction.id)
    await scan.session.commit()
    staff = {"x-caseload-role": "justice_staff", "x-caseload-jurisdiction": str(org.jurisdiction.id)}
    inbox = await client.ok("{ inbox { edges { node { kind title body } } } }", **staff)
    titles = [e["node"]["title"] + e["node"]["body"] for e in inbox["inbox"]["edges"]]
    assert any("答辩状" in t and "本县督办" in t for t in titles), titles
    defence = _by_rule((await client.ok(CASE, {"id": case_id}))["litigationCase"])[
        "national.litigation_defence"
    ]
    assert defence["status"] == "OVERDUE" and defence["escalationLevel"] == 1

    await client.mutate(
        f'mutation($c: ID!) {{ submitDefence(caseId: $c, submittedDate: "2024-11-20") {{ result {{ id }} {P} }} }}',
        {"c": case_id},
        **clerk,
    )
    case = (await client.ok(CASE, {"id": case_id}))["litigationCase"]
    defence = _by_rule(case)["national.litigation_defence"]
    assert case["defenceDate"] == "2024-11-20"
    assert defence["status"] == "MET_LATE" and defence["metDate"] == "2024-11-20"
    trail = await client.ok(
        'query($id: ID) { auditTrail(entityType: "litigation_cases", entityId: $id, first: 10) { nodes { actionLabel } } }',
        {"id": case_id},
    )
    labels = {n["actionLabel"] for n in trail["auditTrail"]["nodes"]}
    assert {"收到起诉状副本", "提交答辩状"} <= labels


async def test_reconsideration_duties_examination_copy_reply_decision_and_extension(
    make_ctx: Any, client: GraphQLClient
) -> None:
    ctx = make_ctx(today=dt.date(2024, 11, 1))
    org = await make_org(ctx)  # testland: no rule of its own on reconsideration
    d = await _dispute(ctx, org.agency.id, dt.date(2024, 11, 1))
    await ctx.session.commit()
    received = await client.mutate(
        """mutation($d: ID!) { receiveReconsideration(input: {disputeId: $d, caseNumber: "复字1号",
             receivedDate: "2024-11-01"}) { result { id } errors { code } } }""",
        {"d": str(d.id)},
    )
    await ctx.session.commit()
    rid = received["id"]
    recon = (await client.ok(RECON, {"id": rid}))["reconsiderationCase"]
    exam = _by_rule(recon)["national.reconsideration_examination"]
    # 第八十八条: "五日" are working days: 11-01 (Fri) + 5 working days = 11-08.
    assert exam["dueDate"] == "2024-11-08" and exam["ownerRole"] == "justice_bureau"
    assert "《中华人民共和国行政复议法》第三十条第一款" in exam["citation"]

    await client.mutate(
        f'mutation($c: ID!) {{ acceptReconsideration(caseId: $c, acceptedDate: "2024-11-05") {{ result {{ id }} {P} }} }}',
        {"c": rid},
    )
    recon = (await client.ok(RECON, {"id": rid}))["reconsiderationCase"]
    rules = _by_rule(recon)
    assert rules["national.reconsideration_examination"]["status"] == "MET"
    assert rules["national.reconsideration_copy"]["dueDate"] == "2024-11-14"  # 7 working days
    # 60 days from 11-05 end on Saturday 2025-01-04: rolled to Monday 2025-01-06.
    assert rules["national.reconsideration_decision"]["dueDate"] == "2025-01-06"
    assert "第六十二条第一款" in rules["national.reconsideration_decision"]["citation"]

    # The respondent cannot reply before the copy is sent.
    early = await client.ok(
        f'mutation($c: ID!) {{ submitWrittenReply(caseId: $c, submittedDate: "2024-11-12") {{ {P} }} }}',
        {"c": rid},
    )
    assert early["submitWrittenReply"]["errors"][0]["code"] == "invalid_transition"
    await client.mutate(
        f"""mutation($c: ID!) {{ sendApplicationCopy(caseId: $c, sentDate: "2024-11-12", receivedDate: "2024-11-13")
             {{ result {{ id }} {P} }} }}""",
        {"c": rid},
    )
    recon = (await client.ok(RECON, {"id": rid}))["reconsiderationCase"]
    rules = _by_rule(recon)
    assert rules["national.reconsideration_copy"]["status"] == "MET"
    reply = rules["national.reconsideration_reply"]
    # Ten working days from the day the respondent received it (11-13), not the day it was sent.
    assert reply["dueDate"] == "2024-11-27" and reply["ownerRole"] == "unit"
    clerk = {
        "x-caseload-role": "unit_clerk",
        "x-caseload-jurisdiction": str(org.jurisdiction.id),
        "x-caseload-unit": str(org.agency.id),
    }
    await client.mutate(
        f'mutation($c: ID!) {{ submitWrittenReply(caseId: $c, submittedDate: "2024-11-20") {{ result {{ id }} {P} }} }}',
        {"c": rid},
        **clerk,
    )
    assert (
        _by_rule((await client.ok(RECON, {"id": rid}))["reconsiderationCase"])[
            "national.reconsideration_reply"
        ]["status"]
        == "MET"
    )

    extend = """mutation($c: ID!, $due: Date!, $told: Boolean!) { extendReconsideration(input: {caseId: $c,
      newDueDate: $due, reason: "案情复杂，需补充鉴定", approvedBy: "县司法局行政复议科科长王某",
      partiesNotified: $told}) { result { extendedDueDate } errors { field code message messageEn } } }"""
    untold = await client.ok(extend, {"c": rid, "due": "2025-02-05", "told": False})
    assert untold["extendReconsideration"]["errors"][0]["field"] == "partiesNotified"
    too_long = await client.ok(extend, {"c": rid, "due": "2025-02-06", "told": True})
    error = too_long["extendReconsideration"]["errors"][0]
    assert (error["field"], error["code"]) == ("newDueDate", "extension_too_long")
    assert "2025-02-05" in error["message"] and "{" not in error["messageEn"]
    recon = (await client.ok(RECON, {"id": rid}))["reconsiderationCase"]
    assert recon["extendedDueDate"] is None  # a refused extension wrote nothing
    assert _by_rule(recon)["national.reconsideration_decision"]["dueDate"] == "2025-01-06"

    done = await client.mutate(extend, {"c": rid, "due": "2025-02-05", "told": True})
    assert done["extendedDueDate"] == "2025-02-05"
    recon = (await client.ok(RECON, {"id": rid}))["reconsiderationCase"]
    decision = _by_rule(recon)["national.reconsideration_decision"]
    assert decision["dueDate"] == "2025-02-05" and decision["status"] == "OPEN"
    assert recon["extensionApprovedBy"] == "县司法局行政复议科科长王某"
    again = await client.ok(extend, {"c": rid, "due": "2025-02-06", "told": True})
    assert again["extendReconsideration"]["errors"][0]["code"] == "extension_limit"


async def test_a_county_rule_replaces_a_national_rule_only_by_naming_it(
    make_ctx: Any, client: GraphQLClient
) -> None:
    ctx = make_ctx(today=dt.date(2024, 11, 1))
    org = await make_org(ctx, "lawland")
    d = await _dispute(ctx, org.agency.id, dt.date(2024, 11, 1))
    await ctx.session.commit()
    received = await client.mutate(
        """mutation($d: ID!) { receiveReconsideration(input: {disputeId: $d, caseNumber: "复字2号",
             receivedDate: "2024-11-01"}) { result { id } errors { code } } }""",
        {"d": str(d.id)},
    )
    await ctx.session.commit()
    await client.mutate(
        f'mutation($c: ID!) {{ acceptReconsideration(caseId: $c, acceptedDate: "2024-11-05") {{ result {{ id }} {P} }} }}',
        {"c": received["id"]},
    )
    rules = _by_rule((await client.ok(RECON, {"id": received["id"]}))["reconsiderationCase"])
    assert "national.reconsideration_copy" not in rules  # replaced by name
    assert rules["lawland.copy_sooner"]["dueDate"] == "2024-11-08"
    assert rules["national.reconsideration_decision"]["status"] == "OPEN"  # not replaced: applies


def test_plugins_check_lists_the_national_rules_a_county_replaces(
    registry: PolicyRegistry, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from api.cli import main

    monkeypatch.setattr("core.policy.manager.build_registry", lambda: registry)
    main(["plugins", "check"])
    out = capsys.readouterr().out
    assert "replaces national rule national.reconsideration_copy with lawland.copy_sooner" in out
    assert "replaces no national rule" in out  # the built-in counties


def test_replacing_a_rule_that_is_not_national_is_a_problem() -> None:
    class Wrong(Lawland):
        @hookimpl
        def caseload_deadline_rules(self) -> list[DeadlineRule]:
            (rule, _) = Lawland().caseload_deadline_rules()
            return [DeadlineRule(**{**vars(rule), "replaces": "national.no_such_rule"})]

    registry = build_registry(builtins=(), entry_points=False, extra={"lawland": Wrong()})
    report = check_plugin("lawland", registry=registry)
    assert any("replaces 'national.no_such_rule', which is not a national rule" in p for p in report.problems)


async def _decided(ctx: Any, org: Any, n: int, client: GraphQLClient, kind: str, served: str) -> str:
    """A first-instance case heard on 09-10 and decided on 09-13; the outcome recorded through the API."""
    d = await _dispute(ctx, org.agency.id, dt.date(2024, 9, 1))
    c = await cases.file_litigation_case(
        ctx,
        d.id,
        court="县人民法院",
        case_number=f"(2024)测行初{n}号",
        plaintiff_name="陈某",
        filed_date=dt.date(2024, 9, 2),
    )
    if kind != "SUIT_DISMISSED":
        h = await cases.schedule_hearing(ctx, c.id, scheduled_at=dt.datetime(2024, 9, 10, 9, tzinfo=CHINA))
        await cases.record_hearing(
            ctx,
            h.id,
            held_at=dt.datetime(2024, 9, 10, 9, tzinfo=CHINA),
            head_attended=False,
            excuse_reason="出差",
        )
    await ctx.session.commit()
    await client.mutate(
        f"""mutation($c: ID!) {{ recordOutcome(input: {{caseId: $c, kind: {kind}, decidedDate: "2024-09-13",
             receivedDate: "2024-09-14", servedDate: "{served}"}}) {{ result {{ servedDate }} {P} }} }}""",
        {"c": str(c.id)},
    )
    return str(c.id)


EFFECTIVE = """query($id: ID!) { litigationCase(id: $id) { status effectiveDate
  obligations { ruleId dueDate status } } }"""


async def test_a_first_instance_decision_takes_effect_when_its_appeal_window_lapses(
    make_ctx: Any, client: GraphQLClient
) -> None:
    ctx = make_ctx(today=dt.date(2024, 9, 12))
    org = await make_org(ctx)
    # Served on the plaintiff 09-16: fifteen days end on 10-01, National Day, rolled to 10-08.
    judgment = await _decided(ctx, org, 1, client, "REVOKED", "2024-09-16")
    # A ruling dismissing the suit, served 09-20: ten days end on Monday 09-30.
    ruling = await _decided(ctx, org, 2, client, "SUIT_DISMISSED", "2024-09-20")
    # Appealed on 09-25: the second instance links to it and the window no longer lapses.
    appealed = await _decided(ctx, org, 3, client, "REVOKED", "2024-09-16")
    parent = await cases.file_litigation_case(
        make_ctx(today=dt.date(2024, 9, 25)),
        (await ctx.session.get(LitigationCaseModel, int(appealed))).dispute_id,  # type: ignore[union-attr]
        court="市中级人民法院",
        case_number="(2024)测行终3号",
        plaintiff_name="陈某",
        filed_date=dt.date(2024, 9, 25),
        instance=Instance.SECOND,
        parent_case_id=int(appealed),
    )
    await ctx.session.commit()
    assert parent.parent_case_id == int(appealed)

    async def scan_on(day: dt.date) -> None:
        worker = make_ctx(today=day)
        await scan_jurisdiction(worker, org.jurisdiction.id)
        await worker.session.commit()

    await scan_on(dt.date(2024, 10, 8))  # the judgment's last day to appeal
    first = (await client.ok(EFFECTIVE, {"id": judgment}))["litigationCase"]
    assert first["status"] == "CONCLUDED" and first["effectiveDate"] is None
    second = (await client.ok(EFFECTIVE, {"id": ruling}))["litigationCase"]
    assert second["status"] == "EFFECTIVE" and second["effectiveDate"] == "2024-10-01"

    await scan_on(dt.date(2024, 10, 9))
    first = (await client.ok(EFFECTIVE, {"id": judgment}))["litigationCase"]
    assert first["status"] == "EFFECTIVE" and first["effectiveDate"] == "2024-10-09"
    # The effective judgment starts the county's post-judgment duties (testland: file it in 7 working days).
    duty = _by_rule(first)["testland.file_judgment"]
    # 7 working days from 10-09, Saturday 10-12 a make-up working day: 10-17.
    assert duty["dueDate"] == "2024-10-17" and duty["status"] == "OPEN"
    third = (await client.ok(EFFECTIVE, {"id": appealed}))["litigationCase"]
    assert third["status"] == "CONCLUDED" and third["effectiveDate"] is None
    trail = await client.ok(
        'query($id: ID) { auditTrail(entityType: "litigation_cases", entityId: $id, first: 10) { nodes { action actor } } }',
        {"id": judgment},
    )
    assert any(n["action"] == "case.effective" for n in trail["auditTrail"]["nodes"])


RECORD = """mutation($h: ID!, $a: ID) { recordHearing(input: {hearingId: $h, heldAt: "2024-11-18T09:30:00+08:00",
  headAttended: false, excuseReason: "主要负责人参加省防汛会议", excuseProof: "情况说明（加盖局印章）",
  excuseSealed: true, excuseAttachmentId: $a}) {
  result { status headAttended excuseSealed excuseAttachmentId } errors { field code message messageEn } } }"""
ATTACH = """mutation($h: ID!) { attachFile(input: {subjectType: "hearing", subjectId: $h, fileName: "情况说明.pdf",
  contentBase64: "JVBERi0xLjQKMSAwIG9iaiA8PD4+IGVuZG9iagp0cmFpbGVyIDw8Pj4KJSVFT0YK", note: "情况说明"}) {
  result { id } errors { code } } }"""


async def test_a_hearing_carries_the_heads_written_explanation(make_ctx: Any, client: GraphQLClient) -> None:
    """法释〔2020〕3号第九条: 「行政机关负责人有正当理由不能出庭的，应当提交相关证明材料，并加盖行政机关印章
    或者由该机关主要负责人签字认可」. The explanation justifies the absence; it is not an appearance, so the
    head appearance rate still counts the hearing as one without a head in court."""
    ctx = make_ctx(today=dt.date(2024, 11, 5))
    org = await make_org(ctx)
    hearing = await new_hearing(ctx, org.agency.id, 1, org.head.id)
    other = await new_hearing(ctx, org.agency.id, 2, org.head.id)
    await ctx.session.commit()
    elsewhere = await client.mutate(ATTACH, {"h": str(other.id)})
    wrong = await client.ok(RECORD, {"h": str(hearing.id), "a": elsewhere["id"]})
    assert wrong["recordHearing"]["errors"][0]["field"] == "excuseAttachmentId"
    state = await client.ok("query($id: ID!) { hearing(id: $id) { status } }", {"id": str(hearing.id)})
    assert state["hearing"]["status"] == "SCHEDULED"  # nothing written

    mine = await client.mutate(ATTACH, {"h": str(hearing.id)})
    held = await client.mutate(RECORD, {"h": str(hearing.id), "a": mine["id"]})
    assert held == {
        "status": "HELD",
        "headAttended": False,
        "excuseSealed": True,
        "excuseAttachmentId": mine["id"],
    }
    board = await client.ok(
        """query($j: ID!) { dashboard(jurisdictionId: $j, period: {kind: YEAR, year: 2024}) {
             indicators(codes: ["head_appearance_rate"]) { current { numerator denominator } } } }""",
        {"j": str(org.jurisdiction.id)},
    )
    current = board["dashboard"]["indicators"][0]["current"]
    assert (current["numerator"], current["denominator"]) == (0, 1)
