"""Reading an .xlsx ledger: find the header row, map its columns, yield the data rows.

A workbook is untrusted input. Before openpyxl sees it, :func:`check_archive` refuses what would
hurt the process: an old .xls (with the advice to save as .xlsx), a zip member whose uncompressed
size is over :data:`MAX_MEMBER_BYTES` or a whole over :data:`MAX_UNCOMPRESSED_BYTES` (zipfile never
inflates a member past the size its header declares, so the declared sizes bound the work), and an
XML part with a DTD or entity declaration (defusedxml, stopping at the root element). While rows are
read the cells are counted against :data:`MAX_CELLS`. Formula cells are read as their cached text
and the sheet carries a warning saying so. This is blocking work: callers run it in a thread.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse as safe_iterparse

from core.errors import ValidationFailed
from core.ledger.mapping import FIELDS, FIELDS_BY_KEY, cell_text, normalise_header, skip_reason
from core.xlsx_safe import column_letter, restore

HEADER_SCAN_ROWS = 20
MAX_ROWS = 5000  # read by import_ledger, one transaction (scripts, tests); jobs read JOB_MAX_ROWS
JOB_MAX_ROWS = 50_000  # read by a background job, which reports progress and is not bound by a proxy
MAX_BYTES = 10 * 1024 * 1024
MAX_MEMBER_BYTES = 64 * 1024 * 1024  # one part of the workbook, uncompressed
MAX_UNCOMPRESSED_BYTES = 160 * 1024 * 1024  # all parts together
MAX_CELLS = 2_000_000  # cells read (blank ones included) before the import gives up
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls (and other OLE files)
FORMULA_WARNING = "台账中有公式单元格，已按其最后一次计算的结果读取；请核对这些单元格"


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
        return column_letter(self.index + 1)


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
    warnings: list[str] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (row number, why): totals, signatures

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)


def _header_score(values: tuple[Any, ...], mapping: Mapping[str, str | None]) -> int:
    return sum(1 for v in values if mapping.get(normalise_header(v)))


def check_archive(content: bytes) -> bool:
    """Refuse a file that is not a safe .xlsx (see the module docstring); True if it has formulas."""
    if content.startswith(OLE_MAGIC):
        raise LedgerFileError(
            "不支持旧版 Excel 文件（.xls）：请在 Excel 中“另存为” Excel 工作簿（.xlsx）后再导入",
            "invalid_file",
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise LedgerFileError("无法读取文件：请上传 Excel 工作簿（.xlsx）") from exc
    too_large = LedgerFileError(
        f"文件解压后过大（单个部件上限 {MAX_MEMBER_BYTES // (1024 * 1024)} MB，"
        f"合计上限 {MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MB），请分批导入",
        "file_too_large",
    )
    members = archive.infolist()
    if sum(m.file_size for m in members) > MAX_UNCOMPRESSED_BYTES:
        raise too_large
    formulas = False
    with archive:
        for member in members:
            if member.file_size > MAX_MEMBER_BYTES:
                raise too_large
            if not member.filename.endswith((".xml", ".rels", ".vml")):
                continue
            try:
                with archive.open(member) as stream:
                    # A DTD can only come before the root element: stop at its start tag.
                    for _event, _element in safe_iterparse(stream, ("start",), forbid_dtd=True):
                        break
                if member.filename.startswith("xl/worksheets/") and not formulas:
                    formulas = _has_formula(archive, member)
            except DefusedXmlException as exc:
                raise LedgerFileError(
                    "文件含有 XML 文档类型或实体声明（DTD），出于安全原因拒绝读取；请在 Excel 中另存后再导入"
                ) from exc
            except Exception as exc:  # a malformed part: not a workbook we can read
                raise LedgerFileError("无法读取文件：请上传 Excel 工作簿（.xlsx）") from exc
    return formulas


def _has_formula(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    """Whether a worksheet part has a formula element (``<f>``/``<f …>``), read in chunks."""
    tail = b""
    with archive.open(member) as stream:
        while chunk := stream.read(1 << 20):
            window = tail + chunk
            if b"<f>" in window or b"<f " in window or b"<x:f" in window:
                return True
            tail = window[-8:]
    return False


def read_ledger(content: bytes, mapping: Mapping[str, str | None], max_rows: int = MAX_ROWS) -> Sheet:
    """The first worksheet with a recognisable header row, its mapped columns and its data rows."""
    if len(content) > MAX_BYTES:
        raise LedgerFileError(f"文件超过 {MAX_BYTES // (1024 * 1024)} MB，请分批导入", "too_large")
    formulas = check_archive(content)
    # openpyxl (and numpy, which it imports) is loaded on the first import, not at start-up.
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except DefusedXmlException as exc:
        raise LedgerFileError("文件含有 XML 实体声明，出于安全原因拒绝读取") from exc
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError) as exc:
        raise LedgerFileError("无法读取文件：请上传 Excel 工作簿（.xlsx）") from exc  # SyntaxError: lxml's
    sheet = _first_sheet(workbook, mapping, max_rows)
    if formulas:
        sheet.warnings.append(FORMULA_WARNING)
    return sheet


def _first_sheet(workbook: Any, mapping: Mapping[str, str | None], max_rows: int = MAX_ROWS) -> Sheet:
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
            return _sheet(str(worksheet.title), best, head, rows, mapping, max_rows)
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
    max_rows: int = MAX_ROWS,
) -> Sheet:
    columns: list[Column] = []
    ignored: list[str] = []
    seen: dict[str, Column] = {}
    top = head[header_index]
    below = head[header_index + 1] if header_index + 1 < len(head) else ()
    grouped = _two_level(top, below)
    if grouped is not None:
        header_index += 1  # the sub-header row is a header, not data
    for index, value in enumerate(grouped if grouped is not None else top):
        header = cell_text(value)
        if not header:
            continue
        key = mapping.get(normalise_header(value))
        if key is None and " / " in header:  # 当事人 / 身份证号: the sub-header alone, if it is known
            key = mapping.get(normalise_header(header.split(" / ", 1)[1]))
        if not key:
            ignored.append(header)
            continue
        if key in seen:
            label = FIELDS_BY_KEY[key].label
            letter = column_letter(index + 1)
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
    cells_read = sum(len(v) for v in head)
    skipped: list[tuple[int, str]] = []

    def take(values: tuple[Any, ...]) -> None:
        nonlocal number, cells_read
        number += 1
        cells_read += len(values)
        if cells_read > MAX_CELLS:
            raise LedgerFileError(f"单元格超过 {MAX_CELLS} 个，请删除多余的行列或分批导入", "file_too_large")
        reason = skip_reason(values)
        if reason is not None:
            skipped.append((number, reason))
            return
        cells = {c.key: _value(values[c.index]) if c.index < len(values) else None for c in columns}
        if not any(cell_text(v) for k, v in cells.items() if k != "sequence"):
            return  # a blank row (or one with only a running number)
        if len(data) >= max_rows:
            raise LedgerFileError(f"行数超过 {max_rows} 行，请分批导入", "too_many_rows")
        data.append(SheetRow(number, cells))

    for values in head[header_index + 1 :]:
        take(values)
    for values in rest:
        take(tuple(values))
    return Sheet(name, header_index + 1, columns, ignored, data, skipped=skipped)


def _two_level(top: tuple[Any, ...], below: tuple[Any, ...]) -> list[str] | None:
    """Headers as "group / column" when ``below`` is the second row of a two-level merged header.

    A merged group cell (当事人 over 姓名 | 身份证号) keeps its text in its first column only, so
    the group's other columns are blank in ``top`` and filled in ``below``; a single-level column is
    merged vertically, so it is blank in ``below``. ``below`` is a sub-header when every text in it
    sits under such a group and at least one group spans two columns; a data row has values (dates,
    numbers, names) under single-level columns too.
    """
    texts = [cell_text(v) for v in top]
    subs = [cell_text(v) for v in below] + [""] * max(0, len(texts) - len(below))
    if not any(subs) or any(isinstance(v, int | float | dt.date) for v in below if v is not None):
        return None
    combined: list[str] = []
    group = ""
    spans_two = False
    for index, sub in enumerate(subs):
        text = texts[index] if index < len(texts) else ""
        if text:
            group = text if sub else ""
            combined.append(f"{text} / {sub}" if sub else text)
        elif sub and group:
            spans_two = True
            combined.append(f"{group} / {sub}")
        elif sub:
            return None  # a text under no header: not a sub-header row
        else:
            group = ""
            combined.append("")
    return combined if spans_two else None


def _value(raw: Any) -> Any:
    # Text this product exported behind a formula-injection quote reads back as the user wrote it.
    return restore(raw) if isinstance(raw, str) else raw


def refuse_missing_columns(sheet: Sheet, present: set[str]) -> None:
    """A required field with no column (and no constant) is one error for the file, not one per row.

    A field another column can stand in for is not missing: 申请人 from 原告, 收到日期 from
    立案日期 or 复议申请日期, 来源 from 案号 or 复议案号; and a row linking to a recorded dispute
    (争议编号) needs only the case.
    """
    if "dispute_number" in present or not sheet.rows:
        return
    stand_ins: dict[str, tuple[str, ...]] = {
        "applicant_name": ("plaintiff_name",),
        "received_date": ("filed_date", "recon_received_date"),
        "source": ("case_number", "recon_number"),
    }
    required = [f.key for f in FIELDS if f.required] + ["source", "received_date"]
    missing = [k for k in required if k not in present and not present.intersection(stand_ins.get(k, ()))]
    if not missing:
        return
    labels = "、".join(f"“{FIELDS_BY_KEY[k].label}”" for k in missing)
    example = FIELDS_BY_KEY[missing[0]].label
    raise ValidationFailed(
        "mapping",
        f"台账中没有{labels}列（{len(sheet.rows)}行都缺少）：请增加该列，把已有的列映射到该字段，"
        f'或在列映射中指定固定值，如 {{"{example}": {{"constant": "其他"}}}}',
        "the ledger has no column for required fields: " + ", ".join(missing),
        "missing_column",
    )
