"""Obligations, inbox and calendar through GraphQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from core.clock import CHINA, fixed_clock
from core.disputes import service as disputes
from core.enums import ActionType, DisputeField, DisputeSource, ResolutionStage
from core.obligations.models import Obligation
from core.obligations.scan import scan_jurisdiction
from tests.api.conftest import GraphQLClient
from tests.support import make_org


async def seed(make_ctx):
    ctx = make_ctx(today=dt.date(2024, 11, 1))
    org = await make_org(ctx)
    d = await disputes.record_dispute(
        ctx,
        disputes.DisputeInput(
            unit_id=org.agency.id,
            title="许可争议",
            applicant_name="韩某",
            field=DisputeField.OTHER,
            action_type=ActionType.LICENSING,
            source=DisputeSource.SCREENING,
            received_date=dt.date(2024, 11, 1),
        ),
    )
    await disputes.assign_resolution(
        ctx, d.id, unit_id=org.agency.id, stage=ResolutionStage.PRE_FILING, assigned_date=dt.date(2024, 11, 1)
    )
    # Accepting was due Wed 6 Nov: the unit's reminder on the 7th, the justice bureau's escalation on
    # the 8th (a scan sends only the step due now, so the worker scans on each day).
    for day in (7, 8):
        ctx.clock = fixed_clock(dt.datetime(2024, 11, day, 10, tzinfo=CHINA))
        await scan_jurisdiction(ctx, org.jurisdiction.id)
    ctx.clock = fixed_clock(dt.datetime(2024, 11, 20, 10, tzinfo=CHINA))
    await ctx.session.commit()
    return org


async def test_obligations_filter_and_link_to_their_rule(make_ctx, client: GraphQLClient):
    await seed(make_ctx)
    data = await client.ok(
        """{ obligations(filter: {overdue: true}) { totalCount edges { node { ruleId status statusLabel dueDate
             dueRuleText unit { name } rule { id kind title clause source } } } } }"""
    )
    node = data["obligations"]["edges"][0]["node"]
    assert data["obligations"]["totalCount"] == 1
    assert node["status"] == "OVERDUE" and node["statusLabel"] == "已逾期" and node["dueDate"] == "2024-11-06"
    assert node["dueRuleText"] == "3个工作日内" and node["unit"]["name"] == "县自然资源局"
    assert node["rule"] == {
        "id": "testland.accept",
        "kind": "deadline",
        "title": "3个工作日内受理",
        "clause": "测试用规则",
        "source": "tests/support.py",
    }
    none = await client.ok("{ obligations(filter: {overdue: false}) { totalCount } }")
    assert none["obligations"]["totalCount"] == 0


async def test_inbox_by_role_and_acknowledge(make_ctx, client: GraphQLClient):
    org = await seed(make_ctx)
    clerk = {
        "x-caseload-role": "unit_clerk",
        "x-caseload-jurisdiction": str(org.jurisdiction.id),
        "x-caseload-unit": str(org.agency.id),
    }
    staff = {"x-caseload-role": "justice_staff", "x-caseload-jurisdiction": str(org.jurisdiction.id)}
    other_clerk = dict(clerk, **{"x-caseload-unit": str(org.township.id)})
    query = "{ inbox(unreadOnly: true) { totalCount edges { node { id kind kindLabel title } } } }"
    mine = (await client.ok(query, **clerk))["inbox"]
    assert mine["totalCount"] == 1 and mine["edges"][0]["node"]["kind"] == "REMINDER"
    assert (await client.ok(query, **staff))["inbox"]["totalCount"] == 1  # the justice bureau's escalation
    assert (await client.ok(query, **other_clerk))["inbox"]["totalCount"] == 0
    nid = mine["edges"][0]["node"]["id"]
    denied = await client.ok(
        "mutation($id: ID!) { acknowledgeNotification(id: $id) { result { id } errors { code } } }",
        {"id": nid},
        **other_clerk,
    )
    assert denied["acknowledgeNotification"]["errors"][0]["code"] == "not_found"
    await client.mutate(
        "mutation($id: ID!) { acknowledgeNotification(id: $id) { result { acknowledgedAt } errors { code } } }",
        {"id": nid},
        **clerk,
    )
    assert (await client.ok(query, **clerk))["inbox"]["totalCount"] == 0


async def test_calendar_queries_and_a_correction_recomputes(make_ctx, client: GraphQLClient, session):
    await seed(make_ctx)
    data = await client.ok(
        """{ a: isWorkingDay(date: "2024-10-12") b: isWorkingDay(date: "2024-10-03")
             c: addWorkingDays(date: "2024-09-30", days: 1) info: calendarInfo { version libraryYears } }"""
    )
    assert data["a"] is True and data["b"] is False and data["c"] == "2024-10-08"
    assert 2024 in data["info"]["libraryYears"]
    unknown = await client('{ addWorkingDays(date: "2026-12-30", days: 5) }')
    assert "2027" in unknown["errors"][0]["message"]
    changed = await client.mutate(
        """mutation { setCalendarDay(day: "2024-11-05", isWorkingDay: false, name: "临时调整") {
             result { version recomputed } errors { field code message } } }"""
    )
    assert changed["recomputed"] == 1 and changed["version"] != data["info"]["version"]
    ob = await session.scalar(select(Obligation).where(Obligation.rule_id == "testland.accept"))
    assert ob is not None and ob.due_date == dt.date(2024, 11, 7)
    forbidden = await client.ok(
        'mutation { declareCalendarYear(year: 2027, source: "通知") { result { version } errors { code } } }',
        **{"x-caseload-role": "justice_staff", "x-caseload-jurisdiction": "1"},
    )
    assert forbidden["declareCalendarYear"]["errors"] == [{"code": "forbidden"}]
