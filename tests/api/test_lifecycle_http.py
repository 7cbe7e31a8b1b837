"""A whole dispute lifecycle driven by GraphQL mutations alone, over HTTP to uvicorn on loopback:
dispute → pre-filing resolution fails → litigation → hearing with a designated head → lost judgment
→ judgment filed → loss-cause analysis (and rectification) → judgment effective → case and dispute closed.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.conftest import GraphQLClient

SETUP_UNIT = """mutation($j: ID!, $name: String!, $kind: UnitKind!) {
  createUnit(input: {jurisdictionId: $j, name: $name, kind: $kind}) { result { id name } errors { field code message } } }"""
SETUP_OFFICIAL = """mutation($u: ID!, $name: String!, $rank: OfficialRank!) {
  createOfficial(input: {unitId: $u, name: $name, rank: $rank}) { result { id rankLabel } errors { field code message } } }"""


async def step(gql: GraphQLClient, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    return await gql.mutate(query, variables)


async def test_full_lifecycle_over_http(live_server: str):
    async with httpx.AsyncClient(base_url=live_server, timeout=30) as http:
        gql = GraphQLClient(http)
        gql.headers = {"x-caseload-user": "clerk-zhang"}
        j = await step(
            gql,
            'mutation { createJurisdiction(plugin: "testland") { result { id code } errors { field code message } } }',
        )
        agency = await step(
            gql, SETUP_UNIT, {"j": j["id"], "name": "县人力资源和社会保障局", "kind": "AGENCY"}
        )
        head = await step(
            gql, SETUP_OFFICIAL, {"u": agency["id"], "name": "刘局长", "rank": "PRINCIPAL_HEAD"}
        )
        assert head["rankLabel"] == "主要负责人"

        dispute = await step(
            gql,
            """mutation($u: ID!) { recordDispute(input: {unitId: $u, title: "工伤认定争议",
            applicantName: "周某", field: WORK_INJURY, actionType: CONFIRMATION, source: SCREENING,
            receivedDate: "2024-07-01", lossRisk: true}) { result { id number status statusLabel fieldLabel } errors { field code message } } }""",
            {"u": agency["id"]},
        )
        assert dispute["status"] == "OPEN" and dispute["fieldLabel"] == "工伤认定"

        effort = await step(
            gql,
            """mutation($d: ID!, $u: ID!) { assignResolution(input: {disputeId: $d, unitId: $u,
            stage: PRE_FILING, assignedDate: "2024-07-02"}) { result { id status obligations { ruleId dueDate status } } errors { field code message } } }""",
            {"d": dispute["id"], "u": agency["id"]},
        )
        assert effort["obligations"] == [
            {"ruleId": "testland.accept", "dueDate": "2024-07-05", "status": "OPEN"}
        ]
        await step(
            gql,
            """mutation($e: ID!) { acceptResolution(input: {effortId: $e, acceptedDate: "2024-07-03",
            noticeDeliveredDate: "2024-07-03"}) { result { id status } errors { field code message } } }""",
            {"e": effort["id"]},
        )
        await step(
            gql,
            """mutation($e: ID!) { reportResolutionProgress(input: {effortId: $e, reportDate: "2024-07-10",
            content: "已组织双方协调一次"}) { result { id } errors { field code message } } }""",
            {"e": effort["id"]},
        )
        failed = await step(
            gql,
            """mutation($e: ID!) { concludeResolution(input: {effortId: $e, succeeded: false,
            concludedDate: "2024-07-20", failureReason: "申请人坚持诉讼", failureProcess: "协调两次未果"})
            { result { status statusLabel dispute { status } } errors { field code message } } }""",
            {"e": effort["id"]},
        )
        assert failed["status"] == "FAILED" and failed["dispute"]["status"] == "OPEN"

        case = await step(
            gql,
            """mutation($d: ID!) { fileLitigationCase(input: {disputeId: $d, court: "县人民法院",
            caseNumber: "(2024)闽0824行初15号", plaintiffName: "周某", filedDate: "2024-08-01"})
            { result { id status dispute { status } } errors { field code message } } }""",
            {"d": dispute["id"]},
        )
        assert case["dispute"]["status"] == "ESCALATED"
        await step(
            gql,
            """mutation($c: ID!) { recordResponseNotice(caseId: $c, receivedDate: "2024-08-05")
            { result { status } errors { field code message } } }""",
            {"c": case["id"]},
        )
        hearing = await step(
            gql,
            """mutation($c: ID!) { scheduleHearing(input: {caseId: $c, scheduledAt: "2024-09-10T09:30:00+08:00"})
            { result { id status } errors { field code message } } }""",
            {"c": case["id"]},
        )
        await step(
            gql,
            """mutation($h: ID!, $o: ID!) { designateHearingHead(hearingId: $h, officialId: $o)
            { result { designatedOfficial { name } } errors { field code message } } }""",
            {"h": hearing["id"], "o": head["id"]},
        )
        checked = await step(
            gql,
            """mutation($h: ID!) { checkHearingIdentity(hearingId: $h)
            { result { identityCheck identityCheckLabel } errors { field code message } } }""",
            {"h": hearing["id"]},
        )
        assert checked["identityCheck"] == "VERIFIED"
        held = await step(
            gql,
            """mutation($h: ID!) { recordHearing(input: {hearingId: $h, heldAt: "2024-09-10T09:30:00+08:00",
            headAttended: true, headSpoke: true}) { result { status headAttended attendingOfficial { name } case { status } }
            errors { field code message } } }""",
            {"h": hearing["id"]},
        )
        assert held["attendingOfficial"]["name"] == "刘局长" and held["case"]["status"] == "IN_HEARING"

        outcome = await step(
            gql,
            """mutation($c: ID!) { recordOutcome(input: {caseId: $c, kind: REVOKED,
            decidedDate: "2024-10-08", receivedDate: "2024-10-09"}) { result { isLoss kindLabel } errors { field code message } } }""",
            {"c": case["id"]},
        )
        assert outcome == {"isLoss": True, "kindLabel": "判决撤销"}
        duties = await gql.ok(
            """query($c: ID!) { litigationCase(id: $c) { status duties { kind status }
            obligations(openOnly: true) { ruleId dueDate } } }""",
            {"c": case["id"]},
        )
        assert {d["kind"] for d in duties["litigationCase"]["duties"]} == {
            "FILE_JUDGMENT",
            "LOSS_ANALYSIS",
            "RECTIFICATION",
        }
        # Five working days after Wed 9 Oct 2024 (the National Day make-up Saturday 12 Oct counts).
        assert duties["litigationCase"]["obligations"] == [
            {"ruleId": "testland.loss_analysis", "dueDate": "2024-10-15"}
        ]

        for kind, content in (
            ("FILE_JUDGMENT", "判决书已报备"),
            ("LOSS_ANALYSIS", "程序违法：未履行告知义务"),
            ("RECTIFICATION", "修订执法流程"),
        ):
            await step(
                gql,
                """mutation($c: ID!, $k: DutyKind!, $t: String!) { submitPostJudgmentDuty(input: {caseId: $c,
                kind: $k, content: $t, submittedDate: "2024-10-14"}) { result { status } errors { field code message } } }""",
                {"c": case["id"], "k": kind, "t": content},
            )
        await step(
            gql,
            """mutation($c: ID!) { markJudgmentEffective(caseId: $c, effectiveDate: "2024-10-25")
            { result { status } errors { field code message } } }""",
            {"c": case["id"]},
        )
        await step(
            gql,
            """mutation($c: ID!) { closeLitigationCase(caseId: $c, closedDate: "2024-11-01")
            { result { status } errors { field code message } } }""",
            {"c": case["id"]},
        )
        closed = await step(
            gql,
            """mutation($d: ID!) { closeDispute(id: $d, closedDate: "2024-11-02")
            { result { status statusLabel } errors { field code message } } }""",
            {"d": dispute["id"]},
        )
        assert closed == {"status": "CLOSED", "statusLabel": "已办结"}

        final = await gql.ok(
            """query($c: ID!) { litigationCase(id: $c) { obligations { ruleId status } }
            auditTrail(entityType: "disputes", first: 50) { totalCount edges { node { action actor } } } }""",
            {"c": case["id"]},
        )
        # The judgment was filed before it took effect: the filing duty created at effect is met at once.
        assert final["litigationCase"]["obligations"] == [
            {"ruleId": "testland.loss_analysis", "status": "MET"},
            {"ruleId": "testland.file_judgment", "status": "MET"},
        ]
        actions = [e["node"]["action"] for e in final["auditTrail"]["edges"]]
        assert "dispute.record" in actions and "dispute.close" in actions
        assert {e["node"]["actor"] for e in final["auditTrail"]["edges"]} == {"clerk-zhang"}
