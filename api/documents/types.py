"""GraphQL types of issued letters: one version, and a kind's versions on a record."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import strawberry

from api.attachments.types import signed_path
from api.common import DocumentKind
from api.context import Context, Info
from api.loaders import Loader, then
from api.prefetch import relation
from core.documents import render
from core.documents.models import IssuedDocument as IssuedDocumentModel


@strawberry.type(description="签发的文书（一个版本；冻结，不再改变）")
class IssuedDocument:
    id: strawberry.ID
    kind: DocumentKind
    record_type: str = strawberry.field(
        description="所属记录类型：resolution_effort / litigation_case / obligation"
    )
    record_id: strawberry.ID
    version: int = strawberry.field(description="版本号（重新签发为新版本，旧版本保留）")
    document_number: str = strawberry.field(description="发文字号")
    title: str
    issuing_authority: str = strawberry.field(description="发文机关")
    issued_on: dt.date = strawberry.field(description="成文日期")
    issued_at: dt.datetime
    issued_by: str
    note: str = strawberry.field(description="签发说明")
    sha256: str
    size: int
    text: str = strawberry.field(description="文书全文（纯文本）")

    @strawberry.field(description="文书种类（中文）")
    def kind_label(self) -> str:
        return self.kind.label

    @strawberry.field(description="Word 文件下载链接（5分钟内有效的签名链接）")
    def docx_url(self, info: Info) -> str:
        return signed_path(info.context, f"/documents/{self.id}.docx")

    @strawberry.field(description="PDF 下载链接（服务器安装 LibreOffice 时提供，5分钟内有效）")
    def pdf_url(self, info: Info) -> str | None:
        if not render.pdf_available():
            return None
        return signed_path(info.context, f"/documents/{self.id}.pdf")

    @classmethod
    def of(cls, row: Any) -> IssuedDocument:
        from core.documents.letters import letter_text

        return cls(
            id=strawberry.ID(str(row.id)),
            kind=DocumentKind(row.kind),
            record_type=row.subject_type,
            record_id=strawberry.ID(str(row.subject_id)),
            version=row.version,
            document_number=row.document_number,
            title=row.title,
            issuing_authority=row.issuing_authority,
            issued_on=row.issued_on,
            issued_at=row.issued_at,
            issued_by=row.issued_by,
            note=row.note,
            sha256=row.sha256,
            size=row.size,
            text=letter_text(row.content),
        )


@strawberry.type(description="记录的一种文书及其全部版本")
class RecordDocument:
    kind: DocumentKind
    kind_label: str
    current: IssuedDocument = strawberry.field(description="最新版本")
    versions: list[IssuedDocument] = strawberry.field(description="全部版本，新版本在前")


_ORDER = (IssuedDocumentModel.kind, IssuedDocumentModel.version.desc())


@functools.cache
def _where(subject_type: str) -> Any:
    return IssuedDocumentModel.subject_type == subject_type


def documents_loader(context: Context, subject_type: str) -> Loader[int, list[Any]]:
    return context.loaders.many(
        IssuedDocumentModel,
        "subject_id",
        order_by=_ORDER,
        name=f"documents:{subject_type}",
        where=_where(subject_type),
    )


def documents_of(info: Info, subject_type: str, subject_id: int) -> Any:
    """A record's issued letters, every version (by kind, newest first), batched per request."""
    rows = documents_loader(info.context, subject_type).get(subject_id)
    return then(rows, lambda found: [IssuedDocument.of(r) for r in found])


def documents_relation(type_name: str, subject_type: str) -> None:
    """Register ``type_name.documents`` for loading a whole page at once."""
    relation(type_name, "documents", lambda context, arguments: documents_loader(context, subject_type))
