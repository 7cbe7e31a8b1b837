"""GraphQL types of obligations (deadlines), notifications and periodic reports."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import strawberry

from api.common import NotificationKind, ObligationStatus, label_of
from api.context import Info
from api.prefetch import by_id, relation
from core.org import models as orgm

if TYPE_CHECKING:
    from api.org.types import PolicyRule, Unit

OrgUnit = Annotated["Unit", strawberry.lazy("api.org.types")]
PolicyRuleT = Annotated["PolicyRule", strawberry.lazy("api.org.types")]


_units = by_id(orgm.Unit)


@strawberry.type(description="期限事项：由政策规则在事件发生时生成")
class Obligation:
    id: strawberry.ID
    jurisdiction_id: strawberry.ID
    unit_id: strawberry.ID | None
    owner_role: str = strawberry.field(description="责任主体：unit / justice_bureau / county_leader / …")
    plugin: str
    rule_id: str = strawberry.field(description="产生该事项的规则编号")
    title: str
    title_en: str
    citation: str = strawberry.field(description="规则来源条款")
    event: str
    subject_type: str
    subject_id: strawberry.ID
    occurrence: str
    trigger_date: dt.date = strawberry.field(description="起算日期")
    due_date: dt.date | None = strawberry.field(description="到期日（日历未录入时为空，见 dueError）")
    due_error: str | None
    calendar_version: str
    status: ObligationStatus
    status_label: str | None = label_of("status")
    met_date: dt.date | None
    waived_reason: str | None
    note: str | None = strawberry.field(description="最近一次办理说明（完成、暂停、延期、更正）")
    urgent: bool
    escalation_level: int
    version: int
    due_rule: strawberry.Private[dict[str, object]]

    @strawberry.field(description="期限计算方式（中文）")
    def due_rule_text(self) -> str:
        from core.calendar.rules import DueRule

        return DueRule.from_dict(self.due_rule).describe_zh()

    @strawberry.field(description="产生该事项的政策规则（含来源条款）")
    def rule(self, info: Info) -> PolicyRuleT | None:
        from api.org.types import PolicyRule

        registry = info.context.registry
        if not registry.has(self.plugin):
            return None
        found = registry.policy(self.plugin).rule_info(self.rule_id)
        return PolicyRule.of(found) if found is not None else None

    @strawberry.field(description="责任单位")
    def unit(self, info: Info) -> OrgUnit | None:
        if self.unit_id is None:
            return None
        return _units(info.context).get(int(self.unit_id))  # type: ignore[no-any-return]


relation("Obligation", "unit", _units, key="unit_id")


@strawberry.type(description="通知（提醒、预警、督办、约谈……）")
class Notification:
    id: strawberry.ID
    jurisdiction_id: strawberry.ID
    recipient_unit_id: strawberry.ID | None
    recipient_official_id: strawberry.ID | None
    kind: NotificationKind
    kind_label: str | None = label_of("kind")
    title: str
    body: str
    obligation_id: strawberry.ID | None
    rule_id: str | None
    created_at: dt.datetime
    acknowledged_at: dt.datetime | None


@strawberry.type(description="定期报送（如月度排查、零报送）")
class PeriodicReport:
    id: strawberry.ID
    jurisdiction_id: strawberry.ID
    unit_id: strawberry.ID | None
    kind: str
    period: str
    submitted_date: dt.date
    is_zero: bool
    content: str
