"""``attachFile`` / ``deleteAttachment`` through the schema: errors as data, scoping, nothing written on refusal."""

from __future__ import annotations

import base64

from sqlalchemy import func, select

from core.attachments.models import Attachment
from core.context import ServiceContext
from core.disputes.models import Dispute
from tests.attachments.test_attachments import PDF_BYTES, world  # noqa: F401  (fixture)
from tests.http_fixtures import GraphQLClient
from tests.support import Org

ATTACH = """mutation($input: AttachFileInput!) { attachFile(input: $input) {
  result { id fileName mediaType size sha256 uploaderName note }
  errors { field code message messageEn } } }"""
DELETE = """mutation($id: ID!, $reason: String!) { deleteAttachment(id: $id, reason: $reason) {
  result { id } errors { field code message messageEn } } }"""


def variables(dispute_id: int, content: bytes, name: str = "决定书.pdf") -> dict[str, object]:
    return {
        "input": {
            "subjectType": "dispute",
            "subjectId": str(dispute_id),
            "fileName": name,
            "contentBase64": base64.b64encode(content).decode(),
            "note": "复印件",
        }
    }


async def stored(ctx: ServiceContext) -> int:
    return int(await ctx.session.scalar(select(func.count()).select_from(Attachment)) or 0)


async def test_attach_and_delete_through_the_api(
    client: GraphQLClient,
    ctx: ServiceContext,
    world: tuple[Org, Dispute],  # noqa: F811
) -> None:
    org, dispute = world
    data = await client.ok(ATTACH, variables(dispute.id, PDF_BYTES))
    payload = data["attachFile"]
    assert payload["errors"] == []
    assert payload["result"]["mediaType"] == "application/pdf"
    assert payload["result"]["fileName"] == "决定书.pdf"
    assert payload["result"]["size"] == len(PDF_BYTES)

    html = b"<html><body>not a scan</body></html>"
    refused = (await client.ok(ATTACH, variables(dispute.id, html, "扫描.pdf")))["attachFile"]
    assert refused["result"] is None
    assert refused["errors"][0]["field"] == "contentBase64"
    assert refused["errors"][0]["message"] and refused["errors"][0]["messageEn"]
    bad = await client.ok(ATTACH, {"input": {**variables(dispute.id, b"")["input"], "contentBase64": "@@"}})
    assert bad["attachFile"]["errors"][0]["code"] == "invalid_file"
    assert await stored(ctx) == 1

    township_clerk = {
        "x-caseload-role": "unit_clerk",
        "x-caseload-jurisdiction": str(org.jurisdiction.id),
        "x-caseload-unit": str(org.township.id),
    }
    hidden = (await client.ok(ATTACH, variables(dispute.id, PDF_BYTES), **township_clerk))["attachFile"]
    assert hidden["errors"][0]["code"] == "not_found"
    gone = await client.ok(DELETE, {"id": payload["result"]["id"], "reason": "误传"}, **township_clerk)
    assert gone["deleteAttachment"]["errors"][0]["code"] == "not_found"
    assert await stored(ctx) == 1

    deleted = (await client.ok(DELETE, {"id": payload["result"]["id"], "reason": "误传"}))["deleteAttachment"]
    assert deleted["errors"] == [] and deleted["result"]["id"] == payload["result"]["id"]
    assert await stored(ctx) == 0


async def test_download_sends_the_bytes_as_an_attachment_and_404s_outside_scope(
    client: GraphQLClient,
    world: tuple[Org, Dispute],  # noqa: F811
) -> None:
    org, dispute = world
    data = await client.ok(ATTACH, variables(dispute.id, PDF_BYTES, "行政复议决定书.pdf"))
    ident = data["attachFile"]["result"]["id"]
    response = await client.http.get(f"/attachments/{ident}")
    assert response.status_code == 200
    assert response.content == PDF_BYTES
    assert response.headers["content-type"].startswith("application/pdf")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E8%A1%8C%E6%94%BF" in disposition

    for headers in (
        {  # another unit's clerk
            "x-caseload-role": "unit_clerk",
            "x-caseload-jurisdiction": str(org.jurisdiction.id),
            "x-caseload-unit": str(org.township.id),
        },
        {"x-caseload-role": "justice_staff", "x-caseload-jurisdiction": str(org.jurisdiction.id + 1)},
    ):
        hidden = await client.http.get(f"/attachments/{ident}", headers=headers)
        assert hidden.status_code == 404
        assert PDF_BYTES not in hidden.content
    assert (await client.http.get("/attachments/999999")).status_code == 404
