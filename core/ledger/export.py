"""Writing lists to .xlsx: a styled sheet with a title, frozen headers and a filter; the import template.

Both are saved through :func:`core.xlsx_safe.save_workbook` (formula injection neutralised).

openpyxl is imported by the functions that write (start-up does not pay for it and numpy).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core.clock import CHINA
from core.ledger.mapping import FIELDS_BY_KEY, TEMPLATE_HEADERS, FieldKind
from core.xlsx_safe import column_letter, save_workbook

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_COLOUR = "DCE6F1"
MAX_CELL = 32000  # Excel refuses longer cells


@dataclass(frozen=True)
class ExportColumn:
    header: str
    width: int = 14
    kind: str = "text"  # text | date | datetime | number | bool


def _cell(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "bool":
        return "是" if value else "否"
    if kind == "date" and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if kind == "datetime" and isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is not None:
            moment = moment.astimezone(CHINA)
        return moment.replace(tzinfo=None)  # Excel has no time zones: China wall-clock time
    if isinstance(value, str) and len(value) > MAX_CELL:
        return value[:MAX_CELL]
    return value


def build_workbook(
    title: str, columns: Sequence[ExportColumn], rows: Sequence[Sequence[Any]], *, note: str = ""
) -> bytes:
    """One sheet: a title line, an optional note line, then the headers (frozen, filterable) and rows."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([note] if note else [])
    header_row = 3
    sheet.append([c.header for c in columns])
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=header_row, column=index)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_COLOUR)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[column_letter(index)].width = column.width
    for values in rows:
        sheet.append([_cell(v, c.kind) for v, c in zip(values, columns, strict=False)])
    for index, column in enumerate(columns, start=1):
        if column.kind in ("date", "datetime"):
            fmt = "yyyy-mm-dd" if column.kind == "date" else "yyyy-mm-dd hh:mm"
            for (cell,) in sheet.iter_rows(
                min_row=header_row + 1, min_col=index, max_col=index, max_row=sheet.max_row
            ):
                cell.number_format = fmt
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    if columns:
        last = column_letter(len(columns))
        sheet.auto_filter.ref = f"A{header_row}:{last}{max(header_row, sheet.max_row)}"
    return save_workbook(workbook)


def template_workbook() -> bytes:
    """An empty ledger with the default headers, drop-down lists for the choices, and one example row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "行政争议台账"
    headers = [h for h, _ in TEMPLATE_HEADERS]
    sheet.append(headers)
    example = {
        "sequence": 1,
        "applicant_name": "陈某",
        "unit": "（本辖区单位全称）",
        "title": "房屋征收补偿争议",
        "field": "征地拆迁",
        "action_type": "行政征收征用",
        "source": "月度排查",
        "received_date": dt.date.today(),
        "batch_kind": "单案",
        "is_major": "否",
        "loss_risk": "否",
    }
    sheet.append([example.get(key) for _, key in TEMPLATE_HEADERS])
    for index, (header, key) in enumerate(TEMPLATE_HEADERS, start=1):
        letter = column_letter(index)
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_COLOUR)
        spec = FIELDS_BY_KEY[key]
        sheet.column_dimensions[letter].width = max(10, len(header) * 2 + 4)
        choices: list[str] = []
        if spec.kind == FieldKind.ENUM and spec.enum is not None:
            choices = [m.label for m in spec.enum]
        elif spec.kind == FieldKind.BOOL:
            choices = ["是", "否"]
        if choices and len(",".join(choices)) < 250:
            validation = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True)
            validation.error = "请从下拉列表中选择"
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}2000")
        if spec.kind == FieldKind.DATE:
            for row in range(2, 3):
                sheet.cell(row=row, column=index).number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    return save_workbook(workbook)
