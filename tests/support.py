"""Test helpers: a minimal jurisdiction plugin ("testland") and an organisation to work in."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.calendar.rules import working_days
from core.context import ServiceContext
from core.enums import OfficialRank, UnitKind
from core.org.models import Jurisdiction, Official, Unit
from core.org.service import create_jurisdiction_from_plugin, create_official, create_unit
from core.policy import hookimpl
from core.policy.types import (
    Citation,
    DeadlineRule,
    EventKind,
    EventMatch,
    ExtensionPolicy,
    JurisdictionProfile,
    Owner,
    ReminderRule,
)

CITE = Citation(source="tests/support.py", clause="测试用规则")


class Testland:
    """A small policy: accept an assignment in 3 working days, resolve in 30 (extendable once),
    file a loss analysis in 5; remind a week and a day before each hearing."""

    @hookimpl
    def caseload_hearing_reminders(self) -> list[ReminderRule]:
        return [
            ReminderRule(
                "testland.hearing_designate",
                7,
                "designate",
                "开庭前一周提醒确定出庭负责人",
                "name the head",
                CITE,
            ),
            ReminderRule("testland.hearing_phone", 1, "phone", "开庭前一天电话提醒", "phone reminder", CITE),
        ]

    @hookimpl
    def caseload_jurisdiction_profile(self) -> JurisdictionProfile:
        return JurisdictionProfile(code="testland", name="测试县", name_en="Testland", population=300_000)

    @hookimpl
    def caseload_deadline_rules(self) -> list[DeadlineRule]:
        return [
            DeadlineRule(
                id="testland.accept",
                trigger=EventMatch(EventKind.RESOLUTION_ASSIGNED),
                title_zh="3个工作日内受理",
                title_en="accept within 3 working days",
                due=working_days(3),
                owner=Owner.UNIT,
                citation=CITE,
                met_by=(EventMatch(EventKind.RESOLUTION_ACCEPTED),),
            ),
            DeadlineRule(
                id="testland.resolve",
                trigger=EventMatch(EventKind.RESOLUTION_ACCEPTED),
                title_zh="30个工作日内化解",
                title_en="resolve within 30 working days",
                due=working_days(30),
                owner=Owner.UNIT,
                citation=CITE,
                met_by=(EventMatch(EventKind.RESOLUTION_SUCCEEDED), EventMatch(EventKind.RESOLUTION_FAILED)),
                extension=ExtensionPolicy(
                    max_extensions=1, max_extension=working_days(30), requires_centre_consent=True
                ),
            ),
            DeadlineRule(
                id="testland.loss_analysis",
                trigger=EventMatch(EventKind.JUDGMENT_RECEIVED, {"is_loss": True}),
                title_zh="败诉后5个工作日内报送败诉原因分析",
                title_en="loss analysis within 5 working days",
                due=working_days(5),
                owner=Owner.UNIT,
                citation=CITE,
                met_by=(EventMatch(EventKind.DUTY_SUBMITTED, {"duty_kind": "loss_analysis"}),),
            ),
            DeadlineRule(
                id="testland.file_judgment",
                trigger=EventMatch(EventKind.JUDGMENT_EFFECTIVE),
                title_zh="裁判生效后7个工作日内报备",
                title_en="file the effective judgment within 7 working days",
                due=working_days(7),
                owner=Owner.UNIT,
                citation=CITE,
                met_by=(EventMatch(EventKind.DUTY_SUBMITTED, {"duty_kind": "file_judgment"}),),
            ),
        ]


@dataclass
class Org:
    jurisdiction: Jurisdiction
    agency: Unit
    township: Unit
    government: Unit
    head: Official
    deputy: Official
    staff: Official
    county_leader: Official


async def make_org(ctx: ServiceContext, plugin: str = "testland") -> Org:
    """A jurisdiction with an agency, a township, the county government and their officials."""
    j = await create_jurisdiction_from_plugin(ctx, plugin)
    agency = await create_unit(ctx, j.id, name="县自然资源局", kind=UnitKind.AGENCY)
    township = await create_unit(ctx, j.id, name="城关镇", kind=UnitKind.TOWNSHIP)
    government = await create_unit(ctx, j.id, name="县人民政府", kind=UnitKind.COUNTY_GOVERNMENT)
    await ctx.session.flush()
    head = await create_official(ctx, agency.id, name="张局长", rank=OfficialRank.PRINCIPAL_HEAD)
    deputy = await create_official(ctx, agency.id, name="李副局长", rank=OfficialRank.DEPUTY_HEAD)
    staff = await create_official(ctx, agency.id, name="王科员", rank=OfficialRank.STAFF)
    leader = await create_official(
        ctx, government.id, name="赵副县长", rank=OfficialRank.COUNTY_LEADER_IN_CHARGE
    )
    await ctx.session.flush()
    return Org(j, agency, township, government, head, deputy, staff, leader)


def migration_revision(name: str) -> Any:
    """A migration module, loaded from its file (revision files are not a package's modules)."""
    (path,) = (Path(__file__).parents[1] / "core" / "migrations" / "versions").glob(f"{name}_*.py")
    spec = importlib.util.spec_from_file_location(f"revision_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
