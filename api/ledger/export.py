"""Exporting a list to .xlsx by running the list's own GraphQL query under the caller's context.

The rows come from the public list queries (``disputes``, ``litigationCases``, ``obligations``,
``hearings``) executed through the schema with the request's context, so the same filters, the
same validation and the same principal scoping apply: there is no private data path.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from api.context import Info
from api.ledger.types import ExportFile, ExportKind
from core.clock import CHINA
from core.errors import DomainError
from core.ledger.export import XLSX_CONTENT_TYPE, ExportColumn, build_workbook

PAGE = 100
MAX_EXPORT_ROWS = 5000

Row = Mapping[str, Any]


def _path(row: Row, path: str) -> Any:
    value: Any = row
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _names(key: str, attr: str = "name") -> Callable[[Row], str]:
    return lambda row: "、".join(str(item.get(attr) or "") for item in row.get(key) or [])


@dataclass(frozen=True)
class ExportSpec:
    title: str
    document: str
    root: str
    columns: tuple[tuple[ExportColumn, str | Callable[[Row], Any]], ...]
    # For queries taking separate arguments instead of one ``filter`` input: the allowed names.
    arguments: tuple[str, ...] = ()


SPECS: dict[ExportKind, ExportSpec] = {
    ExportKind.DISPUTES: ExportSpec(
        "行政争议",
        """query ExportDisputes($filter: DisputeFilter, $first: Int!, $after: String) {
          disputes(filter: $filter, first: $first, after: $after) {
            pageInfo { hasNextPage endCursor }
            nodes { number version title applicantName applicantCount unit { name } respondents { name }
              fieldLabel actionTypeLabel sourceLabel batchKindLabel receivedDate isMajor lossRisk
              statusLabel resolutionResultLabel resolvedDate closedDate leaderInCharge { name }
              litigationCases { caseNumber } }
          }
        }""",
        "disputes",
        (
            (ExportColumn("争议编号", 18), "number"),
            (ExportColumn("申请人", 14), "applicantName"),
            (ExportColumn("申请人数", 8, "number"), "applicantCount"),
            (ExportColumn("被申请单位", 20), "unit.name"),
            (ExportColumn("全部被申请单位", 24), _names("respondents")),
            (ExportColumn("争议事项", 30), "title"),
            (ExportColumn("争议领域", 12), "fieldLabel"),
            (ExportColumn("行为类型", 12), "actionTypeLabel"),
            (ExportColumn("来源", 12), "sourceLabel"),
            (ExportColumn("案件类型", 10), "batchKindLabel"),
            (ExportColumn("收到日期", 12, "date"), "receivedDate"),
            (ExportColumn("是否重大", 8, "bool"), "isMajor"),
            (ExportColumn("败诉风险", 8, "bool"), "lossRisk"),
            (ExportColumn("状态", 14), "statusLabel"),
            (ExportColumn("化解结果", 12), "resolutionResultLabel"),
            (ExportColumn("化解日期", 12, "date"), "resolvedDate"),
            (ExportColumn("办结日期", 12, "date"), "closedDate"),
            (ExportColumn("包案领导", 10), "leaderInCharge.name"),
            (ExportColumn("案号", 24), _names("litigationCases", "caseNumber")),
            # Re-importing an edited export updates the dispute; the version refuses stale rows.
            (ExportColumn("版本", 6, "number"), "version"),
        ),
    ),
    ExportKind.LITIGATION_CASES: ExportSpec(
        "行政诉讼案件",
        """query ExportCases($filter: CaseFilter, $first: Int!, $after: String) {
          litigationCases(filter: $filter, first: $first, after: $after) {
            pageInfo { hasNextPage endCursor }
            nodes { caseNumber court instanceLabel plaintiffName unit { name } dispute { number title }
              filedDate responseNoticeDate statusLabel concludedDate effectiveDate closedDate
              outcome { kindLabel isLoss decidedDate } }
          }
        }""",
        "litigationCases",
        (
            (ExportColumn("案号", 24), "caseNumber"),
            (ExportColumn("法院", 20), "court"),
            (ExportColumn("审级", 8), "instanceLabel"),
            (ExportColumn("原告", 14), "plaintiffName"),
            (ExportColumn("被告单位", 20), "unit.name"),
            (ExportColumn("争议编号", 18), "dispute.number"),
            (ExportColumn("争议事项", 28), "dispute.title"),
            (ExportColumn("立案日期", 12, "date"), "filedDate"),
            (ExportColumn("收到应诉通知书", 14, "date"), "responseNoticeDate"),
            (ExportColumn("状态", 14), "statusLabel"),
            (ExportColumn("裁判结果", 16), "outcome.kindLabel"),
            (ExportColumn("是否败诉", 8, "bool"), "outcome.isLoss"),
            (ExportColumn("裁判日期", 12, "date"), "outcome.decidedDate"),
            (ExportColumn("生效日期", 12, "date"), "effectiveDate"),
            (ExportColumn("办结日期", 12, "date"), "closedDate"),
        ),
    ),
    ExportKind.OBLIGATIONS: ExportSpec(
        "期限事项",
        """query ExportObligations($filter: ObligationFilter, $first: Int!, $after: String) {
          obligations(filter: $filter, first: $first, after: $after) {
            pageInfo { hasNextPage endCursor }
            nodes { title unit { name } ownerRole ruleId triggerDate dueDate dueRuleText statusLabel
              metDate waivedReason escalationLevel citation subjectType subjectId }
          }
        }""",
        "obligations",
        (
            (ExportColumn("事项", 30), "title"),
            (ExportColumn("责任单位", 20), "unit.name"),
            (ExportColumn("责任主体", 14), "ownerRole"),
            (ExportColumn("起算日期", 12, "date"), "triggerDate"),
            (ExportColumn("到期日", 12, "date"), "dueDate"),
            (ExportColumn("期限规则", 20), "dueRuleText"),
            (ExportColumn("状态", 10), "statusLabel"),
            (ExportColumn("完成日期", 12, "date"), "metDate"),
            (ExportColumn("豁免理由", 16), "waivedReason"),
            (ExportColumn("督办级别", 8, "number"), "escalationLevel"),
            (ExportColumn("规则编号", 22), "ruleId"),
            (ExportColumn("来源条款", 40), "citation"),
            (ExportColumn("关联记录", 16), lambda r: f"{r.get('subjectType')}#{r.get('subjectId')}"),
        ),
    ),
    ExportKind.HEARINGS: ExportSpec(
        "庭审",
        """query ExportHearings($jurisdictionId: ID, $unitId: ID, $status: [HearingStatus!],
            $upcomingDays: Int, $fromDate: Date, $toDate: Date, $first: Int!, $after: String) {
          hearings(jurisdictionId: $jurisdictionId, unitId: $unitId, status: $status,
              upcomingDays: $upcomingDays, fromDate: $fromDate, toDate: $toDate,
              first: $first, after: $after) {
            pageInfo { hasNextPage endCursor }
            nodes { scheduledAt court courtroom case { caseNumber } unit { name } headRequired
              designatedOfficial { name rankLabel } identityCheckLabel statusLabel headAttended headSpoke
              attendingOfficial { name } substituteName excuseReason }
          }
        }""",
        "hearings",
        (
            (ExportColumn("开庭时间", 18, "datetime"), "scheduledAt"),
            (ExportColumn("法院", 20), "court"),
            (ExportColumn("法庭", 10), "courtroom"),
            (ExportColumn("案号", 24), "case.caseNumber"),
            (ExportColumn("被诉单位", 20), "unit.name"),
            (ExportColumn("要求负责人出庭", 10, "bool"), "headRequired"),
            (ExportColumn("指定出庭负责人", 14), "designatedOfficial.name"),
            (ExportColumn("职级", 12), "designatedOfficial.rankLabel"),
            (ExportColumn("身份核验", 10), "identityCheckLabel"),
            (ExportColumn("状态", 10), "statusLabel"),
            (ExportColumn("负责人出庭", 10, "bool"), "headAttended"),
            (ExportColumn("出庭又出声", 10, "bool"), "headSpoke"),
            (ExportColumn("实际出庭负责人", 14), "attendingOfficial.name"),
            (ExportColumn("代理出庭人", 12), "substituteName"),
            (ExportColumn("未出庭理由", 20), "excuseReason"),
        ),
        arguments=("jurisdictionId", "unitId", "status", "upcomingDays", "fromDate", "toDate"),
    ),
}


def _variables(spec: ExportSpec, filter: Mapping[str, Any] | None) -> dict[str, Any]:
    if filter is None:
        return {}
    if not isinstance(filter, Mapping):
        raise DomainError("invalid_filter", "筛选条件应为对象", "filter must be an object", "filter")
    if not spec.arguments:
        return {"filter": dict(filter)}
    unknown = sorted(set(filter) - set(spec.arguments))
    if unknown:
        raise DomainError(
            "invalid_filter",
            f"不支持的筛选条件：{'、'.join(unknown)}",
            f"unknown filter keys: {unknown}",
            "filter",
        )
    return dict(filter)


async def fetch_rows(
    info: Info, spec: ExportSpec, filter: Mapping[str, Any] | None
) -> tuple[list[Row], bool]:
    """All rows of the list (up to :data:`MAX_EXPORT_ROWS`), page by page, through the schema."""
    variables = _variables(spec, filter)
    rows: list[Row] = []
    after: str | None = None
    while True:
        result = await info.schema.execute(
            spec.document,
            variable_values={**variables, "first": PAGE, "after": after},
            context_value=info.context,
        )
        if result.errors:
            message = result.errors[0].message
            raise DomainError("invalid_filter", f"导出失败：{message}", f"export failed: {message}", "filter")
        assert result.data is not None
        connection = result.data[spec.root]
        rows.extend(connection["nodes"])
        if len(rows) >= MAX_EXPORT_ROWS:
            return rows[:MAX_EXPORT_ROWS], True
        page = connection["pageInfo"]
        if not page["hasNextPage"]:
            return rows, False
        after = page["endCursor"]


async def export_list(info: Info, kind: ExportKind, filter: Mapping[str, Any] | None) -> ExportFile:
    spec = SPECS[kind]
    rows, truncated = await fetch_rows(info, spec, filter)
    columns = [c for c, _ in spec.columns]
    values = [
        [getter(row) if callable(getter) else _path(row, getter) for _, getter in spec.columns]
        for row in rows
    ]
    today = info.context.today().isoformat()
    moment = info.context.app.clock().astimezone(CHINA)
    note = f"导出时间：{moment.strftime('%Y-%m-%d %H:%M')}；共{len(rows)}行"
    if truncated:
        note += f"（超过{MAX_EXPORT_ROWS}行，仅导出前{MAX_EXPORT_ROWS}行，请缩小筛选范围）"
    content = build_workbook(spec.title, columns, values, note=note)
    return ExportFile(
        file_name=f"{spec.title}-{today}.xlsx",
        content_type=XLSX_CONTENT_TYPE,
        base64=base64.b64encode(content).decode(),
        row_count=len(rows),
        truncated=truncated,
    )
