"""Rendering a bulletin's frozen content: trend charts (PNG), Excel (.xlsx) and Word (.docx), in Chinese.

Everything is drawn from :class:`core.indicators.bulletins.BulletinContent`, so a published
bulletin's files are the same whenever they are downloaded. Nothing here touches the network:
charts use a CJK font installed on the machine (Debian ``fonts-noto-cjk`` or
``fonts-wqy-microhei``, or the file named by ``CASELOAD_CJK_FONT``); without one they still render,
with a warning in the log, and Chinese labels show as boxes.
"""

from __future__ import annotations

import io
import logging
import os
import warnings
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from core.indicators.bulletins import BulletinContent, BulletinSeries
from core.indicators.definitions import IndicatorKind, spec_of
from core.indicators.types import DefinitionInfo, Figure, PenaltyInfo

log = logging.getLogger("caseload.indicators.render")

CJK_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
CJK_FAMILY_HINTS = (
    "CJK",
    "WenQuanYi",
    "Source Han",
    "SimHei",
    "SimSun",
    "Microsoft YaHei",
    "AR PL",
    "Droid Sans Fallback",
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# ---------------------------------------------------------------------------------------------
# Fonts and charts
# ---------------------------------------------------------------------------------------------


@cache
def cjk_font() -> str | None:
    """The path of an installed font with Chinese glyphs, or None (logged once)."""
    configured = os.environ.get("CASELOAD_CJK_FONT")
    candidates = [configured] if configured else []
    candidates += list(CJK_FONT_FILES)
    for path in candidates:
        if path and Path(path).is_file():
            return path
    try:
        from matplotlib import font_manager

        for entry in font_manager.fontManager.ttflist:
            if any(h.lower() in entry.name.lower() for h in CJK_FAMILY_HINTS):
                return str(entry.fname)
    except Exception:  # a broken font cache must not stop a bulletin
        log.exception("could not list fonts")
    log.warning(
        "no CJK font installed (install Debian fonts-noto-cjk or fonts-wqy-microhei, "
        "or set CASELOAD_CJK_FONT): bulletin charts will show Chinese labels as boxes"
    )
    # Without a CJK font every Chinese glyph would also warn once per label.
    warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font", category=UserWarning)
    return None


def prepare_charts() -> None:
    """Build what the first chart would build: matplotlib's font list (seconds on a fresh host:
    it reads every installed font), the CJK font's metrics and the Agg renderer. Called at
    start-up (api/warmup.py), so the first bulletin download does not pay for it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.font_manager import FontProperties

    path = cjk_font()
    fig = MplFigure(figsize=(1, 1), dpi=50)
    canvas = FigureCanvasAgg(fig)
    fig.add_subplot().set_title("通报", fontproperties=FontProperties(fname=path) if path else None)
    canvas.draw()


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    png: bytes


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def chart(series: BulletinSeries, title: str) -> Chart:
    """A line chart of one indicator month by month (gaps where there is no data)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.font_manager import FontProperties

    path = cjk_font()
    font = FontProperties(fname=path) if path else FontProperties()
    fig = MplFigure(figsize=(6.4, 3.0), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    xs = list(range(len(series.points)))
    ys = [_number(p.value) for p in series.points]
    ax.plot(xs, [float("nan") if y is None else y for y in ys], marker="o", color="#c0392b", linewidth=1.8)
    for x, p in zip(xs, series.points, strict=True):
        if p.value is not None:
            ax.annotate(
                p.display,
                (x, float(p.value)),
                textcoords="offset points",
                xytext=(0, 6),
                ha="center",
                fontsize=8,
            )
    ax.set_xticks(xs, [p.label_zh for p in series.points], fontproperties=font)
    ax.set_title(title, fontproperties=font)
    ax.set_ylabel(series.unit_zh, fontproperties=font)
    ax.grid(axis="y", alpha=0.3)
    if series.unit_zh == "件":  # counts: whole cases only (no 0.5 件 ticks)
        from matplotlib.ticker import MaxNLocator

        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    known = [y for y in ys if y is not None]
    ax.set_ylim(bottom=0, top=(max(known) * 1.18 if known and max(known) > 0 else 1))  # room for labels
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return Chart(series.key, title, buffer.getvalue())


def is_flat(series: BulletinSeries) -> bool:
    """No data, or zero every month: such a series gets a sentence, not an axis."""
    return all(p.value is None or p.value == 0 for p in series.points)


def charts(content: BulletinContent) -> list[Chart]:
    """A chart for every series that has something to show (see :func:`is_flat`)."""
    return [chart(s, f"{content.year}年{s.label_zh}逐月走势") for s in content.series if not is_flat(s)]


# ---------------------------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------------------------


def _cell(f: Figure, percent: bool = False) -> Any:
    """A number for a spreadsheet cell, or an empty cell for no data. A percentage is stored as the
    fraction it is (8.28% as 0.0828, shown with a percent format), so sums, averages and charts a
    reader builds in Excel compute right."""
    return (
        _fraction(f.value, percent)
        if f.denominator is not None
        else (None if f.value is None else int(f.value))
    )


def _fraction(value: Decimal | None, percent: bool) -> float | None:
    if value is None:
        return None
    return float(value / 100) if percent else float(value)


def _direction_zh(direction: str) -> str:
    return "数值越低越好" if direction == "lower_is_better" else "数值越高越好"


# ---------------------------------------------------------------------------------------------
# Excel
# ---------------------------------------------------------------------------------------------


def xlsx(content: BulletinContent) -> bytes:
    """The bulletin as a workbook: summary, units, rankings, targets, assessment, trends (with charts)."""
    from openpyxl import Workbook
    from openpyxl.chart import LineChart, Reference
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    wb = Workbook()

    def table(
        ws: Any, start_row: int, header: list[str], rows: list[list[Any]], formats: dict[int, str]
    ) -> int:
        for c, text in enumerate(header, 1):
            cell = ws.cell(row=start_row, column=c, value=text)
            cell.font, cell.fill = bold, head_fill
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for r, values in enumerate(rows, start_row + 1):
            for c, value in enumerate(values, 1):
                cell = ws.cell(row=r, column=c, value=value)
                if c in formats and isinstance(value, int | float):
                    cell.number_format = formats[c]
        return start_row + len(rows) + 1

    def widths(ws: Any, values: list[int]) -> None:
        for i, w in enumerate(values, 1):
            ws.column_dimensions[get_column_letter(i)].width = w

    pct = "0.00%"
    ws = wb.active
    ws.title = "通报概况"
    ws["A1"] = content.title
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = (
        f"统计期间：{content.period_label}（累计：{content.ytd_label}）；数据截至{content.data_as_of.isoformat()}"
    )
    row = 4
    for paragraph in content.summary:
        ws.cell(row=row, column=1, value=paragraph).alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=8)
        ws.row_dimensions[row].height = 45
        row += 1
    row += 1
    header = ["指标", "单位", "本季度", "上年同季度", "年初至今", "上年同期", "同比", "目标完成情况"]
    rows = []
    for line in content.indicators:
        rows.append(
            [
                line.label_zh,
                line.unit_zh,
                _cell(line.quarter, line.unit_zh == "%"),
                _cell(line.quarter_previous, line.unit_zh == "%"),
                _cell(line.ytd, line.unit_zh == "%"),
                _cell(line.ytd_previous, line.unit_zh == "%"),
                line.change_zh,
                "；".join(line.targets_zh) or line.status_label,
            ]
        )
    table(ws, row, header, rows, {})
    for r, line in enumerate(content.indicators, row + 1):
        if line.unit_zh == "%":
            for c in (3, 4, 5, 6):
                ws.cell(row=r, column=c).number_format = pct
        elif line.unit_zh == "件/万人":
            for c in (3, 4, 5, 6):
                ws.cell(row=r, column=c).number_format = "0.00"
    widths(ws, [22, 9, 12, 12, 12, 12, 24, 60])

    ws = wb.create_sheet("单位情况")
    header = [
        "单位",
        "本季度新收",
        "年初至今新收",
        "败诉风险案件",
        "审结",
        "败诉",
        "败诉率",
        "调撤",
        "隐性败诉",
        "开庭次数",
        "负责人出庭",
        "出庭应诉率",
        "审结复议",
        "被纠错",
        "纠错率",
    ]
    rows = [
        [
            u.name,
            u.quarter_cases,
            u.cases,
            u.loss_risk,
            u.concluded,
            u.lost,
            _cell(u.loss_rate, True),
            u.withdrawn_mediated,
            u.hidden_losses,
            u.hearings,
            u.attended,
            _cell(u.appearance_rate, True),
            u.reconsiderations,
            u.corrected,
            _cell(u.correction_rate, True),
        ]
        for u in content.units
    ]
    table(ws, 1, header, rows, {7: pct, 12: pct, 15: pct})
    ws.freeze_panes = "B2"
    widths(ws, [22] + [11] * 14)

    ws = wb.create_sheet("排名")
    row = 1
    for ranking in content.rankings:
        heading = f"{ranking.label_zh}排名（{_direction_zh(ranking.direction)}）"
        ws.cell(row=row, column=1, value=heading).font = bold
        rate = _is_rate(ranking.indicator)
        rows = [[e.rank, e.unit_name, _fraction(e.value, rate), e.rank_from_bottom] for e in ranking.entries]
        fmt = pct if rate else "0.00"
        row = table(ws, row + 1, ["名次", "单位", ranking.label_zh, "倒数名次"], rows, {3: fmt}) + 1
    widths(ws, [8, 24, 14, 10])

    ws = wb.create_sheet("目标")
    rows = [
        [
            t.title_zh,
            t.actual,
            t.status_label,
            t.margin_zh,
            t.projection_zh,
            "；".join(t.reasons_zh),
            t.citation,
        ]
        for t in content.targets
    ]
    table(ws, 1, ["目标", "实际值", "状态", "余量", "全年预计", "说明", "依据"], rows, {})
    widths(ws, [34, 12, 10, 30, 40, 60, 60])

    ws = wb.create_sheet("考核")
    rows = [["季度考核", p.unit_name, _measure(p), p.reason_zh, p.citation.text] for p in content.penalties]
    rows += [
        ["年度考核预警", p.unit_name, _measure(p), p.reason_zh, p.citation.text] for p in content.warnings
    ]
    table(ws, 1, ["类别", "单位", "措施", "原因", "依据"], rows, {})  # no rule ids: readers cite documents
    widths(ws, [14, 22, 20, 60, 60])

    ws = wb.create_sheet("趋势")
    months = [p.label_zh for p in content.series[0].points] if content.series else []
    header = ["指标", *months]
    rows = [[s.label_zh, *(_fraction(p.value, s.unit_zh == "%") for p in s.points)] for s in content.series]
    end = table(ws, 1, header, rows, {})
    for r, s in enumerate(content.series, 2):
        if s.unit_zh == "%":
            for c in range(2, len(s.points) + 2):
                ws.cell(row=r, column=c).number_format = pct
    anchor = end + 2
    for r, s in enumerate(content.series, 2):
        if is_flat(s):  # no chart of nothing: the sentence says why (as the Word file does)
            ws.cell(row=anchor, column=1, value=_flat_series_zh(content, s))
            anchor += 2
            continue
        # A native line chart over the row above: editable, and it follows the cells if edited.
        line = LineChart()
        line.title = f"{s.label_zh}（{s.unit_zh}）" if s.unit_zh else s.label_zh
        line.height, line.width, line.legend = 7.5, 16, None
        line.y_axis.number_format = pct if s.unit_zh == "%" else "0"
        line.y_axis.majorGridlines = None
        line.add_data(
            Reference(ws, min_col=1, max_col=len(s.points) + 1, min_row=r),
            from_rows=True,
            titles_from_data=True,
        )
        line.set_categories(Reference(ws, min_col=2, max_col=len(s.points) + 1, min_row=1))
        ws.add_chart(line, f"A{anchor}")
        anchor += 16
    widths(ws, [22] + [10] * max(1, len(months)))

    for sheet, titles in zip(wb.worksheets, (None, "1:1", None, "1:1", "1:1", "1:1"), strict=True):
        _print_setup(sheet, titles)
    wb.properties.title = content.title
    wb.properties.creator = "caseload"
    from core.xlsx_safe import save_workbook

    return save_workbook(wb)  # user text (unit and case names) neutralised against formula injection


def _print_setup(ws: Any, title_rows: str | None) -> None:
    """A4, as wide as one page (as many pages down as needed), the header row on every page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if ws.max_column > 8 else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = title_rows


def _is_rate(indicator: str) -> bool:
    return spec_of(indicator).kind is IndicatorKind.RATE


# ---------------------------------------------------------------------------------------------
# Word
# ---------------------------------------------------------------------------------------------


def docx(content: BulletinContent) -> bytes:
    """The bulletin as a 公文 (GB/T 9704-2012, :mod:`core.documents.gbt9704`): 版头, title, text,
    tables sized to their content, charts, signature, date and 版记."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    from core.documents import gbt9704 as G

    document = Document()
    G.setup(document)
    authority = content.issuing_authority or f"{content.jurisdiction_name}司法局"
    G.masthead(document, authority, content.document_number)
    G.title(document, content.title)
    document.add_paragraph(
        f"（统计期间：{content.period_label}；累计：{content.ytd_label}；数据截至{G.date_zh(content.data_as_of)}）"
    ).alignment = WD_ALIGN_PARAGRAPH.CENTER

    def table(header: list[str], rows: list[list[str]]) -> None:
        G.table(document, header, rows, G.TEXT_WIDTH_MM)

    document.add_heading("一、总体情况", level=1)
    for paragraph in content.summary:
        G.body(document, paragraph)

    document.add_heading("二、主要指标", level=1)
    table(
        ["指标", "本季度", "上年同季度", "年初至今", "上年同期", "同比", "目标完成情况"],
        [
            [
                line.label_zh,
                line.quarter.display,
                line.quarter_previous.display,
                line.ytd.display,
                line.ytd_previous.display,
                line.change_zh,
                "；".join(line.targets_zh) or line.status_label,
            ]
            for line in content.indicators
        ],
    )

    document.add_heading("三、各单位情况", level=1)
    table(
        [
            "单位",
            "本季度新收",
            "年初至今新收",
            "败诉风险",
            "审结",
            "败诉",
            "败诉率",
            "调撤",
            "出庭应诉率",
            "纠错率",
        ],
        [
            [
                u.name,
                str(u.quarter_cases),
                str(u.cases),
                str(u.loss_risk),
                str(u.concluded),
                str(u.lost),
                u.loss_rate.display,
                str(u.withdrawn_mediated),
                u.appearance_rate.display,
                u.correction_rate.display,
            ]
            for u in content.units
        ],
    )

    document.add_heading("四、排名情况", level=1)
    for ranking in content.rankings:
        G.body(document, f"{ranking.label_zh}（{_direction_zh(ranking.direction)}）")
        table(
            ["名次", "单位", ranking.label_zh],
            [[str(e.rank), e.unit_name, e.display] for e in ranking.entries],
        )

    document.add_heading("五、目标完成情况", level=1)
    if content.targets:
        table(
            ["目标", "实际值", "状态", "余量", "全年预计"],
            [[t.title_zh, t.actual, t.status_label, t.margin_zh, t.projection_zh] for t in content.targets],
        )
    else:
        G.body(document, "本年度未设定考核目标。")

    document.add_heading("六、考核与督办", level=1)
    if content.penalties or content.warnings:
        table(
            ["类别", "单位", "措施", "原因", "依据"],
            [["季度考核", p.unit_name, _measure(p), p.reason_zh, p.citation.text] for p in content.penalties]
            + [
                ["年度考核预警", p.unit_name, _measure(p), p.reason_zh, p.citation.text]
                for p in content.warnings
            ],
        )
    else:
        G.body(document, "本期无单位触发考核措施。")

    document.add_heading("七、趋势", level=1)
    drawn = {ch.key: ch for ch in charts(content)}
    for n, s in enumerate(content.series, 1):
        if s.key not in drawn:  # an all-zero or empty series: an axis would mean nothing
            G.body(document, f"{n}．{s.label_zh}：{_flat_series_zh(content, s)}，不作走势图。")
            continue
        G.body(document, f"{n}．{s.label_zh}逐月走势（图{n}）")
        document.add_picture(io.BytesIO(drawn[s.key].png), width=Cm(15))
        document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER

    document.add_heading("附：指标口径", level=2)
    for d in content.definitions:
        G.body(document, f"{d.label_zh}：{definition_text(d)}")

    day = content.issued_on or content.data_as_of
    G.signature(document, authority, day)
    G.colophon(document, f"{authority}办公室", day)

    document.core_properties.title = content.title
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def definition_text(d: DefinitionInfo) -> str:
    """A definition as a reader sees it: its text once (without its label repeated), a local one marked
    as the local assessment's, never by the plugin's code."""
    text = d.description_zh
    for prefix in (f"{d.label_zh}：", f"{d.label_zh}:"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    return text if d.source == "national" else f"{text}（本地考核口径）"


def _flat_series_zh(content: BulletinContent, s: BulletinSeries) -> str:
    months = f"{s.points[0].label_zh}至{s.points[-1].label_zh}" if s.points else "本年度"
    if all(p.value is None for p in s.points):
        return f"{months}均无可计算的数据"
    return f"{months}各月均为0" + ("" if s.unit_zh != "%" else "（无发生）")


RENDERERS = {"xlsx": (xlsx, XLSX_TYPE), "docx": (docx, DOCX_TYPE)}


def _measure(p: PenaltyInfo) -> str:
    """The measure as a bulletin lists it; an exempted one says so."""
    if p.exempted:
        return f"{p.label_zh}（已免责）"
    return f"{p.label_zh}（预评估，期满后执行）" if p.pending else p.label_zh
