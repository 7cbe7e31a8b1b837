"""The attachment type and the ``attachments`` field of the records that carry files.

The field batches through one per-request loader per record type (scoped like every loader, so a
clerk sees the files of their unit's records only) and is registered for page-wise prefetching,
as ``obligations`` is: a page of fifty disputes reads its attachments in one query.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import strawberry

from api import signing
from api.context import Context, Info
from api.loaders import Loader, then
from api.prefetch import relation
from core.attachments.models import Attachment


@strawberry.type(description="附件（仅元数据，不含文件内容）")
class AttachmentInfo:
    id: strawberry.ID
    subject_type: str
    subject_id: strawberry.ID
    file_name: str
    media_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime
    uploader_name: str
    note: str

    @classmethod
    def of(cls, a: Any) -> AttachmentInfo:
        return cls(
            id=strawberry.ID(str(a.id)),
            subject_type=a.subject_type,
            subject_id=strawberry.ID(str(a.subject_id)),
            file_name=a.file_name,
            media_type=a.media_type,
            size=a.size,
            sha256=a.sha256,
            uploaded_at=a.created_at,
            uploader_name=a.uploader_name,
            note=a.note,
        )

    @strawberry.field(
        description="下载链接：5分钟内有效的签名链接，无需登录令牌；过期后重新查询获取"
        "（凭令牌访问 /attachments/{id} 亦可）"
    )
    def download_url(self, info: Info) -> str:
        return signed_path(info.context, f"/attachments/{self.id}")


def signed_path(context: Context, path: str) -> str:
    """``path`` signed for a few minutes (the plain path where the app has no signing key)."""
    auth = context.app.auth
    return signing.signed_url(auth.secret, path, context.app.clock()) if auth is not None else path


@functools.cache
def _where(subject_type: str) -> Any:
    return Attachment.subject_type == subject_type


def attachments_loader(context: Context, subject_type: str) -> Loader[int, list[Any]]:
    return context.loaders.many(
        Attachment, "subject_id", name=f"attachments:{subject_type}", where=_where(subject_type)
    )


def attachments_of(info: Info, subject_type: str, subject_id: int) -> Any:
    """A record's attachments, oldest first: the list if already loaded, else its future."""
    rows = attachments_loader(info.context, subject_type).get(subject_id)
    return then(rows, lambda found: [AttachmentInfo.of(a) for a in found])


def attachments_relation(type_name: str, subject_type: str) -> None:
    """Register ``type_name.attachments`` for loading a whole page at once."""
    relation(type_name, "attachments", lambda context, arguments: attachments_loader(context, subject_type))
