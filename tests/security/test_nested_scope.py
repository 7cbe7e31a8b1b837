"""Every field that returns records or events of other records is scoped like the records themselves
(issue 17, point 4): what a role reads nested under a dispute it may read by id as well, for each role.

The case that leaked: a unit clerk of a co-respondent unit reads the dispute, and its timeline listed
the stages, extension and result of another unit's resolution effort while `resolutionEffort(id)`
answered null."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from core.cases import service as cases
from core.disputes import service as disputes
from core.enums import ResolutionStage
from tests.api.conftest import GraphQLClient
from tests.security.world import new_dispute
from tests.support import make_org

NESTED = """query($id: ID!) { dispute(id: $id) {
  id
  resolutionEfforts { id }
  litigationCases { id hearings { id } }
  reconsiderationCases { id }
  obligations { id }
  timeline { subjectType subjectId }
} }"""

BY_ID = {
    "resolution_effort": "query($id: ID!) { x: resolutionEffort(id: $id) { id } }",
    "litigation_case": "query($id: ID!) { x: litigationCase(id: $id) { id } }",
    "reconsideration_case": "query($id: ID!) { x: reconsiderationCase(id: $id) { id } }",
    "hearing": "query($id: ID!) { x: hearing(id: $id) { id } }",
    "obligation": "query($id: ID!) { x: obligation(id: $id) { id } }",
    "dispute": "query($id: ID!) { x: dispute(id: $id) { id } }",
}


@pytest.fixture
async def world(ctx: Any) -> dict[str, Any]:
    """A dispute of the agency with the township as co-respondent; the agency's effort and case."""
    org = await make_org(ctx)
    d = await new_dispute(ctx, org.agency.id, "共同被申请的争议", other_unit_ids=(org.township.id,))
    effort = await disputes.assign_resolution(
        ctx, d.id, unit_id=org.agency.id, stage=ResolutionStage.PRE_FILING, assigned_date=dt.date(2024, 11, 4)
    )
    await disputes.accept_resolution(
        ctx, effort.id, accepted_date=dt.date(2024, 11, 5), notice_delivered_date=dt.date(2024, 11, 5)
    )
    case = await cases.file_litigation_case(
        ctx,
        d.id,
        court="县人民法院",
        case_number="(2024)测行初1号",
        plaintiff_name="甲某",
        filed_date=dt.date(2024, 11, 8),
    )
    await cases.schedule_hearing(ctx, case.id, scheduled_at=dt.datetime(2024, 11, 25, 9, tzinfo=dt.UTC))
    await ctx.session.commit()
    return {"org": org, "dispute": d, "effort": effort}


def roles(org: Any) -> dict[str, dict[str, str]]:
    j = str(org.jurisdiction.id)
    return {
        "justice_staff": {"x-caseload-role": "justice_staff", "x-caseload-jurisdiction": j},
        "leader": {"x-caseload-role": "leader", "x-caseload-jurisdiction": j},
        "court_liaison": {"x-caseload-role": "court_liaison", "x-caseload-jurisdiction": j},
        "clerk_of_the_agency": {
            "x-caseload-role": "unit_clerk",
            "x-caseload-jurisdiction": j,
            "x-caseload-unit": str(org.agency.id),
        },
        "clerk_of_the_co_respondent": {
            "x-caseload-role": "unit_clerk",
            "x-caseload-jurisdiction": j,
            "x-caseload-unit": str(org.township.id),
        },
    }


def nested_records(dispute: dict[str, Any]) -> set[tuple[str, str]]:
    found = {("resolution_effort", e["id"]) for e in dispute["resolutionEfforts"]}
    found |= {("litigation_case", c["id"]) for c in dispute["litigationCases"]}
    found |= {("hearing", h["id"]) for c in dispute["litigationCases"] for h in c["hearings"]}
    found |= {("reconsideration_case", r["id"]) for r in dispute["reconsiderationCases"]}
    found |= {("obligation", o["id"]) for o in dispute["obligations"]}
    found |= {(e["subjectType"], e["subjectId"]) for e in dispute["timeline"]}
    return found


async def test_every_nested_record_is_readable_by_id_for_every_role(
    world: dict[str, Any], client: GraphQLClient, app: Any
) -> None:
    dispute_id = str(world["dispute"].id)
    seen_by: dict[str, set[tuple[str, str]]] = {}
    for role, headers in roles(world["org"]).items():
        data = await client.ok(NESTED, {"id": dispute_id}, **headers)
        assert data["dispute"] is not None, role  # every role here may read the dispute itself
        records = nested_records(data["dispute"])
        for kind, ident in sorted(records):
            found = (await client.ok(BY_ID[kind], {"id": ident}, **headers))["x"]
            assert found is not None, f"{role} reads {kind} {ident} nested but not by id"
        seen_by[role] = records
    effort = ("resolution_effort", str(world["effort"].id))
    assert effort in seen_by["justice_staff"] and effort in seen_by["clerk_of_the_agency"]
    assert effort not in seen_by["clerk_of_the_co_respondent"]  # the leak this test was written for
    assert ("dispute", dispute_id) in seen_by["clerk_of_the_co_respondent"]


def test_a_county_administrator_manages_only_its_own_county() -> None:
    from core.enums import Role
    from core.errors import Forbidden
    from core.principal import Principal
    from core.scoping import COUNTY_ADMIN, SYSTEM_ONLY, authorize

    admin = Principal(user="wp-admin", role=Role.JURISDICTION_ADMIN, jurisdiction_id=1)
    staff = Principal(user="wp-staff", role=Role.JUSTICE_STAFF, jurisdiction_id=1)
    for action in COUNTY_ADMIN:
        authorize(admin, action, 1)
        with pytest.raises(Forbidden):
            authorize(admin, action, 2)  # another county
        with pytest.raises(Forbidden):
            authorize(staff, action, 1)  # the bureau's staff do not configure the county
    for action in SYSTEM_ONLY:  # jurisdictions, plugins and the national calendar
        with pytest.raises(Forbidden):
            authorize(admin, action, 1)
    authorize(admin, "dispute.record", 1)  # and the staff's daily work
