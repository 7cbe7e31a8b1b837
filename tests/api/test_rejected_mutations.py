"""A rejected mutation writes nothing: every table is exactly as it was, audit trail included."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, inspect, select

from core.cases import service as cases
from core.db import Base
from core.disputes import service as disputes
from core.enums import ActionType, DisputeField, DisputeSource
from tests.api.conftest import GraphQLClient
from tests.support import make_org


async def database_state(session_factory: Any) -> dict[str, Any]:
    state: dict[str, Any] = {}
    async with session_factory() as session:
        existing = set(await (await session.connection()).run_sync(lambda c: inspect(c).get_table_names()))
        for table in Base.metadata.sorted_tables:
            if table.name not in existing:
                continue
            state[table.name] = await session.scalar(select(func.count()).select_from(table))
            if "version" in table.c:
                state[f"{table.name}.versions"] = await session.scalar(select(func.sum(table.c.version)))
    return state


@pytest.fixture
async def world(ctx, session_factory) -> dict[str, str]:
    org = await make_org(ctx)
    d = await disputes.record_dispute(
        ctx,
        disputes.DisputeInput(
            unit_id=org.agency.id,
            title="处罚争议",
            applicant_name="吴某",
            field=DisputeField.MARKET_REGULATION,
            action_type=ActionType.PENALTY,
            source=DisputeSource.SCREENING,
            received_date=dt.date(2024, 10, 8),
        ),
    )
    case = await cases.file_litigation_case(
        ctx,
        d.id,
        court="县人民法院",
        case_number="(2024)行初9号",
        plaintiff_name="吴某",
        filed_date=dt.date(2024, 10, 9),
    )
    hearing = await cases.schedule_hearing(ctx, case.id, scheduled_at=dt.datetime(2024, 12, 2, 9))
    await ctx.session.commit()
    return {
        "unit": str(org.agency.id),
        "dispute": str(d.id),
        "case": str(case.id),
        "hearing": str(hearing.id),
        "staff": str(org.staff.id),
        "jurisdiction": str(org.jurisdiction.id),
    }


REJECTED = [
    # validation: blank title
    (
        'mutation($u: ID!) { recordDispute(input: {unitId: $u, title: " ", applicantName: "a", field: OTHER,'
        ' actionType: PENALTY, source: SCREENING, receivedDate: "2024-11-01"}) { result { id } errors { field code } } }',
        "title",
        "required",
    ),
    # validation after in-memory changes: reschedule without a reason
    (
        'mutation($h: ID!) { rescheduleHearing(hearingId: $h, newTime: "2024-12-09T09:00:00+08:00", reason: "")'
        " { result { id } errors { field code } } }",
        "reason",
        "required",
    ),
    # state machine: a judgment needs a held hearing
    (
        'mutation($c: ID!) { recordOutcome(input: {caseId: $c, kind: REVOKED, decidedDate: "2024-11-01",'
        ' receivedDate: "2024-11-02"}) { result { id } errors { field code } } }',
        "kind",
        "hearing_required",
    ),
    # stale version: optimistic locking
    (
        "mutation($d: ID!) { updateDispute(input: {id: $d, version: 99, lossRisk: true}) { result { id } errors { field code } } }",
        "version",
        "conflict",
    ),
    # a non-existent record
    (
        'mutation { acceptResolution(input: {effortId: "424242", acceptedDate: "2024-11-01", noticeDeliveredDate:'
        ' "2024-11-01"}) { result { id } errors { field code } } }',
        "effortId",
        "not_found",
    ),
    # an event kind the jurisdiction's plugin does not declare
    (
        'mutation($j: ID!, $u: ID!) { recordPolicyEvent(input: {jurisdictionId: $j, kind: "testland.warned",'
        ' date: "2024-11-01", subjectId: $u, attributes: {}}) { result { id } errors { field code } } }',
        "kind",
        "unknown_kind",
    ),
    # attributes that are not an object
    (
        'mutation($j: ID!, $u: ID!) { recordPolicyEvent(input: {jurisdictionId: $j, kind: "testland.warned",'
        ' date: "2024-11-01", subjectId: $u, attributes: [1]}) { result { id } errors { field code } } }',
        "attributes",
        "invalid_value",
    ),
    # a bad id
    (
        'mutation { closeDispute(id: "abc", closedDate: "2024-11-01") { result { id } errors { field code } } }',
        "id",
        "invalid_id",
    ),
]


@pytest.mark.parametrize(("query", "field", "code"), REJECTED)
async def test_rejected_mutation_leaves_database_unchanged(
    client: GraphQLClient, session_factory: Any, world: dict[str, str], query: str, field: str, code: str
):
    before = await database_state(session_factory)
    variables = {
        "u": world["unit"],
        "d": world["dispute"],
        "c": world["case"],
        "h": world["hearing"],
        "j": world["jurisdiction"],
    }
    used = {k: v for k, v in variables.items() if f"${k}" in query}
    data = await client.ok(query, used)
    (payload,) = data.values()
    assert payload["result"] is None
    assert payload["errors"] == [{"field": field, "code": code}]
    assert await database_state(session_factory) == before


async def test_forbidden_mutation_for_a_leader_writes_nothing(
    client: GraphQLClient, session_factory: Any, world
):
    before = await database_state(session_factory)
    body = await client.ok(
        "mutation($d: ID!) { updateDispute(input: {id: $d, lossRisk: true}) { result { id } errors { code message } } }",
        {"d": world["dispute"]},
        **{"x-caseload-role": "leader", "x-caseload-jurisdiction": "1"},
    )
    assert body["updateDispute"]["errors"][0]["code"] in ("forbidden", "not_found")
    assert await database_state(session_factory) == before
