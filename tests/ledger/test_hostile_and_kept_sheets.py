"""Ledgers as counties keep them and as attackers craft them: total and signature rows skipped and
listed, constants for missing columns, one error for a missing required column, .xls refused, a
zip bomb refused fast with file_too_large, DTDs/entities refused, formulas read with a warning."""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from core.context import ServiceContext
from core.disputes.models import Dispute
from core.errors import ValidationFailed
from core.ledger.reader import MAX_MEMBER_BYTES
from core.ledger.service import RowStatus, import_ledger
from tests.support import Org, make_org

COURT_HEADERS = ["序号", "原告", "被告", "案由", "案号", "法院", "立案日期"]
COURT_ROWS: list[list[Any]] = [
    [1, "陈某", "县自然资源局", "房屋征收补偿", "（2024）测0101行初1号", "测试县人民法院", "2024-03-05"],
    [2, "王某", "城关镇", "违法建筑拆除", "（2024）测0101行初2号", "测试县人民法院", "2024年4月8日"],
]


def book_bytes(rows: list[list[Any]], *, formula: bool = False) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    if formula:
        sheet["H3"] = "=1+1"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
async def org(ctx: ServiceContext) -> Org:
    org = await make_org(ctx)
    await ctx.session.commit()
    return org


async def run(ctx: ServiceContext, org: Org, content: bytes, **kwargs: Any) -> Any:
    return await import_ledger(ctx, jurisdiction_id=org.jurisdiction.id, content=content, **kwargs)


async def test_totals_and_signatures_are_skipped_and_constants_fill_missing_columns(
    ctx: ServiceContext, org: Org
) -> None:
    rows = [
        ["2024年行政应诉案件台账"],
        ["填报单位：测试县司法局", None, None, "统计时间：2024年"],
        COURT_HEADERS,
        COURT_ROWS[0],
        ["合计", None, None, None, None, None, None],
        COURT_ROWS[1],
        [None, "共2件"],
        ["填表人：张某", None, "审核人：李某", None, "负责人：王某"],
        ["单位（盖章）"],
    ]
    progress: list[tuple[int, int, int]] = []
    report = await run(
        ctx,
        org,
        book_bytes(rows),
        mapping={"争议领域": {"constant": "其他"}, "action_type": {"constant": "行政处罚"}},
        on_progress=lambda *p: progress.append(p),
    )
    assert report.ok, [p.text for p in report.problems]
    by_row = {r.row: r for r in report.rows}
    assert {n for n, r in by_row.items() if r.status == RowStatus.SKIPPED} == {5, 7, 8, 9}
    assert "合计" in by_row[5].note and "签字" in by_row[8].note
    assert [by_row[4].status, by_row[6].status] == [RowStatus.IMPORTED, RowStatus.IMPORTED]
    assert progress[0] == (0, 0, 2) and progress[-1] == (2, 2, 2)
    disputes = (await ctx.session.scalars(select(Dispute).order_by(Dispute.id))).all()
    assert [d.field.label for d in disputes] == ["其他", "其他"]
    assert [d.received_date for d in disputes] == [dt.date(2024, 3, 5), dt.date(2024, 4, 8)]


async def test_a_missing_required_column_is_one_message(ctx: ServiceContext, org: Org) -> None:
    with pytest.raises(ValidationFailed) as missing:
        await run(ctx, org, book_bytes([COURT_HEADERS, *COURT_ROWS * 5]))
    assert missing.value.code == "missing_column" and missing.value.field == "mapping"
    assert "“争议领域”、“行为类型”" in missing.value.message_zh and "constant" in missing.value.message_zh
    assert await ctx.session.scalar(select(func.count()).select_from(Dispute)) == 0


async def test_xls_is_refused_with_the_advice_to_save_as_xlsx(ctx: ServiceContext, org: Org) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512
    with pytest.raises(ValidationFailed) as old:
        await run(ctx, org, ole)
    assert old.value.field == "file" and ".xlsx" in old.value.message_zh and "另存为" in old.value.message_zh


def _rebuilt(content: bytes, name: str, replace: Any) -> bytes:
    """The workbook with one member's bytes replaced, or added (a callable writing the member)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for item in source.infolist():
            if item.filename != name:
                target.writestr(item, source.read(item.filename))
        original = source.read(name) if name in source.namelist() else b""
        with target.open(name, "w", force_zip64=True) as stream:
            replace(stream, original)
    return out.getvalue()


async def test_a_zip_bomb_is_refused_fast(ctx: ServiceContext, org: Org) -> None:
    base = book_bytes([COURT_HEADERS, ["陈某"]])

    def huge(stream: Any, original: bytes) -> None:
        stream.write(
            b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
        )
        block = b"a" * (1 << 20)
        for _ in range(300):  # a 300 MB string
            stream.write(block)
        stream.write(b"</t></si></sst>")

    bomb = _rebuilt(base, "xl/sharedStrings.xml", huge)
    assert len(bomb) < 2 * 1024 * 1024 and MAX_MEMBER_BYTES < 300 * (1 << 20)
    started = time.perf_counter()
    with pytest.raises(ValidationFailed) as refused:
        await run(ctx, org, bomb)
    assert time.perf_counter() - started < 2
    assert refused.value.code == "file_too_large" and refused.value.field == "file"


@pytest.mark.parametrize(
    "prolog",
    [
        b'<!DOCTYPE sst [<!ENTITY lol "lol">]>',
        b'<!DOCTYPE sst SYSTEM "http://evil.example/x.dtd">',
    ],
)
async def test_dtds_and_entities_are_refused(ctx: ServiceContext, org: Org, prolog: bytes) -> None:
    base = book_bytes([COURT_HEADERS, ["陈某"]])

    def with_dtd(stream: Any, original: bytes) -> None:
        if original.startswith(b"<?xml"):
            head, _, rest = original.partition(b"?>")
            stream.write(head + b"?>" + prolog + rest)
        else:
            stream.write(prolog + original)

    with pytest.raises(ValidationFailed) as refused:
        await run(ctx, org, _rebuilt(base, "xl/workbook.xml", with_dtd))
    assert refused.value.code == "invalid_file" and "DTD" in refused.value.message_zh


async def test_formula_cells_read_as_cached_text_with_a_warning(ctx: ServiceContext, org: Org) -> None:
    rows = [[*COURT_HEADERS, "争议领域", "行为类型"], [*COURT_ROWS[0], "其他", "行政处罚"]]
    report = await run(ctx, org, book_bytes(rows, formula=True), dry_run=True)
    assert report.ok and any("公式" in w for w in report.warnings)
    plain = await run(ctx, org, book_bytes(rows), dry_run=True)
    assert plain.warnings == []


@pytest.mark.parametrize("cell", ["县自然资源局、城关镇", "县自然资源局，城关镇", "县自然资源局；城关镇"])
async def test_several_respondents_in_one_cell_become_co_respondents(
    ctx: ServiceContext, org: Org, cell: str
) -> None:
    from core.disputes.models import DisputeRespondent

    rows = [[*COURT_HEADERS, "争议领域", "行为类型"], [*COURT_ROWS[0], "其他", "行政处罚"]]
    rows[1][2] = cell
    report = await run(ctx, org, book_bytes(rows))
    assert report.ok, [p.text for p in report.problems]
    dispute = await ctx.session.scalar(select(Dispute))
    assert dispute is not None and dispute.unit_id == org.agency.id
    respondents = set(
        await ctx.session.scalars(
            select(DisputeRespondent.unit_id).where(DisputeRespondent.dispute_id == dispute.id)
        )
    )
    assert respondents == {org.agency.id, org.township.id}
    rows[1][2] = "县自然资源局、县住建局"  # an unknown co-respondent is an error in that cell, not dropped
    bad = await run(ctx, org, book_bytes(rows), dry_run=True)
    assert [(p.column, p.code) for p in bad.problems] == [("C", "unknown_unit")]


async def test_a_two_level_header_reads_as_group_and_column(ctx: ServiceContext, org: Org) -> None:
    rows: list[list[Any]] = [
        ["行政诉讼案件台账"],
        ["序号", "当事人", None, "被告", "案由", "案号", "法院", "立案日期", "争议领域", "行为类型"],
        [None, "姓名", "身份证号", None, None, None, None, None, None, None],
        [1, "陈某", "350821199001011234", *COURT_ROWS[0][2:], "其他", "行政处罚"],
    ]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    sheet.merge_cells("B2:C2")
    for col in "ADEFGHIJ":
        sheet.merge_cells(f"{col}2:{col}3")
    buffer = io.BytesIO()
    book.save(buffer)
    report = await run(ctx, org, buffer.getvalue())
    assert report.ok, [p.text for p in report.problems]
    headers = {key: header for header, key, _ in report.columns}
    assert (
        headers["applicant_name"] == "当事人 / 姓名" and headers["applicant_id_number"] == "当事人 / 身份证号"
    )
    assert [r.row for r in report.rows] == [4]  # the sub-header row is not read as data
    dispute = await ctx.session.scalar(select(Dispute))
    assert dispute is not None and dispute.applicant_name == "陈某"


HISTORY_HEADERS = [
    *COURT_HEADERS,
    "争议领域",
    "行为类型",
    "开庭日期",
    "出庭负责人",
    "审理结果",
    "结案日期",
    "生效日期",
]


async def test_outcomes_and_hearings_come_in_through_the_services(ctx: ServiceContext, org: Org) -> None:
    from core.cases.models import Hearing, LitigationCase, Outcome
    from core.enums import CaseStatus, OutcomeKind

    common = ["其他", "行政处罚"]
    rows = [
        HISTORY_HEADERS,
        [*COURT_ROWS[0], *common, "2024-04-10", "张局长", "部分撤销", "2024年5月6日", "2024-06-01"],
        [*COURT_ROWS[1], *common, "2024/05/10", None, "驳回诉讼请求", "2024-06-03", None],
        [
            3,
            "赵某",
            "县自然资源局",
            "行政处罚",
            "（2024）测0101行初3号",
            "测试县人民法院",
            "2024-05-01",
            *common,
            None,
            None,
            "原告撤诉",
            "2024-05-20",
            None,
        ],
        [
            4,
            "钱某",
            "县自然资源局",
            "行政许可",
            "（2024）测0101行初4号",
            "测试县人民法院",
            "2024-06-01",
            *common,
            None,
            None,
            "审理中",
            None,
            None,
        ],
    ]
    report = await run(ctx, org, book_bytes(rows))
    assert report.ok, [p.text for p in report.problems]
    outcomes = {
        number: (kind, loss)
        for number, kind, loss in (
            await ctx.session.execute(
                select(LitigationCase.case_number, Outcome.kind, Outcome.is_loss).join(
                    Outcome, Outcome.case_id == LitigationCase.id
                )
            )
        ).all()
    }
    assert outcomes == {
        "（2024）测0101行初1号": (OutcomeKind.REVOKED, True),
        "（2024）测0101行初2号": (OutcomeKind.CLAIM_DISMISSED, False),
        "（2024）测0101行初3号": (OutcomeKind.WITHDRAWAL, False),
    }
    statuses = dict(
        (await ctx.session.execute(select(LitigationCase.case_number, LitigationCase.status))).all()
    )
    assert statuses["（2024）测0101行初1号"] == CaseStatus.EFFECTIVE
    assert statuses["（2024）测0101行初4号"] not in (CaseStatus.CONCLUDED, CaseStatus.EFFECTIVE)
    hearings = (await ctx.session.execute(select(Hearing.head_attended, Hearing.attending_official_id))).all()
    assert sorted(hearings, key=str) == sorted([(True, org.head.id), (False, None)], key=str)


async def test_an_unknown_outcome_wording_names_row_column_and_the_wordings(
    ctx: ServiceContext, org: Org
) -> None:
    rows = [HISTORY_HEADERS, [*COURT_ROWS[0], "其他", "行政处罚", None, None, "判了", "2024-05-06", None]]
    report = await run(ctx, org, book_bytes(rows), dry_run=True)
    [problem] = report.problems
    assert (problem.row, problem.column, problem.header) == (2, "L", "审理结果")
    assert "判了" in problem.message and "驳回诉讼请求" in problem.message and "原告撤诉" in problem.message
    # a judgment with no hearing in the ledger is refused by the service, pointed at the outcome column
    rows[1][11] = "撤销"
    report = await run(ctx, org, book_bytes(rows), dry_run=True)
    assert [(p.column, p.code) for p in report.problems] == [("L", "hearing_required")]


async def test_a_later_instance_links_to_its_first_by_case_number(ctx: ServiceContext, org: Org) -> None:
    from core.cases.models import LitigationCase
    from core.enums import Instance

    headers = [*COURT_HEADERS, "争议领域", "行为类型", "审级", "一审案号", "审理结果", "结案日期"]
    first = [*COURT_ROWS[0], "其他", "行政处罚", "一审", None, "驳回起诉", "2024-06-20"]
    appeal = [
        2,
        "陈某",
        "县自然资源局",
        "房屋征收补偿",
        "（2024）测01行终5号",
        "测试市中级人民法院",
        "2024-08-01",
    ]
    report = await run(
        ctx, org, book_bytes([headers, first, [*appeal, None, None, "二审", first[4], None, None]])
    )
    assert report.ok, [p.text for p in report.problems]
    assert (
        await ctx.session.scalar(select(func.count()).select_from(Dispute)) == 1
    )  # one dispute, two instances
    cases = {c.case_number: c for c in await ctx.session.scalars(select(LitigationCase))}
    second = cases["（2024）测01行终5号"]
    assert second.instance == Instance.SECOND and second.parent_case_id == cases[first[4]].id
    assert second.dispute_id == cases[first[4]].dispute_id
    unknown = await run(
        ctx, org, book_bytes([headers, [*appeal, None, None, "二审", "（2023）测0101行初99号"]])
    )
    assert [(p.column, p.code) for p in unknown.problems] == [("K", "not_found")]


async def test_a_reconsideration_ledger_comes_in_with_dates_and_decisions(
    ctx: ServiceContext, org: Org
) -> None:
    from core.cases.models import ReconsiderationCase
    from core.enums import ReconsiderationDecision, ReconsiderationStatus

    headers = [
        "序号",
        "申请人",
        "被申请人",
        "争议事项",
        "争议领域",
        "行为类型",
        "复议案号",
        "复议申请日期",
        "受理日期",
        "不予受理日期",
        "复议决定",
        "复议决定日期",
    ]
    rows = [
        headers,
        [
            1,
            "陈某",
            "县自然资源局",
            "征收补偿",
            "其他",
            "行政处罚",
            "测复〔2024〕1号",
            "2024-03-01",
            "2024-03-05",
            None,
            "撤销",
            "2024-05-01",
        ],
        [
            2,
            "王某",
            "城关镇",
            "拆除违建",
            "其他",
            "行政强制",
            "测复〔2024〕2号",
            "2024-04-01",
            "2024-04-03",
            None,
            "维持",
            "2024-06-01",
        ],
        [
            3,
            "李某",
            "城关镇",
            "信息公开",
            "其他",
            "行政处罚",
            "测复〔2024〕3号",
            "2024-05-01",
            None,
            "2024-05-06",
            None,
            None,
        ],
        [
            4,
            "赵某",
            "县自然资源局",
            "行政许可",
            "其他",
            "行政许可",
            "测复〔2024〕4号",
            "2024-06-01",
            "2024-06-04",
            None,
            None,
            None,
        ],
    ]
    report = await run(ctx, org, book_bytes(rows))
    assert report.ok, [p.text for p in report.problems]
    cases = {r.case_number: r for r in await ctx.session.scalars(select(ReconsiderationCase))}
    one, two, three, four = (cases[f"测复〔2024〕{n}号"] for n in range(1, 5))
    assert (one.decision, one.decision.is_correction) == (ReconsiderationDecision.REVOKED, True)
    assert (two.decision, two.decision.is_correction) == (ReconsiderationDecision.UPHELD, False)
    assert (three.status, three.rejected_date) == (ReconsiderationStatus.REJECTED, dt.date(2024, 5, 6))
    assert (four.status, four.accepted_date) == (ReconsiderationStatus.ACCEPTED, dt.date(2024, 6, 4))
    assert one.received_date == dt.date(2024, 3, 1) and one.concluded_date == dt.date(2024, 5, 1)

    # The same ledger later: case 4 decided, case 1's decision contradicted (refused, not overwritten).
    await ctx.session.commit()
    rows[4][10:12] = ["变更", "2024-08-01"]
    again = await run(ctx, org, book_bytes(rows))
    assert again.ok, [p.text for p in again.problems]
    assert [(r.case_number, r.status, r.note) for r in again.rows if r.status != RowStatus.SKIPPED] == [
        ("测复〔2024〕4号", RowStatus.UPDATED, "补录：复议决定")
    ]
    await ctx.session.commit()
    await ctx.session.refresh(four)
    assert (four.status, four.decision) == (ReconsiderationStatus.CONCLUDED, ReconsiderationDecision.VARIED)
    rows[1][10] = "维持"
    refused = await run(ctx, org, book_bytes(rows))
    await ctx.session.rollback()
    [problem] = refused.problems
    assert problem.code == "conflict" and "撤销" in problem.message and "测复〔2024〕1号" in problem.message
