"""Round trip: a disputes export, edited and imported again, updates exactly the edited rows through
update_dispute (audited), reports the rest unchanged, refuses a row whose record changed since the
export (its version), and never duplicates a record."""

from __future__ import annotations

import base64
import io
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import func, select

from core.audit.models import AuditEntry
from core.context import ServiceContext
from core.disputes.models import Dispute
from core.disputes.service import update_dispute
from tests.http_fixtures import GraphQLClient
from tests.ledger.test_ledger_import import GOOD_ROWS, STAFF, count, finished, org, workbook
from tests.support import Org

__all__ = ["org"]

REPORT = """ok committed summary updatedRows unchangedRows
    problems { row column code message } rows { row status disputeNumber note }"""
IMPORT = """mutation($j: ID!, $file: String!) { importLedger(jurisdictionId: $j, fileBase64: $file, fileName: "导出.xlsx") {
  result { id status } errors { field code message } } }"""


async def run_import(client: GraphQLClient, org: Org, content: bytes) -> dict[str, Any]:
    variables = {"j": str(org.jurisdiction.id), "file": base64.b64encode(content).decode()}
    data = await client.ok(
        IMPORT, variables, **STAFF, **{"x-caseload-jurisdiction": str(org.jurisdiction.id)}
    )
    assert data["importLedger"]["errors"] == [], data["importLedger"]["errors"]
    headers = {**STAFF, "x-caseload-jurisdiction": str(org.jurisdiction.id)}
    return await finished(client, data["importLedger"], headers, REPORT)


EXPORT = "{ exportList(kind: DISPUTES) { base64 rowCount } }"


async def exported(client: GraphQLClient) -> Any:
    data = await client.ok(EXPORT)
    return load_workbook(io.BytesIO(base64.b64decode(data["exportList"]["base64"])))


def saved(book: Any) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def column(sheet: Any, header: str) -> int:
    return next(c.column for c in sheet[3] if c.value == header)


async def test_an_edited_export_updates_exactly_the_edited_rows(
    client: GraphQLClient, org: Org, ctx: ServiceContext, session_factory: Any
) -> None:
    first = (await run_import(client, org, workbook(GOOD_ROWS)))["result"]
    assert first["committed"]
    disputes = await count(session_factory, Dispute)

    book = await exported(client)
    sheet = book.active
    untouched = (await run_import(client, org, saved(book)))["result"]
    assert untouched["ok"] and untouched["unchangedRows"] == 3 and untouched["updatedRows"] == 0

    title, risk = column(sheet, "争议事项"), column(sheet, "败诉风险")
    numbers = [sheet.cell(row=r, column=1).value for r in range(4, 7)]
    edited_number = numbers[1]
    sheet.cell(row=5, column=title).value = "违法建筑拆除争议（已核实）"
    sheet.cell(row=5, column=risk).value = "是"
    report = (await run_import(client, org, saved(book)))["result"]
    assert report["ok"] and report["committed"], report["problems"]
    by_status = {r["disputeNumber"]: r["status"] for r in report["rows"]}
    assert by_status == {numbers[0]: "unchanged", edited_number: "updated", numbers[2]: "unchanged"}
    assert await count(session_factory, Dispute) == disputes  # never a duplicate
    async with session_factory() as session:
        edited = await session.scalar(select(Dispute).where(Dispute.number == edited_number))
        assert edited is not None and edited.title == "违法建筑拆除争议（已核实）" and edited.loss_risk
        audits = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "dispute.update")
        )
    assert audits == 1

    # The same edited file again: nothing left to change.
    again = (await run_import(client, org, saved(book)))["result"]
    assert again["updatedRows"] == 0 and again["unchangedRows"] == 3

    # Someone changes a record after this export: editing its old row is refused, nothing written.
    stale = await exported(client)
    async with session_factory() as session:
        target = await session.scalar(select(Dispute).where(Dispute.number == numbers[0]))
        assert target is not None
        await update_dispute(
            ServiceContext(session=session, principal=ctx.principal, registry=ctx.registry, clock=ctx.clock),
            target.id,
            summary="他人补充的案情",
        )
        await session.commit()
    stale.active.cell(row=4, column=title).value = "房屋征收补偿争议（改）"
    stale.active.cell(row=5, column=title).value = "再次修改"
    refused = (await run_import(client, org, saved(stale)))["result"]
    assert not refused["ok"] and not refused["committed"]
    [problem] = refused["problems"]
    assert problem["code"] == "conflict" and problem["row"] == 4 and "已被他人修改" in problem["message"]
    async with session_factory() as session:
        titles = set(await session.scalars(select(Dispute.title)))
    assert "再次修改" not in titles and "房屋征收补偿争议（改）" not in titles
