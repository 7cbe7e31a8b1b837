"""``assignOffice`` and ``offices`` over HTTP: the county's administrator maps 县政府办公室 to a unit,
everyone of the county reads the mapping, and a bad office is refused naming the field."""

from __future__ import annotations

from tests.api.conftest import GraphQLClient
from tests.support import make_org

OFFICES = "query($j: ID!) { offices(jurisdictionId: $j) { code name unitId officialId } }"
ASSIGN = (
    "mutation($j: ID!, $o: String!, $u: ID!) { assignOffice(jurisdictionId: $j, office: $o, unitId: $u)"
    " { result { code name unitId } errors { field code message messageEn } } }"
)


async def test_the_administrator_maps_an_office_and_the_county_reads_it(client: GraphQLClient, ctx) -> None:
    org = await make_org(ctx)
    await ctx.session.commit()
    j, unit = str(org.jurisdiction.id), str(org.government.id)
    admin = {"x-caseload-role": "jurisdiction_admin", "x-caseload-jurisdiction": j}
    staff = {"x-caseload-role": "justice_staff", "x-caseload-jurisdiction": j}
    before = (await client.ok(OFFICES, {"j": j}, **staff))["offices"]
    assert [(o["code"], o["name"], o["unitId"]) for o in before] == [
        ("county_government_office", "县政府办公室", None),
        ("justice_bureau", "县司法局", None),
        ("court_liaison", "法院联络人", None),
    ]
    done = await client.ok(ASSIGN, {"j": j, "o": "county_government_office", "u": unit}, **admin)
    assert done["assignOffice"] == {
        "result": {"code": "county_government_office", "name": "县政府办公室", "unitId": unit},
        "errors": [],
    }
    after = (await client.ok(OFFICES, {"j": j}, **staff))["offices"]
    assert after[0]["unitId"] == unit
    refused = await client.ok(ASSIGN, {"j": j, "o": "mayor_office", "u": unit}, **admin)
    [error] = refused["assignOffice"]["errors"]
    assert (error["field"], error["code"]) == ("office", "unknown_office")
    assert (
        "本辖区没有“mayor_office”这一机构" in error["message"]
        and error["messageEn"] == "no office 'mayor_office' here"
    )
    forbidden = await client.ok(ASSIGN, {"j": j, "o": "county_government_office", "u": unit}, **staff)
    assert forbidden["assignOffice"]["errors"][0]["code"] == "forbidden"
    # Another county's staff see none of its offices.
    other = {"x-caseload-role": "justice_staff", "x-caseload-jurisdiction": str(org.jurisdiction.id + 99)}
    assert (await client.ok(OFFICES, {"j": j}, **other))["offices"] == []
