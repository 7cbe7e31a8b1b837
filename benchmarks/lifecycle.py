"""A whole dispute lifecycle recorded by GraphQL mutations alone (18 operations), for benchmarks.

dispute → pre-filing effort fails → lawsuit → notice → hearing with a designated, checked head →
lost judgment → three post-judgment duties → effective → case and dispute closed. Dates are counted
back from the benchmark server's fixed ``today`` so every step is in the past.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

FAIL = "{ field code message }"


def _steps(today: dt.date, seq: int) -> list[tuple[str, dict[str, Any]]]:
    def day(n: int) -> str:
        return (today - dt.timedelta(days=n)).isoformat()

    hearing_at = f"{day(60)}T09:30:00+08:00"
    return [
        (
            "mutation($u: ID!, $r: Date!, $t: String!) { recordDispute(input: {unitId: $u, title: $t,"
            ' applicantName: "周某", field: WORK_INJURY, actionType: CONFIRMATION, source: SCREENING,'
            f" receivedDate: $r, lossRisk: true}}) {{ result {{ id }} errors {FAIL} }} }}",
            {"r": day(150), "t": f"工伤认定争议（基准{seq}）"},
        ),
        (
            "mutation($d: ID!, $u: ID!, $a: Date!) { assignResolution(input: {disputeId: $d, unitId: $u,"
            f" stage: PRE_FILING, assignedDate: $a}}) {{ result {{ id }} errors {FAIL} }} }}",
            {"a": day(149)},
        ),
        (
            "mutation($e: ID!, $a: Date!) { acceptResolution(input: {effortId: $e, acceptedDate: $a,"
            f" noticeDeliveredDate: $a}}) {{ result {{ id }} errors {FAIL} }} }}",
            {"a": day(148)},
        ),
        (
            "mutation($e: ID!, $a: Date!) { reportResolutionProgress(input: {effortId: $e, reportDate: $a,"
            f' content: "已组织双方协调一次"}}) {{ result {{ id }} errors {FAIL} }} }}',
            {"a": day(141)},
        ),
        (
            "mutation($e: ID!, $a: Date!) { concludeResolution(input: {effortId: $e, succeeded: false,"
            ' concludedDate: $a, failureReason: "申请人坚持诉讼", failureProcess: "协调两次未果"})'
            f" {{ result {{ id }} errors {FAIL} }} }}",
            {"a": day(130)},
        ),
        (
            "mutation($d: ID!, $n: String!, $a: Date!) { fileLitigationCase(input: {disputeId: $d,"
            ' court: "县人民法院", caseNumber: $n, plaintiffName: "周某", filedDate: $a})'
            f" {{ result {{ id }} errors {FAIL} }} }}",
            {"n": f"（基准）行初{seq}号", "a": day(110)},
        ),
        (
            "mutation($c: ID!, $a: Date!) { recordResponseNotice(caseId: $c, receivedDate: $a)"
            f" {{ result {{ id }} errors {FAIL} }} }}",
            {"a": day(106)},
        ),
        (
            "mutation($c: ID!, $at: DateTime!) { scheduleHearing(input: {caseId: $c, scheduledAt: $at})"
            f" {{ result {{ id }} errors {FAIL} }} }}",
            {"at": hearing_at},
        ),
        (
            "mutation($h: ID!, $o: ID!) { designateHearingHead(hearingId: $h, officialId: $o)"
            f" {{ result {{ id }} errors {FAIL} }} }}",
            {},
        ),
        (
            "mutation($h: ID!) { checkHearingIdentity(hearingId: $h)"
            f" {{ result {{ id }} errors {FAIL} }} }}",
            {},
        ),
        (
            "mutation($h: ID!, $at: DateTime!) { recordHearing(input: {hearingId: $h, heldAt: $at,"
            f" headAttended: true, headSpoke: true}}) {{ result {{ id }} errors {FAIL} }} }}",
            {"at": hearing_at},
        ),
        (
            "mutation($c: ID!, $a: Date!, $b: Date!) { recordOutcome(input: {caseId: $c, kind: REVOKED,"
            f" decidedDate: $a, receivedDate: $b}}) {{ result {{ id }} errors {FAIL} }} }}",
            {"a": day(40), "b": day(39)},
        ),
        *[
            (
                "mutation($c: ID!, $k: DutyKind!, $a: Date!) { submitPostJudgmentDuty(input: {caseId: $c,"
                f' kind: $k, content: "已提交", submittedDate: $a}}) {{ result {{ id }} errors {FAIL} }} }}',
                {"k": kind, "a": day(35)},
            )
            for kind in ("FILE_JUDGMENT", "LOSS_ANALYSIS", "RECTIFICATION")
        ],
        (
            "mutation($c: ID!, $a: Date!) { markJudgmentEffective(caseId: $c, effectiveDate: $a)"
            f" {{ result {{ id }} errors {FAIL} }} }}",
            {"a": day(20)},
        ),
        (
            "mutation($c: ID!, $a: Date!) { closeLitigationCase(caseId: $c, closedDate: $a)"
            f" {{ result {{ id }} errors {FAIL} }} }}",
            {"a": day(10)},
        ),
        (
            "mutation($d: ID!, $a: Date!) { closeDispute(id: $d, closedDate: $a)"
            f" {{ result {{ id }} errors {FAIL} }} }}",
            {"a": day(5)},
        ),
    ]


def run_lifecycle(http: httpx.Client, *, today: dt.date, unit_id: int, official_id: int, seq: int) -> int:
    """Record one lifecycle; return the number of mutations (each must succeed)."""
    ids: dict[str, str] = {"u": str(unit_id), "o": str(official_id)}
    done = 0
    for query, variables in _steps(today, seq):
        names = {name for name in ("d", "u", "e", "c", "h", "o") if f"${name}:" in query}
        sent = {**variables, **{name: ids[name] for name in names}}
        response = http.post("/graphql", json={"query": query, "variables": sent})
        body = response.json()
        assert response.status_code == 200 and not body.get("errors"), body
        (payload,) = body["data"].values()
        assert payload["errors"] == [], (query, payload["errors"])
        field = next(iter(body["data"]))
        new_id = payload["result"]["id"]
        key = {
            "recordDispute": "d",
            "assignResolution": "e",
            "fileLitigationCase": "c",
            "scheduleHearing": "h",
        }.get(field)
        if key:
            ids[key] = new_id
        done += 1
    return done
