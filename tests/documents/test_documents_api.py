"""Letters and attachments through the API: issueDocument, documents, downloads, signed links, no N+1."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from api import signing
from core.attachments import service as attachments
from core.context import ServiceContext
from core.documents.models import IssuedDocument
from tests.conftest import StatementCounter
from tests.documents.conftest import World, fail_effort, lose_case
from tests.http_fixtures import GraphQLClient

ISSUE = """mutation($input: IssueDocumentInput!) { issueDocument(input: $input) {
  result { id kind kindLabel version documentNumber title issuingAuthority issuedOn recordType recordId
           sha256 size text docxUrl pdfUrl note }
  errors { field code message messageEn } } }"""
PDF_MAGIC = b"%PDF-"
DOCUMENTS = """query($t: String!, $id: ID!) { documents(recordType: $t, recordId: $id) {
  kind kindLabel current { version documentNumber } versions { id version documentNumber sha256 } } }"""


def clerk_of(w: World, unit_id: int | None = None) -> dict[str, str]:
    return {
        "x-caseload-role": "unit_clerk",
        "x-caseload-jurisdiction": str(w.org.jurisdiction.id),
        "x-caseload-unit": str(unit_id or w.agency_id),
    }


async def issued(ctx: ServiceContext) -> int:
    return int(await ctx.session.scalar(select(func.count()).select_from(IssuedDocument)) or 0)


async def test_issue_list_and_download_a_letter(client: GraphQLClient, ctx: ServiceContext, world: World):
    await fail_effort(ctx, world)
    variables = {"input": {"kind": "COORDINATION_FEEDBACK", "recordId": str(world.effort_id)}}
    first = await client.mutate(ISSUE, variables, **clerk_of(world))
    assert first["kindLabel"] == "委托协调化解反馈函" and first["version"] == 1
    assert first["documentNumber"] == "武司〔2024〕1号" and first["recordType"] == "resolution_effort"
    assert "四、无法协调化解的原因" in first["text"]
    again = await client.mutate(
        ISSUE, {"input": {**variables["input"], "note": "补充争议焦点"}}, **clerk_of(world)
    )
    assert (again["version"], again["documentNumber"], again["note"]) == (
        2,
        "武司〔2024〕2号",
        "补充争议焦点",
    )

    listed = (await client.ok(DOCUMENTS, {"t": "resolution_effort", "id": str(world.effort_id)}))["documents"]
    assert [(d["kind"], d["current"]["version"]) for d in listed] == [("COORDINATION_FEEDBACK", 2)]
    assert [v["version"] for v in listed[0]["versions"]] == [2, 1]
    other = clerk_of(world, world.org.township.id)
    hidden = await client(DOCUMENTS, {"t": "resolution_effort", "id": str(world.effort_id)}, **other)
    assert hidden.get("data") is None or not hidden["data"]["documents"]

    # The signed link downloads the frozen file without a token; the plain path needs one in scope.
    response = await client.http.get(first["docxUrl"])
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment;" in response.headers["content-disposition"]
    assert hashlib.sha256(response.content).hexdigest() == first["sha256"]
    plain = f"/documents/{first['id']}.docx"
    assert (await client.http.get(plain, headers=clerk_of(world))).status_code == 200
    assert (await client.http.get(plain, headers=other)).status_code == 404
    forged = first["docxUrl"].replace(f"/documents/{first['id']}.", f"/documents/{again['id']}.")
    assert (await client.http.get(forged)).status_code == 403


async def test_refusals_come_back_as_data_naming_the_field_and_write_nothing(
    client: GraphQLClient,
    ctx: ServiceContext,
    world: World,
):
    early = await client.ok(
        ISSUE, {"input": {"kind": "COORDINATION_FEEDBACK", "recordId": str(world.effort_id)}}
    )
    assert early["issueDocument"]["result"] is None
    assert early["issueDocument"]["errors"][0]["code"] == "invalid_transition"
    await lose_case(ctx, world)
    missing = await client.ok(ISSUE, {"input": {"kind": "LOSS_ANALYSIS", "recordId": str(world.case_id)}})
    error = missing["issueDocument"]["errors"][0]
    assert error["field"] == "causes" and error["message"] and error["messageEn"]
    bad_id = await client.ok(ISSUE, {"input": {"kind": "RELIEF_NOTICE", "recordId": "x"}})
    assert bad_id["issueDocument"]["errors"][0]["field"] == "recordId"
    assert await issued(ctx) == 0


async def test_pdf_of_a_letter_when_libreoffice_is_installed(
    client: GraphQLClient,
    ctx: ServiceContext,
    world: World,
):
    from core.documents import render

    result = await client.mutate(
        ISSUE, {"input": {"kind": "RELIEF_NOTICE", "recordId": str(world.effort_id)}}
    )
    if not render.pdf_available():
        assert result["pdfUrl"] is None
        response = await client.http.get(f"/documents/{result['id']}.pdf")
        assert response.status_code == 404 and "LibreOffice" in response.json()["error"]["message"]
        return
    response = await client.http.get(result["pdfUrl"])
    assert response.status_code == 200 and response.content.startswith(PDF_MAGIC)


async def test_expired_or_altered_links_are_refused(
    client: GraphQLClient,
    app: Any,
    ctx: ServiceContext,
    world: World,
):
    row = await attachments.attach_file(
        ctx,
        subject_type="dispute",
        subject_id=world.dispute.id,
        file_name="通知书.pdf",
        content=b"%PDF-1.4\n%%EOF\n",
    )
    await ctx.session.commit()
    secret = app.state.caseload.auth.secret
    path = f"/attachments/{row.id}"
    now = app.state.caseload.clock()
    good = signing.signed_url(secret, path, now)
    assert (await client.http.get(good)).content == b"%PDF-1.4\n%%EOF\n"
    stale = signing.signed_url(secret, path, now - dt.timedelta(minutes=6))
    expired = await client.http.get(stale)
    assert expired.status_code == 403 and "过期" in expired.json()["error"]["message"]
    other_key = signing.signed_url("x" * 40, path, now)
    assert (await client.http.get(other_key)).status_code == 403
    moved = good.replace(path, f"/attachments/{row.id + 1}")
    assert (await client.http.get(moved)).status_code == 403
    longer = (
        good.split("expires=")[0] + "expires=" + str(int(now.timestamp()) + 10**6) + "&" + good.split("&")[1]
    )
    assert (await client.http.get(longer)).status_code == 403


ATTACHMENTS = """query($first: Int!) { disputes(first: $first) { nodes { title
  attachments { id fileName mediaType size downloadUrl }
  litigationCases { attachments { fileName } hearings { attachments { fileName } }
                    obligations { attachments { fileName } } }
  reconsiderationCases { attachments { fileName } } } } }"""


async def test_records_list_their_attachments_with_signed_links_in_constant_queries(
    client: GraphQLClient,
    app: Any,
    ctx: ServiceContext,
    world: World,
    count_statements: Callable[[], StatementCounter],
):
    pdf = b"%PDF-1.4\n%%EOF\n"
    await attachments.attach_file(
        ctx, subject_type="dispute", subject_id=world.dispute.id, file_name="起诉状.pdf", content=pdf
    )
    await attachments.attach_file(
        ctx, subject_type="litigation_case", subject_id=world.case_id, file_name="应诉通知书.pdf", content=pdf
    )
    await ctx.session.commit()
    with count_statements() as few:
        data = await client.ok(ATTACHMENTS, {"first": 50})
    (node,) = [n for n in data["disputes"]["nodes"] if n["title"] == "房屋征收补偿争议"]
    assert [a["fileName"] for a in node["attachments"]] == ["起诉状.pdf"]
    assert [a["fileName"] for c in node["litigationCases"] for a in c["attachments"]] == ["应诉通知书.pdf"]
    link = node["attachments"][0]["downloadUrl"]
    assert "signature=" in link and "expires=" in link
    assert (await client.http.get(link)).content == pdf
    assert not any("attachments.content" in s for s in few.statements), "listing loaded the file bytes"

    from tests.documents.conftest import _dispute

    for n in range(4):
        d = await _dispute(ctx, world.org, f"另一争议{n}")
        for name in ("a.pdf", "b.pdf"):
            await attachments.attach_file(
                ctx, subject_type="dispute", subject_id=d.id, file_name=name, content=pdf
            )
    await ctx.session.commit()
    with count_statements() as many:
        data = await client.ok(ATTACHMENTS, {"first": 50})
    assert len(data["disputes"]["nodes"]) == 5
    assert few.count == many.count, f"{few.count} statements for 1 dispute but {many.count} for 5"


async def test_attachments_of_another_units_record_stay_hidden(
    client: GraphQLClient,
    ctx: ServiceContext,
    world: World,
):
    await attachments.attach_file(
        ctx,
        subject_type="dispute",
        subject_id=world.dispute.id,
        file_name="决定书.pdf",
        content=b"%PDF-1.4\n",
    )
    await ctx.session.commit()
    query = "{ disputes(first: 10) { nodes { attachments { fileName } } } }"
    mine = await client.ok(query, **clerk_of(world))
    assert [a["fileName"] for n in mine["disputes"]["nodes"] for a in n["attachments"]] == ["决定书.pdf"]
    theirs = await client.ok(query, **clerk_of(world, world.org.township.id))
    assert [a for n in theirs["disputes"]["nodes"] for a in n["attachments"]] == []


async def test_an_issued_letter_shows_on_the_disputes_timeline(
    client: GraphQLClient,
    world: World,
):
    await client.mutate(ISSUE, {"input": {"kind": "RELIEF_NOTICE", "recordId": str(world.effort_id)}})
    data = await client.ok(
        "query($id: ID!) { dispute(id: $id) { timeline { label detail subjectLabel } } }",
        {"id": str(world.dispute.id)},
    )
    entries = [e for e in data["dispute"]["timeline"] if e["label"] == "签发文书"]
    assert entries == [{"label": "签发文书", "detail": "纾解告知书（第1版）", "subjectLabel": "化解工作"}]


async def test_records_list_their_letters(
    client: GraphQLClient,
    ctx: ServiceContext,
    world: World,
):
    await fail_effort(ctx, world)
    for _ in range(2):
        await client.mutate(
            ISSUE, {"input": {"kind": "COORDINATION_FEEDBACK", "recordId": str(world.effort_id)}}
        )
    await client.mutate(ISSUE, {"input": {"kind": "RELIEF_NOTICE", "recordId": str(world.effort_id)}})
    data = await client.ok(
        "{ resolutionEfforts(first: 10) { nodes { id documents { kind version documentNumber } } } }"
    )
    (node,) = [n for n in data["resolutionEfforts"]["nodes"] if n["id"] == str(world.effort_id)]
    assert [(d["kind"], d["version"]) for d in node["documents"]] == [
        ("COORDINATION_FEEDBACK", 2),
        ("COORDINATION_FEEDBACK", 1),
        ("RELIEF_NOTICE", 1),
    ]
    other = await client.ok(
        "{ resolutionEfforts(first: 10) { nodes { documents { id } } } }",
        **clerk_of(world, world.org.township.id),
    )
    assert all(n["documents"] == [] for n in other["resolutionEfforts"]["nodes"])
