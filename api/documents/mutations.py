"""``issueDocument``: issue (or reissue, as a new version) a letter from its record."""

from __future__ import annotations

import datetime as dt

import strawberry

from api.common import DocumentKind, LossCause, Payload, gid, run_mutation
from api.context import Info
from api.documents.types import IssuedDocument
from core.context import ServiceContext
from core.documents import letters, service

MAX_CAUSES = 8


@strawberry.input(description="签发文书：种类、所依据的记录，以及记录中没有、需签发人填写的内容")
class IssueDocumentInput:
    kind: DocumentKind
    record_id: strawberry.ID = strawberry.field(
        description="纾解告知书、反馈函：化解工作编号；败诉原因分析报告：诉讼案件编号；提醒函、约谈通知书、通报：期限事项编号"
    )
    note: str | None = strawberry.field(default=None, description="签发说明（重新签发时写明原因）")
    court: str | None = strawberry.field(
        default=None, description="反馈函：受函法院（默认取关联诉讼案件的法院）"
    )
    process: str | None = strawberry.field(default=None, description="反馈函（化解失败）：协调化解过程")
    claims: str | None = strawberry.field(default=None, description="反馈函（化解失败）：双方诉求")
    point_in_dispute: str | None = strawberry.field(default=None, description="反馈函（化解失败）：争议焦点")
    failure_reason: str | None = strawberry.field(
        default=None, description="反馈函（化解失败）：无法协调化解原因"
    )
    causes: list[LossCause] | None = strawberry.field(
        default=None, description="败诉原因分析报告：败诉原因类别"
    )
    cause_detail: str | None = strawberry.field(default=None, description="败诉原因分析报告：原因分析")
    responsibility: str | None = strawberry.field(default=None, description="败诉原因分析报告：责任分析")
    rectification: str | None = strawberry.field(
        default=None, description="败诉原因分析报告：整改措施（默认取已提交的整改措施）；通报：整改要求"
    )
    interview_at: dt.datetime | None = strawberry.field(default=None, description="约谈通知书：约谈时间")
    place: str | None = strawberry.field(default=None, description="约谈通知书：约谈地点")
    convener: str | None = strawberry.field(default=None, description="约谈通知书：约谈人（默认发文机关）")
    reply_by: dt.date | None = strawberry.field(default=None, description="工作提醒函：办结并回复的期限")


def _given(input: IssueDocumentInput) -> letters.LetterInput:
    causes = list(input.causes or [])
    if len(causes) > MAX_CAUSES:
        from core.errors import ValidationFailed

        raise ValidationFailed("causes", "败诉原因类别过多", f"at most {MAX_CAUSES} causes", "too_many")
    return letters.LetterInput(
        court=input.court,
        process=input.process,
        claims=input.claims,
        point_in_dispute=input.point_in_dispute,
        failure_reason=input.failure_reason,
        causes=tuple(causes),
        cause_detail=input.cause_detail,
        responsibility=input.responsibility,
        rectification=input.rectification,
        interview_at=input.interview_at,
        place=input.place,
        convener=input.convener,
        reply_by=input.reply_by,
    )


@strawberry.type
class DocumentMutation:
    @strawberry.mutation(
        description="签发文书（纾解告知书、委托协调化解反馈函、败诉原因分析报告、工作提醒函、约谈通知书、通报）："
        "按记录填写、编发文字号、冻结为新版本并留痕"
    )
    async def issue_document(self, info: Info, input: IssueDocumentInput) -> Payload[IssuedDocument]:
        async def issue(ctx: ServiceContext) -> IssuedDocument:
            row = await service.issue_document(
                ctx,
                kind=input.kind,
                record_id=gid(input.record_id, "recordId"),
                given=_given(input),
                note=input.note,
            )
            return IssuedDocument.of(row)

        return await run_mutation(info, issue)  # type: ignore[no-any-return]
