"""Attaching files to records: types checked from the content, size limit, scoping, audit, no partial writes."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile

import pytest
from sqlalchemy import func, select

from core.attachments import service
from core.attachments.models import Attachment
from core.attachments.service import DOCX, JPEG, PDF, PNG, attach_file, delete_attachment, get_attachment
from core.audit.models import AuditEntry
from core.audit.present import ACTION_LABELS
from core.context import ServiceContext
from core.disputes.models import Dispute
from core.disputes.service import DisputeInput, record_dispute
from core.enums import ActionType, DisputeField, DisputeSource, Role
from core.errors import DomainError, NotFound, ValidationFailed
from core.principal import Principal
from tests.conftest import CtxFactory
from tests.support import Org, make_org

PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


def docx_bytes(parts: tuple[str, ...] = ("[Content_Types].xml", "word/document.xml")) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in parts:
            archive.writestr(name, "<?xml version='1.0'?><w:document/>")
    return buffer.getvalue()


@pytest.fixture
async def world(ctx: ServiceContext) -> tuple[Org, Dispute]:
    org = await make_org(ctx)
    dispute = await record_dispute(
        ctx,
        DisputeInput(
            unit_id=org.agency.id,
            title="房屋征收补偿争议",
            applicant_name="陈某",
            field=DisputeField.LAND_EXPROPRIATION,
            action_type=ActionType.EXPROPRIATION,
            source=DisputeSource.SCREENING,
            received_date=dt.date(2024, 10, 8),
        ),
    )
    await ctx.session.commit()
    return org, dispute


async def count(ctx: ServiceContext) -> tuple[int, int]:
    files = await ctx.session.scalar(select(func.count()).select_from(Attachment))
    entries = await ctx.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action.like("attachment.%"))
    )
    return int(files or 0), int(entries or 0)


@pytest.mark.parametrize(
    ("content", "media_type", "name", "stored_name"),
    [
        (PDF_BYTES, PDF, "行政复议决定书.pdf", "行政复议决定书.pdf"),
        (JPEG_BYTES, JPEG, "送达回证.JPG", "送达回证.jpg"),
        (PNG_BYTES, PNG, "照片", "照片.png"),
        (docx_bytes(), DOCX, "../../etc/答辩状.docx", "答辩状.docx"),
    ],
)
async def test_each_accepted_type_is_stored_with_its_type_from_the_content(
    ctx: ServiceContext,
    world: tuple[Org, Dispute],
    content: bytes,
    media_type: str,
    name: str,
    stored_name: str,
):
    _, dispute = world
    a = await attach_file(
        ctx, subject_type="dispute", subject_id=dispute.id, file_name=name, content=content, note="扫描件"
    )
    await ctx.session.commit()
    assert (a.media_type, a.file_name, a.size) == (media_type, stored_name, len(content))
    assert a.sha256 == hashlib.sha256(content).hexdigest()
    listed = await service.list_attachments(ctx, "dispute", dispute.id)
    assert [x.id for x in listed] == [a.id]
    entry = await ctx.session.scalar(select(AuditEntry).where(AuditEntry.action == "attachment.create"))
    assert entry is not None and entry.entity_id == a.id
    assert ACTION_LABELS["attachment.create"] == "上传附件"


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64, "判决书.pdf"),  # a Windows program renamed
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "通知.png"),
        (docx_bytes(("[Content_Types].xml", "xl/workbook.xml")), "表格.docx"),  # a zip but not Word
        (b"%PD", "short.pdf"),
    ],
)
async def test_other_content_is_refused_whatever_its_name_and_nothing_is_written(
    ctx: ServiceContext, world: tuple[Org, Dispute], content: bytes, name: str
):
    _, dispute = world
    before = await count(ctx)
    with pytest.raises(ValidationFailed) as err:
        await attach_file(ctx, subject_type="dispute", subject_id=dispute.id, file_name=name, content=content)
    await ctx.session.rollback()
    assert err.value.field == "contentBase64" and err.value.code == "unsupported_type"
    assert "PDF" in err.value.message_zh and "DOCX" in err.value.message_en
    assert await count(ctx) == before


async def test_a_file_over_the_limit_is_refused_naming_the_limit(
    ctx: ServiceContext, world: tuple[Org, Dispute], monkeypatch: pytest.MonkeyPatch
):
    _, dispute = world
    monkeypatch.setenv("CASELOAD_ATTACHMENT_MAX_BYTES", str(2 * 1024 * 1024))
    big = PDF_BYTES + b"0" * (2 * 1024 * 1024)
    with pytest.raises(ValidationFailed) as err:
        await attach_file(ctx, subject_type="dispute", subject_id=dispute.id, file_name="大.pdf", content=big)
    await ctx.session.rollback()
    assert err.value.code == "file_too_large" and "2 MB" in err.value.message_zh
    assert await count(ctx) == (0, 0)
    monkeypatch.delenv("CASELOAD_ATTACHMENT_MAX_BYTES")
    assert service.max_bytes() == 20 * 1024 * 1024


async def test_a_docx_that_inflates_past_the_limits_is_refused(
    ctx: ServiceContext, world: tuple[Org, Dispute], monkeypatch: pytest.MonkeyPatch
):
    _, dispute = world
    monkeypatch.setattr(service, "MAX_MEMBER_BYTES", 1000)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "0" * 100_000)
    with pytest.raises(ValidationFailed) as err:
        await attach_file(
            ctx,
            subject_type="dispute",
            subject_id=dispute.id,
            file_name="炸弹.docx",
            content=buffer.getvalue(),
        )
    assert err.value.code == "file_too_large"


async def test_an_unknown_subject_type_names_the_field(ctx: ServiceContext, world: tuple[Org, Dispute]):
    with pytest.raises(ValidationFailed) as err:
        await attach_file(ctx, subject_type="user", subject_id=1, file_name="a.pdf", content=PDF_BYTES)
    assert err.value.field == "subjectType"


async def test_other_units_and_counties_can_neither_attach_nor_read_nor_delete(
    ctx: ServiceContext, make_ctx: CtxFactory, world: tuple[Org, Dispute]
):
    org, dispute = world
    did = dispute.id
    jid, township_id, agency_id = org.jurisdiction.id, org.township.id, org.agency.id
    a = await attach_file(ctx, subject_type="dispute", subject_id=did, file_name="a.pdf", content=PDF_BYTES)
    await ctx.session.commit()
    township = make_ctx(
        Principal(user="镇文员", role=Role.UNIT_CLERK, jurisdiction_id=jid, unit_id=township_id)
    )
    elsewhere = make_ctx(Principal(user="外县", role=Role.JUSTICE_STAFF, jurisdiction_id=jid + 1000))
    leader = make_ctx(Principal(user="领导", role=Role.LEADER, jurisdiction_id=jid))
    for other in (township, elsewhere):
        with pytest.raises(NotFound) as err:
            await attach_file(
                other, subject_type="dispute", subject_id=did, file_name="b.pdf", content=PDF_BYTES
            )
        assert err.value.field == "subjectId"
        with pytest.raises(NotFound):
            await get_attachment(other, a.id)
        with pytest.raises(NotFound):
            await delete_attachment(other, a.id, reason="误传")
    # A leader reads but does not write.
    assert (await get_attachment(leader, a.id)).id == a.id
    with pytest.raises(DomainError) as denied:
        await attach_file(
            leader, subject_type="dispute", subject_id=did, file_name="b.pdf", content=PDF_BYTES
        )
    assert denied.value.code == "forbidden"
    await ctx.session.rollback()
    assert await count(ctx) == (1, 1)
    # The agency's own clerk attaches and reads.
    agency = make_ctx(Principal(user="局文员", role=Role.UNIT_CLERK, jurisdiction_id=jid, unit_id=agency_id))
    b = await attach_file(
        agency, subject_type="dispute", subject_id=did, file_name="b.png", content=PNG_BYTES
    )
    assert (await get_attachment(agency, b.id)).uploader_name == "局文员"


async def test_deleting_needs_a_reason_and_is_audited(ctx: ServiceContext, world: tuple[Org, Dispute]):
    _, dispute = world
    a = await attach_file(
        ctx, subject_type="dispute", subject_id=dispute.id, file_name="a.pdf", content=PDF_BYTES
    )
    await ctx.session.commit()
    with pytest.raises(ValidationFailed) as err:
        await delete_attachment(ctx, a.id, reason=" ")
    assert err.value.field == "reason"
    await ctx.session.rollback()
    await delete_attachment(ctx, a.id, reason="重复上传")
    await ctx.session.commit()
    assert await count(ctx) == (0, 2)
    entry = await ctx.session.scalar(select(AuditEntry).where(AuditEntry.action == "attachment.delete"))
    assert entry is not None and "重复上传" in str(entry.after)
    assert ACTION_LABELS["attachment.delete"] == "删除附件"
