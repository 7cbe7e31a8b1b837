"""The audit trail as a person reads it: actions, record kinds and fields in Chinese, enumeration values
by their labels, people and units by name, moments in Beijing time.

The trail stores what changed as plain values (``core/audit/service.py``: enum values, ids, ISO
timestamps) so that it stays true when labels change; this module turns an entry into words at read
time. The tables it reads come from the models' own metadata, so a new column or enumeration needs
no entry here beyond its field label.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Enum as SAEnum

from core.clock import CHINA
from core.db import Base

ACTION_LABELS = {
    "dispute.record": "登记行政争议",
    "dispute.update": "修改争议信息",
    "dispute.leader": "领导包案",
    "dispute.close": "争议办结",
    "dispute.status": "争议状态变更",
    "case.status": "案件状态变更",
    "resolution.status": "化解状态变更",
    "duty.create": "生成裁判后事项",
    "obligation.extend": "延长期限",
    "obligation.pause": "暂停期限",
    "obligation.resume": "恢复期限",
    "obligation.correct": "更正起算日期",
    "obligation.recompute": "重算到期日",
    "obligation.met": "期限事项完成",
    "obligation.waive": "豁免期限事项",
    "resolution.assign": "分流指派化解",
    "resolution.accept": "受理并送达纾解告知书",
    "resolution.progress": "反馈化解进展",
    "resolution.extend": "延长化解期限",
    "resolution.hearing": "纾解听证",
    "resolution.conclude": "化解办结",
    "resolution.confirm": "申请司法确认",
    "case.file": "登记诉讼案件",
    "case.response_notice": "收到应诉通知书",
    "case.response_reported": "报告应诉情况",
    "case.complaint_copy": "收到起诉状副本",
    "case.defence": "提交答辩状",
    "case.effective": "裁判生效",
    "case.close": "诉讼案件办结",
    "hearing.schedule": "登记开庭",
    "hearing.designate": "确定出庭负责人",
    "hearing.substitute": "批准代为出庭",
    "hearing.identity": "核验出庭负责人身份",
    "hearing.record": "登记庭审情况",
    "hearing.reschedule": "庭审改期",
    "hearing.cancel": "取消庭审",
    "outcome.record": "登记裁判结果",
    "duty.submit": "提交裁判后事项",
    "duty.review": "审核裁判后事项",
    "reconsideration.receive": "登记复议申请",
    "attachment.create": "上传附件",
    "attachment.delete": "删除附件",
    "reconsideration.accept": "受理复议申请",
    "reconsideration.reject": "不予受理",
    "reconsideration.conclude": "复议审结",
    "reconsideration.copy_sent": "发送复议申请书副本",
    "reconsideration.reply": "提交复议书面答复",
    "reconsideration.extend": "延长复议审理期限",
    "ledger.import": "台账导入",
    "ledger.import_queue": "提交台账导入",
    "ledger.import_cancel": "取消台账导入",
    "unit_alias.add": "新增单位别名",
    "unit_alias.remove": "删除单位别名",
    "api_token.create": "创建接口令牌",
    "api_token.revoke": "吊销接口令牌",
    "assessment.fact": "登记考核事实",
    "assessment.fact_removed": "删除考核事实",
    "bulletin.publish": "发布通报",
    "document.issue": "签发文书",
    "calendar.clear_day": "删除工作日历设置",
    "calendar.declare_year": "公布年度节假日安排",
    "calendar.set_day": "设置工作日历",
    "jurisdiction.create": "新建辖区",
    "jurisdiction.update": "修改辖区信息",
    "jurisdiction.go_live": "设置上线日期",
    "notice.issue": "发出督办通知",
    "notification.acknowledge": "确认收到通知",
    "official.create": "新增人员",
    "official.update": "修改人员信息",
    "reference.set": "设置参照值（上级平均数）",
    "report.submit": "报送报告",
    "policy_event.record": "记录辖区自定义事件",
    "office.assign": "指定承办机构",
    "target.clear": "恢复默认目标",
    "target.set": "调整指标目标",
    "unit.create": "新增单位",
    "unit.update": "修改单位信息",
    "user.create": "新增账号",
    "user.update": "修改账号",
    "webhook.register": "登记推送地址",
    "webhook.retry_delivery": "重新推送",
    "webhook.update": "修改推送地址",
}

ENTITY_LABELS = {
    "disputes": "行政争议",
    "resolution_efforts": "化解工作",
    "litigation_cases": "诉讼案件",
    "hearings": "庭审",
    "reconsideration_cases": "复议案件",
    "outcomes": "裁判结果",
    "post_judgment_duties": "裁判后事项",
    "obligations": "期限事项",
    "units": "单位",
    "officials": "人员",
    "jurisdictions": "辖区",
    "users": "账号",
    "targets": "指标目标",
    "bulletins": "通报",
    "issued_documents": "文书",
    "webhooks": "推送地址",
    "ledger_imports": "台账导入",
    "ledger_import_jobs": "台账导入任务",
    "unit_aliases": "单位别名",
    "domain_events": "业务事件",
    "office_assignments": "承办机构",
}

FIELD_LABELS = {
    "status": "状态",
    "closed_date": "办结日期",
    "concluded_date": "审结日期",
    "effective_date": "生效日期",
    "response_notice_date": "收到应诉通知书日期",
    "complaint_copy_date": "收到起诉状副本日期",
    "served_date": "裁判文书送达日期",
    "defence_date": "提交答辩状日期",
    "copy_sent_date": "发送申请书副本日期",
    "copy_received_date": "被申请人收到副本日期",
    "reply_date": "书面答复日期",
    "extended_due_date": "延长后的审理期限",
    "extension_approved_by": "批准延期的负责人",
    "extension_reason": "延期理由",
    "designated_official_id": "指定出庭负责人",
    "designated_date": "指定日期",
    "identity_check": "身份核验",
    "identity_note": "核验说明",
    "held_at": "实际开庭时间",
    "head_attended": "负责人出庭",
    "head_spoke": "出庭又出声",
    "attending_official_id": "出庭负责人",
    "substitute_name": "代为出庭人员",
    "substitute_approved_by_id": "代为出庭批准人",
    "excuse_reason": "未出庭理由",
    "excuse_proof": "证明材料",
    "excuse_sealed": "情况说明已盖章或签字认可",
    "excuse_attachment_id": "情况说明附件",
    "cancel_reason": "取消或改期原因",
    "rescheduled_from_id": "原庭审",
    "scheduled_at": "开庭时间",
    "court": "法院",
    "courtroom": "法庭",
    "head_required": "法院要求负责人出庭",
    "accepted_date": "受理日期",
    "assigned_date": "指派日期",
    "notice_delivered_date": "告知书送达日期",
    "due_date": "期限",
    "result": "结果",
    "resolved_date": "化解日期",
    "resolution_result": "化解结果",
    "loss_risk": "败诉风险",
    "is_major": "重大",
    "leader_in_charge_id": "包案领导",
    "leader_deadline": "包案期限",
    "leader_plan": "化解方案",
    "task_team": "工作专班",
    "met_date": "完成日期",
    "escalation_level": "督办级别",
    "submitted_date": "提交日期",
    "reviewed_date": "审核日期",
    "extensions_used": "已延期次数",
    "failure_reason": "未化解原因",
    "title": "事项",
    "decision": "决定",
    "kind": "类别",
    "unit_id": "单位",
    "dispute_id": "行政争议",
    "case_id": "诉讼案件",
    "number": "编号",
    "case_number": "案号",
    "filed_date": "立案日期",
    "received_date": "收到日期",
    "decided_date": "裁判日期",
    "instance": "审级",
    "plaintiff_name": "原告",
    "applicant_name": "申请人",
    "summary": "简要案情",
    "field": "争议领域",
    "action_type": "行为类型",
    "source": "来源",
    "stage": "阶段",
    "name": "名称",
    "rank": "职级",
    "active": "启用",
    "role": "角色",
    "display_name": "姓名",
    "population": "常住人口",
    "note": "说明",
    "reason": "原因",
    "waive_reason": "豁免原因",
    "paused_until": "暂停至",
    "anchor_date": "起算日期",
    "go_live_date": "上线日期",
}

# Columns that say nothing to a reader, or that the entry shows elsewhere.
HIDDEN = frozenset({"id", "version", "jurisdiction_id", "created_at", "updated_at"})
# Tables whose rows a reference column names (shown by their ``name``).
NAMED = frozenset({"units", "officials", "jurisdictions"})
# What identifies a record of each table to a reader, in order of preference.
IDENTIFYING = ("number", "case_number", "title", "name")


@dataclass(frozen=True)
class Column:
    enum: type[Any] | None = None
    reference: str | None = None  # the table a foreign key points to
    moment: bool = False
    day: bool = False


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    before: str
    after: str


@cache
def model_for(table: str) -> type[Any] | None:
    """The mapped class of ``table`` (None for a table no model maps)."""
    for mapper in Base.registry.mappers:
        if getattr(mapper.local_table, "name", None) == table:
            return mapper.class_  # type: ignore[no-any-return]
    return None


@cache
def columns(table: str) -> dict[str, Column]:
    model = model_for(table)
    if model is None:
        return {}
    found: dict[str, Column] = {}
    for attr in model.__mapper__.column_attrs:
        col = attr.columns[0]
        kind = col.type
        kind = getattr(kind, "impl_instance", kind)  # a TypeDecorator (UTC datetimes) by what it stores
        foreign = next(iter(col.foreign_keys), None)
        python = None
        with contextlib.suppress(NotImplementedError):  # types with no Python equivalent
            python = kind.python_type
        found[attr.key] = Column(
            enum=getattr(kind, "enum_class", None) if isinstance(kind, SAEnum) else None,
            reference=foreign.column.table.name if foreign is not None else None,
            moment=python is dt.datetime,
            day=python is dt.date,
        )
    return found


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def entity_label(table: str) -> str:
    return ENTITY_LABELS.get(table, table)


def references(table: str, *snapshots: Mapping[str, Any] | None) -> set[tuple[str, int]]:
    """The (table, id) of every named record the snapshots refer to (people, units)."""
    cols = columns(table)
    found = set()
    for snap in snapshots:
        for key, value in (snap or {}).items():
            ref = cols.get(key, Column()).reference
            if ref in NAMED and isinstance(value, int):
                found.add((ref, value))
    return found


def show(table: str, key: str, value: Any, names: Mapping[tuple[str, int], str]) -> str:
    """One stored value in words."""
    if value is None or value == "":
        return "—"
    col = columns(table).get(key, Column())
    if isinstance(value, bool):
        return "是" if value else "否"
    if col.enum is not None:
        try:
            return str(col.enum(value).label)
        except ValueError:
            return str(value)
    if col.reference is not None and isinstance(value, int):
        return names.get((col.reference, value), f"（已不可见的{entity_label(col.reference)}）")
    if col.moment and isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"


def changes(
    table: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    names: Mapping[tuple[str, int], str],
) -> list[Change]:
    """What an entry changed, field by field; a new record lists what it was created with."""
    after = after or {}
    before_values = before or {}
    found = []
    for key, value in after.items():
        if key in HIDDEN or key.endswith("_hash"):
            continue
        if before is None and value in (None, "", False):
            continue
        found.append(
            Change(
                field=key,
                label=FIELD_LABELS.get(key, key),
                before=show(table, key, before_values.get(key), names) if before is not None else "",
                after=show(table, key, value, names),
            )
        )
    return found


def identify(row: Any) -> str:
    """How a reader knows a record: its number, case number, title or name."""
    for key in IDENTIFYING:
        value = getattr(row, key, None)
        if value:
            return str(value)
    return ""
