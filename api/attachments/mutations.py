"""``attachFile`` (base64 content, type checked from the bytes) and ``deleteAttachment`` (with a reason)."""

from __future__ import annotations

import base64
import binascii

import strawberry

from api.attachments.types import AttachmentInfo
from api.common import Payload, gid, run_mutation
from api.context import Info
from core.attachments import service
from core.context import ServiceContext
from core.errors import ValidationFailed


@strawberry.input
class AttachFileInput:
    subject_type: str = strawberry.field(
        description="dispute / litigation_case / hearing / obligation / reconsideration_case"
    )
    subject_id: strawberry.ID
    file_name: str
    content_base64: str
    note: str | None = None


def decode_content(data: str) -> bytes:
    """The file from base64, refused before decoding when it cannot fit the size limit."""
    text = data.split(",", 1)[1] if data.startswith("data:") and "," in data else data
    limit = service.max_bytes()
    if len(text) > limit * 4 // 3 + 8:
        raise ValidationFailed(
            "contentBase64", f"文件过大：上限 {limit // (1024 * 1024)} MB", "file too large", "file_too_large"
        )
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationFailed(
            "contentBase64", "文件内容不是有效的 base64 编码", "not base64", "invalid_file"
        ) from exc


@strawberry.type
class AttachmentMutation:
    @strawberry.mutation(description="上传附件（PDF、JPEG、PNG、DOCX；类型按文件内容识别；留痕）")
    async def attach_file(self, info: Info, input: AttachFileInput) -> Payload[AttachmentInfo]:
        async def attach(ctx: ServiceContext) -> AttachmentInfo:
            a = await service.attach_file(
                ctx,
                subject_type=input.subject_type,
                subject_id=gid(input.subject_id, "subjectId"),
                file_name=input.file_name,
                content=decode_content(input.content_base64),
                note=input.note,
            )
            return AttachmentInfo.of(a)

        return await run_mutation(info, attach)  # type: ignore[no-any-return]

    @strawberry.mutation(description="删除附件（须说明理由，留痕）")
    async def delete_attachment(self, info: Info, id: strawberry.ID, reason: str) -> Payload[AttachmentInfo]:
        async def remove(ctx: ServiceContext) -> AttachmentInfo:
            a = await service.get_attachment(ctx, gid(id, "id"))
            info_ = AttachmentInfo.of(a)
            await service.delete_attachment(ctx, a.id, reason=reason)
            return info_

        return await run_mutation(info, remove)  # type: ignore[no-any-return]
