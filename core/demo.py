"""Realistic demo data for the four built-in jurisdictions, recorded through the core services.

Every record is made by the service call a clerk, the justice bureau or the court liaison would
make through the API, one step at a time in date order, with the context's clock fixed at 10:00
(China time) on the day of the step. The obligations, the audit trail and the state machines are
therefore the real ones: a report made late is ``met_late``, a duty nobody did is still open.

Each dispute follows a *story* (still open, in resolution, resolved before filing, reconsideration,
litigation pending, litigation to the end). A story's steps are dated from the day the dispute was
received; a step that would fall after ``today`` is not taken, so recent disputes stop part way,
as real ones do. Everything is drawn from seeded random generators: the same seed and ``today``
give the same data.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.calendar.workdays import CalendarYearUnknown, WorkdayCalendar
from core.cases.models import Hearing, LitigationCase, PostJudgmentDuty, ReconsiderationCase
from core.cases.service import (
    accept_reconsideration,
    check_identity,
    close_case,
    conclude_reconsideration,
    designate_head,
    file_litigation_case,
    mark_effective,
    receive_reconsideration,
    record_hearing,
    record_outcome,
    record_response_notice,
    reject_reconsideration,
    report_response,
    reschedule_hearing,
    review_duty,
    schedule_hearing,
    submit_duty,
)
from core.cases.statutory import (
    record_complaint_copy,
    send_application_copy,
    submit_defence,
    submit_written_reply,
)
from core.clock import CHINA, fixed_clock
from core.context import ServiceContext
from core.disputes.models import Dispute, ResolutionEffort
from core.disputes.service import (
    DisputeInput,
    accept_resolution,
    assign_leader,
    assign_resolution,
    close_dispute,
    conclude_resolution,
    extend_resolution,
    extension_policy,
    record_dispute,
    record_resolution_hearing,
    report_progress,
    request_judicial_confirmation,
)
from core.enums import (
    ActionType,
    BatchKind,
    DisputeField,
    DisputeSource,
    DutyKind,
    Instance,
    ObligationStatus,
    OfficialRank,
    OutcomeKind,
    ReconsiderationDecision,
    ResolutionResult,
    ResolutionStage,
    Role,
    UnitKind,
)
from core.errors import ConfigurationError
from core.models import Base
from core.obligations.models import Obligation
from core.obligations.service import emit_periodic, mark_obligation_met, periods_starting, submit_report
from core.org.models import Jurisdiction, Official, Unit
from core.org.service import (
    create_jurisdiction_from_plugin,
    create_official,
    create_unit,
    set_go_live_date,
)
from core.policy.manager import Policy, PolicyRegistry
from core.policy.types import EventKind
from core.principal import SYSTEM, Principal

T = TypeVar("T")

DEMO_PLUGINS = ("xx_county", "wuping", "wuyang", "qiannan")

# Residents per demo jurisdiction, so 万人成讼率 shows a figure (no plugin source states one; a real
# deployment enters its own). Each figure names where it comes from; only Qiannan's is a census count.
DEMO_POPULATIONS: dict[str, tuple[int, str]] = {
    # 贵州省第七次全国人口普查公报（第二号）（2021年5月25日）：黔南州3494385人 (2020-11-01).
    "qiannan": (3_494_385, "第七次全国人口普查（2020年）：贵州省第七次全国人口普查公报（第二号）"),
    # 龙岩市第七次全国人口普查公报 only says 武平县 "常住人口……少于30万人"; the exact county figure
    # was not found, so the demo uses a rounded estimate below that bound.
    "wuping": (270_000, "演示用估计值（龙岩市第七次全国人口普查公报：武平县常住人口少于30万人）"),
    # The county census bulletin was not found; a rounded estimate, labelled as such.
    "wuyang": (500_000, "演示用估计值（未核对舞阳县第七次全国人口普查公报）"),
    "xx_county": (300_000, "演示用虚构值（XX县为匿名县）"),
}
STORY_SPAN_DAYS = 912  # about two and a half years of history
# The demo counties went live about half a year before ``today`` (the first of that month): the
# older duties are history (counted, never escalated), the recent ones are reminded and escalated.
GO_LIVE_DAYS_BEFORE = 180
PERIODIC_MONTHS = 3  # periodic events and reports for the current month and the two before

# ---------------------------------------------------------------------------------------------
# Reference data: names, units, courts
# ---------------------------------------------------------------------------------------------

COMMON_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万覃"
)
GIVEN_CHARS = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉梅海波春林斌晓东文辉宏鹏飞燕"
    "金凤德福荣成俊立新永庆振兴丹萍雪琴琳亮佳慧忠贵富云清水长发根生茂盛"
)
FIRM_WORDS = ("鑫达", "恒通", "宏远", "金源", "华兴", "永盛", "新峰", "顺发", "嘉禾", "绿源", "隆昌", "惠民")
INDUSTRIES = ("建材", "商贸", "矿业", "建筑工程", "食品", "运输", "房地产开发", "农业开发", "木业", "物流")

GOVERNMENT = "government"
JUSTICE = "justice"
LOCAL = "local"  # townships and streets; in Qiannan the county-level governments


@dataclass(frozen=True)
class UnitSpec:
    """A unit to create: its name, kind and the kind of disputes it answers for (category)."""

    name: str
    kind: UnitKind
    category: str


@dataclass(frozen=True)
class CountySpec:
    """What the demo needs to know about a jurisdiction beyond its plugin profile."""

    plugin: str
    short: str  # used in reconsideration numbers, e.g. 武府复〔2024〕3号
    court: str
    appeal_court: str
    court_code: str  # 案号 code of the first-instance court, e.g. 闽0824
    appeal_code: str
    units: tuple[UnitSpec, ...]
    surnames: str  # surnames common in the area, drawn more often
    law_firms: tuple[str, ...]


def _agencies(prefix: str, entries: Iterable[tuple[str, str]]) -> tuple[UnitSpec, ...]:
    """Agency units named ``prefix`` + name, with their dispute category."""
    return tuple(UnitSpec(prefix + name, UnitKind.AGENCY, category) for name, category in entries)


def _locals(names: Iterable[str], kind: UnitKind = UnitKind.TOWNSHIP) -> tuple[UnitSpec, ...]:
    """Townships and streets (or, in a prefecture, county-level governments)."""
    return tuple(UnitSpec(name, kind, LOCAL) for name in names)


def _core_units(prefix: str) -> tuple[UnitSpec, ...]:
    """The government and the justice bureau of a county."""
    return (
        UnitSpec(f"{prefix}人民政府", UnitKind.COUNTY_GOVERNMENT, GOVERNMENT),
        UnitSpec(f"{prefix}司法局", UnitKind.JUSTICE_BUREAU, JUSTICE),
    )


COUNTIES: dict[str, CountySpec] = {
    "xx_county": CountySpec(
        plugin="xx_county",
        short="X",
        court="XX县人民法院",
        appeal_court="XX市中级人民法院",
        court_code="X0101",
        appeal_code="X01",
        units=(
            *_core_units("XX县"),
            *_agencies(
                "XX县",
                (
                    ("自然资源和规划局", "natres"),
                    ("人力资源和社会保障局", "hrss"),
                    ("市场监督管理局", "market"),
                    ("住房和城乡建设局", "housing"),
                    ("公安局", "police"),
                    ("综合行政执法局", "urban"),
                    ("交通运输局", "transport"),
                    ("生态环境分局", "ecology"),
                ),
            ),
            *_locals(("XX县城关街道", "XX县东河镇", "XX县西岭镇", "XX县南湖镇")),
        ),
        surnames="",
        law_firms=("XX县正平律师事务所", "XX市明理律师事务所", "XX县法律援助中心"),
    ),
    "wuping": CountySpec(
        plugin="wuping",
        short="武",
        court="武平县人民法院",
        appeal_court="龙岩市中级人民法院",
        court_code="闽0824",
        appeal_code="闽08",
        units=(
            *_core_units("武平县"),
            *_agencies(
                "武平县",
                (
                    ("自然资源局", "natres"),
                    ("林业局", "forestry"),
                    ("人力资源和社会保障局", "hrss"),
                    ("市场监督管理局", "market"),
                    ("住房和城乡建设局", "housing"),
                    ("公安局", "police"),
                    ("交通运输局", "transport"),
                    ("城市管理和综合执法局", "urban"),
                ),
            ),
            *_locals(("武平县平川街道", "武平县中山镇", "武平县岩前镇", "武平县十方镇")),
        ),
        surnames="钟林刘邱练王李谢修兰",
        law_firms=("福建汀江律师事务所", "福建武平梁野律师事务所", "福建龙岩闽西律师事务所"),
    ),
    "wuyang": CountySpec(
        plugin="wuyang",
        short="舞",
        court="舞阳县人民法院",
        appeal_court="漯河市中级人民法院",
        court_code="豫1121",
        appeal_code="豫11",
        units=(
            *_core_units("舞阳县"),
            *_agencies(
                "舞阳县",
                (
                    ("自然资源局", "natres"),
                    ("人力资源和社会保障局", "hrss"),
                    ("市场监督管理局", "market"),
                    ("住房和城乡建设局", "housing"),
                    ("公安局", "police"),
                    ("交通运输局", "transport"),
                    ("城市管理局", "urban"),
                ),
            ),
            UnitSpec("漯河市生态环境局舞阳分局", UnitKind.AGENCY, "ecology"),
            *_locals(("舞阳县舞泉镇", "舞阳县吴城镇", "舞阳县北舞渡镇", "舞阳县莲花镇")),
        ),
        surnames="王李张刘杨赵郭孙",
        law_firms=("河南舞阳律师事务所", "河南漯河沙澧律师事务所", "河南豫中律师事务所"),
    ),
    "qiannan": CountySpec(
        plugin="qiannan",
        short="黔南",
        court="都匀市人民法院",
        appeal_court="黔南布依族苗族自治州中级人民法院",
        court_code="黔2701",
        appeal_code="黔27",
        units=(
            UnitSpec("黔南州人民政府", UnitKind.COUNTY_GOVERNMENT, GOVERNMENT),
            UnitSpec("黔南州司法局", UnitKind.JUSTICE_BUREAU, JUSTICE),
            *_agencies(
                "黔南州",
                (
                    ("自然资源局", "natres"),
                    ("人力资源和社会保障局", "hrss"),
                    ("市场监督管理局", "market"),
                    ("住房和城乡建设局", "housing"),
                    ("公安局", "police"),
                    ("生态移民局", "relocation"),
                ),
            ),
            *_locals(
                (
                    "都匀市人民政府",
                    "福泉市人民政府",
                    "瓮安县人民政府",
                    "独山县人民政府",
                    "龙里县人民政府",
                    "惠水县人民政府",
                ),
                UnitKind.COUNTY_GOVERNMENT,
            ),
        ),
        surnames="韦蒙罗杨吴石龙王陈莫",
        law_firms=("贵州剑江律师事务所", "贵州黔南律师事务所", "贵州都匀明德律师事务所"),
    ),
}


@dataclass(frozen=True)
class FieldTemplate:
    """How disputes of one field look: which units answer for them and what is contested."""

    weight: float
    categories: tuple[str, ...]
    matters: tuple[tuple[ActionType, str], ...]  # {u} is replaced by the unit's name
    companies: float = 0.0  # share of applicants that are companies


FIELDS: dict[DisputeField, FieldTemplate] = {
    DisputeField.LAND_EXPROPRIATION: FieldTemplate(
        18,
        (GOVERNMENT, "natres", LOCAL),
        (
            (ActionType.EXPROPRIATION, "不服{u}集体土地征收补偿安置方案"),
            (ActionType.EXPROPRIATION, "不服{u}国有土地上房屋征收决定"),
            (ActionType.COERCION, "不服{u}强制拆除房屋行为"),
            (ActionType.ADMINISTRATIVE_AGREEMENT, "要求{u}履行征收补偿安置协议"),
            (ActionType.FAILURE_TO_ACT, "要求{u}依法发放征地补偿款"),
        ),
    ),
    DisputeField.WORK_INJURY: FieldTemplate(
        12,
        ("hrss",),
        (
            (ActionType.CONFIRMATION, "不服{u}不予认定工伤决定"),
            (ActionType.CONFIRMATION, "不服{u}作出的认定工伤决定"),
            (ActionType.CONFIRMATION, "不服{u}工伤保险待遇核定"),
        ),
        companies=0.3,
    ),
    DisputeField.MARKET_REGULATION: FieldTemplate(
        8,
        ("market",),
        (
            (ActionType.PENALTY, "不服{u}销售不合格产品行政处罚决定"),
            (ActionType.PENALTY, "不服{u}食品安全行政处罚决定"),
            (ActionType.LICENSING, "不服{u}不予核发食品经营许可证决定"),
            (ActionType.FAILURE_TO_ACT, "认为{u}未依法处理投诉举报"),
        ),
        companies=0.6,
    ),
    DisputeField.URBAN_RURAL_PLANNING: FieldTemplate(
        10,
        ("urban", "housing", "natres", LOCAL),
        (
            (ActionType.COERCION, "不服{u}限期拆除违法建筑决定"),
            (ActionType.PENALTY, "不服{u}违法建设罚款决定"),
            (ActionType.LICENSING, "不服{u}核发的建设工程规划许可证"),
        ),
    ),
    DisputeField.PUBLIC_SECURITY: FieldTemplate(
        10,
        ("police",),
        (
            (ActionType.PENALTY, "不服{u}行政拘留处罚决定"),
            (ActionType.PENALTY, "不服{u}治安管理罚款决定"),
            (ActionType.FAILURE_TO_ACT, "认为{u}接警后未依法处理"),
            (ActionType.COERCION, "不服{u}扣押财物措施"),
        ),
    ),
    DisputeField.LABOUR_SOCIAL_SECURITY: FieldTemplate(
        8,
        ("hrss",),
        (
            (ActionType.FAILURE_TO_ACT, "要求{u}履行劳动保障监察职责追讨欠薪"),
            (ActionType.CONFIRMATION, "不服{u}养老保险待遇核定"),
            (ActionType.PENALTY, "不服{u}劳动保障监察行政处罚"),
        ),
        companies=0.2,
    ),
    DisputeField.POVERTY_RELOCATION: FieldTemplate(
        5,
        ("relocation", GOVERNMENT, LOCAL),
        (
            (ActionType.ADMINISTRATIVE_AGREEMENT, "要求{u}履行易地扶贫搬迁安置协议"),
            (ActionType.FAILURE_TO_ACT, "要求{u}分配易地扶贫搬迁安置住房"),
            (ActionType.CONFIRMATION, "不服{u}搬迁对象资格认定"),
        ),
    ),
    DisputeField.NATURAL_RESOURCES: FieldTemplate(
        8,
        ("natres", "forestry"),
        (
            (ActionType.CONFIRMATION, "不服{u}不动产登记行为"),
            (ActionType.PENALTY, "不服{u}非法占用土地行政处罚"),
            (ActionType.LICENSING, "不服{u}不予批准林木采伐许可"),
            (ActionType.CONFIRMATION, "不服{u}林权争议处理决定"),
        ),
    ),
    DisputeField.ECOLOGY_ENVIRONMENT: FieldTemplate(
        4,
        ("ecology",),
        (
            (ActionType.PENALTY, "不服{u}环境违法行为罚款决定"),
            (ActionType.COERCION, "不服{u}查封扣押生产设备措施"),
        ),
        companies=0.8,
    ),
    DisputeField.TRANSPORT: FieldTemplate(
        4,
        ("transport",),
        (
            (ActionType.PENALTY, "不服{u}超限运输行政处罚"),
            (ActionType.PENALTY, "不服{u}非法营运行政处罚"),
            (ActionType.COERCION, "不服{u}暂扣车辆措施"),
        ),
        companies=0.4,
    ),
    DisputeField.HOUSING_CONSTRUCTION: FieldTemplate(
        6,
        ("housing",),
        (
            (ActionType.PENALTY, "不服{u}建筑市场违法行为处罚"),
            (ActionType.FAILURE_TO_ACT, "要求{u}查处物业服务企业违规行为"),
            (ActionType.LICENSING, "不服{u}核发商品房预售许可"),
        ),
        companies=0.3,
    ),
    DisputeField.INFORMATION_DISCLOSURE: FieldTemplate(
        5,
        (GOVERNMENT, "natres", "housing", "hrss"),
        ((ActionType.INFORMATION_DISCLOSURE, "不服{u}政府信息公开申请答复"),),
    ),
    DisputeField.OTHER: FieldTemplate(
        2,
        (GOVERNMENT, LOCAL),
        (
            (ActionType.FAILURE_TO_ACT, "要求{u}履行行政给付职责"),
            (ActionType.OTHER, "不服{u}行政复核决定"),
        ),
    ),
}
BATCH_SIZES: dict[BatchKind, Callable[[Dice], int]] = {
    BatchKind.SINGLE: lambda dice: 1,
    BatchKind.BATCH: lambda dice: dice.between(3, 12),
    BatchKind.SERIES: lambda dice: dice.between(2, 8),
    BatchKind.GROUP: lambda dice: dice.between(10, 50),
}
RELOCATION_WEIGHT = {"qiannan": 14.0, "wuping": 2.0}  # Qiannan's large relocation programme

# ---------------------------------------------------------------------------------------------
# The stories and how often each ending occurs
# ---------------------------------------------------------------------------------------------

OPEN, ASSIGNED, IN_PROGRESS, RESOLVED = "open", "assigned", "in_progress", "resolved"
RECONSIDERATION, LITIGATION_PENDING, LITIGATION = "reconsideration", "litigation_pending", "litigation"

STORY_WEIGHTS: dict[str, float] = {
    OPEN: 6,
    ASSIGNED: 4,
    IN_PROGRESS: 8,
    RESOLVED: 20,
    RECONSIDERATION: 15,
    LITIGATION_PENDING: 7,
    LITIGATION: 30,
}
# How many days before today a dispute of each story was received.
STORY_AGE: dict[str, tuple[int, int]] = {
    OPEN: (0, 20),
    ASSIGNED: (2, 12),
    IN_PROGRESS: (14, 70),
    RESOLVED: (45, STORY_SPAN_DAYS),
    RECONSIDERATION: (60, STORY_SPAN_DAYS),
    LITIGATION_PENDING: (14, 45),
    LITIGATION: (100, STORY_SPAN_DAYS),
}
STORY_SOURCES: dict[str, dict[DisputeSource, float]] = {
    OPEN: {
        DisputeSource.SCREENING: 4,
        DisputeSource.PETITION: 3,
        DisputeSource.LAWYER_REPORT: 1,
        DisputeSource.COURT_ORAL_NOTICE: 1,
    },
    IN_PROGRESS: {
        DisputeSource.SCREENING: 3,
        DisputeSource.PETITION: 3,
        DisputeSource.COURT_LETTER: 2,
        DisputeSource.COURT_ORAL_NOTICE: 1,
        DisputeSource.LAWYER_REPORT: 1,
    },
    RECONSIDERATION: {DisputeSource.SCREENING: 3, DisputeSource.PETITION: 3, DisputeSource.LAWYER_REPORT: 2},
    LITIGATION: {
        DisputeSource.COURT_ORAL_NOTICE: 3,
        DisputeSource.COURT_LETTER: 2,
        DisputeSource.LAWYER_REPORT: 3,
        DisputeSource.SCREENING: 1,
        DisputeSource.PETITION: 1,
    },
}
STORY_SOURCES[ASSIGNED] = STORY_SOURCES[OPEN]
STORY_SOURCES[RESOLVED] = STORY_SOURCES[IN_PROGRESS]
STORY_SOURCES[LITIGATION_PENDING] = STORY_SOURCES[LITIGATION]

LOSS = "loss"
LITIGATION_OUTCOMES: dict[str, float] = {
    LOSS: 19,
    OutcomeKind.CLAIM_DISMISSED: 33,
    OutcomeKind.WITHDRAWAL: 20,
    OutcomeKind.MEDIATION: 12,
    OutcomeKind.SUIT_DISMISSED: 13,
}
LOSS_KINDS: dict[OutcomeKind, float] = {
    OutcomeKind.REVOKED: 40,
    OutcomeKind.CONFIRMED_ILLEGAL: 25,
    OutcomeKind.ORDERED_TO_PERFORM: 15,
    OutcomeKind.VARIED: 5,
    OutcomeKind.COMPENSATION: 10,
    OutcomeKind.CONFIRMED_INVALID: 5,
}
CORRECTED = "corrected"
REJECTED = "rejected"
RECON_DECISIONS: dict[str, float] = {
    ReconsiderationDecision.UPHELD: 28,
    ReconsiderationDecision.DISMISSED: 10,
    ReconsiderationDecision.MEDIATED: 40,
    CORRECTED: 12,
    ReconsiderationDecision.TERMINATED: 5,
    REJECTED: 5,
}
CORRECTIONS: dict[ReconsiderationDecision, float] = {
    ReconsiderationDecision.REVOKED: 45,
    ReconsiderationDecision.CONFIRMED_ILLEGAL: 30,
    ReconsiderationDecision.ORDERED_TO_PERFORM: 15,
    ReconsiderationDecision.VARIED: 10,
}
RESOLUTION_RESULTS: dict[ResolutionResult, float] = {
    ResolutionResult.MEDIATED: 35,
    ResolutionResult.SETTLED: 20,
    ResolutionResult.WITHDRAWN: 15,
    ResolutionResult.AGREEMENT: 30,
}
HEAD_ATTENDANCE = 0.75

PROGRESS_NOTES = (
    "已与申请人当面沟通，听取其诉求并做好释法说理",
    "已组织双方召开协调会，申请人同意继续协商",
    "已邀请法律顾问出具法律意见，正在研究化解方案",
    "已会同属地乡镇（街道）开展入户走访，稳定申请人情绪",
    "已向分管领导汇报，拟定补偿（整改）方案报批",
    "双方就主要诉求初步达成一致，正在起草协议文本",
)
FAILURE_REASONS = (
    "申请人补偿诉求明显高于法定标准，双方差距较大",
    "申请人坚持要求撤销原行政行为，不接受协调方案",
    "申请人拒绝参加协调会，明确表示将提起诉讼",
    "涉及历史遗留问题，短期内无法达成一致",
)
POINTS_IN_DISPUTE = (
    "补偿安置标准是否合法合理",
    "行政行为程序是否合法",
    "认定事实是否清楚、证据是否充分",
    "被申请单位是否负有法定职责",
    "适用法律依据是否正确",
)
EXCUSES = (
    "参加上级召开的紧急会议",
    "在外出差，无法按时返回",
    "因病住院治疗",
    "参加防汛（森林防火）应急值守",
)
LOSS_CAUSES = (
    "作出行政行为前未进行合法性审查",
    "程序违法，未依法履行告知、听证义务",
    "认定事实的主要证据不足",
    "适用法律、法规错误",
    "消极应诉，未在法定期限内提交证据和依据",
    "不作为，未在法定期限内履行法定职责",
)
REJECTION_REASONS = ("申请超过法定申请期限", "不属于行政复议受理范围", "申请人与被申请行政行为无利害关系")
HEARING_TIMES = (dt.time(9, 0), dt.time(9, 30), dt.time(14, 30), dt.time(15, 0))
COURTROOMS = ("第一审判庭", "第二审判庭", "行政审判庭", "第三审判庭")


class BeyondToday(Exception):
    """The story's next step lies after today: the record stays in the state it has reached."""


# ---------------------------------------------------------------------------------------------
# Seeded randomness
# ---------------------------------------------------------------------------------------------


class Dice:
    """A seeded random generator with the few draws the demo needs."""

    def __init__(self, key: str) -> None:
        self._random = random.Random(key)

    def chance(self, p: float) -> bool:
        """True with probability ``p``."""
        return self._random.random() < p

    def between(self, low: int, high: int) -> int:
        """An integer in ``[low, high]``."""
        return self._random.randint(low, high)

    def pick(self, items: Sequence[T]) -> T:
        """One of ``items``."""
        return self._random.choice(items)

    def weighted(self, weights: Mapping[T, float]) -> T:
        """One key of ``weights``, drawn in proportion to its weight."""
        keys = list(weights)
        return self._random.choices(keys, weights=[weights[k] for k in keys])[0]

    def shuffle(self, items: list[T]) -> list[T]:
        """``items`` shuffled in place (and returned)."""
        self._random.shuffle(items)
        return items

    def deck(self, weights: Mapping[T, float], n: int, ensure: Iterable[T] = ()) -> list[T]:
        """``n`` keys in the proportions of ``weights`` (each of ``ensure`` at least once), shuffled."""
        counts = dict.fromkeys(weights, 0)
        for key in ensure:
            if sum(counts.values()) < n:
                counts[key] = 1
        total = sum(weights.values())
        for _ in range(n - sum(counts.values())):
            key = max(counts, key=lambda k: weights[k] / total * n - counts[k])
            counts[key] += 1
        return self.shuffle([key for key, count in counts.items() for _ in range(count)])

    def person(self, surnames: str) -> str:
        """A Chinese personal name; local surnames are drawn more often."""
        pool = surnames if surnames and self.chance(0.6) else COMMON_SURNAMES
        given = "".join(self.pick(GIVEN_CHARS) for _ in range(2 if self.chance(0.7) else 1))
        return self.pick(pool) + given

    def company(self, place: str) -> str:
        """A company name of the area."""
        return f"{place}{self.pick(FIRM_WORDS)}{self.pick(INDUSTRIES)}有限公司"

    def phone(self) -> str:
        """A masked mobile number, as shown in the ledgers."""
        return f"1{self.pick('3589')}{self.between(0, 9)}****{self.between(0, 9999):04d}"


# ---------------------------------------------------------------------------------------------
# The organisation of a jurisdiction
# ---------------------------------------------------------------------------------------------


@dataclass
class Staffed:
    """A unit with its heads (principal first) and a staff member who acts as its clerk."""

    unit: Unit
    category: str
    heads: list[Official]
    staff: Official

    @property
    def clerk(self) -> Principal:
        """The unit's clerk, who records the unit's own steps."""
        return Principal(
            user=f"{self.staff.name}（{self.unit.name}）",
            role=Role.UNIT_CLERK,
            jurisdiction_id=self.unit.jurisdiction_id,
            unit_id=self.unit.id,
        )


@dataclass
class County:
    """A demo jurisdiction: its spec, record, staffed units, principals and running numbers."""

    spec: CountySpec
    jurisdiction: Jurisdiction
    units: list[Staffed]
    calendar: WorkdayCalendar
    today: dt.date
    numbers: Counter[str] = field(default_factory=Counter)
    screened: Counter[tuple[int, str]] = field(default_factory=Counter)

    def of(self, category: str) -> list[Staffed]:
        """The units of a category."""
        return [s for s in self.units if s.category == category]

    @property
    def government(self) -> Staffed:
        """The county (or prefecture) government, home of the county leaders."""
        return self.of(GOVERNMENT)[0]

    @property
    def bureau_unit(self) -> Staffed:
        """The justice bureau."""
        return self.of(JUSTICE)[0]

    @property
    def leader_in_charge(self) -> Official:
        """The county leader in charge of the programme (分管县领导)."""
        return self.government.heads[1]

    @property
    def bureau(self) -> Principal:
        """A justice-bureau staff member: records, assigns, reviews and closes."""
        return Principal(
            user=f"{self.bureau_unit.staff.name}（{self.bureau_unit.unit.name}）",
            role=Role.JUSTICE_STAFF,
            jurisdiction_id=self.jurisdiction.id,
        )

    @property
    def court_liaison(self) -> Principal:
        """The court's liaison: files cases, sets hearings, records judgments."""
        return Principal(
            user=f"{self.spec.court}行政庭联络员",
            role=Role.COURT_LIAISON,
            jurisdiction_id=self.jurisdiction.id,
        )

    def staffed(self, unit_id: int) -> Staffed:
        """The staffed unit with this id."""
        return next(s for s in self.units if s.unit.id == unit_id)

    def next_number(self, key: str) -> int:
        """The next running number of a series (case numbers per court and year)."""
        self.numbers[key] += 1
        return self.numbers[key]

    def working_days_after(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day after ``day`` (weekdays only where the calendar has no data)."""
        try:
            return self.calendar.add_working_days(day, n)
        except CalendarYearUnknown:
            while n > 0:
                day += dt.timedelta(days=1)
                n -= day.weekday() < 5
            return day

    def workday_on_or_after(self, day: dt.date) -> dt.date:
        """``day`` or the first working day after it."""
        try:
            return self.calendar.next_working_day(day)
        except CalendarYearUnknown:
            while day.weekday() >= 5:
                day += dt.timedelta(days=1)
            return day

    def workday_on_or_before(self, day: dt.date) -> dt.date:
        """``day`` or the last working day before it."""
        try:
            return self.calendar.previous_working_day(day)
        except CalendarYearUnknown:
            while day.weekday() >= 5:
                day -= dt.timedelta(days=1)
            return day


def _place(county: County) -> str:
    """The short place name used for companies (武平县 → 武平)."""
    name = county.jurisdiction.name
    return name[:-1] if len(name) > 2 and name[-1] in "县市州" else name


def leadership(spec: UnitSpec, dice: Dice) -> list[tuple[OfficialRank, str]]:
    """Ranks and job titles of a unit's heads (principal first), then of its staff member."""
    name = spec.name
    if spec.kind == UnitKind.COUNTY_GOVERNMENT:
        level = "州" if "州" in name else ("市" if name.endswith("市人民政府") else "县")
        deputies = [f"常务副{level}长", f"副{level}长"][: dice.between(1, 2)]
        return [
            (OfficialRank.COUNTY_PRINCIPAL_LEADER, f"{level}长"),
            *[(OfficialRank.COUNTY_LEADER_IN_CHARGE, title) for title in deputies],
            (OfficialRank.STAFF, f"{level}政府办公室科员"),
        ]
    if name.endswith("街道"):
        head, deputy, staff = "街道办事处主任", "街道办事处副主任", "综治办工作人员"
    elif name.endswith("镇"):
        head, deputy, staff = "镇长", "副镇长", "司法所工作人员"
    else:
        head, deputy = "局长", "副局长"
        staff = "行政复议与应诉股工作人员" if spec.category == JUSTICE else "法制股工作人员"
    return [
        (OfficialRank.PRINCIPAL_HEAD, head),
        *[(OfficialRank.DEPUTY_HEAD, deputy)] * dice.between(1, 2),
        (OfficialRank.STAFF, staff),
    ]


async def build_units(
    ctx: ServiceContext, jurisdiction: Jurisdiction, spec: CountySpec, dice: Dice
) -> list[Staffed]:
    """Create the units of a jurisdiction and, for each, its heads and a staff member."""
    staffed: list[Staffed] = []
    for unit_spec in spec.units:
        unit = await create_unit(ctx, jurisdiction.id, name=unit_spec.name, kind=unit_spec.kind)
        await ctx.session.flush()
        officials = [
            await create_official(
                ctx, unit.id, name=dice.person(spec.surnames), rank=rank, title=title, phone=dice.phone()
            )
            for rank, title in leadership(unit_spec, dice)
        ]
        staffed.append(
            Staffed(unit=unit, category=unit_spec.category, heads=officials[:-1], staff=officials[-1])
        )
    await ctx.session.flush()
    return staffed


# ---------------------------------------------------------------------------------------------
# Stories
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoryPlan:
    """Which story a dispute follows, when it was received and how it is meant to end."""

    index: int
    kind: str
    received: dt.date
    ending: str | None = None


@dataclass
class Story:
    """One dispute's timeline in the making: the context, the county, its dice and its records."""

    ctx: ServiceContext
    county: County
    dice: Dice
    plan: StoryPlan
    dispute: Dispute | None = None
    respondent: Staffed | None = None

    @property
    def d(self) -> Dispute:
        """The dispute (once recorded)."""
        assert self.dispute is not None
        return self.dispute

    @property
    def unit(self) -> Staffed:
        """The principal respondent unit (once recorded)."""
        assert self.respondent is not None
        return self.respondent

    def at(self, day: dt.date, who: Principal) -> dt.date:
        """Act as ``who`` at 10:00 on ``day``; the story stops here if that is after today."""
        if day > self.county.today:
            raise BeyondToday
        act_at(self.ctx, day, who)
        return day

    def wd(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day after ``day``."""
        return self.county.working_days_after(day, n)

    def later(self, day: dt.date, low: int, high: int) -> dt.date:
        """A working day ``low``..``high`` calendar days after ``day``."""
        return self.county.workday_on_or_after(day + dt.timedelta(days=self.dice.between(low, high)))


def act_at(ctx: ServiceContext, day: dt.date, who: Principal) -> None:
    """Act as ``who`` at 10:00 (China time) on ``day``."""
    ctx.clock = fixed_clock(dt.datetime.combine(day, dt.time(10, 0), tzinfo=CHINA))
    ctx.principal = who


Step = tuple[dt.date, Principal, Callable[[], Awaitable[object]]]


async def run_agenda(story: Story, steps: list[Step]) -> dt.date | None:
    """Take ``steps`` in date order (stable for equal dates); return the date of the last one."""
    last = None
    for day, who, action in sorted(steps, key=lambda s: s[0]):
        story.at(day, who)
        await action()
        last = day
    return last


def _origin(story: Story, source: DisputeSource, received: dt.date) -> tuple[dt.date | None, str | None]:
    """When the dispute first surfaced (court notice or letter, the firm's engagement) and who told."""
    dice, county = story.dice, story.county
    if source == DisputeSource.COURT_ORAL_NOTICE:
        lag = dice.between(0, 4) if dice.chance(0.85) else dice.between(5, 9)
        return received - dt.timedelta(days=lag), county.spec.court
    if source == DisputeSource.COURT_LETTER:
        return received - dt.timedelta(days=dice.between(0, 2)), county.spec.court
    if source == DisputeSource.LAWYER_REPORT:
        lag = dice.between(0, 3) if dice.chance(0.8) else dice.between(4, 8)
        return received - dt.timedelta(days=lag), dice.pick(county.spec.law_firms)
    if source == DisputeSource.PETITION:
        return None, f"{county.jurisdiction.name}信访局"
    return None, None


def _field_weights(plugin: str) -> dict[DisputeField, float]:
    """How often each field occurs in a jurisdiction."""
    weights = {f: t.weight for f, t in FIELDS.items()}
    weights[DisputeField.POVERTY_RELOCATION] = RELOCATION_WEIGHT.get(
        plugin, weights[DisputeField.POVERTY_RELOCATION]
    )
    return weights


async def record(story: Story) -> Dispute:
    """Record the dispute (and put a leader in charge of the serious ones)."""
    dice, county, plan = story.dice, story.county, story.plan
    dispute_field = dice.weighted(_field_weights(county.spec.plugin))
    template = FIELDS[dispute_field]
    candidates = [s for category in template.categories for s in county.of(category)] or county.of(LOCAL)
    unit = dice.pick(candidates)
    action, matter = dice.pick(template.matters)
    source = dice.weighted(STORY_SOURCES[plan.kind])
    batch = dice.weighted({BatchKind.SINGLE: 88, BatchKind.BATCH: 4, BatchKind.SERIES: 5, BatchKind.GROUP: 3})
    is_company = dice.chance(template.companies)
    applicant = dice.company(_place(county)) if is_company else dice.person(county.spec.surnames)
    count = 1 if is_company else BATCH_SIZES[batch](dice)
    shown = f"{applicant}等{count}人" if count > 1 else applicant
    title = shown + matter.format(u=unit.unit.name)
    others: tuple[int, ...] = ()
    if dispute_field == DisputeField.LAND_EXPROPRIATION and unit.category == GOVERNMENT and dice.chance(0.4):
        others = (dice.pick(county.of(LOCAL)).unit.id,)
    origin, reported_by = _origin(story, source, plan.received)
    loss_risk = dice.chance(0.5 if plan.ending == LOSS else 0.1)
    data = DisputeInput(
        unit_id=unit.unit.id,
        title=title,
        applicant_name=shown,
        field=dispute_field,
        action_type=action,
        source=source,
        received_date=plan.received,
        summary=f"{source.label}线索：{title}。涉及{dispute_field.label}领域{action.label}行为。",
        other_unit_ids=others,
        applicant_phone=dice.phone(),
        applicant_count=count,
        batch_kind=batch,
        is_major=batch in (BatchKind.BATCH, BatchKind.GROUP) or dice.chance(0.04),
        loss_risk=loss_risk,
        origin_date=origin,
        reported_by=reported_by or unit.unit.name,
    )
    story.at(plan.received, unit.clerk if source == DisputeSource.SCREENING and not others else county.bureau)
    story.dispute = await record_dispute(story.ctx, data)
    story.respondent = unit
    await do_manual_duties(story, EventKind.DISPUTE_RECORDED, "dispute", story.d.id)
    county.screened[(unit.unit.id, plan.received.strftime("%Y-%m"))] += 1
    if (data.batch_kind != BatchKind.SINGLE or data.loss_risk or data.is_major) and dice.chance(0.8):
        await put_leader_in_charge(story)
    return story.d


async def put_leader_in_charge(story: Story) -> None:
    """领导包案: a county leader takes the dispute with a plan, a deadline and a task team."""
    dice, county, d = story.dice, story.county, story.d
    day = story.at(
        d.received_date if dice.chance(0.6) else story.wd(d.received_date, dice.between(1, 4)), county.bureau
    )
    leader = county.government.heads[0] if d.batch_kind == BatchKind.GROUP else county.leader_in_charge
    await assign_leader(
        story.ctx,
        d.id,
        official_id=leader.id,
        plan=f"一案一策：由{leader.name}（{leader.title}）牵头，{story.unit.unit.name}具体承办，"
        f"{county.bureau_unit.unit.name}全程跟踪，逐项回应申请人合理诉求。",
        deadline=day + dt.timedelta(days=dice.between(30, 90)),
        task_team=f"{story.unit.unit.name}、{county.bureau_unit.unit.name}、属地乡镇（街道）组成工作专班",
    )


async def do_manual_duties(story: Story, event: EventKind, subject_type: str, subject_id: int) -> None:
    """Mark done today (mostly) the duties this event created that no later event fulfils.

    Some rules expect a step the core does not record (forwarding a court's notice, an expert
    review, a reminder call); the responsible clerk or the bureau marks them met by hand.
    """
    ctx, county = story.ctx, story.county
    policy = await ctx.policy(county.jurisdiction.id)
    manual = [r.id for r in policy.deadline_rules if not r.met_by and r.trigger.kind == event]
    if not manual:
        return
    rows = await ctx.session.scalars(
        select(Obligation).where(
            Obligation.jurisdiction_id == county.jurisdiction.id,
            Obligation.subject_type == subject_type,
            Obligation.subject_id == subject_id,
            Obligation.rule_id.in_(manual),
            Obligation.status == ObligationStatus.OPEN,
        )
    )
    for obligation in list(rows):
        if story.dice.chance(0.85):
            ctx.principal = county.staffed(obligation.unit_id).clerk if obligation.unit_id else county.bureau
            await mark_obligation_met(ctx, obligation.id, met_date=ctx.today())


# -- resolution efforts ------------------------------------------------------------------------


class EffortEnd(StrEnum):
    """Where a resolution effort's story ends."""

    ASSIGNED_ONLY = "assigned_only"  # not accepted (yet)
    ONGOING = "ongoing"  # progress reports until today
    ABANDONED = "abandoned"  # left open; the filing of a case fails it
    SUCCESS = "success"
    FAILURE = "failure"


@dataclass
class EffortPlan:
    """How a resolution effort should go."""

    outcome: EffortEnd
    stage: ResolutionStage = ResolutionStage.PRE_FILING
    result: ResolutionResult | None = None
    case: LitigationCase | None = None
    extend: bool = False
    hearing: bool = False


async def run_effort(story: Story, start: dt.date, plan: EffortPlan) -> tuple[ResolutionEffort, dt.date]:
    """Assign, accept, report on and (per plan) conclude one resolution effort; return it and its last day."""
    dice, county, d, ctx = story.dice, story.county, story.d, story.ctx
    by_letter = (
        d.source == DisputeSource.COURT_LETTER
        if plan.stage == ResolutionStage.PRE_FILING
        else dice.chance(0.5)
    )
    handler = story.unit
    if county.of(LOCAL) and handler.category != LOCAL and dice.chance(0.2):
        handler = dice.pick(county.of(LOCAL))  # 属地化解: the township takes it on
    day = story.at(story.county.workday_on_or_after(start), county.bureau)
    effort = await assign_resolution(
        ctx,
        d.id,
        unit_id=handler.unit.id,
        stage=plan.stage,
        assigned_date=day,
        by_court_letter=by_letter,
        litigation_case_id=plan.case.id if plan.case else None,
    )
    await do_manual_duties(story, EventKind.RESOLUTION_ASSIGNED, "resolution_effort", effort.id)
    if plan.outcome == EffortEnd.ASSIGNED_ONLY:
        return effort, day
    accepted = story.wd(day, dice.between(1, 3) if dice.chance(0.88) else dice.between(4, 6))
    delivered = accepted + dt.timedelta(days=dice.between(0, 2))
    story.at(delivered, handler.clerk)
    await accept_resolution(ctx, effort.id, accepted_date=accepted, notice_delivered_date=delivered)
    interval = 7 if by_letter else dice.between(7, 12)  # a court letter asks for weekly reports
    if by_letter:
        day = max(delivered, effort.assigned_date + dt.timedelta(days=dice.between(4, 7)))
    else:
        day = story.wd(accepted, dice.between(1, 4) if dice.chance(0.85) else dice.between(8, 11))
    reports = 8 if plan.outcome == EffortEnd.ONGOING else dice.between(1, 3)
    for i in range(reports):
        story.at(day, handler.clerk)
        await report_progress(
            ctx, effort.id, report_date=day, content=dice.pick(PROGRESS_NOTES), reported_by=handler.staff.name
        )
        if i == 0 and plan.extend:
            await extend(story, effort, day)
        if i == min(1, reports - 1) and plan.hearing:
            day = story.at(day + dt.timedelta(days=dice.between(2, 5)), handler.clerk)
            await hold_resolution_hearing(story, effort, day)
        day = day + dt.timedelta(days=interval)
    day = county.workday_on_or_after(day - dt.timedelta(days=dice.between(0, interval - 1)))
    if plan.outcome in (EffortEnd.ONGOING, EffortEnd.ABANDONED):
        return effort, day
    story.at(day, handler.clerk)
    if plan.outcome == EffortEnd.SUCCESS:
        result = plan.result or dice.weighted(RESOLUTION_RESULTS)
        await conclude_resolution(
            ctx,
            effort.id,
            succeeded=True,
            concluded_date=day,
            result=result,
            agreement_effective_date=day if result == ResolutionResult.AGREEMENT else None,
        )
        if result == ResolutionResult.AGREEMENT and dice.chance(0.7):
            day = await confirm_agreement(story, effort, day)
    else:
        await conclude_resolution(
            ctx,
            effort.id,
            succeeded=False,
            concluded_date=day,
            failure_reason=dice.pick(FAILURE_REASONS),
            failure_process=f"{handler.unit.name}于{accepted.isoformat()}受理后，"
            f"先后组织{reports + 1}次协调会，"
            "邀请律师、人民调解员参与释法说理，双方分歧仍无法弥合。",
            claims_summary=f"申请人要求纠正原行政行为并赔偿损失；{story.unit.unit.name}认为原行政行为认定事实清楚、程序合法。",
            point_in_dispute=dice.pick(POINTS_IN_DISPUTE),
        )
    return effort, day


async def extend(story: Story, effort: ResolutionEffort, day: dt.date) -> None:
    """Extend a complex effort's deadline once, with the applicant's and the centre's consent."""
    if effort.due_date is None:
        return  # no deadline to extend (e.g. the calendar cannot count it yet)
    policy, _ = await extension_policy(story.ctx, effort)
    try:
        limit = (
            story.county.calendar.due_date(policy.max_extension, effort.due_date)
            if policy.max_extension is not None
            else effort.due_date + dt.timedelta(days=30)
        )
    except CalendarYearUnknown:
        return
    new_due = min(limit, effort.due_date + dt.timedelta(days=story.dice.between(14, 30)))
    if new_due <= effort.due_date:
        return
    await extend_resolution(
        story.ctx,
        effort.id,
        new_due_date=new_due,
        reason="争议较为复杂，需进一步调查核实并组织协商",
        applicant_consent=True,
        centre_consent=True,
        court_informed=True,
        granted_date=day,
    )


async def hold_resolution_hearing(story: Story, effort: ResolutionEffort, day: dt.date) -> None:
    """A resolution hearing (纾解听证) with deputies, experts, a judge and a lawyer, fully recorded."""
    dice, county = story.dice, story.county
    people = [dice.person(county.spec.surnames) for _ in range(4)]
    await record_resolution_hearing(
        story.ctx,
        effort.id,
        held_date=day,
        participants=f"人大代表{people[0]}、政协委员{people[1]}、{county.spec.court}法官{people[2]}、"
        f"执业律师{people[3]}、申请人及其委托代理人、{story.unit.unit.name}代表",
        record=f"听证会由{county.bureau_unit.unit.name}主持。申请人陈述诉求及理由，{story.unit.unit.name}说明行政行为的"
        "事实依据和法律依据，参加人员逐一发表意见。主持人归纳争议焦点："
        + dice.pick(POINTS_IN_DISPUTE)
        + "。",
    )


async def confirm_agreement(story: Story, effort: ResolutionEffort, agreed: dt.date) -> dt.date:
    """Take the agreement to court for judicial confirmation (司法确认); return the day recorded."""
    dice = story.dice
    requested = story.wd(agreed, dice.between(3, 20) if dice.chance(0.85) else dice.between(31, 40))
    confirmed = requested + dt.timedelta(days=dice.between(5, 20))
    clerk = story.county.staffed(effort.unit_id).clerk
    if confirmed <= story.county.today:
        story.at(confirmed, clerk)
        await request_judicial_confirmation(
            story.ctx, effort.id, requested_date=requested, confirmed_date=confirmed
        )
        return confirmed
    story.at(requested, clerk)
    await request_judicial_confirmation(story.ctx, effort.id, requested_date=requested)
    return requested


async def close_later(story: Story, after: dt.date, chance: float) -> None:
    """Close the dispute some days after ``after``, with probability ``chance``."""
    if story.dice.chance(chance):
        day = story.at(story.later(after, 3, 30), story.county.bureau)
        await close_dispute(story.ctx, story.d.id, closed_date=day)


# -- the stories -------------------------------------------------------------------------------


async def story_open(story: Story) -> None:
    """Just recorded: nobody has acted on it yet."""
    await record(story)


async def story_assigned(story: Story) -> None:
    """Assigned to a unit for resolution, not yet accepted (some of them late)."""
    await record(story)
    await run_effort(
        story, story.wd(story.plan.received, story.dice.between(0, 1)), EffortPlan(EffortEnd.ASSIGNED_ONLY)
    )


async def story_in_progress(story: Story) -> None:
    """Pre-filing resolution under way: accepted, reporting progress, some extended or heard."""
    await record(story)
    plan = EffortPlan(EffortEnd.ONGOING, extend=story.dice.chance(0.35), hearing=story.dice.chance(0.2))
    await run_effort(story, story.wd(story.plan.received, story.dice.between(0, 2)), plan)


async def story_resolved(story: Story) -> None:
    """Resolved before filing (mediated, settled, withdrawn or an agreement), often closed afterwards."""
    await record(story)
    result = ResolutionResult(story.plan.ending) if story.plan.ending else None
    hard = story.d.is_major or story.dice.chance(0.12)
    plan = EffortPlan(EffortEnd.SUCCESS, result=result, extend=hard or story.dice.chance(0.1), hearing=hard)
    _, day = await run_effort(story, story.wd(story.plan.received, story.dice.between(0, 2)), plan)
    await close_later(story, day, 0.5)


async def failed_first(story: Story, chance: float) -> dt.date:
    """Perhaps a pre-filing effort that fails (or is overtaken by the filing); return the day it ended."""
    start = story.wd(story.plan.received, story.dice.between(0, 2))
    if not story.dice.chance(chance):
        return story.plan.received
    outcome = EffortEnd.FAILURE if story.dice.chance(0.8) else EffortEnd.ABANDONED
    _, day = await run_effort(story, start, EffortPlan(outcome, extend=story.dice.chance(0.1)))
    return day


async def story_reconsideration(story: Story) -> None:
    """An application for reconsideration: rejected, or accepted and decided (upheld … corrected)."""
    dice, county, ctx = story.dice, story.county, story.ctx
    await record(story)
    day = await failed_first(story, 0.4)
    received = story.at(story.later(day, 3, 25), county.bureau)
    number = f"{county.spec.short}府复〔{received.year}〕{county.next_number(f'recon-{received.year}')}号"
    case = await receive_reconsideration(ctx, story.d.id, case_number=number, received_date=received)
    if story.plan.ending == REJECTED:
        day = story.at(story.wd(received, dice.between(2, 5)), county.bureau)
        await reject_reconsideration(ctx, case.id, rejected_date=day, reason=dice.pick(REJECTION_REASONS))
        await close_later(story, day, 0.6)
        return
    accepted = story.at(story.wd(received, dice.between(1, 5)), county.bureau)
    await accept_reconsideration(ctx, case.id, accepted_date=accepted)
    await statutory_reconsideration_steps(story, case, accepted)
    decision = (
        dice.weighted(CORRECTIONS)
        if story.plan.ending == CORRECTED
        else ReconsiderationDecision(story.plan.ending or ReconsiderationDecision.UPHELD)
    )
    day = story.at(story.later(accepted, 25, 58), county.bureau)
    await conclude_reconsideration(
        ctx, case.id, decision=decision, concluded_date=day, note=_decision_note(decision)
    )
    await close_later(story, day, 0.65)


async def statutory_reconsideration_steps(story: Story, case: ReconsiderationCase, accepted: dt.date) -> None:
    """行政复议法第四十八条, on fixed days (no dice draw, so the other stories stay as they were):
    the copy sent 3 working days after acceptance and received the next, the reply 6 after that."""
    sent = story.wd(accepted, 3)
    received = story.wd(sent, 1)
    replied = story.wd(received, 6)
    if received <= story.county.today:
        act_at(story.ctx, received, story.county.bureau)
        await send_application_copy(story.ctx, case.id, sent_date=sent, received_date=received)
    if replied <= story.county.today:
        act_at(story.ctx, replied, story.unit.clerk)
        await submit_written_reply(story.ctx, case.id, submitted_date=replied)


def _decision_note(decision: ReconsiderationDecision) -> str:
    """The gist of a reconsideration decision."""
    if decision.is_correction:
        return f"原行政行为存在违法或不当情形，决定予以纠正（{decision.label}）。"
    return {
        ReconsiderationDecision.UPHELD: "原行政行为认定事实清楚，证据确凿，程序合法，决定维持。",
        ReconsiderationDecision.DISMISSED: "申请人的复议请求缺乏事实和法律依据，决定驳回。",
        ReconsiderationDecision.MEDIATED: "经行政复议机构主持调解，双方自愿达成调解协议。",
        ReconsiderationDecision.TERMINATED: "申请人撤回行政复议申请，行政复议终止。",
    }.get(decision, decision.label)


async def story_litigation_pending(story: Story) -> None:
    """A recent lawsuit: notice received and reported, its hearing still to come."""
    dice, county = story.dice, story.county
    await record(story)
    case = await file_case(story, story.later(story.plan.received, 2, 10))
    notice = await respond(story, case)
    schedule_day = min(county.today, story.later(notice, 2, 10))
    hearing_day = county.workday_on_or_after(county.today + dt.timedelta(days=dice.between(1, 30)))
    hearing = await schedule(story, case, schedule_day, hearing_day, head_required=dice.chance(0.8))
    if dice.chance(0.6):
        designate_day = max(schedule_day, min(county.today, hearing_day - dt.timedelta(days=7)))
        await designate(story, hearing, designate_day, hearing_day, check=dice.chance(0.8))
    await phone_reminder(story, hearing, hearing_day)


async def story_litigation(story: Story) -> None:
    """A lawsuit to the end: hearings, judgment, perhaps an appeal, post-judgment duties, closing."""
    dice, county = story.dice, story.county
    d = await record(story)
    # A court letter is an effort before filing; an oral notice often leads to one.
    pre = {DisputeSource.COURT_LETTER: 1.0, DisputeSource.COURT_ORAL_NOTICE: 0.6}.get(d.source, 0.35)
    day = await failed_first(story, pre)
    case = await file_case(story, story.later(day, 3, 20))
    day = await respond(story, case)
    kind = _outcome_kind(story)
    if kind in (OutcomeKind.WITHDRAWAL, OutcomeKind.MEDIATION) and dice.chance(0.5):
        result = ResolutionResult.WITHDRAWN if kind == OutcomeKind.WITHDRAWAL else ResolutionResult.MEDIATED
        plan = EffortPlan(EffortEnd.SUCCESS, stage=ResolutionStage.IN_LITIGATION, result=result, case=case)
        _, day = await run_effort(story, story.later(day, 3, 10), plan)
    if kind.needs_hearing or dice.chance(0.35):
        for _ in range(1 if dice.chance(0.85) else 2):
            day = await hearing_round(story, case, story.later(day, 5, 15), head_required=dice.chance(0.8))
    decided = story.later(day, 7, 40)
    received = await judgment(story, case, kind, decided)
    cases = [case]
    appeal = (kind.is_loss and dice.chance(0.3)) or (kind == OutcomeKind.CLAIM_DISMISSED and dice.chance(0.2))
    if appeal:
        second, effective = await appeal_case(story, case, kind, received)
        cases.append(second)
    else:
        effective = _effective_day(story, kind, received)
    steps: list[Step] = [
        (effective, county.court_liaison, _call(mark_effective, story, c.id, effective_date=effective))
        for c in cases
    ]
    steps += await duty_steps(story, cases, received, effective)
    last = await run_agenda(story, steps) or effective
    if kind.is_loss and dice.chance(0.2):
        plan = EffortPlan(
            EffortEnd.SUCCESS, stage=ResolutionStage.POST_JUDGMENT, result=ResolutionResult.SETTLED, case=case
        )
        _, day = await run_effort(story, story.later(effective, 3, 15), plan)
        last = max(last, day)
    await close_cases(story, cases, last)


def _call(
    fn: Callable[..., Awaitable[object]], story: Story, *args: object, **kwargs: object
) -> Callable[[], Awaitable[object]]:
    """A deferred service call with the story's context."""
    return lambda: fn(story.ctx, *args, **kwargs)


def _outcome_kind(story: Story) -> OutcomeKind:
    """The planned first-instance outcome (a loss is drawn among the kinds of losses)."""
    ending = story.plan.ending or OutcomeKind.CLAIM_DISMISSED
    return story.dice.weighted(LOSS_KINDS) if ending == LOSS else OutcomeKind(ending)


def _effective_day(story: Story, kind: OutcomeKind, received: dt.date) -> dt.date:
    """When a first-instance decision nobody appeals takes effect."""
    if kind in (OutcomeKind.WITHDRAWAL, OutcomeKind.MEDIATION):
        return received
    window = 15 if kind.needs_hearing else 10  # appeal period for judgments and for rulings
    return received + dt.timedelta(days=window + story.dice.between(1, 5))


# -- litigation steps --------------------------------------------------------------------------


async def file_case(story: Story, filed: dt.date, *, parent: LitigationCase | None = None) -> LitigationCase:
    """The court files the lawsuit (or the appeal); the justice bureau registers it here."""
    county = story.county
    story.at(filed, county.bureau)
    if parent is None:
        number = f"（{filed.year}）{county.spec.court_code}行初{county.next_number(f'first-{filed.year}')}号"
        court, instance = county.spec.court, Instance.FIRST
    else:
        number = (
            f"（{filed.year}）{county.spec.appeal_code}行终{county.next_number(f'second-{filed.year}')}号"
        )
        court, instance = county.spec.appeal_court, Instance.SECOND
    plaintiff = story.d.applicant_name
    return await file_litigation_case(
        story.ctx,
        story.d.id,
        court=court,
        case_number=number,
        plaintiff_name=plaintiff,
        filed_date=filed,
        instance=instance,
        parent_case_id=parent.id if parent else None,
    )


async def respond(story: Story, case: LitigationCase) -> dt.date:
    """The unit receives the response notice and reports the suit (mostly on time); return the notice day."""
    dice, clerk = story.dice, story.unit.clerk
    notice = story.at(story.later(case.filed_date, 1, 5), clerk)
    await record_response_notice(story.ctx, case.id, received_date=notice)
    # 行政诉讼法第六十七条: the complaint copy comes with the notice; the defence goes in on a fixed
    # day (no dice draw, so the other stories stay as they were), well within the 15 days.
    await record_complaint_copy(story.ctx, case.id, received_date=notice)
    defended = story.wd(notice, 7)
    if defended <= story.county.today:
        act_at(story.ctx, defended, clerk)
        await submit_defence(story.ctx, case.id, submitted_date=defended)
        act_at(story.ctx, notice, clerk)
    roll = dice.weighted({"on_time": 85, "late": 10, "never": 5})
    if roll != "never":
        day = story.wd(notice, dice.between(0, 3) if roll == "on_time" else dice.between(4, 8))
        story.at(day, clerk)
        await report_response(story.ctx, case.id, reported_date=day)
    return notice


def china_time(moment: dt.datetime) -> dt.time:
    """The wall-clock time of ``moment`` (an aware instant) in China."""
    return moment.astimezone(CHINA).time()


async def schedule(
    story: Story, case: LitigationCase, day: dt.date, hearing_day: dt.date, *, head_required: bool
) -> Hearing:
    """The court sets a hearing on ``hearing_day`` (recorded on ``day``)."""
    story.at(day, story.county.court_liaison)
    moment = dt.datetime.combine(hearing_day, story.dice.pick(HEARING_TIMES), tzinfo=CHINA)
    return await schedule_hearing(
        story.ctx,
        case.id,
        scheduled_at=moment,
        courtroom=story.dice.pick(COURTROOMS),
        head_required=head_required,
    )


async def hearing_round(story: Story, case: LitigationCase, day: dt.date, *, head_required: bool) -> dt.date:
    """One hearing from scheduling to the day itself (a few are moved); return the day it was held."""
    dice, county = story.dice, story.county
    hearing_day = story.later(day, 18, 45)
    hearing = await schedule(story, case, day, hearing_day, head_required=head_required)
    if dice.chance(0.1):
        moved_on = story.later(day, 2, max(2, (hearing_day - day).days - 8))
        hearing_day = story.later(hearing_day, 7, 21)
        story.at(moved_on, county.court_liaison)
        moment = dt.datetime.combine(hearing_day, china_time(hearing.scheduled_at), tzinfo=CHINA)
        hearing = await reschedule_hearing(
            story.ctx,
            hearing.id,
            new_time=moment,
            reason=dice.pick(("原告申请延期开庭", "合议庭成员变更", "原告补充提交证据，需另行确定开庭时间")),
        )
        day = moved_on
    designate_day = max(day, county.workday_on_or_before(hearing_day - dt.timedelta(days=dice.between(5, 9))))
    head = await designate(story, hearing, designate_day, hearing_day, check=True)
    return await attend(story, hearing, hearing_day, head)


async def designate(
    story: Story, hearing: Hearing, day: dt.date, hearing_day: dt.date, *, check: bool
) -> Official | None:
    """Name the appearing head (now and then first a wrong one the identity check rejects)."""
    dice, ctx = story.dice, story.ctx
    clerk = story.unit.clerk
    qualifying = await qualifying_heads(story, hearing)
    story.at(day, clerk)
    if not qualifying or dice.chance(0.06):
        await designate_head(ctx, hearing.id, official_id=story.unit.staff.id)
        await check_identity(ctx, hearing.id)
        if not qualifying:
            return None
        day = story.at(min(hearing_day, story.wd(day, 1)), clerk)
    deputies = [
        o for o in qualifying if o.rank in (OfficialRank.DEPUTY_HEAD, OfficialRank.COUNTY_LEADER_IN_CHARGE)
    ]
    head = dice.pick(deputies) if deputies and dice.chance(0.65) else qualifying[0]
    # A clerk sees only the own unit's officials: the bureau names a county leader from outside it.
    who = clerk if head.unit_id == hearing.unit_id else story.county.bureau
    story.at(day, who)
    await designate_head(ctx, hearing.id, official_id=head.id)
    if check:
        if dice.chance(0.3):
            story.at(min(hearing_day, story.wd(day, 1)), who)
        await check_identity(ctx, hearing.id)
    return head


async def qualifying_heads(story: Story, hearing: Hearing) -> list[Official]:
    """The officials who count as a qualifying head at this hearing under the jurisdiction's rule."""
    county = story.county
    unit = county.staffed(hearing.unit_id)
    policy = await story.ctx.policy(county.jurisdiction.id)
    ranks = policy.qualifying_head_ranks(unit.unit.kind.value, hearing.head_required)
    own = [o for o in unit.heads if o.rank.value in ranks]
    county_leaders = [
        o for o in county.government.heads if o.rank.value in ranks and o.rank.value.startswith("county_")
    ]
    return own or county_leaders


async def attend(story: Story, hearing: Hearing, hearing_day: dt.date, head: Official | None) -> dt.date:
    """The hearing takes place; mostly the designated head appears, otherwise an excuse and a substitute."""
    dice, county, ctx = story.dice, story.county, story.ctx
    held_at = dt.datetime.combine(hearing_day, china_time(hearing.scheduled_at), tzinfo=CHINA)
    record_day = hearing_day if held_at.time() <= dt.time(10, 0) else story.wd(hearing_day, 1)
    clerk = story.unit.clerk
    await phone_reminder(story, hearing, hearing_day)
    if head is not None and dice.chance(HEAD_ATTENDANCE):
        story.at(record_day, clerk if head.unit_id == hearing.unit_id else county.bureau)
        await record_hearing(
            ctx,
            hearing.id,
            held_at=held_at,
            head_attended=True,
            attending_official_id=head.id,
            head_spoke=dice.chance(0.85),
        )
    else:
        substitute = dice.pick([o for o in [*story.unit.heads[1:], story.unit.staff] if o is not head])
        approver = county.leader_in_charge if dice.chance(0.7) else None
        # The approving county leader belongs to the government, which a unit clerk cannot see.
        story.at(record_day, clerk if approver is None else county.bureau)
        await record_hearing(
            ctx,
            hearing.id,
            held_at=held_at,
            head_attended=False,
            excuse_reason=dice.pick(EXCUSES),
            excuse_proof="会议通知及请假审批单" if dice.chance(0.6) else None,
            substitute_name=f"{substitute.name}（{substitute.title}）",
            substitute_approved_by_id=approver.id if approver else None,
        )
    return hearing_day


async def phone_reminder(story: Story, hearing: Hearing, hearing_day: dt.date) -> None:
    """The day before the hearing the bureau phones the unit (where the rules ask for it)."""
    story.at(story.county.workday_on_or_before(hearing_day - dt.timedelta(days=1)), story.county.bureau)
    await do_manual_duties(story, EventKind.HEARING_SCHEDULED, "hearing", hearing.id)


async def judgment(story: Story, case: LitigationCase, kind: OutcomeKind, decided: dt.date) -> dt.date:
    """The court decides; return the day the unit received the decision."""
    dice = story.dice
    received = decided + dt.timedelta(days=dice.between(1, 6))
    story.at(received, story.county.court_liaison)
    cause = dice.pick(LOSS_CAUSES)
    summary = (
        f"法院认为，被告{cause}，判决{kind.label}。"
        if kind.is_loss
        else f"{case.court}作出{kind.label}的裁判。"
    )
    await record_outcome(
        story.ctx,
        case.id,
        kind=kind,
        decided_date=decided,
        received_date=received,
        agency_changed_act=kind == OutcomeKind.WITHDRAWAL and dice.chance(0.4),
        summary=summary,
    )
    return received


async def appeal_case(
    story: Story, first: LitigationCase, kind: OutcomeKind, received: dt.date
) -> tuple[LitigationCase, dt.date]:
    """An appeal to the intermediate court, heard and decided; return it and the day of its decision."""
    dice = story.dice
    second = await file_case(story, story.later(received, 8, 14), parent=first)
    day = await respond(story, second)
    day = await hearing_round(story, second, story.later(day, 5, 15), head_required=dice.chance(0.5))
    if dice.chance(0.78):
        second_kind = OutcomeKind.APPEAL_UPHELD
    else:
        second_kind = OutcomeKind.CLAIM_DISMISSED if kind.is_loss else OutcomeKind.REVOKED
    effective = await judgment(story, second, second_kind, story.later(day, 10, 45))
    return second, effective


def duty_trigger(policy: Policy, kind: DutyKind) -> EventKind | None:
    """The event from which the jurisdiction counts the deadline of a post-judgment duty, if it sets one."""
    for rule in policy.deadline_rules:
        if any(
            m.kind == EventKind.DUTY_SUBMITTED and m.when.get("duty_kind") == kind.value for m in rule.met_by
        ) and isinstance(rule.trigger.kind, EventKind):
            return rule.trigger.kind
    return None


async def duty_steps(
    story: Story, cases: list[LitigationCase], received: dt.date, effective: dt.date
) -> list[Step]:
    """File the judgments, analyse losses and rectify, mostly in time; the bureau reviews some.

    A duty is done after the event the jurisdiction counts it from: on receiving the judgment, or
    once it takes effect (always the latter after an appeal: the unit waits for the final word).
    """
    dice, county = story.dice, story.county
    policy = await story.ctx.policy(county.jurisdiction.id)
    steps: list[Step] = []
    rows = await story.ctx.session.scalars(
        select(PostJudgmentDuty).where(PostJudgmentDuty.case_id.in_([c.id for c in cases]))
    )
    for duty in rows:
        case = next(c for c in cases if c.id == duty.case_id)
        roll = dice.weighted({"on_time": 72, "late": 18, "never": 10})
        if roll == "never":
            continue
        trigger = duty_trigger(policy, duty.kind)
        if trigger is None:
            trigger = (
                EventKind.JUDGMENT_EFFECTIVE
                if duty.kind == DutyKind.FILE_JUDGMENT
                else EventKind.JUDGMENT_RECEIVED
            )
        base = received if trigger == EventKind.JUDGMENT_RECEIVED and len(cases) == 1 else effective
        lag = dice.between(1, 6) if roll == "on_time" else dice.between(9, 25)
        submitted = story.wd(base, lag)
        steps.append(
            (
                submitted,
                story.unit.clerk,
                _call(
                    submit_duty,
                    story,
                    case.id,
                    kind=duty.kind,
                    content=_duty_content(story, case, duty.kind),
                    submitted_date=submitted,
                ),
            )
        )
        if dice.chance(0.3 if duty.kind == DutyKind.FILE_JUDGMENT else 0.6):
            reviewed = story.later(submitted, 3, 15)
            steps.append(
                (
                    reviewed,
                    county.bureau,
                    _call(
                        review_duty,
                        story,
                        duty.id,
                        reviewed_date=reviewed,
                        note=_review_note(duty.kind),
                    ),
                )
            )
    return steps


def _duty_content(story: Story, case: LitigationCase, kind: DutyKind) -> str:
    """What the unit submits for a post-judgment duty."""
    bureau = story.county.bureau_unit.unit.name
    if kind == DutyKind.FILE_JUDGMENT:
        return f"已将{case.case_number}生效裁判文书报送{bureau}备案。"
    if kind == DutyKind.LOSS_ANALYSIS:
        return (
            f"{case.case_number}败诉原因分析：{story.dice.pick(LOSS_CAUSES)}。"
            "主要教训是执法程序意识不强、证据收集固定不规范。"
        )
    return "已组织全体执法人员专题学习裁判文书，修订执法流程和法制审核清单，对相关责任人员进行约谈提醒。"


def _review_note(kind: DutyKind) -> str:
    """The justice bureau's review note."""
    if kind == DutyKind.FILE_JUDGMENT:
        return "已备案。"
    return "材料完整，原因剖析到位，整改措施可行，同意报县人民政府。"


async def close_cases(story: Story, cases: list[LitigationCase], after: dt.date) -> None:
    """Close the cases whose duties are all in, and then (often) the dispute."""
    pending = await story.ctx.session.scalar(
        select(func.count(PostJudgmentDuty.id)).where(
            PostJudgmentDuty.case_id.in_([c.id for c in cases]), PostJudgmentDuty.submitted_date.is_(None)
        )
    )
    if pending or not story.dice.chance(0.8):
        return
    day = story.at(story.later(after, 2, 20), story.county.bureau)
    for case in cases:
        await close_case(story.ctx, case.id, closed_date=day)
    await close_later(story, day, 0.75)


STORIES: dict[str, Callable[[Story], Awaitable[None]]] = {
    OPEN: story_open,
    ASSIGNED: story_assigned,
    IN_PROGRESS: story_in_progress,
    RESOLVED: story_resolved,
    RECONSIDERATION: story_reconsideration,
    LITIGATION_PENDING: story_litigation_pending,
    LITIGATION: story_litigation,
}


# ---------------------------------------------------------------------------------------------
# Planning and telling the stories of a jurisdiction
# ---------------------------------------------------------------------------------------------


def plan_stories(county: County, dice: Dice, n: int) -> list[StoryPlan]:
    """Which story each of ``n`` disputes follows and when it was received, in date order."""
    kinds = dice.deck(STORY_WEIGHTS, n, ensure=STORY_WEIGHTS)
    endings: dict[str, list[str]] = {
        LITIGATION: dice.deck(LITIGATION_OUTCOMES, kinds.count(LITIGATION), ensure=[LOSS]),
        RECONSIDERATION: dice.deck(RECON_DECISIONS, kinds.count(RECONSIDERATION), ensure=[CORRECTED]),
        RESOLVED: [
            r.value
            for r in dice.deck(RESOLUTION_RESULTS, kinds.count(RESOLVED), [ResolutionResult.AGREEMENT])
        ],
    }
    plans = []
    for index, kind in enumerate(kinds):
        low, high = STORY_AGE[kind]
        received = county.workday_on_or_before(county.today - dt.timedelta(days=dice.between(low, high)))
        ending = endings[kind].pop() if kind in endings else None
        plans.append(StoryPlan(index=index, kind=kind, received=received, ending=ending))
    return sorted(plans, key=lambda p: (p.received, p.index))


async def tell(ctx: ServiceContext, county: County, plan: StoryPlan, seed: int) -> None:
    """Play one dispute's story up to today."""
    story = Story(ctx=ctx, county=county, dice=Dice(f"{seed}:{county.spec.plugin}:{plan.index}"), plan=plan)
    try:
        await STORIES[plan.kind](story)
    except BeyondToday:
        pass
    except Exception as exc:
        exc.add_note(
            f"demo: {county.spec.plugin} dispute #{plan.index} ({plan.kind}, received {plan.received})"
            f" at {ctx.today()}"
        )
        raise


SCHEDULER = Principal(user="scheduler", role=Role.SYSTEM_ADMIN)


async def run_periodic(ctx: ServiceContext, county: County, dice: Dice) -> None:
    """Emit the periodic events of the last months and submit most of the reports they ask for."""
    today = county.today
    first = today.replace(day=1)
    for _ in range(PERIODIC_MONTHS - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    planned: list[tuple[dt.date, int, Callable[[], Awaitable[object]]]] = []
    day = first
    while day <= today:
        if periods_starting(day):
            act_at(ctx, day, SCHEDULER)
            for obligation in await emit_periodic(ctx, county.jurisdiction.id, day):
                planned += await plan_report(ctx, county, dice, obligation)
        for when, _, action in sorted((p for p in planned if p[0] == day), key=lambda p: p[1]):
            act_at(ctx, when, county.bureau)
            await action()
        day += dt.timedelta(days=1)


async def plan_report(
    ctx: ServiceContext, county: County, dice: Dice, obligation: Obligation
) -> list[tuple[dt.date, int, Callable[[], Awaitable[object]]]]:
    """When (if at all) the report a periodic obligation asks for is submitted: mostly on time."""
    policy = await ctx.policy(county.jurisdiction.id)
    rule = policy.deadline_rule(obligation.rule_id)
    if rule is None or rule.recurring is not None or obligation.due_date is None:
        return []
    kinds = [m.when.get("report") for m in rule.met_by if m.kind == EventKind.REPORT_SUBMITTED]
    report = next((k for k in kinds if isinstance(k, str)), None)
    roll = dice.weighted({"on_time": 72, "late": 13, "never": 15})
    if report is None or roll == "never":
        return []
    due = obligation.due_date
    if roll == "on_time":
        earliest = max(obligation.trigger_date, due - dt.timedelta(days=10))
        day = county.workday_on_or_before(
            earliest + dt.timedelta(days=dice.between(0, (due - earliest).days))
        )
        day = max(day, obligation.trigger_date)
    else:
        day = county.workday_on_or_after(due + dt.timedelta(days=dice.between(1, 10)))
    if day > county.today:
        return []
    unit_id = obligation.subject_id if obligation.subject_type == "unit" else None
    period = obligation.occurrence
    found = county.screened[(unit_id, period)] if unit_id is not None else 0
    is_zero = report == "monthly_screening" and found == 0
    content = (
        ""
        if is_zero
        else f"{period}排查发现行政争议{found}件，均已录入系统并按程序分流化解。"
        if report == "monthly_screening"
        else f"{rule.title_zh}（{period}）已按要求完成。"
    )

    async def submit() -> None:
        """Submit the report."""
        await submit_report(
            ctx,
            county.jurisdiction.id,
            kind=report,
            period=period,
            submitted_date=day,
            unit_id=unit_id,
            is_zero=is_zero,
            content=content,
        )

    return [(day, obligation.id, submit)]


async def load_county(
    ctx: ServiceContext,
    spec: CountySpec,
    *,
    today: dt.date,
    seed: int,
    disputes: int,
    progress: DemoProgress | None = None,
) -> None:
    """Create one jurisdiction with its organisation, its disputes' stories and its periodic duties."""
    founded = today - dt.timedelta(days=STORY_SPAN_DAYS + 30)
    act_at(ctx, founded, SYSTEM)
    jurisdiction = await create_jurisdiction_from_plugin(ctx, spec.plugin)
    go_live = (today - dt.timedelta(days=GO_LIVE_DAYS_BEFORE)).replace(day=1)
    await set_go_live_date(ctx, jurisdiction.id, go_live_date=go_live)
    if jurisdiction.population is None and spec.plugin in DEMO_POPULATIONS:
        jurisdiction.population = DEMO_POPULATIONS[spec.plugin][0]
    dice = Dice(f"{seed}:{spec.plugin}")
    units = await build_units(ctx, jurisdiction, spec, dice)
    county = County(
        spec=spec, jurisdiction=jurisdiction, units=units, calendar=await ctx.calendar(), today=today
    )
    step = f"{jurisdiction.name} 争议 / disputes"
    for done, plan in enumerate(plan_stories(county, dice, disputes), start=1):
        await tell(ctx, county, plan, seed)
        if progress is not None and (done % 5 == 0 or done == disputes):
            progress(step, done, disputes)
    await run_periodic(ctx, county, dice)
    if progress is not None:
        progress(f"{jurisdiction.name} 定期报送 / periodic reports", 1, 1)


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------


DemoProgress = Callable[[str, int, int], None]
"""Called as ``progress(step, done, total)``: after each dispute's story of a county, and per step."""


def stderr_demo_progress(stream: Any = None) -> DemoProgress:
    """Progress on stderr: a bar redrawn in place on a terminal, one line per step elsewhere (a log)."""
    out = stream or sys.stderr
    started = time.perf_counter()
    tty = bool(getattr(out, "isatty", lambda: False)())
    width = 30

    def show(step: str, done: int, total: int) -> None:
        elapsed = time.perf_counter() - started
        share = done / total if total else 1.0
        if tty:
            bar = "#" * round(share * width)
            out.write(f"\rdemo: {step} [{bar:<{width}}] {done}/{total} {elapsed:5.1f} s ")
            if done >= total:
                out.write("\n")
        elif done >= total:
            out.write(f"demo: {step} {done}/{total} done at {elapsed:.1f} s\n")
        out.flush()

    return show


def demo_codes(registry: PolicyRegistry) -> dict[str, str]:
    """The jurisdiction code of each demo plugin, from its profile (the plugins must be installed)."""
    codes = {}
    for plugin in DEMO_PLUGINS:
        profile = registry.policy(plugin).profile if registry.has(plugin) else None
        if profile is None:
            raise ConfigurationError(
                f"the demo needs the policy plugin '{plugin}' with a jurisdiction profile (missing or empty)"
            )
        codes[plugin] = profile.code
    return codes


async def delete_everything(session_factory: async_sessionmaker[AsyncSession]) -> None:
    """Delete every row of every table (children first)."""
    async with session_factory() as session, session.begin():
        for table in reversed(Base.metadata.sorted_tables):
            await session.execute(delete(table))


async def load_demo(
    session_factory: async_sessionmaker[AsyncSession],
    registry: PolicyRegistry,
    *,
    reset: bool = False,
    today: dt.date | None = None,
    seed: int = 2024,
    disputes_per_jurisdiction: int = 90,
    progress: DemoProgress | None = None,
) -> str:
    """Load the demo jurisdictions through the core services and return a summary (zh and en).

    Does nothing if any demo jurisdiction exists already, unless ``reset`` first deletes all data.
    """
    started = time.perf_counter()
    today = today or dt.datetime.now(CHINA).date()
    codes = demo_codes(registry)
    if reset:
        await delete_everything(session_factory)
    else:
        async with session_factory() as session:
            found = await session.scalars(select(Jurisdiction).where(Jurisdiction.code.in_(codes.values())))
            order = list(codes.values())
            existing = [j.name for j in sorted(found, key=lambda j: order.index(j.code))]
        if existing:
            names = "、".join(existing)
            return (
                f"演示数据已存在（{names}），未作任何更改；如需重新载入请使用 --reset。"
                f"Demo data is already loaded ({', '.join(existing)}); nothing was changed "
                "(use --reset to reload)."
            )
    # One transaction: a failure part way leaves no half-loaded demo behind.
    async with session_factory() as session, session.begin():
        for plugin in DEMO_PLUGINS:
            ctx = ServiceContext(session=session, principal=SYSTEM, registry=registry)
            await load_county(
                ctx,
                COUNTIES[plugin],
                today=today,
                seed=seed,
                disputes=disputes_per_jurisdiction,
                progress=progress,
            )
        await create_demo_accounts(session)
        if progress is not None:
            progress("账户 / accounts", 1, 1)
    return await summarise(session_factory, list(codes.values()), today, seed, time.perf_counter() - started)


DEMO_PASSWORD = "Demo-2024!"
"""The password of every demo account (README); a demo database is for trying caseload, not for real data."""


async def create_demo_accounts(session: AsyncSession) -> list[str]:
    """Sign-in accounts for trying the console: an administrator and, per county, each role."""
    from core.auth.models import User
    from core.auth.service import HASHER

    digest = HASHER.hash(DEMO_PASSWORD)  # one hash for all: they share the documented password
    names: list[str] = []

    def add(username: str, display: str, role: Role, **scope: int | None) -> None:
        session.add(
            User(
                username=username,
                display_name=display,
                password_hash=digest,
                role=role,
                active=True,
                failed_logins=0,
                token_generation=1,
                can_view_personal_data=role in (Role.SYSTEM_ADMIN,),
                **scope,
            )
        )
        names.append(username)

    existing = set(await session.scalars(select(User.username)))
    if "admin" not in existing:
        add("admin", "系统管理员", Role.SYSTEM_ADMIN)
    for j in await session.scalars(select(Jurisdiction).order_by(Jurisdiction.id)):
        first_unit = await session.scalar(
            select(Unit).where(Unit.jurisdiction_id == j.id, Unit.kind == UnitKind.AGENCY).order_by(Unit.id)
        )
        for suffix, display, role in (
            ("admin", "县级管理员", Role.JURISDICTION_ADMIN),
            ("staff", "司法局工作人员", Role.JUSTICE_STAFF),
            ("leader", "领导", Role.LEADER),
            ("court", "法院联络员", Role.COURT_LIAISON),
        ):
            if f"{j.code}-{suffix}" not in existing:
                add(f"{j.code}-{suffix}", f"{j.name}{display}", role, jurisdiction_id=j.id)
        if first_unit is not None and f"{j.code}-clerk" not in existing:
            add(
                f"{j.code}-clerk",
                f"{first_unit.name}联络员",
                Role.UNIT_CLERK,
                jurisdiction_id=j.id,
                unit_id=first_unit.id,
            )
    await session.flush()
    return names


@dataclass(frozen=True)
class Tally:
    """A count shown in the summary: rows of ``model``, phrased in Chinese and English."""

    model: type[Base]
    zh: str
    en: str


TALLIES = (
    Tally(Unit, "单位{}个", "{} units"),
    Tally(Dispute, "行政争议{}件", "{} disputes"),
    Tally(ReconsiderationCase, "复议案件{}件", "{} reconsideration cases"),
    Tally(LitigationCase, "诉讼案件{}件", "{} lawsuits"),
    Tally(Hearing, "庭审{}场", "{} hearings"),
    Tally(Obligation, "期限事项{}项", "{} obligations"),
)


async def count_by_jurisdiction(session: AsyncSession, model: type[Base]) -> dict[int, int]:
    """Rows of ``model`` per jurisdiction."""
    column = model.jurisdiction_id  # type: ignore[attr-defined]
    rows = await session.execute(select(column, func.count()).group_by(column))
    return {jurisdiction_id: n for jurisdiction_id, n in rows}


async def summarise(
    session_factory: async_sessionmaker[AsyncSession],
    codes: list[str],
    today: dt.date,
    seed: int,
    seconds: float,
) -> str:
    """One paragraph, in Chinese and English, of what each demo jurisdiction now holds."""
    async with session_factory() as session:
        jurisdictions = list(await session.scalars(select(Jurisdiction).where(Jurisdiction.code.in_(codes))))
        counts = {tally: await count_by_jurisdiction(session, tally.model) for tally in TALLIES}
    jurisdictions.sort(key=lambda j: codes.index(j.code))
    zh = [
        j.name + "：" + "、".join(t.zh.format(counts[t].get(j.id, 0)) for t in TALLIES) for j in jurisdictions
    ]
    en = [
        f"{j.name_en or j.name}: " + ", ".join(t.en.format(counts[t].get(j.id, 0)) for t in TALLIES)
        for j in jurisdictions
    ]
    return (
        f"演示数据已载入（截至{today.isoformat()}，随机种子{seed}，用时{seconds:.1f}秒）——{'；'.join(zh)}。"
        f" Demo data loaded (as of {today.isoformat()}, seed {seed}, {seconds:.1f} s) — {'; '.join(en)}."
    )
