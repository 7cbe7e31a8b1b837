"""A :class:`~core.documents.letters.Letter` as a Word file in GB/T 9704 layout, and as PDF.

A 通报 is a 公文 with the "…文件" 版头; the other letters use the 信函格式 (the authority's name
without "文件"). The PDF is LibreOffice's rendering of the frozen Word file, made on request where
LibreOffice is installed (Debian ``libreoffice-writer-nogui``), with the 公文 font substitutions of
``.ci/fonts-gbt9704.conf`` when that file is present.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

from core.documents import gbt9704 as G
from core.documents.letters import Letter
from core.enums import DocumentKind

_FONTS_CONF = Path(__file__).resolve().parents[2] / ".ci" / "fonts-gbt9704.conf"


def docx(letter: Letter) -> bytes:
    """The letter on A4 with the 版头, title, 主送, numbered parts, signature, date and 版记."""
    from docx import Document

    document = Document()
    G.setup(document)
    if letter.kind == DocumentKind.CIRCULAR.value:
        G.masthead(document, letter.authority, letter.number)
    else:
        G.letterhead(document, letter.authority, letter.number)
    G.title(document, letter.title)
    G.addressee(document, letter.addressee)
    for section in letter.sections:
        if section.heading:
            document.add_heading(section.heading, level=1)
        for paragraph in section.paragraphs:
            G.body(document, paragraph)
    G.signature(document, letter.authority, letter.issued_on)
    if letter.copy_to or letter.printed_by:
        G.colophon(document, letter.printed_by, letter.issued_on, letter.copy_to)
    document.core_properties.title = letter.title
    document.core_properties.author = letter.authority
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pdf_available() -> bool:
    return shutil.which("soffice") is not None


def pdf(docx_bytes: bytes, timeout: float = 120) -> bytes:
    """LibreOffice headless's PDF of a Word file, in a private profile (concurrent calls do not clash)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    with tempfile.TemporaryDirectory(prefix="caseload-pdf-") as tmp:
        work = Path(tmp)
        source = work / "document.docx"
        source.write_bytes(docx_bytes)
        env = {"PATH": "/usr/bin:/bin", "HOME": str(work)}
        if _FONTS_CONF.is_file():
            conf = work / "fonts.conf"
            conf.write_text(
                '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
                f"<include>{_FONTS_CONF}</include></fontconfig>",
                encoding="utf-8",
            )
            env["FONTCONFIG_FILE"] = str(conf)
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{work / 'profile'}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(work),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=timeout,
            env=env,
        )
        return (work / "document.pdf").read_bytes()
