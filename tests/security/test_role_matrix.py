"""The authorization matrix: every mutation of the schema and the main queries, for every role.

The EXPECTED table is written from the domain (docs/security.md §3, DOMAIN.md §1), not from
core/scoping.py: justice-bureau staff work county-wide on cases (create and assign); unit clerks do
every step of their own unit's cases and nothing else; the court liaison records hearing schedules
and judgments; leaders only read (and acknowledge the escalations they receive); configuration —
jurisdictions, units, people, accounts and tokens, targets, the calendar — is the system
administrator's. Where the code disagrees, the cell is listed in DISAGREEMENTS and tested on its
own as a strict xfail, so the rest of the row keeps guarding against regressions.

A refusal is errors-as-data with code ``forbidden`` or ``not_found``, writes nothing (every row of
every table is compared), and names nothing of another jurisdiction.
"""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from api.app import create_app
from api.schema import schema
from core.clock import fixed_clock
from core.config import Settings
from tests.http_fixtures import NOW, GraphQLClient
from tests.security.mutation_cases import CASES
from tests.security.world import (
    A_MARK,
    B_MARK,
    BY_COLUMN,
    EVERYONE,
    ID_NUMBER,
    J1_MARK,
    J2_MARK,
    JUSTICE_STAFF,
    OTHER_JUSTICE_STAFF,
    OTHER_UNIT_CLERK,
    PASSWORD,
    PHONE,
    SYSTEM_ADMIN,
    UNIT_CLERK,
    Who,
    World,
    WriteProbe,
    changed_tables,
    database_state,
)

# ---------------------------------------------------------------------------------------------
# The matrix (Y allowed, . refused, P public: signing in does not depend on who asks)
#   SA system administrator       JA county administrator (J1)   JS justice-bureau staff (J1)
#   UC unit clerk of the record's unit
#   UX unit clerk of another unit CL court liaison (J1)          LD leader (J1)
#   JX justice-bureau staff of another jurisdiction (J2)
# ---------------------------------------------------------------------------------------------

COLUMNS = ("SA", "JA", "JS", "UC", "UX", "CL", "LD", "JX")
MATRIX = """
                               SA JA JS UC UX CL LD JX
createJurisdiction             Y  .  .  .  .  .  .  .
updateJurisdiction             Y  Y  .  .  .  .  .  .
setGoLiveDate                  Y  Y  .  .  .  .  .  .
setReferenceFigure             Y  Y  .  .  .  .  .  .
createUnit                     Y  Y  .  .  .  .  .  .
updateUnit                     Y  Y  .  .  .  .  .  .
assignOffice                   Y  Y  .  .  .  .  .  .
createOfficial                 Y  Y  .  .  .  .  .  .
updateOfficial                 Y  Y  .  .  .  .  .  .
recordDispute                  Y  Y  Y  Y  .  .  .  .
updateDispute                  Y  Y  Y  Y  .  .  .  .
assignLeader                   Y  Y  Y  .  .  .  .  .
assignResolution               Y  Y  Y  .  .  .  .  .
acceptResolution               Y  Y  Y  Y  .  .  .  .
reportResolutionProgress       Y  Y  Y  Y  .  .  .  .
extendResolution               Y  Y  Y  Y  .  .  .  .
recordResolutionHearing        Y  Y  Y  Y  .  .  .  .
concludeResolution             Y  Y  Y  Y  .  .  .  .
requestJudicialConfirmation    Y  Y  Y  Y  .  .  .  .
closeDispute                   Y  Y  Y  .  .  .  .  .
receiveReconsideration         Y  Y  Y  Y  .  .  .  .
acceptReconsideration          Y  Y  Y  .  .  .  .  .
rejectReconsideration          Y  Y  Y  .  .  .  .  .
concludeReconsideration        Y  Y  Y  .  .  .  .  .
sendApplicationCopy            Y  Y  Y  .  .  .  .  .
submitWrittenReply             Y  Y  Y  Y  .  .  .  .
extendReconsideration          Y  Y  Y  .  .  .  .  .
fileLitigationCase             Y  Y  Y  Y  .  .  .  .
recordResponseNotice           Y  Y  Y  Y  .  .  .  .
reportResponse                 Y  Y  Y  Y  .  .  .  .
recordComplaintCopy            Y  Y  Y  Y  .  .  .  .
submitDefence                  Y  Y  Y  Y  .  .  .  .
scheduleHearing                Y  Y  Y  Y  .  Y  .  .
designateHearingHead           Y  Y  Y  Y  .  .  .  .
approveSubstituteHead          Y  Y  Y  Y  .  .  .  .
checkHearingIdentity           Y  Y  Y  Y  .  .  .  .
recordHearing                  Y  Y  Y  Y  .  Y  .  .
rescheduleHearing              Y  Y  Y  Y  .  Y  .  .
cancelHearing                  Y  Y  Y  Y  .  Y  .  .
recordOutcome                  Y  Y  Y  Y  .  Y  .  .
markJudgmentEffective          Y  Y  Y  Y  .  Y  .  .
submitPostJudgmentDuty         Y  Y  Y  Y  .  .  .  .
reviewPostJudgmentDuty         Y  Y  Y  .  .  .  .  .
closeLitigationCase            Y  Y  Y  .  .  .  .  .
markObligationMet              Y  Y  Y  Y  .  .  .  .
waiveObligation                Y  Y  Y  .  .  .  .  .
submitReport                   Y  Y  Y  Y  .  .  .  .
recordPolicyEvent              Y  Y  Y  .  .  .  .  .
extendObligation               Y  Y  Y  .  .  .  .  .
pauseObligation                Y  Y  Y  .  .  .  .  .
resumeObligation               Y  Y  Y  .  .  .  .  .
correctObligationTriggerDate   Y  Y  Y  .  .  .  .  .
acknowledgeNotification        Y  Y  Y  Y  .  Y  Y  .
setCalendarDay                 Y  .  .  .  .  .  .  .
clearCalendarDay               Y  .  .  .  .  .  .  .
declareCalendarYear            Y  .  .  .  .  .  .  .
registerWebhook                Y  Y  Y  .  .  .  .  .
updateWebhook                  Y  Y  Y  .  .  .  .  .
issueNotice                    Y  Y  Y  .  .  .  .  .
retryNotificationDelivery      Y  Y  Y  .  .  .  .  .
login                          P  P  P  P  P  P  P  P
refreshSession                 P  P  P  P  P  P  P  P
logout                         P  P  P  P  P  P  P  P
createUser                     Y  Y  .  .  .  .  .  .
updateUser                     Y  Y  .  .  .  .  .  .
createApiToken                 Y  Y  .  .  .  .  .  .
revokeApiToken                 Y  Y  .  .  .  .  .  .
importLedger                   Y  Y  Y  .  .  .  .  .
cancelLedgerImport             Y  Y  Y  .  .  .  .  .
setTarget                      Y  Y  .  .  .  .  .  .
clearTarget                    Y  Y  .  .  .  .  .  .
recordAssessmentFact           Y  Y  Y  .  .  .  .  .
removeAssessmentFact           Y  Y  Y  .  .  .  .  .
publishBulletin                Y  Y  Y  .  .  .  .  .
addUnitAlias                   Y  Y  Y  .  .  .  .  .
removeUnitAlias                Y  Y  Y  .  .  .  .  .
attachFile                     Y  Y  Y  Y  .  .  .  .
deleteAttachment               Y  Y  Y  Y  .  .  .  .
issueDocument                  Y  Y  Y  Y  .  .  .  .
"""


def parse_matrix(table: str) -> dict[str, dict[str, str]]:
    rows: dict[str, dict[str, str]] = {}
    for line in table.strip().splitlines()[1:]:
        name, *cells = line.split()
        assert len(cells) == len(COLUMNS), line
        rows[name] = dict(zip(COLUMNS, cells, strict=True))
    return rows


EXPECTED = parse_matrix(MATRIX)

_CONFIG = (
    "DOMAIN.md §1: 'administrators who configure targets, units, people and roles' but core/scoping.py gives justice_staff every action except "
    "jurisdiction.manage and calendar.manage, so {action} succeeds for justice-bureau staff"
)
# Cells where the code (core/scoping.py WRITE_ACTIONS) does not do what the domain says.
DISAGREEMENTS: dict[tuple[str, str], str] = {}
"""Cells where the code and the domain disagree (each tested as a strict xfail); none at present."""
REFUSED = {"forbidden", "not_found"}
ALLOWED = ("Y", "P")


def schema_mutations() -> set[str]:
    mutation_type = schema._schema.mutation_type
    assert mutation_type is not None
    return set(mutation_type.fields)


def test_every_mutation_has_a_matrix_row_and_a_case() -> None:
    """A new mutation fails here until it gets a row in EXPECTED and a valid call in mutation_cases."""
    mutations = schema_mutations()
    assert mutations - set(EXPECTED) == set(), "mutations without a row in the matrix"
    assert set(EXPECTED) - mutations == set(), "matrix rows for mutations that no longer exist"
    assert mutations - set(CASES) == set(), "mutations without a case in tests/security/mutation_cases.py"
    assert set(DISAGREEMENTS) <= {(m, c) for m in EXPECTED for c in COLUMNS}


# ---------------------------------------------------------------------------------------------
# Trying a mutation as someone
# ---------------------------------------------------------------------------------------------


def _markers_foreign_to(who: Who) -> tuple[str, ...]:
    """Text that must never reach ``who``: the other jurisdiction's, and for unit A's clerk unit B's."""
    if who.jurisdiction == "J2":
        return (J1_MARK,)
    if who == UNIT_CLERK:
        return (J2_MARK, B_MARK)
    if who == OTHER_UNIT_CLERK:
        return (J2_MARK, A_MARK)
    if who.jurisdiction == "J1":
        return (J2_MARK,)
    return ()


async def prepare(w: World, name: str, who: Who) -> dict[str, Any]:
    """A fresh target for this attempt (as the system, committed)."""
    n = w.next()
    return await w.run(lambda ctx: CASES[name].prepare(ctx, w, who, n))


async def attempt(
    client: GraphQLClient, w: World, probe: WriteProbe, name: str, who: Who, variables: dict[str, Any]
) -> None:
    """Call the mutation as ``who`` and check the verdict of the matrix."""
    expected = EXPECTED[name][who.column]
    await probe.start()
    body = await client(CASES[name].document, variables, **who.headers(w))
    written = await probe.written()
    where = f"{name} as {who.key}: {json.dumps(body, ensure_ascii=False)[:600]}"
    assert not body.get("errors"), where
    payload = body["data"][name]
    if name == "logout":
        assert payload is True, where
        return
    if expected in ALLOWED:
        assert payload["errors"] == [] and payload["result"] is not None, where
        assert payload["result"].get("committed", True) is not False, where
        return
    assert payload["result"] is None, where
    assert payload["errors"] and payload["errors"][0]["code"] in REFUSED, where
    for marker in _markers_foreign_to(who):
        assert marker not in json.dumps(payload, ensure_ascii=False), where
    assert written == [], f"refused, yet wrote to {written}: {where}"


async def check_row(client: GraphQLClient, w: World, probe: WriteProbe, name: str, people: list[Who]) -> None:
    """Each allowed attempt gets a fresh target; refused ones share one (they must not change it)."""
    shared: dict[str, Any] | None = None
    for who in people:
        if CASES[name].per_who or EXPECTED[name][who.column] in ALLOWED:
            variables = await prepare(w, name, who)
        else:
            shared = shared if shared is not None else await prepare(w, name, who)
            variables = shared
        await attempt(client, w, probe, name, who, variables)


async def test_the_write_probe_sees_a_write_and_only_a_write(
    sec_client: GraphQLClient, world: World, probe: WriteProbe
) -> None:
    """The "refused, yet wrote" check below is only as good as the probe: it must see one new row."""
    await probe.start()
    await sec_client.ok(
        "{ disputes(first: 5) { totalCount nodes { title } } }", **JUSTICE_STAFF.headers(world)
    )
    assert await probe.written() == []
    await probe.start()
    variables = {"id": str(world.own["dispute"]), "s": "probe"}
    await sec_client.mutate(
        "mutation($id: ID!, $s: String!) { updateDispute(input: {id: $id, summary: $s}) { result { id } errors { code } } }",
        variables,
        **JUSTICE_STAFF.headers(world),
    )
    assert await probe.written() != []


@pytest.mark.parametrize("name", sorted(EXPECTED))
async def test_mutation_matrix(sec_client: GraphQLClient, world: World, probe: WriteProbe, name: str) -> None:
    await check_row(
        sec_client, world, probe, name, [w for w in EVERYONE if (name, w.column) not in DISAGREEMENTS]
    )


def _disagreement_params() -> Iterator[Any]:
    for (name, column), reason in sorted(DISAGREEMENTS.items()):
        yield pytest.param(
            name, column, id=f"{name}-{column}", marks=pytest.mark.xfail(strict=True, reason=reason)
        )


if DISAGREEMENTS:  # a parametrised test with no case would check nothing (and say it was skipped)

    @pytest.mark.parametrize(("name", "column"), list(_disagreement_params()))
    async def test_domain_disagreement(
        sec_client: GraphQLClient, world: World, probe: WriteProbe, name: str, column: str
    ) -> None:
        await check_row(sec_client, world, probe, name, [BY_COLUMN[column]])


MISSING = 987_654_321
# Refusals to another county's staff that tell an existing record from a missing one.
ORACLES: dict[str, str] = {}
"""Refusals that still tell an existing record from a missing one (strict xfails); none at present."""


def _oracle_params() -> Iterator[Any]:
    for name in sorted(EXPECTED):
        if EXPECTED[name]["JX"] != "." or name in ("login", "refreshSession", "logout"):
            continue
        marks = [pytest.mark.xfail(strict=True, reason=ORACLES[name])] if name in ORACLES else []
        yield pytest.param(name, id=name, marks=marks)


@pytest.mark.parametrize("name", list(_oracle_params()))
async def test_another_countys_records_look_missing(
    sec_client: GraphQLClient, world: World, name: str
) -> None:
    """For another county's staff, a real record and an id that does not exist get the same refusal."""
    who = OTHER_JUSTICE_STAFF
    real = await prepare(world, name, who)
    missing = {k: MISSING if isinstance(v, int) and not isinstance(v, bool) else v for k, v in real.items()}
    answers = []
    for variables in (real, missing):
        payload = (await sec_client.ok(CASES[name].document, variables, **who.headers(world)))[name]
        error = payload["errors"][0]
        answers.append((error["code"], error["field"], re.sub(r"\d+", "N", error["message"])))
    assert answers[0] == answers[1], f"{name}: real {answers[0]} vs missing {answers[1]}"


# ---------------------------------------------------------------------------------------------
# Queries: another jurisdiction's records never appear (nor, for a unit clerk, another unit's)
# ---------------------------------------------------------------------------------------------

LIST_QUERIES: dict[str, str] = {
    "disputes": """query($after: String) { disputes(first: 50, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id jurisdictionId unitId number title summary
        applicantName applicantIdNumber applicantPhone unit { id jurisdictionId name } jurisdiction { id name }
        respondents { id jurisdictionId name } leaderInCharge { id name }
        resolutionEfforts { id jurisdictionId unitId progressReports { content } }
        litigationCases { id jurisdictionId unitId caseNumber plaintiffName }
        reconsiderationCases { id jurisdictionId unitId caseNumber } obligations { id jurisdictionId unitId } } } }""",
    "resolutionEfforts": """query($after: String) { resolutionEfforts(first: 50, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id jurisdictionId unitId
        dispute { id jurisdictionId unitId title } unit { id name } progressReports { content } } } }""",
    "litigationCases": """query($after: String) { litigationCases(first: 50, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id jurisdictionId unitId caseNumber
        plaintiffName dispute { id title applicantName } outcome { id summary } duties { id content }
        hearings { id jurisdictionId unitId } } } }""",
    "reconsiderationCases": """query($after: String) { reconsiderationCases(first: 50, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id jurisdictionId unitId
        caseNumber dispute { id title } } } }""",
    "hearings": """query($after: String) { hearings(first: 50, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id jurisdictionId unitId court
        case { id caseNumber plaintiffName } designatedOfficial { id name } attendingOfficial { id name } } } }""",
    "obligations": """query($after: String) { obligations(first: 50, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id jurisdictionId unitId title
        unit { id name } } } }""",
    "inbox": "query($after: String) { inbox(first: 50, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id jurisdictionId title body } } }",
    "notifications": "query($after: String) { notifications(first: 50, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id jurisdictionId title body } } }",
    "jurisdictions": """{ jurisdictions { id name code referenceFigures { source }
        units { id jurisdictionId name officials { id jurisdictionId name } } } }""",
    "units": "{ units { id jurisdictionId name officials { id name } } }",
    "officials": "{ officials { id jurisdictionId unitId name } }",
    "users": "{ users { id username jurisdictionId unitId } }",
    "ledgerImports": "{ ledgerImports { id jurisdictionId fileName actor } }",
}
# Directory lists (every role of the county reads them) and disputes (a clerk sees those naming
# their unit as any respondent): no per-unit check of ``unitId`` on these.
UNIT_FREE = {"jurisdictions", "units", "officials", "users", "disputes"}
# Rows each list shows (the scope, computed here independently of core/scoping.py).
COUNTED = {
    "disputes": "disputes",
    "resolutionEfforts": "resolution_efforts",
    "litigationCases": "litigation_cases",
    "reconsiderationCases": "reconsideration_cases",
    "hearings": "hearings",
    "obligations": "obligations",
}


async def expected_total(w: World, table: str, who: Who) -> int:
    sql = f"SELECT count(*) FROM {table}"
    params: dict[str, int] = {}
    if who.jurisdiction is not None:
        sql += " WHERE jurisdiction_id = :j"
        params["j"] = w.jurisdiction_ids[who.jurisdiction]
        if who.unit is not None and table == "disputes":
            sql += " AND id IN (SELECT dispute_id FROM dispute_respondents WHERE unit_id = :u)"
            params["u"] = w.unit_ids[who.unit]
        elif who.unit is not None:
            sql += " AND unit_id = :u"
            params["u"] = w.unit_ids[who.unit]
    async with w.session_factory() as session:
        return int(await session.scalar(text(sql), params) or 0)


def walk(value: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) pair of a JSON document, depth first."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key, inner
            yield from walk(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from walk(inner)


def assert_nothing_foreign(w: World, who: Who, body: dict[str, Any], where: str, units: bool = True) -> None:
    """No marker of another scope, no other jurisdiction's id; for a clerk, no other unit's case record.

    ``units=False`` for directory data (units, officials), which every role of the county reads, and
    for disputes, which a clerk sees when their unit is any of the respondents.
    """
    dumped = json.dumps(body, ensure_ascii=False)
    for marker in _markers_foreign_to(who):
        assert marker not in dumped, f"{where}: {marker} leaked to {who.key}"
    own_j = str(w.jurisdiction_ids[who.jurisdiction]) if who.jurisdiction else None
    for key, value in walk(body.get("data")):
        if key == "jurisdictionId" and value is not None and own_j is not None:
            assert value == own_j, f"{where}: a record of jurisdiction {value} reached {who.key}"
        if units and key == "unitId" and value is not None and who.unit is not None:
            assert value == str(w.unit_ids[who.unit]), f"{where}: unit {value}'s record reached {who.key}"
    for error in body.get("errors") or []:
        assert (error.get("extensions") or {}).get("code") in REFUSED, f"{where}: {error}"


SCOPED = [w for w in EVERYONE if w != SYSTEM_ADMIN]


async def every_page(client: GraphQLClient, w: World, who: Who, name: str) -> list[dict[str, Any]]:
    """Every response of a list, following the cursor through all pages."""
    bodies, after = [], None
    while True:
        body = await client(
            LIST_QUERIES[name], {"after": after} if "$after" in LIST_QUERIES[name] else {}, **who.headers(w)
        )
        bodies.append(body)
        page = (body.get("data") or {}).get(name)
        if not isinstance(page, dict) or not page["pageInfo"]["hasNextPage"]:
            return bodies
        after = page["pageInfo"]["endCursor"]


@pytest.mark.parametrize("who", SCOPED, ids=lambda w: w.key)
async def test_lists_show_only_the_principals_scope(
    sec_client: GraphQLClient, world: World, who: Who
) -> None:
    for name in LIST_QUERIES:
        bodies = await every_page(sec_client, world, who, name)
        for body in bodies:
            assert_nothing_foreign(world, who, body, name, units=name not in UNIT_FREE)
        if name in COUNTED:
            assert not any(b.get("errors") for b in bodies), bodies
            nodes = [n for b in bodies for n in b["data"][name]["nodes"]]
            total = bodies[0]["data"][name]["totalCount"]
            assert total == await expected_total(world, COUNTED[name], who), (
                f"{name} totalCount for {who.key}"
            )
            assert total == len(nodes) == len({n["id"] for n in nodes})
            if name == "disputes" and who.unit is not None:
                mine = str(world.unit_ids[who.unit])
                assert all(mine in {r["id"] for r in n["respondents"]} for n in nodes), name


async def test_the_lists_are_not_empty_for_the_administrator(sec_client: GraphQLClient, world: World) -> None:
    """The scoped lists above are not vacuous: the administrator sees both jurisdictions' records."""
    for name, table in COUNTED.items():
        bodies = await every_page(sec_client, world, SYSTEM_ADMIN, name)
        nodes = [n for b in bodies for n in b["data"][name]["nodes"]]
        assert len(nodes) == await expected_total(world, table, SYSTEM_ADMIN) >= 3, name
        assert {n["jurisdictionId"] for n in nodes} == {str(world.j1), str(world.j2)}


BY_ID: dict[str, str] = {
    "dispute": "dispute(id: $id) { id title applicantName }",
    "effort": "resolutionEffort(id: $id) { id dispute { title } }",
    "case": "litigationCase(id: $id) { id caseNumber plaintiffName }",
    "decided_case": "litigationCase(id: $id) { id outcome { summary } duties { content } }",
    "reconsideration": "reconsiderationCase(id: $id) { id caseNumber }",
    "hearing": "hearing(id: $id) { id court case { caseNumber } }",
    "obligation": "obligation(id: $id) { id title }",
    "notification": "notificationDeliveries(notificationId: $id) { notification { title body } }",
    "bulletin": "bulletin(id: $id) { id title note }",
}


UNIT_RECORDS = ("dispute", "effort", "case", "decided_case", "reconsideration", "hearing", "obligation")


def _foreign_records(w: World, who: Who) -> dict[str, int]:
    """The records ``who`` must not reach: J1's for J2's staff, J2's for J1's; and the other unit's
    case records for a unit clerk."""
    if who.jurisdiction == "J2":
        return w.own
    other_unit = {UNIT_CLERK: w.b, OTHER_UNIT_CLERK: w.own}.get(who, {})
    return {**w.foreign, **{f"unit_{k}": other_unit[k] for k in UNIT_RECORDS if k in other_unit}}


@pytest.mark.parametrize("who", SCOPED, ids=lambda w: w.key)
async def test_by_id_lookups_reveal_nothing(sec_client: GraphQLClient, world: World, who: Who) -> None:
    for kind, ident in _foreign_records(world, who).items():
        field = BY_ID.get(kind.removeprefix("unit_"))
        if field is None:
            continue
        body = await sec_client(f"query($id: ID!) {{ {field} }}", {"id": str(ident)}, **who.headers(world))
        assert_nothing_foreign(world, who, body, f"{kind} {ident}")
        data = body.get("data") or {}
        assert all(v is None for v in data.values()), f"{who.key} read {kind} {ident}: {body}"


@pytest.mark.parametrize("who", [w for w in SCOPED if w.jurisdiction == "J1"], ids=lambda w: w.key)
async def test_jurisdiction_arguments_of_another_county_are_refused(
    sec_client: GraphQLClient, world: World, who: Who
) -> None:
    """Every query taking a jurisdiction id: J2's gives nothing (null, empty or a not_found error)."""
    queries = {
        "jurisdiction": "jurisdiction(id: $j) { id name }",
        "units": "units(jurisdictionId: $j) { id name }",
        "officials": "officials(jurisdictionId: $j) { id name }",
        "users": "users(jurisdictionId: $j) { id username }",
        "disputes": "disputes(filter: {jurisdictionId: $j}) { totalCount nodes { id title } }",
        "efforts": "resolutionEfforts(jurisdictionId: $j) { totalCount }",
        "recons": "reconsiderationCases(jurisdictionId: $j) { totalCount }",
        "hearings": "hearings(jurisdictionId: $j) { totalCount }",
        "obligations": "obligations(filter: {jurisdictionId: $j}) { totalCount }",
        "notifications": "notifications(jurisdictionId: $j) { totalCount }",
        "ledgerImports": "ledgerImports(jurisdictionId: $j) { id }",
        "webhooks": "webhooks(jurisdictionId: $j) { id name url }",
        "definitions": "indicatorDefinitions(jurisdictionId: $j) { indicator }",
        "dashboard": "dashboard(jurisdictionId: $j, period: {kind: YEAR, year: 2024}) { jurisdictionName }",
        "assessment": "assessment(jurisdictionId: $j, year: 2024) { __typename }",
        "targets": "targetOverrides(jurisdictionId: $j) { id reason }",
        "bulletins": "bulletins(jurisdictionId: $j) { id title }",
        "preview": "bulletinPreview(jurisdictionId: $j, year: 2024, quarter: 3) { __typename }",
        "series": 'indicatorSeries(jurisdictionId: $j, indicator: "loss_rate", granularity: QUARTER,'
        ' start: "2024-01-01", end: "2024-09-30") { __typename }',
    }
    for name, field in queries.items():
        body = await sec_client(f"query($j: ID!) {{ {field} }}", {"j": str(world.j2)}, **who.headers(world))
        assert_nothing_foreign(world, who, body, name)
        for value in (body.get("data") or {}).values():
            assert value in (None, []) or value.get("totalCount") == 0, f"{name} for {who.key}: {body}"


@pytest.mark.parametrize("who", SCOPED, ids=lambda w: w.key)
async def test_excel_exports_hold_only_the_principals_scope(
    sec_client: GraphQLClient, world: World, who: Who
) -> None:
    """The exported workbook is base64 inside the JSON: open it and read every cell."""
    from openpyxl import load_workbook

    for kind in ("DISPUTES", "LITIGATION_CASES", "OBLIGATIONS", "HEARINGS"):
        body = await sec_client(f"{{ exportList(kind: {kind}) {{ base64 rowCount }} }}", **who.headers(world))
        assert not body.get("errors"), body
        book = load_workbook(io.BytesIO(base64.b64decode(body["data"]["exportList"]["base64"])))
        cells = " ".join(
            str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row
        )
        for marker in _markers_foreign_to(who):
            assert marker not in cells, f"{kind} export leaked {marker} to {who.key}"


async def test_subscriptions_are_not_served_over_http(sec_client: GraphQLClient, world: World) -> None:
    """Not over a plain POST, so not around the WebSocket's checks (another county's subscription
    over the WebSocket is refused in tests/notify/test_subscriptions.py)."""
    body = await sec_client(
        "subscription($j: ID!) { notifications(jurisdictionId: $j) { id title } }",
        {"j": str(world.j2)},
        **UNIT_CLERK.headers(world),
    )
    assert body.get("data") in (None, {}) and body.get("errors"), body
    assert J2_MARK not in json.dumps(body, ensure_ascii=False)


async def test_bulletin_files_of_another_county_are_404(sec_client: GraphQLClient, world: World) -> None:
    own = await sec_client.http.get(
        f"/bulletins/{world.own['bulletin']}.xlsx", headers=UNIT_CLERK.headers(world)
    )
    if own.status_code == 404 and "error" not in own.text:
        pytest.skip("the bulletin download routes (api/indicators/files.py) are not mounted in api/app.py")
    assert own.status_code == 200
    for who in (UNIT_CLERK, OTHER_UNIT_CLERK):
        other = await sec_client.http.get(
            f"/bulletins/{world.foreign['bulletin']}.docx", headers=who.headers(world)
        )
        assert other.status_code == 404 and J2_MARK not in other.text
    theirs = await sec_client.http.get(
        f"/bulletins/{world.own['bulletin']}.xlsx", headers=OTHER_JUSTICE_STAFF.headers(world)
    )
    assert theirs.status_code == 404


# ---------------------------------------------------------------------------------------------
# The audit trail and personal data
# ---------------------------------------------------------------------------------------------

AUDIT = """query($type: String, $id: ID) { auditTrail(first: 100, entityType: $type, entityId: $id) { totalCount
    edges { node { jurisdictionId entityType entityId action before after } } } }"""


async def audit_of(client: GraphQLClient, w: World, who: Who, entity_type: str, ident: int) -> dict[str, Any]:
    body = await client(AUDIT, {"type": entity_type, "id": str(ident)}, **who.headers(w))
    assert not body.get("errors"), body
    return body


@pytest.mark.parametrize("who", SCOPED, ids=lambda w: w.key)
async def test_audit_trail_shows_no_other_jurisdiction(
    sec_client: GraphQLClient, world: World, who: Who
) -> None:
    foreign = world.own if who.jurisdiction == "J2" else world.foreign
    for entity_type, key in (("disputes", "dispute"), ("litigation_cases", "case"), ("users", "user")):
        body = await audit_of(sec_client, world, who, entity_type, foreign[key])
        assert body["data"]["auditTrail"]["totalCount"] == 0, (
            f"{who.key} reads the audit of {entity_type} {key}"
        )
    body = await sec_client(AUDIT, **who.headers(world))
    own_j = str(world.jurisdiction_ids[who.jurisdiction or "J1"])
    assert {e["node"]["jurisdictionId"] for e in body["data"]["auditTrail"]["edges"]} <= {own_j}


async def test_audit_trail_is_unit_scoped_for_unit_clerks(sec_client: GraphQLClient, world: World) -> None:
    body = await audit_of(sec_client, world, UNIT_CLERK, "disputes", world.b["dispute"])
    assert body["data"]["auditTrail"]["totalCount"] == 0
    assert B_MARK not in json.dumps(body, ensure_ascii=False)


async def test_personal_data_is_masked_without_the_permission(
    sec_client: GraphQLClient, world: World
) -> None:
    query = "query($id: ID!) { dispute(id: $id) { applicantIdNumber applicantPhone } }"
    for who in (
        world_who for world_who in SCOPED if world_who.jurisdiction == "J1" and world_who != OTHER_UNIT_CLERK
    ):
        data = (await sec_client(query, {"id": str(world.own["dispute"])}, **who.headers(world)))["data"]
        assert data["dispute"] == {
            "applicantIdNumber": "110101********1234",
            "applicantPhone": "138****5678",
        }, who


async def test_full_personal_data_reads_are_audited(sec_client: GraphQLClient, world: World) -> None:
    from core.audit.models import AuditEntry

    async def reads() -> int:
        async with world.session_factory() as session:
            return int(
                await session.scalar(
                    select(func.count())
                    .select_from(AuditEntry)
                    .where(AuditEntry.action == "personal_data.read")
                )
                or 0
            )

    before = await reads()
    query = "query($id: ID!) { dispute(id: $id) { applicantIdNumber applicantPhone } }"
    for run in (1, 2):  # the second run takes the short path of an operation run before (api/prepared.py)
        variables = {"id": str(world.own["dispute"])}
        data = (await sec_client(query, variables, **SYSTEM_ADMIN.headers(world)))["data"]
        assert data["dispute"] == {"applicantIdNumber": ID_NUMBER, "applicantPhone": PHONE}
        assert await reads() == before + 2 * run  # one entry per record and field


async def test_audit_trail_does_not_reveal_personal_data(sec_client: GraphQLClient, world: World) -> None:
    # Justice-bureau staff read the trail; without the personal-data permission its numbers are masked.
    body = await audit_of(sec_client, world, JUSTICE_STAFF, "disputes", world.own["dispute"])
    assert body["data"]["auditTrail"]["totalCount"] >= 1
    dumped = json.dumps(body, ensure_ascii=False)
    assert ID_NUMBER not in dumped and PHONE not in dumped


async def test_audit_trail_does_not_reveal_password_or_token_hashes(
    sec_client: GraphQLClient, world: World
) -> None:
    users = await audit_of(sec_client, world, JUSTICE_STAFF, "users", world.own["user"])
    tokens = await audit_of(sec_client, world, JUSTICE_STAFF, "api_tokens", world.own["api_token"])
    assert users["data"]["auditTrail"]["totalCount"] >= 1 and tokens["data"]["auditTrail"]["totalCount"] >= 1
    dumped = json.dumps([users, tokens], ensure_ascii=False)
    assert "password_hash" not in dumped and "$argon2" not in dumped and "token_hash" not in dumped


# ---------------------------------------------------------------------------------------------
# Real tokens carry the same scope; development headers mean nothing beside a token or in production
# ---------------------------------------------------------------------------------------------

LOGIN = """mutation($u: String!, $p: String!) { login(username: $u, password: $p) { result { accessToken }
  errors { code } } }"""
DISPUTES = "{ disputes(first: 100) { totalCount nodes { id jurisdictionId unitId title } } }"
UPDATE = (
    'mutation($id: ID!) { updateDispute(input: {id: $id, summary: "JWT"}) { result { id } errors { code } } }'
)


async def _token(client: GraphQLClient, username: str) -> dict[str, str]:
    data = await client.ok(LOGIN, {"u": username, "p": PASSWORD})
    return {"authorization": f"Bearer {data['login']['result']['accessToken']}"}


async def test_a_jwt_carries_the_same_scope_as_the_role(sec_client: GraphQLClient, world: World) -> None:
    clerk = await _token(sec_client, "sec-clerk-a")  # unit clerk of J1's unit A
    by_token = await sec_client.ok(DISPUTES, **clerk)
    by_headers = await sec_client.ok(DISPUTES, **UNIT_CLERK.headers(world))
    assert by_token == by_headers
    assert_nothing_foreign(world, UNIT_CLERK, {"data": by_token}, "disputes by JWT")
    # Writes: its own unit's dispute yes; unit B's and J2's not (not found, nothing written).
    mine = (await sec_client.ok(UPDATE, {"id": str(world.own["dispute"])}, **clerk))["updateDispute"]
    assert mine["errors"] == []
    for ident in (world.b["dispute"], world.foreign["dispute"]):
        before = await database_state(world.session_factory)
        refused = (await sec_client.ok(UPDATE, {"id": str(ident)}, **clerk))["updateDispute"]
        assert refused == {"result": None, "errors": [{"code": "not_found"}]}
        assert changed_tables(before, await database_state(world.session_factory)) == []

    staff_j2 = await _token(sec_client, "sec-staff-j2")
    data = await sec_client.ok(DISPUTES, **staff_j2)
    assert_nothing_foreign(world, OTHER_JUSTICE_STAFF, {"data": data}, "J2 staff by JWT")
    assert data["disputes"]["totalCount"] == await expected_total(world, "disputes", OTHER_JUSTICE_STAFF)


async def test_development_headers_do_not_widen_a_token(sec_client: GraphQLClient, world: World) -> None:
    """A bearer token wins over X-Caseload-* headers claiming to be the administrator."""
    staff_j2 = await _token(sec_client, "sec-staff-j2")
    body = await sec_client.ok(DISPUTES, **staff_j2, **SYSTEM_ADMIN.headers(world))
    assert_nothing_foreign(world, OTHER_JUSTICE_STAFF, {"data": body}, "token + admin headers")
    me = await sec_client.ok("{ me { user role } }", **staff_j2, **SYSTEM_ADMIN.headers(world))
    assert me["me"] == {"user": "sec-staff-j2", "role": "JUSTICE_STAFF"}


async def test_development_headers_are_ignored_in_production(
    settings: Settings, sec_registry: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASELOAD_SECRET_KEY", "s" * 48)
    production = Settings(database_url=settings.database_url, environment="production")
    app = create_app(production, registry=sec_registry, clock=fixed_clock(NOW))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            client = GraphQLClient(http)
            body = await client.ok(DISPUTES, **SYSTEM_ADMIN.headers(world))
            assert body["disputes"] == {"totalCount": 0, "nodes": []}
            me = await client.ok("{ me { user role jurisdictionId } }", **SYSTEM_ADMIN.headers(world))
            assert me["me"] == {"user": "anonymous", "role": "LEADER", "jurisdictionId": None}
            refused = await client.ok(
                UPDATE, {"id": str(world.own["dispute"])}, **SYSTEM_ADMIN.headers(world)
            )
            assert refused["updateDispute"]["errors"][0]["code"] in REFUSED
