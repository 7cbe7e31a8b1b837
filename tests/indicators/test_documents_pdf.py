"""Every document the product writes, rendered to PDF by LibreOffice as a reader would open it.

Checks what GB/T 9704-2012 fixes for the Word bulletin (A4, the 版心 inside its margins, the 版头,
the 发文字号, embedded CJK fonts, page numbers "— N —" on every page) and, for every document (the
Excel one too, printed A4), that no internal identifier reaches a reader. Needs LibreOffice and poppler
(Debian libreoffice-writer-nogui, libreoffice-calc-nogui, poppler-utils, installed by .ci/browser.sh);
skips, saying so, where they are missing.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from core.indicators import bulletins, render
from tests.indicators.conftest import Scenario

MM = 72 / 25.4
TOLERANCE = 1.5 * MM
ROOT = Path(__file__).resolve().parents[2]

# What must never reach a reader: rule ids, seed file names, plugin codes used as labels.
INTERNAL = (
    re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)*\.[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"),  # wuping.head_x
    re.compile(r"\d{3}_[0-9a-f]{16}\.txt"),
    re.compile(r"[A-Za-z_]+口径"),
    re.compile(r"DOMAIN\.md"),
)

needs_office = pytest.mark.skipif(
    not (shutil.which("soffice") and shutil.which("pdftotext") and shutil.which("pdffonts")),
    reason="LibreOffice (soffice) or poppler-utils not installed: run bash .ci/browser.sh (CI does)",
)


def internal_identifiers(text: str) -> list[str]:
    return [m.group(0) for pattern in INTERNAL for m in pattern.finditer(text)]


def test_the_identifier_scan_finds_what_it_must():
    text = "依据001_65b9a4aea3f36102.txt 二、；规则 wuping.head_appearance_zero_score（wuping口径）"
    assert internal_identifiers(text) == [
        "wuping.head_appearance_zero_score",
        "001_65b9a4aea3f36102.txt",
        "wuping口径",
    ]
    assert internal_identifiers("《武平县行政应诉工作考核办法》（武政办〔2023〕47号）第五条 100.00%") == []


def to_pdf(source: Path, tmp: Path) -> Path:
    """LibreOffice headless, with its own profile and the 公文 font substitutions of .ci/."""
    fonts = tmp / "fonts.conf"
    fonts.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f'<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"<include>{ROOT / '.ci' / 'fonts-gbt9704.conf'}</include></fontconfig>",
        encoding="utf-8",
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp), "FONTCONFIG_FILE": str(fonts)}
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
        env=env,
    )
    pdf = tmp / (source.stem + ".pdf")
    assert pdf.is_file(), f"LibreOffice wrote no PDF for {source.name}"
    return pdf


def words(pdf: Path) -> list[list[tuple[float, float, float, float, str]]]:
    """Every page's words with their boxes (points from the top-left corner), and each page's size."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True)
    pages = []
    for page in re.findall(r"<page (.*?)</page>", out.stdout, re.S):
        size = re.match(r'width="([\d.]+)" height="([\d.]+)"', page)
        assert size is not None
        found = [(float(size[1]), float(size[2]), 0.0, 0.0, "")]
        for m in re.finditer(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', page
        ):
            found.append((float(m[1]), float(m[2]), float(m[3]), float(m[4]), html.unescape(m[5])))
        pages.append(found)
    return pages


@pytest.fixture
async def published(scenario: Scenario):
    b = await bulletins.publish(scenario.ctx, scenario.org.jurisdiction.id, 2024, 3)
    return bulletins.content_of(b)


@needs_office
async def test_the_word_bulletin_is_a_gbt9704_document(published, tmp_path: Path):
    source = tmp_path / "bulletin.docx"
    source.write_bytes(render.docx(published))
    pdf = to_pdf(source, tmp_path)
    pages = words(pdf)
    assert len(pages) >= 2
    text_bottom = (297 - 35) * MM
    for n, page in enumerate(pages, 1):
        (width, height, *_), *boxes = page
        assert (round(width / MM), round(height / MM)) == (210, 297), f"page {n} is not A4"
        body = [b for b in boxes if b[1] < text_bottom + TOLERANCE]
        footer = [b for b in boxes if b[1] >= text_bottom + TOLERANCE]
        assert body, f"page {n} has no text"
        # The 版心: 28 mm from the left, 26 from the right, 37 from the top, 35 from the bottom.
        assert min(b[0] for b in body) >= 28 * MM - TOLERANCE, f"page {n} runs into the left margin"
        assert max(b[2] for b in body) <= (210 - 26) * MM + TOLERANCE, f"page {n} runs into the right margin"
        assert min(b[1] for b in body) >= 37 * MM - TOLERANCE, f"page {n} runs into the top margin"
        # "— N —", 7 mm below the 版心, right on odd pages and left on even ones.
        number = " ".join(b[4] for b in sorted(footer))
        assert number == f"— {n} —", f"page {n} footer reads {number!r}"
        assert min(b[1] for b in footer) == pytest.approx(text_bottom + 7 * MM, abs=3 * MM)
        if n % 2:
            assert max(b[2] for b in footer) > 150 * MM
        else:
            assert min(b[0] for b in footer) < 60 * MM
    first = " ".join(b[4] for b in pages[0][1:])
    assert "测试县司法局文件" in first.replace(" ", "")
    assert re.search(r"测司〔\d{4}〕1号", first.replace(" ", "")), first[:200]
    full = "".join(b[4] for page in pages for b in page[1:])
    assert "印发" in full and published.title in full
    fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and all("yes" in r[-5:-2] for r in rows), fonts  # every font embedded
    names = " ".join(r[0] for r in rows)
    assert "NotoSerifCJK" in names or "FangSong" in names or "FZXiaoBiaoSong" in names, fonts
    assert internal_identifiers(full) == []


@needs_office
async def test_the_excel_bulletin_prints_on_a4_without_identifiers(published, tmp_path: Path):
    source = tmp_path / "bulletin.xlsx"
    source.write_bytes(render.xlsx(published))
    pages = words(to_pdf(source, tmp_path))
    for n, page in enumerate(pages, 1):
        width, height = page[0][0], page[0][1]
        assert sorted((round(width / MM), round(height / MM))) == [210, 297], f"page {n} is not A4"
    # Fit to width: each sheet is one page wide, so the whole workbook takes a handful of pages.
    assert len(pages) <= 10
    full = "".join(b[4] for page in pages for b in page[1:])
    assert published.title.replace(" ", "") in full
    assert internal_identifiers(full) == []
