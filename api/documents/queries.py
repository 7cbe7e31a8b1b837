"""``documents(recordType, recordId)``: a record's letters, each kind with all its versions."""

from __future__ import annotations

import strawberry

from api.common import DocumentKind, gid
from api.context import Info
from api.documents.types import IssuedDocument, RecordDocument
from core.documents import service


@strawberry.type
class DocumentQuery:
    @strawberry.field(description="记录的文书及其版本（resolution_effort / litigation_case / obligation）")
    async def documents(self, info: Info, record_type: str, record_id: strawberry.ID) -> list[RecordDocument]:
        ident = gid(record_id, "recordId")
        rows = await info.context.read_ctx(lambda ctx: service.list_documents(ctx, record_type, ident))
        grouped: dict[str, list[IssuedDocument]] = {}
        for row in rows:
            grouped.setdefault(row.kind, []).append(IssuedDocument.of(row))
        return [
            RecordDocument(
                kind=DocumentKind(kind),
                kind_label=DocumentKind(kind).label,
                current=versions[0],
                versions=versions,
            )
            for kind, versions in grouped.items()
        ]
