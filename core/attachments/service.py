"""Attaching files to records: content-type checks, size limit, scoping, audit; listing and deletion.

The media type is decided from the bytes alone (magic numbers; a DOCX is a zip holding
``word/document.xml`` and ``[Content_Types].xml``), never from the file name or a type the client
claims, so a renamed .exe or an HTML page is refused whatever it is called.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import unicodedata
import zipfile
from typing import Any

from sqlalchemy import select

from core.attachments.models import Attachment
from core.audit.service import record as audit
from core.audit.service import snapshot
from core.cases.models import Hearing, LitigationCase, ReconsiderationCase
from core.common import get_visible
from core.context import ServiceContext
from core.disputes.models import Dispute
from core.errors import ValidationFailed
from core.obligations.models import Obligation
from core.scoping import authorize

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# The same zip-bomb limits the ledger reader applies to a workbook.
MAX_MEMBER_BYTES = 64 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 160 * 1024 * 1024
MAX_ZIP_MEMBERS = 2000

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png", DOCX: ".docx"}

# What a file may be attached to: GraphQL name -> (model, Chinese label).
SUBJECTS: dict[str, tuple[type[Any], str]] = {
    "dispute": (Dispute, "行政争议"),
    "litigation_case": (LitigationCase, "诉讼案件"),
    "hearing": (Hearing, "庭审"),
    "obligation": (Obligation, "待办事项"),
    "reconsideration_case": (ReconsiderationCase, "复议案件"),
}


def max_bytes() -> int:
    """The upload limit; ``CASELOAD_ATTACHMENT_MAX_BYTES`` overrides the 20 MB default."""
    raw = os.environ.get("CASELOAD_ATTACHMENT_MAX_BYTES", "")
    return int(raw) if raw.strip().isdigit() and int(raw) > 0 else DEFAULT_MAX_BYTES


def _refuse(message_zh: str, message_en: str, code: str = "invalid_file") -> ValidationFailed:
    return ValidationFailed("contentBase64", message_zh, message_en, code)


def _is_docx(content: bytes) -> bool:
    """A zip holding a Word document's two required parts, read within the zip-bomb limits."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > MAX_UNCOMPRESSED_BYTES:
            raise _refuse(
                "文件解压后过大，无法接收", "the archive is too large once uncompressed", "file_too_large"
            )
        if any(m.file_size > MAX_MEMBER_BYTES for m in members):
            raise _refuse("文件解压后过大，无法接收", "a part of the archive is too large", "file_too_large")
        names = {m.filename for m in members}
        if not {"word/document.xml", "[Content_Types].xml"} <= names:
            return False
        try:
            # Reading the document part proves it is a real, intact member (bounded by the checks above).
            archive.read("word/document.xml")
        except (zipfile.BadZipFile, OSError, ValueError, RuntimeError):
            return False
    return True


def detect_media_type(content: bytes) -> str:
    """The file's type from its first bytes, or a refusal naming what is accepted."""
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith(b"PK\x03\x04") and _is_docx(content):
        return DOCX
    raise _refuse(
        "不支持的文件类型：仅接收 PDF、JPEG、PNG 图片和 Word 文档（.docx）",
        "unsupported file type: only PDF, JPEG, PNG and DOCX are accepted (checked from the content)",
        "unsupported_type",
    )


_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def sanitise_file_name(name: str, media_type: str) -> str:
    """A name safe to show and to send back: no path, no control or shell characters, the right extension."""
    text = unicodedata.normalize("NFC", name or "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = _UNSAFE.sub("_", text).strip(" .")
    stem = text.rsplit(".", 1)[0] if "." in text else text
    stem = stem[:150] or "附件"
    return stem + EXTENSIONS[media_type]


async def _subject(ctx: ServiceContext, subject_type: str, subject_id: int) -> Any:
    if subject_type not in SUBJECTS:
        raise ValidationFailed(
            "subjectType",
            "附件所属记录类型无效",
            f"subjectType must be one of {', '.join(SUBJECTS)}",
        )
    model, label = SUBJECTS[subject_type]
    return await get_visible(ctx, model, subject_id, label, "subjectId")


async def attach_file(
    ctx: ServiceContext,
    *,
    subject_type: str,
    subject_id: int,
    file_name: str,
    content: bytes,
    note: str | None = None,
) -> Attachment:
    """Attach ``content`` to a record the principal can see and edit; nothing is written on refusal."""
    subject = await _subject(ctx, subject_type, subject_id)
    # The record was visible (a clerk's own unit, or a further respondent of the dispute), so the
    # unit check is already done; authorize checks the role and the jurisdiction.
    authorize(ctx.principal, "attachment.create", subject.jurisdiction_id)
    if not content:
        raise _refuse("文件为空", "the file is empty", "required")
    limit = max_bytes()
    if len(content) > limit:
        raise _refuse(
            f"文件过大：上限 {limit // (1024 * 1024)} MB",
            f"the file is larger than the {limit} byte limit",
            "file_too_large",
        )
    media_type = detect_media_type(content)
    note_text = (note or "").strip()
    if len(note_text) > 500:
        raise ValidationFailed("note", "备注不能超过500字", "note must be at most 500 characters", "too_long")
    attachment = Attachment(
        jurisdiction_id=subject.jurisdiction_id,
        unit_id=getattr(subject, "unit_id", None),
        subject_type=subject_type,
        subject_id=subject.id,
        file_name=sanitise_file_name(file_name, media_type),
        media_type=media_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        uploader_name=ctx.principal.user[:80],
        note=note_text,
    )
    ctx.session.add(attachment)
    await ctx.session.flush()
    await audit(ctx, "attachment.create", attachment, None)
    return attachment


async def get_attachment(ctx: ServiceContext, attachment_id: int) -> Attachment:
    """An attachment whose record the principal may see, or NotFound (no leak by id)."""
    attachment = await get_visible(ctx, Attachment, attachment_id, "附件")
    await _subject(ctx, attachment.subject_type, attachment.subject_id)
    return attachment


async def delete_attachment(ctx: ServiceContext, attachment_id: int, *, reason: str) -> None:
    """Remove an attachment, with the reason kept in the audit trail."""
    attachment = await get_attachment(ctx, attachment_id)
    authorize(ctx.principal, "attachment.delete", attachment.jurisdiction_id)
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed("reason", "删除附件须说明理由", "reason must not be empty", "required")
    before = snapshot(attachment)
    attachment.note = f"删除理由：{text[:480]}"
    await audit(ctx, "attachment.delete", attachment, before)
    await ctx.session.delete(attachment)
    await ctx.session.flush()


async def list_attachments(ctx: ServiceContext, subject_type: str, subject_id: int) -> list[Attachment]:
    """The metadata of a visible record's attachments, oldest first (the bytes are not loaded)."""
    await _subject(ctx, subject_type, subject_id)
    rows = await ctx.session.scalars(
        select(Attachment)
        .where(Attachment.subject_type == subject_type, Attachment.subject_id == subject_id)
        .order_by(Attachment.id)
    )
    return list(rows)
