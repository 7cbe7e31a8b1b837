"""What a ledger column means: the importable fields, the default header mapping, and value parsers.

A mapping sends a column header (as written in the ledger, e.g. ``申请人/原告``) to a field key
(e.g. ``applicant_name``). Headers are compared after :func:`normalise_header` (spaces, line
breaks, full-width brackets and required-field asterisks do not matter). The parsers turn a cell
into a typed value or raise :class:`CellError` with a Chinese message naming what is wrong.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from core.enums import (
    ActionType,
    BatchKind,
    DisputeField,
    DisputeSource,
    Instance,
    LabeledEnum,
    ReconsiderationDecision,
)


class FieldKind(StrEnum):
    OUTCOME = "outcome"
    TEXT = "text"
    DATE = "date"
    ENUM = "enum"
    INT = "int"
    BOOL = "bool"
    UNIT = "unit"
    UNITS = "units"


@dataclass(frozen=True)
class LedgerField:
    """A field a ledger column can fill."""

    key: str
    label: str
    kind: FieldKind
    # The input field name the services use in their errors (camelCase), to point back at the column.
    api_fields: tuple[str, ...] = ()
    enum: type[LabeledEnum] | None = None
    required: bool = False
    # Part of the row's content key? (A running number is not: reordering a ledger must not re-import.)
    in_key: bool = True
    help: str = ""


FIELDS: tuple[LedgerField, ...] = (
    LedgerField("sequence", "序号", FieldKind.TEXT, in_key=False, help="台账中的序号，仅用于报告"),
    LedgerField(
        "version",
        "版本",
        FieldKind.INT,
        ("version",),
        in_key=False,
        help="导出文件自带；再导入时用于发现他人已修改的记录",
    ),
    LedgerField(
        "dispute_number",
        "争议编号",
        FieldKind.TEXT,
        ("disputeId", "status"),
        help="填写已登记争议的编号时，本行只登记诉讼案件",
    ),
    LedgerField("applicant_name", "申请人/原告", FieldKind.TEXT, ("applicantName",), required=True),
    LedgerField("unit", "被申请单位/被告", FieldKind.UNIT, ("unitId",), required=True, help="本辖区单位全称"),
    LedgerField(
        "other_units", "其他被申请单位", FieldKind.UNITS, ("otherUnitIds",), help="多个单位用顿号或逗号分隔"
    ),
    LedgerField("title", "争议事项", FieldKind.TEXT, ("title",), required=True),
    LedgerField("field", "争议领域", FieldKind.ENUM, ("field",), DisputeField, required=True),
    LedgerField("action_type", "行为类型", FieldKind.ENUM, ("actionType",), ActionType, required=True),
    LedgerField(
        "source",
        "来源",
        FieldKind.ENUM,
        ("source",),
        DisputeSource,
        help="空白且填写了案号时按“行政诉讼立案”",
    ),
    LedgerField(
        "received_date",
        "收到日期",
        FieldKind.DATE,
        ("receivedDate",),
        help="空白且填写了立案日期时取立案日期",
    ),
    LedgerField("summary", "简要案情", FieldKind.TEXT, ("summary",)),
    LedgerField("applicant_id_number", "身份证号", FieldKind.TEXT, ("applicantIdNumber",)),
    LedgerField("applicant_phone", "联系电话", FieldKind.TEXT, ("applicantPhone",)),
    LedgerField("applicant_count", "申请人数", FieldKind.INT, ("applicantCount",)),
    LedgerField(
        "batch_kind",
        "案件类型",
        FieldKind.ENUM,
        ("batchKind",),
        BatchKind,
        help="单案、批案、系列案、群体性案件",
    ),
    LedgerField("is_major", "是否重大", FieldKind.BOOL, ("isMajor",)),
    LedgerField("loss_risk", "败诉风险", FieldKind.BOOL, ("lossRisk",)),
    LedgerField(
        "origin_date", "来源日期", FieldKind.DATE, ("originDate",), help="法院口头通知、律师受托或委托函日期"
    ),
    LedgerField("reported_by", "报送单位", FieldKind.TEXT, ("reportedBy",)),
    LedgerField("case_number", "案号", FieldKind.TEXT, ("caseNumber",), help="填写后登记行政诉讼案件"),
    LedgerField("court", "法院", FieldKind.TEXT, ("court",)),
    LedgerField("filed_date", "立案日期", FieldKind.DATE, ("filedDate",)),
    LedgerField("instance", "审级", FieldKind.ENUM, ("instance",), Instance, help="一审、二审、再审"),
    LedgerField("plaintiff_name", "原告", FieldKind.TEXT, ("plaintiffName",), help="空白时取申请人"),
    LedgerField(
        "first_case_number",
        "一审案号",
        FieldKind.TEXT,
        ("parentCaseId",),
        help="二审、再审案件填写一审案号，关联到一审案件所在的争议",
    ),
    LedgerField(
        "hearing_date",
        "开庭日期",
        FieldKind.DATE,
        ("scheduledAt", "heldAt"),
        help="填写后登记一次已开庭的庭审",
    ),
    LedgerField(
        "head_official",
        "出庭负责人",
        FieldKind.TEXT,
        ("attendingOfficialId", "headSpoke"),
        help="被告单位在册人员姓名；填写即视为负责人出庭",
    ),
    LedgerField(
        "head_post",
        "出庭负责人职务",
        FieldKind.TEXT,
        ("rank",),
        help="局长、副局长、副县长等；出庭负责人未在册时据此登记其人员类别（报告中列明）",
    ),
    LedgerField("head_appeared", "负责人是否出庭", FieldKind.BOOL, ("excuseReason",)),
    LedgerField(
        "outcome",
        "审理结果",
        FieldKind.OUTCOME,
        ("kind", "agencyChangedAct"),
        help="驳回诉讼请求、撤销、确认违法、撤诉、调解、驳回起诉等；审理中或空白为未结",
    ),
    LedgerField("concluded_date", "结案日期", FieldKind.DATE, ("decidedDate",)),
    # caseNumber and receivedDate already point at the dispute's and the litigation case's columns.
    LedgerField("recon_number", "复议案号", FieldKind.TEXT, (), help="填写后登记行政复议案件"),
    LedgerField("recon_received_date", "复议申请日期", FieldKind.DATE, (), help="空白时取收到日期"),
    LedgerField("recon_accepted_date", "受理日期", FieldKind.DATE, ("acceptedDate",)),
    LedgerField("recon_rejected_date", "不予受理日期", FieldKind.DATE, ("rejectedDate", "reason")),
    LedgerField(
        "recon_decision",
        "复议决定",
        FieldKind.ENUM,
        ("decision",),
        ReconsiderationDecision,
        help="维持、驳回、撤销、变更、确认违法、责令履行、调解、终止",
    ),
    LedgerField("recon_concluded_date", "复议决定日期", FieldKind.DATE, ("concludedDate",)),
    LedgerField("effective_date", "生效日期", FieldKind.DATE, ("effectiveDate",)),
)
FIELDS_BY_KEY: dict[str, LedgerField] = {f.key: f for f in FIELDS}
CASE_KEYS = ("case_number", "court", "filed_date", "instance", "plaintiff_name")

# The wordings litigation ledgers use for a result (审理结果) → OutcomeKind value; None: still open.
OUTCOME_WORDINGS: dict[str, str | None] = {
    "驳回诉讼请求": "claim_dismissed",
    "判决驳回诉讼请求": "claim_dismissed",
    "驳回原告诉讼请求": "claim_dismissed",
    "撤销": "revoked",
    "判决撤销": "revoked",
    "部分撤销": "revoked",
    "确认违法": "confirmed_illegal",
    "确认无效": "confirmed_invalid",
    "责令履行": "ordered_to_perform",
    "变更": "varied",
    "判决变更": "varied",
    "赔偿": "compensation",
    "判决赔偿": "compensation",
    "撤诉": "withdrawal",
    "原告撤诉": "withdrawal",
    "调解": "mediation",
    "调解结案": "mediation",
    "驳回起诉": "suit_dismissed",
    "裁定驳回起诉": "suit_dismissed",
    "维持原判": "appeal_upheld",
    "二审维持原判": "appeal_upheld",
    "审理中": None,
    "未结": None,
}

# A typical county ledger's headers, and the usual variants of each.
DEFAULT_MAPPING: dict[str, str] = {
    "序号": "sequence",
    "版本": "version",
    "编号": "sequence",
    "争议编号": "dispute_number",
    "申请人/原告": "applicant_name",
    "申请人": "applicant_name",
    "行政相对人": "applicant_name",
    "申请人(原告)": "applicant_name",
    "当事人": "applicant_name",
    "被申请单位/被告": "unit",
    "被申请单位": "unit",
    "被申请人": "unit",
    "被告": "unit",
    "被诉单位": "unit",
    "涉诉单位": "unit",
    "被诉行政机关": "unit",
    "责任单位": "unit",
    "其他被申请单位": "other_units",
    "共同被告": "other_units",
    "争议事项": "title",
    "案由": "title",
    "争议内容": "title",
    "争议领域": "field",
    "领域": "field",
    "行为类型": "action_type",
    "行政行为类型": "action_type",
    "来源": "source",
    "争议来源": "source",
    "线索来源": "source",
    "收到日期": "received_date",
    "登记日期": "received_date",
    "收案日期": "received_date",
    "简要案情": "summary",
    "基本情况": "summary",
    "备注": "summary",
    "身份证号": "applicant_id_number",
    "身份证号码": "applicant_id_number",
    "联系电话": "applicant_phone",
    "申请人数": "applicant_count",
    "人数": "applicant_count",
    "案件类型": "batch_kind",
    "是否重大": "is_major",
    "重大争议": "is_major",
    "败诉风险": "loss_risk",
    "是否有败诉风险": "loss_risk",
    "来源日期": "origin_date",
    "报送单位": "reported_by",
    "案号": "case_number",
    "法院": "court",
    "受理法院": "court",
    "审理法院": "court",
    "立案日期": "filed_date",
    "立案时间": "filed_date",
    "审级": "instance",
    "原告": "plaintiff_name",
    "复议案号": "recon_number",
    "复议编号": "recon_number",
    "复议申请日期": "recon_received_date",
    "收到复议申请日期": "recon_received_date",
    "受理日期": "recon_accepted_date",
    "不予受理日期": "recon_rejected_date",
    "复议决定": "recon_decision",
    "复议结果": "recon_decision",
    "复议决定日期": "recon_concluded_date",
    "决定日期": "recon_concluded_date",
    "一审案号": "first_case_number",
    "原审案号": "first_case_number",
    "审理结果": "outcome",
    "判决结果": "outcome",
    "裁判结果": "outcome",
    "结案方式": "outcome",
    "结案日期": "concluded_date",
    "裁判日期": "concluded_date",
    "审结日期": "concluded_date",
    "生效日期": "effective_date",
    "开庭日期": "hearing_date",
    "开庭时间": "hearing_date",
    "出庭负责人": "head_official",
    "出庭负责人姓名": "head_official",
    "出庭负责人职务": "head_post",
    "出庭人职务": "head_post",
    "负责人职务": "head_post",
    "职务": "head_post",
    "出庭负责人/姓名": "head_official",
    "出庭负责人/职务": "head_post",
    "负责人是否出庭": "head_appeared",
    "是否负责人出庭": "head_appeared",
    # Two-level headers read as "group / column" (core.ledger.reader._two_level)
    "当事人/姓名": "applicant_name",
    "当事人/名称": "applicant_name",
    "原告/姓名": "applicant_name",
    "原告/名称": "applicant_name",
    "申请人/姓名": "applicant_name",
    "当事人/身份证号": "applicant_id_number",
    "当事人/联系电话": "applicant_phone",
}

# Header → field key of the ledger template this system writes (one header per field).
TEMPLATE_HEADERS: tuple[tuple[str, str], ...] = (
    ("序号", "sequence"),
    ("申请人/原告", "applicant_name"),
    ("被申请单位/被告", "unit"),
    ("争议事项", "title"),
    ("争议领域", "field"),
    ("行为类型", "action_type"),
    ("来源", "source"),
    ("收到日期", "received_date"),
    ("案件类型", "batch_kind"),
    ("是否重大", "is_major"),
    ("败诉风险", "loss_risk"),
    ("简要案情", "summary"),
    ("案号", "case_number"),
    ("法院", "court"),
    ("立案日期", "filed_date"),
    ("审级", "instance"),
)

_BRACKETS = str.maketrans({"（": "(", "）": ")", "／": "/", "＊": "*"})


def normalise_header(value: object) -> str:
    """A header as compared: NFKC, no whitespace, ASCII brackets, no required-field asterisks."""
    text = unicodedata.normalize("NFKC", str(value or "")).translate(_BRACKETS)
    text = re.sub(r"\s+", "", text)
    return text.strip("*")


class MappingError(ValueError):
    """The mapping the caller gave cannot be used (message in Chinese)."""


def resolve_mapping(overrides: Mapping[str, Any] | None) -> dict[str, str | None]:
    """The default mapping with the caller's entries over it (``None`` or ``""`` ignores a column).

    A value may be a field key (``applicant_name``) or its Chinese label (``申请人/原告``).
    """
    mapping: dict[str, str | None] = {normalise_header(h): k for h, k in DEFAULT_MAPPING.items()}
    labels = {normalise_header(f.label): f.key for f in FIELDS}
    for header, target in (overrides or {}).items():
        if isinstance(target, Mapping):
            continue  # a constant for a missing column: see constants()
        name = normalise_header(header)
        if not name:
            raise MappingError("列映射中有空白表头")
        if target is None or (isinstance(target, str) and not target.strip()):
            mapping[name] = None
            continue
        if not isinstance(target, str):
            raise MappingError(f"列映射中“{header}”的值应为字段名")
        key = target.strip()
        if key not in FIELDS_BY_KEY:
            key = labels.get(normalise_header(key), "")
        if not key:
            known = "、".join(f"{f.key}（{f.label}）" for f in FIELDS)
            raise MappingError(f"列映射中“{header}”对应的字段“{target}”不存在；可用字段：{known}")
        mapping[name] = key
    return mapping


def constants(overrides: Mapping[str, Any] | None) -> dict[str, str]:
    """Field key → a constant for every row, from mapping entries ``{"争议领域": {"constant": "其他"}}``.

    Court-style ledgers rarely have 争议领域 or 行为类型; a constant fills such a field for rows
    whose sheet lacks the column (a column the sheet has always wins).
    """
    labels = {normalise_header(f.label): f.key for f in FIELDS}
    found: dict[str, str] = {}
    for name, target in (overrides or {}).items():
        if not isinstance(target, Mapping):
            continue
        key = name.strip() if name.strip() in FIELDS_BY_KEY else labels.get(normalise_header(name), "")
        if not key:
            known = "、".join(f"{f.key}（{f.label}）" for f in FIELDS)
            raise MappingError(f"列映射中固定值“{name}”对应的字段不存在；可用字段：{known}")
        value = target.get("constant")
        if not isinstance(value, str | int | float) or not str(value).strip():
            raise MappingError(f'列映射中“{name}”的固定值应写作 {{"constant": "其他"}}')
        found[key] = str(value).strip()
    return found


# Rows that are not records: totals and the signature block, wherever they are in the sheet.
_TOTAL_CELL = re.compile(r"^(合计|小计|总计|共计)[:：]?$|^(共|合计|总计)\s*\d+\s*(件|个|条|宗)")
_SIGNERS = "填表人|填报人|制表人|审核人|负责人|签发人|联系人|填表日期|填报日期|单位盖章|盖章"
_SIGNED = re.compile(rf"^({_SIGNERS})\s*[:：]")  # 填表人：张某
_SIGNER = re.compile(
    rf"^({_SIGNERS})$"
)  # a bare 负责人 may be data (a post): two of them are a signature line


def skip_reason(values: Sequence[Any]) -> str | None:
    """Why a row is skipped (a total or signature line), or None for a row to import."""
    bare = 0
    for value in values:
        text = cell_text(value)
        if not text:
            continue
        if _TOTAL_CELL.match(text):
            return f"合计行（“{text[:20]}”），跳过"
        if _SIGNED.match(text) or "（盖章）" in text or "(盖章)" in text:
            return f"签字盖章行（“{text[:20]}”），跳过"
        bare += bool(_SIGNER.match(text))
    return "签字盖章行，跳过" if bare >= 2 else None


# ---------------------------------------------------------------------------------------------
# Cell values
# ---------------------------------------------------------------------------------------------


class CellError(ValueError):
    """A cell's value cannot be used; ``message`` is Chinese and names the problem."""

    def __init__(self, message: str, code: str = "invalid_value") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def cell_text(value: object) -> str:
    """A cell as text: trimmed, inner whitespace collapsed (full-width brackets kept); dates in ISO."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return re.sub(r"\s+", " ", str(value).replace("\u3000", " ")).strip()


def _folded(value: object) -> str:
    """Cell text with full-width digits and letters folded (for dates, numbers and yes/no)."""
    return unicodedata.normalize("NFKC", cell_text(value))


def parse_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 20000 < value < 80000:
        return EXCEL_EPOCH + dt.timedelta(days=int(value))  # an Excel serial date stored as a number
    text = _folded(value)
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                raise CellError(f"日期“{text}”不存在", "invalid_date") from None
    raise CellError(f"无法识别的日期“{text}”（应为 2024-11-18 或 2024年11月18日）", "invalid_date")


TRUE_WORDS = frozenset({"是", "有", "y", "yes", "true", "1", "√", "✓", "高"})
FALSE_WORDS = frozenset({"否", "无", "n", "no", "false", "0", "×", "低", "-"})


def parse_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = _folded(value).lower()
    if not text or text in FALSE_WORDS:
        return False
    if text in TRUE_WORDS:
        return True
    raise CellError(f"无法识别“{cell_text(value)}”（应填“是”或“否”）")


def parse_int(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = _folded(value).rstrip("人名")
    if text.isdigit():
        return int(text)
    raise CellError(f"“{cell_text(value)}”不是整数")


def parse_enum(value: object, enum: type[LabeledEnum]) -> LabeledEnum:
    """A member by Chinese label, English name or value; else the one label containing the text."""
    text = cell_text(value)
    folded = text.lower()
    for member in enum:
        if text == member.label or folded in (member.name.lower(), member.value):
            return member
    if len(text) >= 2:
        close = [m for m in enum if text in m.label or m.label in text]
        if len(close) == 1:
            return close[0]
    allowed = "、".join(m.label for m in enum)
    raise CellError(f"“{text}”不是可选值（可选：{allowed}）", "invalid_choice")


def split_names(value: object) -> list[str]:
    return [part for part in re.split(r"[、,，;；/\n]+", cell_text(value)) if part.strip()]


def split_respondents(value: object) -> list[str]:
    """Several respondents in one 被告 cell ("A、B", "A，B", "A；B"); unit names keep any "/"."""
    return [part.strip() for part in re.split(r"[、,，;；\n]+", cell_text(value)) if part.strip()]


def parse_outcome(value: object) -> str | None:
    """An OutcomeKind value from a ledger's wording (审理中: None); else an error listing the wordings."""
    text = re.sub(r"\s+", "", cell_text(value))
    if text in OUTCOME_WORDINGS:
        return OUTCOME_WORDINGS[text]
    allowed = "、".join(OUTCOME_WORDINGS)
    raise CellError(f"无法识别的审理结果“{cell_text(value)}”（可填：{allowed}）", "invalid_choice")
