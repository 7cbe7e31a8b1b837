"""Past years' ledgers name officials who were never registered: with their post (出庭负责人职务)
the import registers them with the rank the post implies and says so in the row's report; a post
whose rank cannot be told, or no post at all, refuses the row and names what to add."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from core.cases.models import Hearing
from core.context import ServiceContext
from core.enums import OfficialRank
from core.ledger.history import rank_for_post
from core.ledger.service import RowStatus, import_ledger
from core.org.models import Official
from tests.support import make_org

HEADERS = ["被告", "原告", "案由", "案号", "法院", "立案日期", "开庭日期", "出庭负责人", "职务"]
MAPPING = {"争议领域": {"constant": "其他"}, "行为类型": {"constant": "其他"}}


def ledger(rows: list[list[Any]], headers: list[str] = HEADERS) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(headers)
    for row in rows:
        sheet.append(row[: len(headers)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def row(n: int, name: str | None, post: str | None) -> list[Any]:
    return [
        "县自然资源局",
        f"原告{n}",
        "行政处罚",
        f"（2023）测0101行初{n}号",
        "测试县人民法院",
        "2023-03-01",
        "2023-04-10",
        name,
        post,
    ]


@pytest.mark.parametrize(
    ("post", "rank"),
    [
        ("局长", OfficialRank.PRINCIPAL_HEAD),
        ("镇长", OfficialRank.PRINCIPAL_HEAD),
        ("办公室主任", None),
        ("县政府办公室主任", OfficialRank.PRINCIPAL_HEAD),
        ("副局长", OfficialRank.DEPUTY_HEAD),
        ("党组成员、副局长", OfficialRank.DEPUTY_HEAD),
        ("分管负责人", OfficialRank.DEPUTY_HEAD),
        ("副县长", OfficialRank.COUNTY_LEADER_IN_CHARGE),
        ("县长", OfficialRank.COUNTY_PRINCIPAL_LEADER),
        ("法规股股长", OfficialRank.STAFF),
        ("科长", OfficialRank.STAFF),
        ("调研员", None),
    ],
)
def test_a_post_implies_a_rank(post: str, rank: OfficialRank | None) -> None:
    assert rank_for_post(post) == rank


async def test_unregistered_officials_are_registered_from_their_post_and_reported(
    ctx: ServiceContext, make_ctx: Any
) -> None:
    org = await make_org(ctx)
    jurisdiction_id, agency_id = org.jurisdiction.id, org.agency.id
    await ctx.session.commit()
    officials_before = await ctx.session.scalar(select(func.count(Official.id)))
    content = ledger([row(1, "张局长", None), row(2, "孙某", "副局长"), row(3, "周某", "调研员")])
    report = await import_ledger(
        ctx, jurisdiction_id=jurisdiction_id, content=content, mapping=MAPPING, dry_run=True
    )
    await ctx.session.rollback()
    by_row = {r.row: r for r in report.rows}
    assert by_row[2].status == RowStatus.VALID and by_row[3].status == RowStatus.VALID  # as registered
    assert "新登记出庭人员：孙某（副局长，分管负责人）" in by_row[3].note
    [problem] = by_row[4].problems
    assert "调研员" in problem.message and problem.header == "职务", problem
    assert not report.ok

    # Fixed and imported for real: the new official is on the roll, with the hearing.
    content = ledger([row(1, "张局长", None), row(2, "孙某", "副局长"), row(3, None, None)])
    ctx = make_ctx()  # a new request's context (the dry run's was rolled back)
    report = await import_ledger(ctx, jurisdiction_id=jurisdiction_id, content=content, mapping=MAPPING)
    assert report.ok, [p.text for p in report.problems]
    await ctx.session.commit()
    sun = await ctx.session.scalar(select(Official).where(Official.name == "孙某"))
    assert sun is not None and sun.rank == OfficialRank.DEPUTY_HEAD and sun.title == "副局长"
    assert sun.unit_id == agency_id
    assert await ctx.session.scalar(select(func.count(Official.id))) == (officials_before or 0) + 1
    attended = await ctx.session.scalar(select(Hearing).where(Hearing.attending_official_id == sun.id))
    assert attended is not None and attended.head_attended


async def test_an_unknown_name_without_a_post_column_says_to_add_one(ctx: ServiceContext) -> None:
    org = await make_org(ctx)
    content = ledger([row(1, "孙某", None)], HEADERS[:-1])
    report = await import_ledger(ctx, jurisdiction_id=org.jurisdiction.id, content=content, mapping=MAPPING)
    [problem] = report.rows[0].problems
    assert "孙某" in problem.message and "出庭负责人职务" in problem.message


async def test_a_ledger_that_says_the_head_did_not_appear_is_believed(ctx: ServiceContext) -> None:
    org = await make_org(ctx)
    content = ledger([[*row(1, "王科员", "科员"), "否"]], [*HEADERS, "负责人是否出庭"])
    report = await import_ledger(ctx, jurisdiction_id=org.jurisdiction.id, content=content, mapping=MAPPING)
    assert report.ok, [p.text for p in report.problems]
    hearing = await ctx.session.scalar(select(Hearing))
    assert hearing is not None and hearing.head_attended is False
