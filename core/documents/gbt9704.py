"""The page layout of GB/T 9704-2012《党政机关公文格式》 for the Word files the product writes.

What the standard fixes and this module applies (clause numbers of GB/T 9704-2012):

* 5.2.1 A4 paper, 210 mm × 297 mm; 5.2.2 版心 156 mm × 225 mm, 天头 (top margin) 37 mm, 订口 (left
  margin) 28 mm, so bottom 35 mm and right 26 mm.
* 6 fonts: title 2号 (22 pt) 小标宋, body 3号 (16 pt) 仿宋, first-level headings 黑体, second-level 楷体;
  22 lines of 28 characters a page (a fixed line pitch of 225 mm / 22 ≈ 28.95 pt).
* 7.2 版头: the 发文机关标志 in red 小标宋, the 发文字号 (武司〔2026〕12号) below it, then a red
  separator line as wide as the 版心.
* 7.3.5 the 成文日期 in Arabic numerals, right-aligned with four characters' space.
* 7.4 版记: the 印发机关 and 印发日期 between separator lines, in 4号 仿宋, one character in from
  each side.
* 7.5 page numbers "— 1 —" in 4号 半角宋体 Arabic numerals, 7 mm below the 版心; odd pages right with
  one character's space, even pages left.

Fonts are named as Chinese offices have them (方正小标宋简体, 仿宋_GB2312, 黑体, 楷体_GB2312, 宋体);
where they are missing, fontconfig substitutes the free faces that ``.ci/fonts-gbt9704.conf`` names
(Noto Serif/Sans CJK SC from Debian ``fonts-noto-cjk``, cwTeX 仿宋 from ``fonts-cwtex-fs``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING1_FONT = "黑体"
HEADING2_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"

PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297
TOP_MM, BOTTOM_MM, LEFT_MM, RIGHT_MM = 37, 35, 28, 26
TEXT_WIDTH_MM, TEXT_HEIGHT_MM = 156, 225

TITLE_SIZE = Pt(22)  # 2号
BODY_SIZE = Pt(16)  # 3号
COLOPHON_SIZE = Pt(14)  # 4号
TABLE_SIZE = Pt(10.5)  # 五号: tables are not body text and must fit the 版心
LINE_PITCH = Pt(28.95)  # 225 mm over 22 lines
RED = RGBColor(0xFF, 0x00, 0x00)


def set_fonts(target: Any, name: str, size: Pt | None = None) -> None:
    """Name one face for Latin and East Asian text alike (Word picks w:eastAsia for Chinese)."""
    font = target.font
    font.name = name
    if size is not None:
        font.size = size
    rpr = target.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def _a4(section: Any, landscape: bool = False) -> None:
    width, height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (height, width) if landscape else (width, height)
    section.top_margin, section.bottom_margin = Mm(TOP_MM), Mm(BOTTOM_MM)
    section.left_margin, section.right_margin = Mm(LEFT_MM), Mm(RIGHT_MM)
    if landscape:  # the 版心 turned with the page: the bound edge stays 28 mm
        section.top_margin, section.bottom_margin = Mm(LEFT_MM), Mm(RIGHT_MM)
        section.left_margin, section.right_margin = Mm(TOP_MM), Mm(BOTTOM_MM)
    section.header_distance = Mm(15)
    # The page number's top edge sits 7 mm below the 版心: 35 − 7 − one 4号 line (≈5 mm) from the edge.
    section.footer_distance = Mm(BOTTOM_MM - 7 - 5) if not landscape else Mm(RIGHT_MM - 7 - 5)


def _page_number(paragraph: Any) -> None:
    """ "— N —" with N a PAGE field, so every page numbers itself."""

    def run(text: str | None = None) -> Any:
        r = paragraph.add_run(text or "")
        set_fonts(r, PAGE_NUMBER_FONT, COLOPHON_SIZE)
        return r

    run("— ")
    begin = run()
    fld = OxmlElement("w:fldChar")
    fld.set(qn("w:fldCharType"), "begin")
    begin._r.append(fld)
    instr_run = run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    instr_run._r.append(instr)
    sep = run()
    fld = OxmlElement("w:fldChar")
    fld.set(qn("w:fldCharType"), "separate")
    sep._r.append(fld)
    run("1")
    end = run()
    fld = OxmlElement("w:fldChar")
    fld.set(qn("w:fldCharType"), "end")
    end._r.append(fld)
    run(" —")


def _footers(section: Any) -> None:
    odd = section.footer.paragraphs[0]
    odd.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    odd.paragraph_format.right_indent = COLOPHON_SIZE  # one character
    _page_number(odd)
    even = section.even_page_footer.paragraphs[0]
    even.alignment = WD_ALIGN_PARAGRAPH.LEFT
    even.paragraph_format.left_indent = COLOPHON_SIZE
    _page_number(even)


def setup(document: Any) -> None:
    """A4, the 版心, the fonts and line pitch of the body and headings, page numbers in the footer."""
    _a4(document.sections[0])
    document.settings.odd_and_even_pages_header_footer = True
    _footers(document.sections[0])
    normal = document.styles["Normal"]
    set_fonts(normal, BODY_FONT, BODY_SIZE)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE_PITCH
    fmt.space_before = fmt.space_after = Pt(0)
    for level, face in ((1, HEADING1_FONT), (2, HEADING2_FONT)):
        style = document.styles[f"Heading {level}"]
        set_fonts(style, face, BODY_SIZE)
        style.font.bold = False
        style.font.color.rgb = RGBColor(0, 0, 0)
        f = style.paragraph_format
        f.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        f.line_spacing = LINE_PITCH
        f.space_before = f.space_after = Pt(0)
        f.first_line_indent = Pt(32)  # 一、 headings are indented two characters like the body
        f.keep_with_next = True


def landscape_section(document: Any) -> Any:
    """Start a landscape section (for a table too wide for the portrait 版心); returns it."""
    from docx.enum.section import WD_SECTION

    section = document.add_section(WD_SECTION.NEW_PAGE)
    _a4(section, landscape=True)
    return section


def portrait_section(document: Any) -> Any:
    from docx.enum.section import WD_SECTION

    section = document.add_section(WD_SECTION.NEW_PAGE)
    _a4(section)
    return section


def _border(paragraph: Any, edge: str, size_eighths: int, color: str) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        ppr.append(borders)
    line = OxmlElement(f"w:{edge}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(size_eighths))
    line.set(qn("w:space"), "1")
    line.set(qn("w:color"), color)
    borders.append(line)


def masthead(document: Any, authority: str, number: str) -> None:
    """版头: the issuing authority in red (…文件), the 发文字号 and the red separator line."""
    head = document.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    head.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    head.paragraph_format.space_after = Pt(32)
    run = head.add_run(f"{authority}文件")
    set_fonts(run, TITLE_FONT, Pt(36) if len(authority) <= 8 else Pt(28))
    run.font.color.rgb = RED
    numbered = document.add_paragraph()
    numbered.alignment = WD_ALIGN_PARAGRAPH.CENTER
    numbered.paragraph_format.space_after = Pt(12)
    numbered.add_run(number or "（未编号）")
    # 4 mm below the number, a red line as wide as the 版心 (a bottom border spans the text width).
    _border(numbered, "bottom", 12, "FF0000")


def title(document: Any, text: str) -> None:
    """The document title: 2号 小标宋, centred, one blank line below the 版头."""
    p = document.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_before = LINE_PITCH
    p.paragraph_format.space_after = LINE_PITCH
    p.paragraph_format.line_spacing = Pt(35)
    set_fonts(p.add_run(text), TITLE_FONT, TITLE_SIZE)


def body(document: Any, text: str) -> Any:
    p = document.add_paragraph(text)
    p.paragraph_format.first_line_indent = Pt(32)  # two characters
    return p


def date_zh(day: dt.date) -> str:
    """The 成文日期 in Arabic numerals, without leading zeros (GB/T 9704-2012 7.3.5.1)."""
    return f"{day.year}年{day.month}月{day.day}日"


def signature(document: Any, authority: str, day: dt.date) -> None:
    """发文机关署名 and 成文日期, right-aligned four characters in."""
    for text, space in ((authority, Pt(32)), (date_zh(day), Pt(0))):
        p = document.add_paragraph(text)
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.paragraph_format.right_indent = Pt(64)
        p.paragraph_format.space_before = space
        p.paragraph_format.keep_with_next = True


def letterhead(document: Any, authority: str, number: str) -> None:
    """信函格式 (GB/T 9704-2012 10.1): the authority's name in red without "文件", a red line below it
    across the 版心, and the 发文字号 at the right under the line."""
    head = document.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    head.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    run = head.add_run(authority)
    set_fonts(run, TITLE_FONT, Pt(26) if len(authority) <= 12 else Pt(20))
    run.font.color.rgb = RED
    _border(head, "bottom", 18, "FF0000")
    numbered = document.add_paragraph(number or "（未编号）")
    numbered.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    numbered.paragraph_format.right_indent = BODY_SIZE


def addressee(document: Any, text: str) -> None:
    """主送机关: flush left, no indent, with a full-width colon (7.3.2)."""
    p = document.add_paragraph(text)
    p.paragraph_format.first_line_indent = Pt(0)


def colophon(document: Any, printed_by: str, day: dt.date, copy_to: Sequence[str] = ()) -> None:
    """版记: "抄送：…" (7.4.2) and "XX办公室 … 2026年12月7日印发" between separator lines; either
    part may be absent (a letter has no 印发 line)."""
    lines = []
    if copy_to:
        lines.append("抄送：" + "，".join(copy_to) + "。")
    if printed_by:
        lines.append(f"{printed_by}\t{date_zh(day)}印发")
    for n, text in enumerate(lines):
        p = document.add_paragraph()
        if n == 0:
            p.paragraph_format.space_before = LINE_PITCH
            _border(p, "top", 8, "000000")
        p.paragraph_format.left_indent = COLOPHON_SIZE
        p.paragraph_format.right_indent = COLOPHON_SIZE
        p.paragraph_format.first_line_indent = Pt(0)
        p.paragraph_format.tab_stops.add_tab_stop(
            Mm(TEXT_WIDTH_MM) - 2 * COLOPHON_SIZE, WD_TAB_ALIGNMENT.RIGHT
        )
        set_fonts(p.add_run(text), BODY_FONT, COLOPHON_SIZE)
        # A thin line between 抄送 and 印发, the closing line under the last.
        _border(p, "bottom", 8 if n == len(lines) - 1 else 4, "000000")


def _display_width(text: str) -> float:
    """Characters as wide as a CJK character (Latin digits and signs count half)."""
    return sum(1.0 if ord(ch) > 0x2E7F else 0.55 for ch in text)


def table(document: Any, header: Sequence[str], rows: Sequence[Sequence[str]], width_mm: float) -> Any:
    """A ruled table in 五号 仿宋, columns sized to their content within ``width_mm``, header repeated.

    Each column gets its widest cell's width (a header may wrap onto two lines), then all are scaled to
    fill the 版心, so unit names and "100.00%" no longer break one character a line.
    """
    t = document.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    needs = []
    for c, head in enumerate(header):
        widest = max((_display_width(r[c]) for r in rows), default=0.0)
        needs.append(max(widest, _display_width(head) / 2, 2.0) + 0.8)
    scale = width_mm / sum(needs)
    widths = [Mm(n * scale) for n in needs]

    def fill(cells: Any, values: Sequence[str], bold: bool) -> None:
        for cell, text, w in zip(cells, values, widths, strict=True):
            cell.width = w
            p = cell.paragraphs[0]
            p.paragraph_format.first_line_indent = Pt(0)
            p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
            if bold:
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = p.add_run(text)
            set_fonts(run, HEADING1_FONT if bold else BODY_FONT, TABLE_SIZE)

    fill(t.rows[0].cells, header, True)
    trpr = t.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")  # the header row repeats on every page the table runs onto
    repeat.set(qn("w:val"), "true")
    trpr.append(repeat)
    for values in rows:
        fill(t.add_row().cells, values, False)
    grid = t._tbl.tblGrid
    for col, w in zip(grid.findall(qn("w:gridCol")), widths, strict=True):
        col.set(qn("w:w"), str(int(w.twips)))
    return t
