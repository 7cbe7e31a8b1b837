"""Nested list queries batch through DataLoaders: the number of SQL statements does not grow with
the page size (no N+1)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.cases import service as cases
from core.disputes import service as disputes
from core.enums import ActionType, DisputeField, DisputeSource, OutcomeKind, ResolutionStage
from tests.api.conftest import GraphQLClient
from tests.conftest import StatementCounter
from tests.support import make_org

PAGE = """query($first: Int!) { disputes(first: $first, order: RECEIVED_ASC) { totalCount edges { cursor node {
  number statusLabel unit { name jurisdiction { code } } respondents { name } jurisdiction { name }
  resolutionEfforts { stageLabel unit { name } obligations { ruleId dueDate } }
  litigationCases { caseNumber unit { name } hearings { scheduledAt designatedOfficial { name unit { name } } }
                    outcome { kindLabel isLoss } duties { kind status } obligations(openOnly: true) { ruleId } }
  reconsiderationCases { caseNumber }
  obligations { ruleId }
} } pageInfo { hasNextPage endCursor } } }"""


async def seed(ctx: Any, n: int) -> None:
    org = await make_org(ctx)
    for i in range(n):
        d = await disputes.record_dispute(
            ctx,
            disputes.DisputeInput(
                unit_id=org.agency.id,
                title=f"争议{i}",
                applicant_name=f"申请人{i}",
                field=DisputeField.OTHER,
                action_type=ActionType.PENALTY,
                source=DisputeSource.SCREENING,
                received_date=dt.date(2024, 3, 1),
                other_unit_ids=(org.township.id,),
            ),
        )
        effort = await disputes.assign_resolution(
            ctx,
            d.id,
            unit_id=org.township.id,
            stage=ResolutionStage.PRE_FILING,
            assigned_date=dt.date(2024, 3, 4),
        )
        await disputes.accept_resolution(
            ctx, effort.id, accepted_date=dt.date(2024, 3, 5), notice_delivered_date=dt.date(2024, 3, 5)
        )
        case = await cases.file_litigation_case(
            ctx,
            d.id,
            court="县人民法院",
            case_number=f"(2024)行初{i}号",
            plaintiff_name=f"申请人{i}",
            filed_date=dt.date(2024, 4, 1),
        )
        hearing = await cases.schedule_hearing(ctx, case.id, scheduled_at=dt.datetime(2024, 5, 6, 9))
        await cases.designate_head(ctx, hearing.id, official_id=org.head.id)
        await cases.record_hearing(
            ctx, hearing.id, held_at=dt.datetime(2024, 5, 6, 9), head_attended=True, head_spoke=True
        )
        await cases.record_outcome(
            ctx,
            case.id,
            kind=OutcomeKind.REVOKED,
            decided_date=dt.date(2024, 6, 3),
            received_date=dt.date(2024, 6, 4),
        )
    await ctx.session.commit()


async def statements_for(client: GraphQLClient, app: Any, first: int) -> tuple[int, dict[str, Any]]:
    with StatementCounter(app.state.engine) as counter:
        data = await client.ok(PAGE, {"first": first})
    return counter.count, data


async def test_nested_page_statement_count_is_constant(ctx, client: GraphQLClient, app: Any):
    await seed(ctx, 12)
    small, small_data = await statements_for(client, app, 3)
    large, large_data = await statements_for(client, app, 12)
    assert len(small_data["disputes"]["edges"]) == 3 and len(large_data["disputes"]["edges"]) == 12
    node = large_data["disputes"]["edges"][5]["node"]
    assert node["litigationCases"][0]["outcome"] == {"kindLabel": "判决撤销", "isLoss": True}
    assert node["litigationCases"][0]["hearings"][0]["designatedOfficial"]["name"] == "张局长"
    assert {r["name"] for r in node["respondents"]} == {"县自然资源局", "城关镇"}
    assert [o["ruleId"] for o in node["litigationCases"][0]["obligations"]] == ["testland.loss_analysis"]
    assert small == large, f"{small} statements for 3 rows but {large} for 12: an N+1 crept in"
    assert large <= 16


async def test_cursor_pagination_walks_every_row_once(ctx, client: GraphQLClient):
    await seed(ctx, 7)
    seen: list[str] = []
    after = None
    while True:
        data = await client.ok(
            "query($after: String) { disputes(first: 3, after: $after, order: RECEIVED_ASC) { totalCount"
            " edges { node { number } } pageInfo { hasNextPage endCursor } } }",
            {"after": after},
        )
        page = data["disputes"]
        assert page["totalCount"] == 7
        seen += [e["node"]["number"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == sorted(seen) and len(set(seen)) == 7


async def test_page_size_is_capped_with_a_clear_error(client: GraphQLClient):
    body = await client("{ disputes(first: 1000) { totalCount } }")
    assert body["errors"][0]["extensions"]["field"] == "first"


async def test_open_only_obligations_are_filtered_in_sql(ctx, client: GraphQLClient, app: Any):
    await seed(ctx, 3)
    query = """{ disputes(first: 3, order: RECEIVED_ASC) { edges { node {
      resolutionEfforts { all: obligations { ruleId status } open: obligations(openOnly: true) { ruleId } }
      litigationCases { obligations(openOnly: true) { ruleId status } } } } } }"""
    with StatementCounter(app.state.engine) as counter:
        data = await client.ok(query)
    for edge in data["disputes"]["edges"]:
        (effort,) = edge["node"]["resolutionEfforts"]
        # The effort's duties were met (late, for the resolution: the case was filed); the case's is open.
        assert [(o["ruleId"], o["status"]) for o in effort["all"]] == [
            ("testland.accept", "MET"),
            ("testland.resolve", "MET_LATE"),
        ]
        assert effort["open"] == []
        (case,) = edge["node"]["litigationCases"]
        assert case["obligations"] == [{"ruleId": "testland.loss_analysis", "status": "OPEN"}]
    # One statement per loader; the open-only ones leave the closed rows in the database.
    loads = [s for s in counter.statements if "FROM obligations" in s]
    assert len(loads) == 3 and sum("obligations.status IN" in s for s in loads) == 2
