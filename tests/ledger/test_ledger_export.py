"""Exporting lists to .xlsx: the list query's own filters and scoping, run through the schema."""

from __future__ import annotations

import base64
import datetime as dt
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from core.cases.service import file_litigation_case, schedule_hearing
from core.context import ServiceContext
from core.disputes.service import DisputeInput, record_dispute
from core.enums import ActionType, DisputeField, DisputeSource
from tests.http_fixtures import GraphQLClient
from tests.support import Org, make_org

EXPORT = """query($kind: ExportKind!, $filter: JSON) {
  exportList(kind: $kind, filter: $filter) { fileName contentType base64 rowCount truncated } }"""


@pytest.fixture
async def org(ctx: ServiceContext) -> Org:
    org = await make_org(ctx)
    for unit, title, day in (
        (org.agency, "房屋征收补偿争议", dt.date(2024, 10, 8)),
        (org.township, "违法建筑拆除争议", dt.date(2024, 10, 15)),
        (org.agency, "土地登记争议", dt.date(2024, 11, 1)),
    ):
        dispute = await record_dispute(
            ctx,
            DisputeInput(
                unit_id=unit.id,
                title=title,
                applicant_name="陈某",
                field=DisputeField.LAND_EXPROPRIATION,
                action_type=ActionType.EXPROPRIATION,
                source=DisputeSource.SCREENING,
                received_date=day,
                loss_risk=title.startswith("土地"),
            ),
        )
    case = await file_litigation_case(
        ctx,
        dispute.id,
        court="测试县人民法院",
        case_number="（2024）测0101行初3号",
        plaintiff_name="陈某",
        filed_date=dt.date(2024, 11, 2),
    )
    await schedule_hearing(ctx, case.id, scheduled_at=dt.datetime(2024, 11, 25, 9, 30))
    await ctx.session.commit()
    return org


def sheet_rows(file: dict[str, Any]) -> list[list[Any]]:
    book = load_workbook(io.BytesIO(base64.b64decode(file["base64"])))
    sheet = book.active
    assert sheet is not None
    return [list(r) for r in sheet.iter_rows(min_row=3, values_only=True)]


async def test_export_disputes_with_the_list_filter(client: GraphQLClient, org: Org) -> None:
    data = await client.ok(
        EXPORT, {"kind": "DISPUTES", "filter": {"jurisdictionId": str(org.jurisdiction.id)}}
    )
    file = data["exportList"]
    assert file["fileName"] == "行政争议-2024-11-20.xlsx"
    assert file["contentType"].endswith("spreadsheetml.sheet")
    assert file["rowCount"] == 3 and not file["truncated"]
    rows = sheet_rows(file)
    assert rows[0][:4] == ["争议编号", "申请人", "申请人数", "被申请单位"]
    titles = {r[5] for r in rows[1:]}
    assert titles == {"房屋征收补偿争议", "违法建筑拆除争议", "土地登记争议"}
    received = {r[10] for r in rows[1:]}
    assert dt.datetime(2024, 10, 8) in received  # a real date cell, not text

    risky = await client.ok(EXPORT, {"kind": "DISPUTES", "filter": {"lossRisk": True}})
    assert [r[5] for r in sheet_rows(risky["exportList"])[1:]] == ["土地登记争议"]


async def test_export_applies_the_principals_scope(client: GraphQLClient, org: Org) -> None:
    clerk = {
        "x-caseload-role": "unit_clerk",
        "x-caseload-jurisdiction": str(org.jurisdiction.id),
        "x-caseload-unit": str(org.township.id),
    }
    data = await client.ok(EXPORT, {"kind": "DISPUTES"}, **clerk)
    rows = sheet_rows(data["exportList"])
    assert [r[3] for r in rows[1:]] == ["城关镇"]
    outsider = {"x-caseload-role": "justice_staff", "x-caseload-jurisdiction": str(org.jurisdiction.id + 1)}
    data = await client.ok(EXPORT, {"kind": "LITIGATION_CASES"}, **outsider)
    assert data["exportList"]["rowCount"] == 0


async def test_export_cases_hearings_and_obligations(client: GraphQLClient, org: Org) -> None:
    cases = (await client.ok(EXPORT, {"kind": "LITIGATION_CASES"}))["exportList"]
    assert sheet_rows(cases)[1][0] == "（2024）测0101行初3号"
    hearings = (await client.ok(EXPORT, {"kind": "HEARINGS", "filter": {"upcomingDays": 30}}))["exportList"]
    rows = sheet_rows(hearings)
    assert rows[1][0] == dt.datetime(2024, 11, 25, 9, 30) and rows[1][3] == "（2024）测0101行初3号"
    obligations = (await client.ok(EXPORT, {"kind": "OBLIGATIONS"}))["exportList"]
    assert sheet_rows(obligations)[0][0] == "事项"


async def test_export_rejects_a_bad_filter(client: GraphQLClient, org: Org) -> None:
    body = await client(EXPORT, {"kind": "DISPUTES", "filter": {"status": ["NOT_A_STATUS"]}})
    error = body["errors"][0]
    assert error["extensions"]["field"] == "filter" and "NOT_A_STATUS" in error["message"]
    assert error["extensions"]["message"].startswith("导出失败：")
    body = await client(EXPORT, {"kind": "HEARINGS", "filter": {"court": "x"}})
    assert body["errors"][0]["extensions"]["message"] == "不支持的筛选条件：court"
