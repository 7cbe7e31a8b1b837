"""A county-style litigation ledger end to end: title and info lines, mixed date formats, 合计 and
填表人 rows, a two-level header, an alias, co-respondents, outcomes and hearings. The dashboard's
loss rate and head appearance rate equal what the ledger's rows say; importing it again changes
nothing."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from openpyxl import Workbook
from sqlalchemy import func, select

from core.cases.models import Hearing, LitigationCase, Outcome
from core.context import ServiceContext
from core.disputes.models import Dispute
from core.enums import LOSS_OUTCOMES, OutcomeKind
from core.indicators.periods import Period, PeriodKind
from core.indicators.service import dashboard
from core.ledger.aliases import add_unit_alias
from core.ledger.mapping import OUTCOME_WORDINGS
from core.ledger.service import RowStatus, import_ledger
from tests.support import make_org

TOP = [
    "序号",
    "当事人",
    None,
    "被告",
    "案由",
    "案号",
    "法院",
    "立案日期",
    "开庭日期",
    "出庭负责人",
    "审理结果",
    "结案日期",
]
SUB = [None, "姓名", "身份证号", None, None, None, None, None, None, None, None, None]
N = "（2024）测0101行初{}号"
COURT = "测试县人民法院"
# Respondent cells use the alias 镇政府 (城关镇) and a co-respondent pair.
DATA: list[list[Any]] = [
    [
        1,
        "陈某",
        "350821199001011234",
        "县自然资源局",
        "征收补偿",
        N.format(1),
        COURT,
        "2024-03-05",
        "2024-04-10",
        "张局长",
        "撤销",
        "2024年5月6日",
    ],
    [
        2,
        "王某",
        None,
        "镇政府",
        "拆除违建",
        N.format(2),
        COURT,
        dt.date(2024, 4, 8),
        "2024/05/10",
        None,
        "驳回诉讼请求",
        "20240603",
    ],
    [
        3,
        "李某",
        None,
        "县自然资源局、镇政府",
        "土地登记",
        N.format(3),
        COURT,
        "2024.05.01",
        "2024-06-12",
        "李副局长",
        "确认违法",
        "2024-07-01",
    ],
    [
        4,
        "赵某",
        None,
        "县自然资源局",
        "行政处罚",
        N.format(4),
        COURT,
        45418,
        None,
        None,
        "原告撤诉",
        "2024-05-20",
    ],
    [5, "钱某", None, "镇政府", "行政许可", N.format(5), COURT, "2024-06-01", None, None, "审理中", None],
]


def ledger() -> bytes:
    return ledger_of(DATA)


def ledger_of(data: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["测试县2024年行政应诉案件台账"])
    sheet.append(["填报单位：测试县司法局", None, None, None, "统计截至：2024年11月"])
    sheet.append(TOP)
    sheet.append(SUB)
    sheet.merge_cells("B3:C3")
    for col in "ADEFGHIJKL":
        sheet.merge_cells(f"{col}3:{col}4")
    for row in data[:3]:
        sheet.append(row)
    sheet.append(["小计", None, None, None, None, None, None, None, None, None, None, None])
    for row in data[3:]:
        sheet.append(row)
    sheet.append(["合计", "共5件"])
    sheet.append(["填表人：王科员", None, None, "审核人：张局长"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


MAPPING = {"争议领域": {"constant": "其他"}, "行为类型": {"constant": "其他"}}


async def test_a_county_ledger_gives_the_dashboard_the_ledgers_own_rates(ctx: ServiceContext) -> None:
    org = await make_org(ctx)
    await add_unit_alias(ctx, org.jurisdiction.id, alias="镇政府", unit_id=org.township.id)
    report = await import_ledger(ctx, jurisdiction_id=org.jurisdiction.id, content=ledger(), mapping=MAPPING)
    assert report.ok, [p.text for p in report.problems]
    assert report.count(RowStatus.IMPORTED) == 5 and report.count(RowStatus.SKIPPED) == 3
    await ctx.session.commit()

    # What the ledger's rows say
    kinds = [OUTCOME_WORDINGS[row[10]] for row in DATA]
    concluded = [k for k in kinds if k is not None]
    losses = [k for k in concluded if OutcomeKind(k) in LOSS_OUTCOMES]
    held = [row for row in DATA if row[8]]
    heads = [row for row in held if row[9]]
    assert (len(losses), len(concluded), len(heads), len(held)) == (2, 4, 2, 3)  # the ledger, read by eye

    board = await dashboard(
        ctx, org.jurisdiction.id, Period(PeriodKind.YEAR, dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    )
    figures = {r.indicator: r.current for r in board.indicators}
    loss = figures["loss_rate"]
    assert (loss.numerator, loss.denominator) == (len(losses), len(concluded))
    appearance = figures["head_appearance_rate"]
    assert (appearance.numerator, appearance.denominator) == (len(heads), len(held))

    co = await ctx.session.scalar(select(Dispute).where(Dispute.applicant_name == "李某"))
    assert co is not None and co.unit_id == org.agency.id

    async def counts() -> tuple[int, ...]:
        return tuple(
            [
                int(await ctx.session.scalar(select(func.count()).select_from(model)) or 0)
                for model in (Dispute, LitigationCase, Hearing, Outcome)
            ]
        )

    before = await counts()
    assert before == (5, 5, 3, 4)
    again = await import_ledger(ctx, jurisdiction_id=org.jurisdiction.id, content=ledger(), mapping=MAPPING)
    assert again.ok and again.count(RowStatus.IMPORTED) == 0 and again.count(RowStatus.SKIPPED) == 8
    await ctx.session.commit()
    assert await counts() == before


async def test_the_countys_own_ledger_imported_again_after_it_gained_outcomes_adds_them(
    ctx: ServiceContext,
) -> None:
    """Counties keep one ledger and fill in results as cases end: importing it again adds the new
    hearing and outcome to the recorded case (by 案号), leaves the others as they are, and refuses a
    result that contradicts the recorded one instead of overwriting it."""
    org = await make_org(ctx)
    await add_unit_alias(ctx, org.jurisdiction.id, alias="镇政府", unit_id=org.township.id)
    first = await import_ledger(ctx, jurisdiction_id=org.jurisdiction.id, content=ledger(), mapping=MAPPING)
    assert first.ok
    await ctx.session.commit()
    case = await ctx.session.scalar(select(LitigationCase).where(LitigationCase.case_number == N.format(5)))
    assert case is not None and case.concluded_date is None

    later = [list(row) for row in DATA]
    later[4][8:12] = ["2024-07-02", None, "撤销", "2024-08-01"]  # 钱某's case: heard and decided since
    edited = ledger_of(later)
    report = await import_ledger(ctx, jurisdiction_id=org.jurisdiction.id, content=edited, mapping=MAPPING)
    assert report.ok, [p.text for p in report.problems]
    updated = [r for r in report.rows if r.status == RowStatus.UPDATED]
    assert [(r.case_number, r.note) for r in updated] == [(N.format(5), "补录：庭审、审理结果")]
    assert report.count(RowStatus.SKIPPED) == 3 + 4  # totals and signatures, the four unchanged rows
    await ctx.session.commit()
    outcome = await ctx.session.scalar(select(Outcome).where(Outcome.case_id == case.id))
    assert outcome is not None and outcome.kind == OutcomeKind.REVOKED
    hearing = await ctx.session.scalar(select(Hearing).where(Hearing.case_id == case.id))
    assert hearing is not None and hearing.head_attended is False  # the ledger names no head

    contradicting = [list(row) for row in later]
    contradicting[0][10] = "驳回诉讼请求"  # recorded as 撤销
    refused = await import_ledger(
        ctx, jurisdiction_id=org.jurisdiction.id, content=ledger_of(contradicting), mapping=MAPPING
    )
    await ctx.session.rollback()
    [problem] = refused.problems
    assert problem.code == "conflict" and "撤销" in problem.message and N.format(1) in problem.message
