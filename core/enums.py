"""Enumerations of the domain, each member carrying the Chinese label users see.

Values are stable English identifiers stored in the database; ``label`` is the
Chinese wording shown in the API (``…Label`` fields and the ``enumLabels`` query).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class LabeledEnum(StrEnum):
    """A string enum whose members are declared as ``NAME = ("value", "中文标签")``."""

    label: str

    def __new__(cls, value: str, label: str = "") -> LabeledEnum:
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label or value
        return obj

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]


class JurisdictionLevel(LabeledEnum):
    COUNTY = ("county", "县（市、区）")
    PREFECTURE = ("prefecture", "州（市）")


class UnitKind(LabeledEnum):
    AGENCY = ("agency", "行政执法单位")
    TOWNSHIP = ("township", "乡镇/街道")
    COUNTY_GOVERNMENT = ("county_government", "县人民政府")
    JUSTICE_BUREAU = ("justice_bureau", "司法局")
    COURT = ("court", "人民法院")


class OfficialRank(LabeledEnum):
    PRINCIPAL_HEAD = ("principal_head", "主要负责人")
    DEPUTY_HEAD = ("deputy_head", "分管负责人")
    COUNTY_LEADER_IN_CHARGE = ("county_leader_in_charge", "分管县领导")
    COUNTY_PRINCIPAL_LEADER = ("county_principal_leader", "县主要领导")
    STAFF = ("staff", "工作人员")


class Role(LabeledEnum):
    SYSTEM_ADMIN = ("system_admin", "系统管理员")
    JURISDICTION_ADMIN = ("jurisdiction_admin", "县级管理员")
    JUSTICE_STAFF = ("justice_staff", "司法局工作人员")
    UNIT_CLERK = ("unit_clerk", "单位联络员")
    COURT_LIAISON = ("court_liaison", "法院联络员")
    LEADER = ("leader", "领导")


class DisputeField(LabeledEnum):
    LAND_EXPROPRIATION = ("land_expropriation", "征地拆迁")
    WORK_INJURY = ("work_injury", "工伤认定")
    MARKET_REGULATION = ("market_regulation", "市场监管")
    URBAN_RURAL_PLANNING = ("urban_rural_planning", "城乡规划")
    PUBLIC_SECURITY = ("public_security", "治安管理")
    LABOUR_SOCIAL_SECURITY = ("labour_social_security", "劳动和社会保障")
    POVERTY_RELOCATION = ("poverty_relocation", "易地扶贫搬迁")
    NATURAL_RESOURCES = ("natural_resources", "自然资源")
    ECOLOGY_ENVIRONMENT = ("ecology_environment", "生态环境")
    TRANSPORT = ("transport", "交通运输")
    HOUSING_CONSTRUCTION = ("housing_construction", "住房城乡建设")
    INFORMATION_DISCLOSURE = ("information_disclosure", "政府信息公开")
    OTHER = ("other", "其他")


class ActionType(LabeledEnum):
    PENALTY = ("penalty", "行政处罚")
    COERCION = ("coercion", "行政强制")
    EXPROPRIATION = ("expropriation", "行政征收征用")
    LICENSING = ("licensing", "行政许可")
    CONFIRMATION = ("confirmation", "行政确认")
    FAILURE_TO_ACT = ("failure_to_act", "不履行法定职责")
    ADMINISTRATIVE_AGREEMENT = ("administrative_agreement", "行政协议")
    INFORMATION_DISCLOSURE = ("information_disclosure", "政府信息公开")
    OTHER = ("other", "其他")


class DisputeSource(LabeledEnum):
    SCREENING = ("screening", "月度排查")
    LAWYER_REPORT = ("lawyer_report", "律师报备")
    COURT_ORAL_NOTICE = ("court_oral_notice", "法院口头通知")
    COURT_LETTER = ("court_letter", "委托协调化解函")
    PETITION = ("petition", "信访")
    RECONSIDERATION = ("reconsideration", "行政复议申请")
    LITIGATION = ("litigation", "行政诉讼立案")
    OTHER = ("other", "其他")


class BatchKind(LabeledEnum):
    SINGLE = ("single", "单案")
    BATCH = ("batch", "批案")
    SERIES = ("series", "系列案")
    GROUP = ("group", "群体性案件")


class DisputeStatus(LabeledEnum):
    OPEN = ("open", "待处理")
    IN_RESOLUTION = ("in_resolution", "化解中")
    RESOLVED = ("resolved", "已化解")
    ESCALATED = ("escalated", "已进入复议/诉讼")
    CLOSED = ("closed", "已办结")


class ResolutionStage(LabeledEnum):
    PRE_FILING = ("pre_filing", "诉前")
    IN_LITIGATION = ("in_litigation", "诉中")
    POST_JUDGMENT = ("post_judgment", "宣判后")


class ResolutionStatus(LabeledEnum):
    ASSIGNED = ("assigned", "已分流指派")
    ACCEPTED = ("accepted", "已受理")
    IN_PROGRESS = ("in_progress", "纾解中")
    SUCCEEDED = ("succeeded", "化解成功")
    FAILED = ("failed", "化解失败")
    EXPIRED = ("expired", "逾期未化解")


class ResolutionResult(LabeledEnum):
    MEDIATED = ("mediated", "调解")
    SETTLED = ("settled", "和解")
    WITHDRAWN = ("withdrawn", "撤回")
    AGREEMENT = ("agreement", "达成纾解协议")


class ReconsiderationStatus(LabeledEnum):
    RECEIVED = ("received", "已收到申请")
    ACCEPTED = ("accepted", "已受理")
    REJECTED = ("rejected", "不予受理")
    CONCLUDED = ("concluded", "已审结")


class ReconsiderationDecision(LabeledEnum):
    UPHELD = ("upheld", "维持")
    DISMISSED = ("dismissed", "驳回复议请求")
    REVOKED = ("revoked", "撤销")
    VARIED = ("varied", "变更")
    CONFIRMED_ILLEGAL = ("confirmed_illegal", "确认违法")
    ORDERED_TO_PERFORM = ("ordered_to_perform", "责令履行")
    MEDIATED = ("mediated", "调解")
    TERMINATED = ("terminated", "终止")

    @property
    def is_correction(self) -> bool:
        return self in CORRECTION_DECISIONS


CORRECTION_DECISIONS = frozenset(
    {
        ReconsiderationDecision.REVOKED,
        ReconsiderationDecision.VARIED,
        ReconsiderationDecision.CONFIRMED_ILLEGAL,
        ReconsiderationDecision.ORDERED_TO_PERFORM,
    }
)


class Instance(LabeledEnum):
    FIRST = ("first", "一审")
    SECOND = ("second", "二审")
    RETRIAL = ("retrial", "再审")


class CaseStatus(LabeledEnum):
    FILED = ("filed", "已立案")
    NOTICE_RECEIVED = ("notice_received", "已收到应诉通知书")
    IN_HEARING = ("in_hearing", "审理中")
    CONCLUDED = ("concluded", "已裁判")
    EFFECTIVE = ("effective", "裁判已生效")
    CLOSED = ("closed", "已办结")


class HearingStatus(LabeledEnum):
    SCHEDULED = ("scheduled", "待开庭")
    HELD = ("held", "已开庭")
    RESCHEDULED = ("rescheduled", "已改期")
    CANCELLED = ("cancelled", "已取消")


class IdentityCheck(LabeledEnum):
    UNCHECKED = ("unchecked", "未核验")
    VERIFIED = ("verified", "身份符合")
    REJECTED = ("rejected", "身份不符")


class OutcomeKind(LabeledEnum):
    CLAIM_DISMISSED = ("claim_dismissed", "判决驳回诉讼请求")
    REVOKED = ("revoked", "判决撤销")
    CONFIRMED_ILLEGAL = ("confirmed_illegal", "确认违法")
    CONFIRMED_INVALID = ("confirmed_invalid", "确认无效")
    ORDERED_TO_PERFORM = ("ordered_to_perform", "责令履行")
    VARIED = ("varied", "判决变更")
    COMPENSATION = ("compensation", "判决赔偿")
    WITHDRAWAL = ("withdrawal", "撤诉")
    MEDIATION = ("mediation", "调解")
    SUIT_DISMISSED = ("suit_dismissed", "裁定驳回起诉")
    APPEAL_UPHELD = ("appeal_upheld", "二审维持原判")

    @property
    def is_loss(self) -> bool:
        return self in LOSS_OUTCOMES

    @property
    def needs_hearing(self) -> bool:
        """Judgments follow a hearing; withdrawal, mediation and dismissal rulings may not."""
        return self not in {OutcomeKind.WITHDRAWAL, OutcomeKind.MEDIATION, OutcomeKind.SUIT_DISMISSED}


LOSS_OUTCOMES = frozenset(
    {
        OutcomeKind.REVOKED,
        OutcomeKind.CONFIRMED_ILLEGAL,
        OutcomeKind.CONFIRMED_INVALID,
        OutcomeKind.ORDERED_TO_PERFORM,
        OutcomeKind.VARIED,
        OutcomeKind.COMPENSATION,
    }
)


class DutyKind(LabeledEnum):
    FILE_JUDGMENT = ("file_judgment", "生效裁判文书报备")
    LOSS_ANALYSIS = ("loss_analysis", "败诉原因分析报告")
    RECTIFICATION = ("rectification", "整改措施")
    JUDICIAL_SUGGESTION = ("judicial_suggestion", "司法建议落实")


class DutyStatus(LabeledEnum):
    PENDING = ("pending", "待提交")
    SUBMITTED = ("submitted", "已提交")
    REVIEWED = ("reviewed", "已审核")


class ObligationStatus(LabeledEnum):
    OPEN = ("open", "办理中")
    MET = ("met", "按期完成")
    OVERDUE = ("overdue", "已逾期")
    MET_LATE = ("met_late", "逾期完成")
    WAIVED = ("waived", "已豁免")
    PAUSED = ("paused", "已暂停")


class NotificationKind(LabeledEnum):
    REMINDER = ("reminder", "提醒")
    WARNING = ("warning", "临期预警")
    ESCALATION = ("escalation", "督办")
    REMINDER_LETTER = ("reminder_letter", "工作提醒函")
    INTERVIEW = ("interview", "约谈")
    CRITICISM = ("criticism", "通报批评")
    INFO = ("info", "通知")


class DocumentKind(LabeledEnum):
    """The letters issued from records (core/documents/letters.py; docs/documents.md)."""

    RELIEF_NOTICE = ("relief_notice", "纾解告知书")
    COORDINATION_FEEDBACK = ("coordination_feedback", "委托协调化解反馈函")
    LOSS_ANALYSIS = ("loss_analysis", "行政案件败诉原因分析报告")
    REMINDER_LETTER = ("reminder_letter", "工作提醒函")
    INTERVIEW_NOTICE = ("interview_notice", "约谈通知书")
    CIRCULAR = ("circular", "通报")


class LossCause(LabeledEnum):
    """Why a case was lost, by the grounds on which a court revokes, confirms unlawful or orders
    performance (《中华人民共和国行政诉讼法》第七十条、第七十二条、第七十四条、第七十七条)."""

    INSUFFICIENT_EVIDENCE = ("insufficient_evidence", "主要证据不足")
    WRONG_LAW = ("wrong_law", "适用法律、法规错误")
    PROCEDURE = ("procedure", "违反法定程序")
    BEYOND_AUTHORITY = ("beyond_authority", "超越职权")
    ABUSE_OF_AUTHORITY = ("abuse_of_authority", "滥用职权")
    MANIFESTLY_IMPROPER = ("manifestly_improper", "明显不当")
    FAILURE_TO_PERFORM = ("failure_to_perform", "不履行或拖延履行法定职责")
    OTHER = ("other", "其他原因")


def all_labeled_enums() -> dict[str, type[LabeledEnum]]:
    """Every enum of the domain by class name (for the ``enumLabels`` query)."""
    found: dict[str, type[LabeledEnum]] = {}
    for name, obj in globals().items():
        if isinstance(obj, type) and issubclass(obj, LabeledEnum) and obj is not LabeledEnum:
            found[name] = obj
    return found


def label_of(value: Any) -> str | None:
    return value.label if isinstance(value, LabeledEnum) else None
