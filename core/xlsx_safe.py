"""Safe .xlsx output: every workbook the product writes is saved through :func:`save_workbook`.

User text that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be taken by
Excel (or by openpyxl, which stores a string starting with ``=`` as a formula) as a formula: a
dispute titled ``=cmd|' /C calc'!A0`` would run when a colleague opens the export. Following
OWASP's advice on formula injection, such a text cell is prefixed with a single quote and stored
as plain text. The product writes no formulas of its own, so every cell is checked just before
saving; no writer has to remember which of its cells hold user text.
"""

from __future__ import annotations

import io
from typing import Any

DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def neutralise(value: Any) -> Any:
    """The value as it is safe to write: a dangerous text gets a leading single quote."""
    if isinstance(value, str) and value.startswith(DANGEROUS_FIRST):
        return QUOTE + value
    return value


def restore(text: str) -> str:
    """The text as the user wrote it, from a cell written by :func:`neutralise` (for re-import)."""
    if text.startswith(QUOTE) and text[1:].startswith(DANGEROUS_FIRST):
        return text[1:]
    return text


def column_letter(index: int) -> str:
    """Excel's column letter of a 1-based index (1 → A, 27 → AA), as openpyxl's get_column_letter:
    the ledger's messages name columns without importing openpyxl (and numpy) at start-up."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def neutralise_workbook(workbook: Any) -> None:
    """Neutralise every text (or would-be formula) cell of every sheet in place."""
    from openpyxl.cell.cell import TYPE_FORMULA, TYPE_STRING

    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if not isinstance(value, str) or cell.data_type not in (TYPE_STRING, TYPE_FORMULA):
                    continue
                safe = neutralise(value)
                if safe is not value:
                    cell.value = safe
                    cell.data_type = (
                        TYPE_STRING  # "'=…" is text already; make sure, whatever openpyxl guessed
                    )


def save_workbook(workbook: Any) -> bytes:
    """The workbook's bytes, with every text cell neutralised first."""
    neutralise_workbook(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
