"""Reading an .xlsx ledger: find the header row, map its columns, yield the data rows."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from core.ledger.mapping import FIELDS_BY_KEY, cell_text, normalise_header

HEADER_SCAN_ROWS = 20
MAX_ROWS = 5000
MAX_BYTES = 10 * 1024 * 1024


class LedgerFileError(ValueError):
    """The file as a whole cannot be read (message in Chinese)."""

    def __init__(self, message: str, code: str = "invalid_file") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Column:
    index: int  # 0-based
    header: str
    key: str

    @property
    def letter(self) -> str:
        return get_column_letter(self.index + 1)


@dataclass
class SheetRow:
    number: int  # as Excel shows it (1-based)
    cells: dict[str, Any] = field(default_factory=dict)  # field key → raw cell value


@dataclass
class Sheet:
    name: str
    header_row: int
    columns: list[Column]
    ignored_headers: list[str]
    rows: list[SheetRow]

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)


def _header_score(values: tuple[Any, ...], mapping: Mapping[str, str | None]) -> int:
    return sum(1 for v in values if mapping.get(normalise_header(v)))


def read_ledger(content: bytes, mapping: Mapping[str, str | None]) -> Sheet:
    """The first worksheet with a recognisable header row, its mapped columns and its data rows."""
    if len(content) > MAX_BYTES:
        raise LedgerFileError(f"文件超过 {MAX_BYTES // (1024 * 1024)} MB，请分批导入", "too_large")
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise LedgerFileError("无法读取文件：请上传 Excel 工作簿（.xlsx）") from exc
    try:
        for worksheet in workbook.worksheets:
            rows = worksheet.iter_rows(values_only=True)
            head: list[tuple[Any, ...]] = []
            for values in rows:
                head.append(tuple(values))
                if len(head) >= HEADER_SCAN_ROWS:
                    break
            best = max(range(len(head)), key=lambda i: _header_score(head[i], mapping), default=-1)
            if best < 0 or _header_score(head[best], mapping) < 2:
                continue
            return _sheet(str(worksheet.title), best, head, rows, mapping)
    finally:
        workbook.close()
    raise LedgerFileError(
        "未找到表头：前20行中没有可识别的列名（如“申请人/原告”“被申请单位/被告”“争议事项”），请检查列映射",
        "no_header",
    )


def _sheet(
    name: str,
    header_index: int,
    head: list[tuple[Any, ...]],
    rest: Any,
    mapping: Mapping[str, str | None],
) -> Sheet:
    columns: list[Column] = []
    ignored: list[str] = []
    seen: dict[str, Column] = {}
    for index, value in enumerate(head[header_index]):
        header = cell_text(value)
        if not header:
            continue
        key = mapping.get(normalise_header(value))
        if not key:
            ignored.append(header)
            continue
        if key in seen:
            label = FIELDS_BY_KEY[key].label
            letter = get_column_letter(index + 1)
            raise LedgerFileError(
                f"“{seen[key].header}”（{seen[key].letter}列）和“{header}”（{letter}列）"
                f"都对应字段“{label}”，请在列映射中忽略其中一列",
                "duplicate_column",
            )
        column = Column(index, header, key)
        seen[key] = column
        columns.append(column)
    data: list[SheetRow] = []
    number = header_index + 1  # Excel numbers the header row header_index + 1

    def take(values: tuple[Any, ...]) -> None:
        nonlocal number
        number += 1
        cells = {c.key: values[c.index] if c.index < len(values) else None for c in columns}
        if not any(cell_text(v) for k, v in cells.items() if k != "sequence"):
            return  # a blank row (or one with only a running number)
        if len(data) >= MAX_ROWS:
            raise LedgerFileError(f"行数超过 {MAX_ROWS} 行，请分批导入", "too_many_rows")
        data.append(SheetRow(number, cells))

    for values in head[header_index + 1 :]:
        take(values)
    for values in rest:
        take(tuple(values))
    return Sheet(name, header_index + 1, columns, ignored, data)
