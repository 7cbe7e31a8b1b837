"""The six letters, filled from their records in Wuping: content, numbers, versions, audit, the duty met.

Each letter is read as its reader would: the parts the rule asks for are there, filled from the
record; no internal identifier (rule id, plugin or jurisdiction code, seed file name, UUID, the
dispute's registration number) reaches the text or the Word file; a refusal names the field and
writes nothing.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.audit.present import ACTION_LABELS
from core.cases.models import PostJudgmentDuty
from core.clock import CHINA
from core.context import ServiceContext
from core.disputes import service as disputes
from core.documents import service
from core.documents.letters import LetterInput
from core.enums import DocumentKind, DutyKind, DutyStatus, LossCause, ObligationStatus, ResolutionResult, Role
from core.errors import DomainError, Forbidden, NotFound, ValidationFailed
from core.obligations.models import Obligation
from core.principal import Principal
from tests.conftest import CtxFactory
from tests.documents.conftest import (
    World,
    check_clean,
    docx_text,
    fail_effort,
    fresh,
    internal_identifiers,
    lose_case,
    overdue_obligation,
    rows,
)

# ---------------------------------------------------------------------------------------------


async def test_relief_notice_tells_the_applicant_the_period_and_their_rights(
    ctx: ServiceContext, world: World
):
    row = await service.issue_document(
        ctx, kind=DocumentKind.RELIEF_NOTICE, record_id=world.effort_id, given=LetterInput()
    )
    await ctx.session.commit()
    text = docx_text(await service.docx_of(ctx.session, row.id))
    assert row.title == "行政争议纾解告知书" and row.version == 1
    assert row.document_number == "武司〔2024〕1号"
    assert row.issuing_authority == "县自然资源局"
    assert "陈某某：" in text and "房屋征收补偿争议" in text
    assert "2024年10月14日受理" in text
    assert world.effort.due_date is not None
    assert (
        f"{world.effort.due_date.year}年{world.effort.due_date.month}月{world.effort.due_date.day}日届满"
        in text
    )
    assert "行政复议" in text and "行政诉讼" in text and "司法确认" in text
    check_clean(text, world)
    assert await rows(ctx) == (1, 1, 1)


async def test_feedback_letter_of_a_failed_effort_has_the_four_parts_and_is_copied_to_the_bureau(
    ctx: ServiceContext, world: World
):
    await fail_effort(ctx, world)
    row = await service.issue_document(
        ctx, kind=DocumentKind.COORDINATION_FEEDBACK, record_id=world.effort_id, given=LetterInput()
    )
    text = docx_text(await service.docx_of(ctx.session, row.id))
    assert "武平县人民法院：" in text and "（2024）闽0824行初15号" in text
    parts = ["一、协调化解过程", "二、双方诉求", "三、争议焦点", "四、无法协调化解的原因"]
    positions = [text.index(p) for p in parts]
    assert positions == sorted(positions)
    assert (
        "两次组织双方协调" in text
        and "按市场价补偿" in text
        and "临街商铺" in text
        and "分歧无法弥合" in text
    )
    assert "抄送：武平县司法局。" in text
    check_clean(text, world)


async def test_feedback_letter_refuses_before_the_effort_ends_and_names_a_missing_part(
    make_ctx: CtxFactory, ctx: ServiceContext, world: World
):
    with pytest.raises(DomainError) as before_end:
        await service.issue_document(
            ctx, kind=DocumentKind.COORDINATION_FEEDBACK, record_id=world.effort_id, given=LetterInput()
        )
    assert before_end.value.code == "invalid_transition"
    ctx = await fresh(make_ctx, ctx)
    effort = await fail_effort(ctx, world)
    # Concluding asks for all four parts; an effort from an older ledger may lack one.
    effort.point_in_dispute = None
    await ctx.session.commit()
    with pytest.raises(ValidationFailed) as missing:
        await service.issue_document(
            ctx, kind=DocumentKind.COORDINATION_FEEDBACK, record_id=effort.id, given=LetterInput()
        )
    assert missing.value.field == "pointInDispute" and "争议焦点" in missing.value.message_zh
    ctx = await fresh(make_ctx, ctx)
    assert await rows(ctx) == (0, 0, 0)
    row = await service.issue_document(
        ctx,
        kind=DocumentKind.COORDINATION_FEEDBACK,
        record_id=effort.id,
        given=LetterInput(point_in_dispute="补偿决定适用的标准"),
    )
    assert "补偿决定适用的标准" in docx_text(await service.docx_of(ctx.session, row.id))


async def test_loss_analysis_report_submits_the_duty_and_meets_the_rules_obligation(
    ctx: ServiceContext, world: World
):
    case = await lose_case(ctx, world)
    duty = await ctx.session.scalar(
        select(Obligation).where(
            Obligation.subject_type == "litigation_case",
            Obligation.subject_id == case.id,
            Obligation.title.like("%败诉原因分析报告%"),
        )
    )
    assert duty is not None and duty.status == ObligationStatus.OPEN
    given = LetterInput(
        causes=(LossCause.INSUFFICIENT_EVIDENCE, LossCause.PROCEDURE),
        cause_detail="补偿决定作出前未对商铺用途进行实地核查，也未听取原告陈述申辩。",
        responsibility="承办股室未履行调查核实职责，分管领导审核把关不严。",
        rectification="一、重新开展调查评估；二、完善征收补偿决定的法制审核程序。",
    )
    row = await service.issue_document(ctx, kind=DocumentKind.LOSS_ANALYSIS, record_id=case.id, given=given)
    await ctx.session.commit()
    text = docx_text(await service.docx_of(ctx.session, row.id))
    for heading in ("一、基本案情", "二、裁判结果", "三、败诉原因", "四、责任分析", "五、整改措施"):
        assert heading in text
    assert "主要证据不足、违反法定程序" in text and "判决撤销" in text and "武平县司法局：" in text
    assert "未对商铺用途进行实地核查" in text and "审核把关不严" in text and "法制审核程序" in text
    check_clean(text, world)
    await ctx.session.refresh(duty)
    assert duty.status == ObligationStatus.MET and duty.met_date == dt.date(2024, 11, 20)
    submitted = await ctx.session.scalar(
        select(PostJudgmentDuty).where(
            PostJudgmentDuty.case_id == case.id, PostJudgmentDuty.kind == DutyKind.LOSS_ANALYSIS
        )
    )
    assert submitted is not None and submitted.status == DutyStatus.SUBMITTED
    assert submitted.content is not None and "责任分析" in submitted.content

    # Reissued (a corrected report): a new version and number, the first one kept unchanged.
    again = await service.issue_document(
        ctx,
        kind=DocumentKind.LOSS_ANALYSIS,
        record_id=case.id,
        given=LetterInput(**{**given.__dict__, "responsibility": "承办股室负主要责任。"}),
        note="更正责任分析",
    )
    await ctx.session.commit()
    assert (again.version, again.document_number) == (2, "武司〔2024〕2号")
    listed = await service.list_documents(ctx, "litigation_case", case.id)
    assert [(d.version, d.sha256) for d in listed] == [(2, again.sha256), (1, row.sha256)]
    assert "审核把关不严" in docx_text(await service.docx_of(ctx.session, row.id))


async def test_loss_analysis_needs_a_loss_and_its_parts(
    make_ctx: CtxFactory, ctx: ServiceContext, world: World
):
    with pytest.raises(DomainError) as no_loss:
        await service.issue_document(
            ctx, kind=DocumentKind.LOSS_ANALYSIS, record_id=world.case_id, given=LetterInput()
        )
    assert "未登记败诉" in no_loss.value.message_zh
    ctx = await fresh(make_ctx, ctx)
    await lose_case(ctx, world)
    for given, field in (
        (LetterInput(), "causes"),
        (LetterInput(causes=(LossCause.OTHER,)), "causeDetail"),
        (LetterInput(causes=(LossCause.OTHER,), cause_detail="原因"), "responsibility"),
        (LetterInput(causes=(LossCause.OTHER,), cause_detail="原因", responsibility="责任"), "rectification"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            await service.issue_document(
                ctx, kind=DocumentKind.LOSS_ANALYSIS, record_id=world.case_id, given=given
            )
        assert refused.value.field == field and refused.value.message_zh and refused.value.message_en
        ctx = await fresh(make_ctx, ctx)
    assert await rows(ctx) == (0, 0, 0)


async def test_reminder_interview_and_circular_from_an_overdue_duty(ctx: ServiceContext, world: World):
    await lose_case(ctx, world)
    ob = await overdue_obligation(ctx, world)
    reminder = await service.issue_document(
        ctx,
        kind=DocumentKind.REMINDER_LETTER,
        record_id=ob.id,
        given=LetterInput(reply_by=dt.date(2024, 11, 25)),
    )
    interview = await service.issue_document(
        ctx,
        kind=DocumentKind.INTERVIEW_NOTICE,
        record_id=ob.id,
        given=LetterInput(
            interview_at=dt.datetime(2024, 11, 27, 9, 30, tzinfo=CHINA), place="县司法局三楼会议室"
        ),
    )
    circular = await service.issue_document(
        ctx, kind=DocumentKind.CIRCULAR, record_id=ob.id, given=LetterInput()
    )
    await ctx.session.commit()
    texts = [docx_text(await service.docx_of(ctx.session, r.id)) for r in (reminder, interview, circular)]
    for text in texts:
        assert "（2024）闽0824行初15号" in text and "逾期2日" in text and "2024年11月18日" in text
        assert "《" in text  # the basis, cited as a reader looks it up
        check_clean(text, world)
    assert "县自然资源局：" in texts[0] and "2024年11月25日前办结" in texts[0]
    assert (
        "县自然资源局主要负责人张局长同志：" in texts[1]
        and "2024年11月27日9时30分在县司法局三楼会议室" in texts[1]
    )
    assert "现予通报" in texts[2] and "各有关单位：" in texts[2] and "抄送：县自然资源局。" in texts[2]
    assert "武平县司法局办公室" in texts[2]
    assert [r.issuing_authority for r in (reminder, interview, circular)] == ["武平县司法局"] * 3
    assert [r.document_number for r in (reminder, interview, circular)] == [
        "武司〔2024〕1号",
        "武司〔2024〕2号",
        "武司〔2024〕3号",
    ]


async def test_an_interview_or_circular_needs_a_late_duty_and_an_interview_its_time_and_place(
    make_ctx: CtxFactory, ctx: ServiceContext, world: World
):
    await lose_case(ctx, world)
    ob = await ctx.session.scalar(
        select(Obligation).where(
            Obligation.subject_type == "litigation_case", Obligation.title.like("%备案%")
        )
    )
    assert ob is not None and ob.status == ObligationStatus.OPEN
    ob_id = ob.id
    for kind in (DocumentKind.INTERVIEW_NOTICE, DocumentKind.CIRCULAR):
        with pytest.raises(DomainError) as not_late:
            await service.issue_document(ctx, kind=kind, record_id=ob_id, given=LetterInput())
        assert "未逾期" in not_late.value.message_zh
        ctx = await fresh(make_ctx, ctx)
    ob_id = (await overdue_obligation(ctx, world)).id
    with pytest.raises(ValidationFailed) as no_time:
        await service.issue_document(
            ctx, kind=DocumentKind.INTERVIEW_NOTICE, record_id=ob_id, given=LetterInput()
        )
    assert no_time.value.field == "interviewAt"
    ctx = await fresh(make_ctx, ctx)
    with pytest.raises(ValidationFailed) as no_place:
        await service.issue_document(
            ctx,
            kind=DocumentKind.INTERVIEW_NOTICE,
            record_id=ob_id,
            given=LetterInput(interview_at=dt.datetime(2024, 11, 27, 9, 0, tzinfo=CHINA)),
        )
    assert no_place.value.field == "place"
    ctx = await fresh(make_ctx, ctx)
    assert await rows(ctx) == (0, 0, 0)


async def test_who_may_issue_what(make_ctx: CtxFactory, ctx: ServiceContext, world: World):
    await lose_case(ctx, world)
    ob_id = (await overdue_obligation(ctx, world)).id
    j = world.org.jurisdiction.id
    clerk = Principal(user="clerk", role=Role.UNIT_CLERK, jurisdiction_id=j, unit_id=world.agency_id)
    other_clerk = Principal(
        user="other", role=Role.UNIT_CLERK, jurisdiction_id=j, unit_id=world.org.township.id
    )
    leader = Principal(user="leader", role=Role.LEADER, jurisdiction_id=j)
    # A unit writes its own notice; the bureau's letters are not a clerk's to issue.
    row = await service.issue_document(
        make_ctx(clerk), kind=DocumentKind.RELIEF_NOTICE, record_id=world.effort_id, given=LetterInput()
    )
    assert row.issued_by == "clerk"
    row_id = row.id
    await ctx.session.commit()
    refusals = (
        (clerk, DocumentKind.REMINDER_LETTER, ob_id, Forbidden),
        (other_clerk, DocumentKind.RELIEF_NOTICE, world.effort_id, NotFound),
        (leader, DocumentKind.RELIEF_NOTICE, world.effort_id, Forbidden),
    )
    for who, kind, record_id, error in refusals:
        with pytest.raises(error):
            await service.issue_document(make_ctx(who), kind=kind, record_id=record_id, given=LetterInput())
        await ctx.session.rollback()
    with pytest.raises(NotFound):
        await service.list_documents(make_ctx(other_clerk), "resolution_effort", world.effort_id)
    listed = await service.list_documents(make_ctx(leader), "resolution_effort", world.effort_id)
    assert [d.id for d in listed] == [row_id]
    assert await rows(ctx) == (1, 1, 1)


def test_the_issue_action_has_a_chinese_audit_label():
    assert ACTION_LABELS["document.issue"] == "签发文书"


def test_the_identifier_scan_finds_what_it_must():
    text = "依据001_65b9a4aea3f36102.txt；规则 wuping.loss_analysis_report；编号 WUPING-2024-00001；" + (
        "0f8fad5b-d9cb-469f-a165-70867728950e"
    )
    assert internal_identifiers(text, ("wuping", "WUPING-2024-00001")) == [
        "0f8fad5b-d9cb-469f-a165-70867728950e",
        "001_65b9a4aea3f36102.txt",
        "wuping.loss_analysis_report",
        "wuping",
        "WUPING-2024-00001",
    ]
    assert (
        internal_identifiers(
            "《武平县人民政府办公室关于……的通知》（武政办〔2023〕47号）五、（2024）闽0824行初15号"
        )
        == []
    )


async def test_feedback_letter_of_a_settled_effort_states_the_result(ctx: ServiceContext, world: World):
    await disputes.conclude_resolution(
        ctx,
        world.effort_id,
        succeeded=True,
        concluded_date=dt.date(2024, 11, 8),
        result=ResolutionResult.MEDIATED,
    )
    await ctx.session.commit()
    row = await service.issue_document(
        ctx, kind=DocumentKind.COORDINATION_FEEDBACK, record_id=world.effort_id, given=LetterInput()
    )
    text = docx_text(await service.docx_of(ctx.session, row.id))
    assert "2024年11月8日调解，争议已化解" in text and "武平县人民法院：" in text
    assert "争议焦点" not in text and "抄送：武平县司法局。" in text
    check_clean(text, world)
