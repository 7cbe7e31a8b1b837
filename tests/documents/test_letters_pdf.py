"""Every letter rendered to PDF by LibreOffice, as its reader opens it: A4, inside the 版心, page numbers,
and no internal identifier anywhere on the page.

Needs LibreOffice and poppler (Debian libreoffice-writer-nogui, poppler-utils; .ci/browser.sh installs
them); skips, saying so, where they are missing.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from core.clock import CHINA
from core.context import ServiceContext
from core.documents import render, service
from core.documents.letters import LetterInput
from core.enums import DocumentKind, LossCause
from tests.documents.conftest import World, fail_effort, internal_identifiers, lose_case, overdue_obligation
from tests.indicators.test_documents_pdf import MM, TOLERANCE, needs_office, words


@needs_office
async def test_every_letter_renders_as_an_a4_page_without_internal_identifiers(
    ctx: ServiceContext,
    world: World,
    tmp_path: Path,
):
    notice = await service.issue_document(
        ctx, kind=DocumentKind.RELIEF_NOTICE, record_id=world.effort_id, given=LetterInput()
    )
    await fail_effort(ctx, world)
    feedback = await service.issue_document(
        ctx, kind=DocumentKind.COORDINATION_FEEDBACK, record_id=world.effort_id, given=LetterInput()
    )
    await lose_case(ctx, world)
    analysis = await service.issue_document(
        ctx,
        kind=DocumentKind.LOSS_ANALYSIS,
        record_id=world.case_id,
        given=LetterInput(
            causes=(LossCause.INSUFFICIENT_EVIDENCE,),
            cause_detail="未实地核查商铺用途。",
            responsibility="承办股室负主要责任。",
            rectification="重新开展调查评估。",
        ),
    )
    ob = await overdue_obligation(ctx, world)
    reminder = await service.issue_document(
        ctx, kind=DocumentKind.REMINDER_LETTER, record_id=ob.id, given=LetterInput()
    )
    interview = await service.issue_document(
        ctx,
        kind=DocumentKind.INTERVIEW_NOTICE,
        record_id=ob.id,
        given=LetterInput(interview_at=dt.datetime(2024, 11, 27, 9, 0, tzinfo=CHINA), place="县司法局会议室"),
    )
    circular = await service.issue_document(
        ctx, kind=DocumentKind.CIRCULAR, record_id=ob.id, given=LetterInput()
    )
    await ctx.session.commit()

    issued = [notice, feedback, analysis, reminder, interview, circular]
    for row in issued:
        pdf = tmp_path / f"{row.kind}.pdf"
        pdf.write_bytes(render.pdf(await service.docx_of(ctx.session, row.id)))
        pages = words(pdf)
        text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
        assert row.document_number in text.replace(" ", ""), row.kind
        assert internal_identifiers(text, world.forbidden) == [], (row.kind, text)
        for n, page in enumerate(pages, 1):
            (width, height, *_), *boxes = page
            assert (round(width / MM), round(height / MM)) == (210, 297), f"{row.kind} page {n} is not A4"
            inside = [b for b in boxes if b[1] < (297 - 35) * MM + TOLERANCE]
            assert all(b[0] >= 28 * MM - TOLERANCE and b[2] <= (210 - 26) * MM + TOLERANCE for b in inside), (
                f"{row.kind} page {n}: text outside the 版心"
            )
            footer = " ".join(b[4] for b in boxes if b[1] >= (297 - 35) * MM + TOLERANCE)
            assert str(n) in footer and "—" in footer, f"{row.kind} page {n} has no page number: {footer!r}"
