"""Issuing letters from records: authorise, fill, number, freeze, audit, and meet the duty it answers.

A letter is issued for a record the principal may read and act on (a clerk for the letters a unit
writes, the justice bureau for reminders, interviews and circulars). Issuing takes the next 发文字号,
freezes the Word file and its content as a new version (earlier versions stay), writes the audit
entry and emits ``document_issued`` on the record. The 败诉原因分析报告 is the loss-cause analysis the
rules ask for: issuing it submits the case's pending ``loss_analysis`` duty, which meets the
obligations the county rules attach to that submission (Wuping 001 五, Wuyang 003 三、（二）3).
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import record as audit
from core.cases.models import PostJudgmentDuty
from core.common import get_visible, optional_text
from core.context import ServiceContext
from core.documents import letters, numbers, render
from core.documents.models import IssuedDocument
from core.enums import DocumentKind, DutyKind, DutyStatus
from core.errors import ValidationFailed
from core.obligations.engine import emit
from core.org.models import Jurisdiction
from core.policy.types import Event, EventKind
from core.scoping import authorize


async def issue_document(
    ctx: ServiceContext,
    *,
    kind: DocumentKind,
    record_id: int,
    given: letters.LetterInput,
    note: str | None = None,
) -> IssuedDocument:
    """Issue the next version of ``kind`` from the record; nothing is written when refused."""
    record: Any = await letters.record_of(ctx, kind, record_id)
    authorize(ctx.principal, f"document.issue.{kind.value}", record.jurisdiction_id, record.unit_id)
    note_text = optional_text(note, "note", "签发说明", max_len=500) or ""
    letter = await letters.build(ctx, kind, record, given)
    subject_type = letters.SUBJECT_OF[kind]
    last = await ctx.session.scalar(
        select(func.max(IssuedDocument.version)).where(
            IssuedDocument.kind == kind.value,
            IssuedDocument.subject_type == subject_type,
            IssuedDocument.subject_id == record.id,
        )
    )
    j = await ctx.session.get(Jurisdiction, record.jurisdiction_id)
    assert j is not None
    # Every version is a document of its own, with the next 发文字号 of the year it is issued.
    number = await numbers.next_document_number(ctx, j, letter.issued_on.year)
    letter = dataclasses.replace(letter, number=number)
    data = render.docx(letter)
    row = IssuedDocument(
        jurisdiction_id=record.jurisdiction_id,
        unit_id=record.unit_id,
        kind=kind.value,
        subject_type=subject_type,
        subject_id=record.id,
        version=(last or 0) + 1,
        document_number=number,
        title=letter.title,
        issuing_authority=letter.authority,
        issued_on=letter.issued_on,
        issued_at=ctx.now(),
        issued_by=ctx.principal.user[:80],
        note=note_text,
        content=_json(letter),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        docx=data,
    )
    ctx.session.add(row)
    await ctx.session.flush()
    await audit(ctx, "document.issue", row, None)
    if kind == DocumentKind.LOSS_ANALYSIS:
        await _submit_loss_analysis(ctx, record.id, letter)
    await emit(
        ctx,
        Event(
            EventKind.DOCUMENT_ISSUED,
            record.jurisdiction_id,
            letter.issued_on,
            subject_type,
            record.id,
            record.unit_id,
            {"document": kind.value, "version": row.version},
        ),
    )
    return row


async def _submit_loss_analysis(ctx: ServiceContext, case_id: int, letter: letters.Letter) -> None:
    """The report is the loss-cause analysis: submit the case's pending duty with its text, once."""
    from core.cases import service as cases

    pending = await ctx.session.scalar(
        select(PostJudgmentDuty.id).where(
            PostJudgmentDuty.case_id == case_id,
            PostJudgmentDuty.kind == DutyKind.LOSS_ANALYSIS,
            PostJudgmentDuty.status == DutyStatus.PENDING,
        )
    )
    if pending is not None:
        await cases.submit_duty(
            ctx, case_id, kind=DutyKind.LOSS_ANALYSIS, content=letter.text(), submitted_date=letter.issued_on
        )


def _json(letter: letters.Letter) -> dict[str, Any]:
    data = dataclasses.asdict(letter)
    data["issued_on"] = letter.issued_on.isoformat()
    return data


async def get_document(ctx: ServiceContext, document_id: int, field: str = "id") -> IssuedDocument:
    """One issued version whose record the principal may read, or NotFound."""
    row = await get_visible(ctx, IssuedDocument, document_id, "文书", field)
    # The record decides, as for attachments (a further respondent's clerk reads its dispute).
    model, label = letters.MODELS[row.subject_type]
    await get_visible(ctx, model, row.subject_id, label, field)
    return row


async def list_documents(ctx: ServiceContext, subject_type: str, subject_id: int) -> list[IssuedDocument]:
    """Every version issued from a record the principal may read, by kind, newest version first."""
    if subject_type not in letters.MODELS:
        raise ValidationFailed(
            "recordType",
            "文书所属记录类型无效",
            f"recordType must be one of {', '.join(letters.MODELS)}",
        )
    model, label = letters.MODELS[subject_type]
    await get_visible(ctx, model, subject_id, label, "recordId")
    rows = await ctx.session.scalars(
        select(IssuedDocument)
        .where(IssuedDocument.subject_type == subject_type, IssuedDocument.subject_id == subject_id)
        .order_by(IssuedDocument.kind, IssuedDocument.version.desc())
    )
    return list(rows)


async def docx_of(session: AsyncSession, document_id: int) -> bytes:
    """The frozen Word file (deferred: only a download reads it)."""
    data = await session.scalar(select(IssuedDocument.docx).where(IssuedDocument.id == document_id))
    return data or b""


__all__ = ["docx_of", "get_document", "issue_document", "list_documents"]
