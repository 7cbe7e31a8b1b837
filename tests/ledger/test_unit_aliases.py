"""Unit aliases: kept by the county's staff (audited), used by every import, and an unknown name is
an error suggesting the closest units, never a silent match or a new unit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from core.audit.models import AuditEntry
from core.disputes.models import Dispute
from core.org.models import Unit
from tests.http_fixtures import GraphQLClient
from tests.ledger.test_ledger_import import GOOD_ROWS, STAFF, count, org, run_import, workbook
from tests.support import Org

__all__ = ["org"]  # the fixture

ADD = """mutation($j: ID!, $a: String!, $u: ID!) { addUnitAlias(jurisdictionId: $j, alias: $a, unitId: $u) {
  result { id alias unitId unitName } errors { field code message messageEn } } }"""
REMOVE = "mutation($id: ID!) { removeUnitAlias(id: $id) { result { alias } errors { code } } }"
LIST = "query($j: ID!) { unitAliases(jurisdictionId: $j) { alias unitName } }"


def _rows(unit_name: str) -> list[list[Any]]:
    first = list(GOOD_ROWS[0])
    first[2] = unit_name
    return [first]


async def test_aliases_are_kept_audited_and_used(
    client: GraphQLClient, org: Org, session_factory: Any
) -> None:
    who = {**STAFF, "x-caseload-jurisdiction": str(org.jurisdiction.id)}
    j = str(org.jurisdiction.id)
    units_before = await count(session_factory, Unit)

    unknown = (await run_import(client, org, workbook(_rows("县自然资源和规划局"))))["result"]
    assert not unknown["ok"] and unknown["problems"][0]["code"] == "unknown_unit"
    assert "县自然资源局" in unknown["problems"][0]["message"]  # the closest unit is suggested
    assert await count(session_factory, Dispute) == 0 and await count(session_factory, Unit) == units_before

    added = (await client.ok(ADD, {"j": j, "a": " 县自然资源和规划局 ", "u": str(org.agency.id)}, **who))[
        "addUnitAlias"
    ]
    assert added["errors"] == [] and added["result"]["unitName"] == "县自然资源局"
    assert added["result"]["alias"] == "县自然资源和规划局"
    again = (await client.ok(ADD, {"j": j, "a": "县自然资源和规划局", "u": str(org.township.id)}, **who))[
        "addUnitAlias"
    ]
    assert again["errors"][0]["field"] == "alias" and again["errors"][0]["code"] == "duplicate"
    own_name = (await client.ok(ADD, {"j": j, "a": "城关镇", "u": str(org.agency.id)}, **who))["addUnitAlias"]
    assert own_name["errors"][0]["code"] == "duplicate"
    listed = (await client.ok(LIST, {"j": j}, **who))["unitAliases"]
    assert listed == [{"alias": "县自然资源和规划局", "unitName": "县自然资源局"}]

    imported = (await run_import(client, org, workbook(_rows("县自然资源和规划局"))))["result"]
    assert imported["ok"] and imported["committed"]
    async with session_factory() as session:
        dispute = await session.scalar(select(Dispute))
        assert dispute is not None and dispute.unit_id == org.agency.id
        actions = list(
            await session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("unit_alias.%")))
        )
    assert actions == ["unit_alias.add"]

    removed = (await client.ok(REMOVE, {"id": added["result"]["id"]}, **who))["removeUnitAlias"]
    assert removed["errors"] == []
    assert (await client.ok(LIST, {"j": j}, **who))["unitAliases"] == []
    async with session_factory() as session:
        assert (
            await session.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "unit_alias.remove")
            )
            == 1
        )


async def test_only_the_countys_staff_keep_aliases(client: GraphQLClient, org: Org) -> None:
    clerk = {"x-caseload-role": "unit_clerk", "x-caseload-unit": str(org.township.id)}
    refused = await client.ok(
        ADD, {"j": str(org.jurisdiction.id), "a": "镇政府", "u": str(org.township.id)}, **clerk
    )
    assert refused["addUnitAlias"]["errors"][0]["code"] == "forbidden"
    other = {**STAFF, "x-caseload-jurisdiction": str(org.jurisdiction.id + 100)}
    refused = await client.ok(
        ADD, {"j": str(org.jurisdiction.id), "a": "镇政府", "u": str(org.township.id)}, **other
    )
    assert refused["addUnitAlias"]["errors"][0]["code"] == "forbidden"
