"""Importing Excel ledgers through GraphQL: a good file, a file with bad rows (nothing imported, every
problem reported by row and column), the same file twice (no duplicates), mappings and permissions."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import io
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.cases.models import LitigationCase
from core.context import ServiceContext
from core.disputes.models import Dispute
from core.ledger.models import LedgerImport, LedgerImportRow
from tests.http_fixtures import GraphQLClient
from tests.support import Org, make_org

HEADERS = [
    "序号",
    "申请人/原告",
    "被申请单位/被告",
    "争议事项",
    "争议领域",
    "行为类型",
    "来源",
    "收到日期",
    "案号",
    "法院",
    "立案日期",
]

GOOD_ROWS: list[list[Any]] = [
    [
        1,
        "陈某",
        "县自然资源局",
        "房屋征收补偿争议",
        "征地拆迁",
        "行政征收征用",
        "月度排查",
        dt.date(2024, 10, 8),
        None,
        None,
        None,
    ],
    [2, "王某", "城关镇", "违法建筑拆除争议", "城乡规划", "行政强制", "信访", "2024/10/15", None, None, None],
    [
        3,
        "李某",
        "县自然资源局",
        "土地登记争议",
        "自然资源",
        "行政确认",
        None,
        None,
        "（2024）测0101行初3号",
        "测试县人民法院",
        "2024年11月1日",
    ],
]

REPORT = """ok committed dryRun summary sheetName headerRow totalRows importedRows skippedRows invalidRows ignoredHeaders
      columns { header field column }
      problems { row column header field code message text }
      rows { row status statusLabel sequence disputeNumber caseNumber note problems { column message } }"""
IMPORT = """mutation($j: ID!, $file: String!, $name: String!, $mapping: JSON, $dryRun: Boolean!) {
  importLedger(jurisdictionId: $j, fileBase64: $file, fileName: $name, mapping: $mapping, dryRun: $dryRun) {
    result { id status }
    errors { field code message }
  }
}""".replace("%s", REPORT)
JOB = """query($id: ID!) { ledgerImport(id: $id) { status finished summary rowsTotal rowsChecked rowsWritten
  errors { field code message } report { %s } } }"""


async def finished(
    client: GraphQLClient, payload: dict[str, Any], headers: dict[str, str], report: str = REPORT
) -> dict[str, Any]:
    """An import's payload as it was when imports answered with their report: wait for its job (run by
    the app's in-process runner) and give its report, or the file's error as the payload's errors."""
    job = payload.get("result")
    if payload.get("errors") or job is None:
        return payload
    assert job["status"] == "QUEUED"
    for _ in range(1200):
        data = await client.ok(JOB % report, {"id": job["id"]}, **headers)
        state = data["ledgerImport"]
        if state["finished"]:
            if state["report"] is None:  # the whole file refused (unreadable, a bad mapping…)
                return {"result": None, "job": state, "errors": state["errors"]}
            return {"result": state["report"], "job": state, "errors": []}
        await asyncio.sleep(0.05)
    raise AssertionError(f"ledger import job {job['id']} did not finish")


STAFF = {"x-caseload-role": "justice_staff", "x-caseload-user": "ledger-clerk"}


def workbook(
    rows: list[list[Any]], headers: list[str] = HEADERS, title: str | None = "2024年行政争议台账"
) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "台账"
    if title:
        sheet.append([title])  # a title line above the headers, as real ledgers have
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
async def org(ctx: ServiceContext) -> Org:
    org = await make_org(ctx)
    await ctx.session.commit()
    return org


async def run_import(
    client: GraphQLClient,
    org: Org,
    content: bytes,
    *,
    dry_run: bool = False,
    mapping: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    data = await client.ok(
        IMPORT,
        {
            "j": str(org.jurisdiction.id),
            "file": base64.b64encode(content).decode(),
            "name": "台账.xlsx",
            "mapping": mapping,
            "dryRun": dry_run,
        },
        **{**STAFF, "x-caseload-jurisdiction": str(org.jurisdiction.id), **(headers or {})},
    )
    return await finished(
        client,
        data["importLedger"],
        {**STAFF, "x-caseload-jurisdiction": str(org.jurisdiction.id), **(headers or {})},
    )


async def count(session_factory: async_sessionmaker[AsyncSession], model: Any) -> int:
    async with session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_good_file_dry_run_then_import(client: GraphQLClient, org: Org, session_factory: Any) -> None:
    content = workbook(GOOD_ROWS)
    checked = await run_import(client, org, content, dry_run=True)
    assert checked["errors"] == []
    report = checked["result"]
    assert report["ok"] and report["dryRun"] and not report["committed"]
    assert report["headerRow"] == 2 and report["totalRows"] == 3 and report["importedRows"] == 3
    assert [c["field"] for c in report["columns"]][:3] == ["sequence", "applicant_name", "unit"]
    assert {r["status"] for r in report["rows"]} == {"valid"}
    assert "校验通过" in report["summary"]
    assert await count(session_factory, Dispute) == 0, "a dry run writes nothing"

    imported = (await run_import(client, org, content))["result"]
    assert imported["ok"] and imported["committed"]
    assert [r["status"] for r in imported["rows"]] == ["imported"] * 3
    assert imported["rows"][2]["caseNumber"] == "（2024）测0101行初3号"
    assert imported["summary"] == "共3行，已导入3行，跳过已导入的0行"
    assert await count(session_factory, Dispute) == 3
    assert await count(session_factory, LitigationCase) == 1
    async with session_factory() as session:
        disputes = list(await session.scalars(select(Dispute).order_by(Dispute.id)))
        assert [d.applicant_name for d in disputes] == ["陈某", "王某", "李某"]
        assert disputes[1].received_date == dt.date(2024, 10, 15)
        # A row with a case number and no source or received date: a lawsuit, received when filed.
        assert disputes[2].source.value == "litigation" and disputes[2].received_date == dt.date(2024, 11, 1)
        assert disputes[2].status.value == "escalated"
        batch = await session.scalar(select(LedgerImport))
        assert batch is not None and batch.imported_rows == 3 and batch.actor == "ledger-clerk"

    listed = await client.ok(
        "query($j: ID) { ledgerImports(jurisdictionId: $j) { fileName importedRows skippedRows } }",
        {"j": str(org.jurisdiction.id)},
        **STAFF,
        **{"x-caseload-jurisdiction": str(org.jurisdiction.id)},
    )
    assert listed["ledgerImports"] == [{"fileName": "台账.xlsx", "importedRows": 3, "skippedRows": 0}]


async def test_bad_rows_are_all_reported_and_nothing_is_imported(
    client: GraphQLClient, org: Org, session_factory: Any
) -> None:
    rows = [
        GOOD_ROWS[0],
        [
            2,
            "王某",
            "不存在的局",
            "违法建筑拆除争议",
            "城乡规划",
            "行政强制",
            "信访",
            "2024-10-15",
            None,
            None,
            None,
        ],
        [3, "", "城关镇", "争议", "宇宙探索", "行政强制", "信访", "2024-13-01", None, None, None],
        [
            4,
            "赵某",
            "城关镇",
            "未来的争议",
            "城乡规划",
            "行政强制",
            "信访",
            dt.date(2024, 12, 25),
            None,
            None,
            None,
        ],
        [
            5,
            "钱某",
            "城关镇",
            "案件缺法院",
            "城乡规划",
            "行政强制",
            None,
            "2024-10-01",
            "（2024）测0101行初9号",
            None,
            "2024-10-02",
        ],
    ]
    payload = await run_import(client, org, workbook(rows))
    assert payload["errors"] == []
    report = payload["result"]
    assert not report["ok"] and not report["committed"]
    assert report["invalidRows"] == 4
    assert [r["status"] for r in report["rows"]] == ["valid", "invalid", "invalid", "invalid", "invalid"]
    assert "未导入任何数据" in report["summary"]
    problems = {(p["row"], p["column"]): p for p in report["problems"]}
    # Row numbers are Excel's (title on 1, headers on 2): the first data row is row 3.
    assert problems[(4, "C")]["message"].startswith("本辖区没有名为“不存在的局”的单位")
    assert problems[(4, "C")]["text"].startswith("第4行 被申请单位/被告（C列）：")
    assert problems[(5, "B")]["code"] == "required"
    assert "宇宙探索" in problems[(5, "E")]["message"] and "征地拆迁" in problems[(5, "E")]["message"]
    assert problems[(5, "H")]["message"] == "日期“2024-13-01”不存在"
    # The services' own validation, mapped back to the column: a received date after "today".
    assert problems[(6, "H")]["message"] == "收到日期不能晚于今天（2024-11-20）"
    assert problems[(7, "J")]["message"] == "法院不能为空"
    assert await count(session_factory, Dispute) == 0, "one bad row: nothing is imported"
    assert await count(session_factory, LedgerImportRow) == 0


async def test_importing_the_same_file_twice_creates_no_duplicates(
    client: GraphQLClient, org: Org, session_factory: Any
) -> None:
    content = workbook(GOOD_ROWS)
    first = (await run_import(client, org, content))["result"]
    assert first["committed"] and first["importedRows"] == 3
    second = (await run_import(client, org, content))["result"]
    assert second["ok"] and second["committed"]
    assert second["importedRows"] == 0 and second["skippedRows"] == 3
    assert all(r["status"] == "skipped" and r["note"].startswith("已于") for r in second["rows"])
    assert await count(session_factory, Dispute) == 3
    assert await count(session_factory, LitigationCase) == 1

    # The same rows reordered and written differently, with one new row: only the new one is imported.
    reordered = [
        [
            9,
            "李某",
            "县自然资源局",
            "土地登记争议",
            "自然资源",
            "行政确认",
            "",
            "",
            "（2024）测0101行初3号",
            "测试县人民法院",
            dt.date(2024, 11, 1),
        ],
        [
            8,
            "陈某",
            "县自然资源局",
            "房屋征收补偿争议",
            "LAND_EXPROPRIATION",
            "行政征收征用",
            "月度排查",
            "2024-10-08",
            None,
            None,
            None,
        ],
        [
            7,
            "孙某",
            "城关镇",
            "工伤认定争议",
            "工伤认定",
            "行政确认",
            "律师报备",
            "2024-11-05",
            None,
            None,
            None,
        ],
    ]
    third = (await run_import(client, org, workbook(reordered)))["result"]
    assert [r["status"] for r in third["rows"]] == ["skipped", "skipped", "imported"]
    assert await count(session_factory, Dispute) == 4


async def test_duplicate_rows_in_one_file_are_imported_once(
    client: GraphQLClient, org: Org, session_factory: Any
) -> None:
    report = (await run_import(client, org, workbook([GOOD_ROWS[0], [2, *GOOD_ROWS[0][1:]]])))["result"]
    assert [r["status"] for r in report["rows"]] == ["imported", "skipped"]
    assert report["rows"][1]["note"] == "与第3行内容相同，跳过"
    assert await count(session_factory, Dispute) == 1


async def test_custom_mapping_and_ignored_columns(
    client: GraphQLClient, org: Org, session_factory: Any
) -> None:
    headers = [
        "编号",
        "当事人姓名",
        "被申请单位",
        "事由",
        "争议领域",
        "行为类型",
        "来源",
        "收到日期",
        "经办人",
    ]
    rows = [[1, "周某", "城关镇", "拆迁补偿", "征地拆迁", "行政征收征用", "月度排查", "2024-11-01", "小王"]]
    mapping = {"当事人姓名": "applicant_name", "事由": "争议事项", "经办人": None}
    report = (await run_import(client, org, workbook(rows, headers, title=None), mapping=mapping))["result"]
    assert report["ok"] and report["committed"], report["problems"]
    assert report["headerRow"] == 1
    assert report["ignoredHeaders"] == ["经办人"]
    async with session_factory() as session:
        dispute = await session.scalar(select(Dispute))
        assert dispute is not None and dispute.applicant_name == "周某" and dispute.title == "拆迁补偿"


async def test_case_rows_can_link_to_a_recorded_dispute(
    client: GraphQLClient, org: Org, session_factory: Any
) -> None:
    first = (await run_import(client, org, workbook(GOOD_ROWS[:1])))["result"]
    number = first["rows"][0]["disputeNumber"]
    headers = ["争议编号", "案号", "法院", "立案日期", "原告"]
    rows = [
        [number, "（2024）测0101行初5号", "测试县人民法院", "2024-11-10", "陈某"],
        ["TESTLAND-2024-99999", "（2024）测0101行初6号", "测试县人民法院", "2024-11-10", "某"],
    ]
    report = (await run_import(client, org, workbook(rows, headers)))["result"]
    assert not report["ok"]
    assert report["rows"][0]["status"] == "valid"
    assert report["rows"][1]["problems"][0]["message"] == "本辖区没有编号为“TESTLAND-2024-99999”的争议"
    report = (await run_import(client, org, workbook(rows[:1], headers)))["result"]
    assert report["committed"] and report["rows"][0]["note"] == "关联已有争议及诉讼案件"
    assert await count(session_factory, Dispute) == 1
    assert await count(session_factory, LitigationCase) == 1


async def test_whole_file_problems_are_errors(client: GraphQLClient, org: Org) -> None:
    not_excel = await run_import(client, org, b"this is not a workbook")
    assert not_excel["result"] is None
    assert not_excel["errors"][0]["field"] == "file"
    assert "xlsx" in not_excel["errors"][0]["message"]

    no_header = await run_import(client, org, workbook([[1, 2, 3]], ["甲", "乙", "丙"], title=None))
    assert no_header["errors"][0]["code"] == "no_header"

    bad_mapping = await run_import(client, org, workbook(GOOD_ROWS), mapping={"申请人/原告": "nonsense"})
    assert bad_mapping["errors"][0]["field"] == "mapping"
    assert "nonsense" in bad_mapping["errors"][0]["message"]

    data = await client.ok(
        'mutation($j: ID!) { importLedger(jurisdictionId: $j, fileBase64: "@@@") { errors { field code message } } }',
        {"j": str(org.jurisdiction.id)},
        **STAFF,
        **{"x-caseload-jurisdiction": str(org.jurisdiction.id)},
    )
    assert data["importLedger"]["errors"][0]["field"] == "fileBase64"


async def test_only_the_justice_bureau_imports(client: GraphQLClient, org: Org, session_factory: Any) -> None:
    clerk = {"x-caseload-role": "unit_clerk", "x-caseload-unit": str(org.township.id)}
    refused = await run_import(client, org, workbook(GOOD_ROWS), headers=clerk)
    assert refused["errors"][0]["code"] == "forbidden"
    other = {"x-caseload-jurisdiction": str(org.jurisdiction.id + 100)}
    refused = await run_import(client, org, workbook(GOOD_ROWS), headers=other)
    assert refused["errors"][0]["code"] == "forbidden"
    assert await count(session_factory, Dispute) == 0


async def test_template_round_trips_its_headers(client: GraphQLClient, org: Org) -> None:
    from openpyxl import load_workbook

    data = await client.ok(
        "{ ledgerTemplate { fileName contentType base64 } ledgerFields { key label required headers } }"
    )
    template = data["ledgerTemplate"]
    assert template["fileName"].endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(base64.b64decode(template["base64"]))).active
    assert sheet is not None
    headers = [c.value for c in sheet[1]]
    assert headers[:4] == ["序号", "申请人/原告", "被申请单位/被告", "争议事项"]
    fields = {f["key"]: f for f in data["ledgerFields"]}
    assert fields["unit"]["required"] and "被告" in fields["unit"]["headers"]
    # The template's example row names no real unit: importing it unchanged is refused, by row and column.
    report = (await run_import(client, org, base64.b64decode(template["base64"])))["result"]
    assert not report["ok"] and report["problems"][0]["column"] == "C"
