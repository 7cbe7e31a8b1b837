"""The go-live date through GraphQL: the administrator sets it, everyone in scope reads it, a bad
date is refused as data and writes nothing."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import GraphQLClient
from tests.api.test_rejected_mutations import database_state
from tests.support import make_org

SET = (
    "mutation($id: ID!, $d: Date) { setGoLiveDate(id: $id, goLiveDate: $d) {"
    " result { id goLiveDate version } errors { field code message messageEn } } }"
)


async def test_set_go_live_date_and_read_it(client: GraphQLClient, ctx: Any, session_factory: Any) -> None:
    org = await make_org(ctx)
    await ctx.session.commit()
    jid = str(org.jurisdiction.id)
    data = await client.ok(SET, {"id": jid, "d": "2024-10-01"})
    assert data["setGoLiveDate"]["errors"] == []
    assert data["setGoLiveDate"]["result"]["goLiveDate"] == "2024-10-01"
    read = await client.ok("query($id: ID!) { jurisdiction(id: $id) { goLiveDate } }", {"id": jid})
    assert read["jurisdiction"] == {"goLiveDate": "2024-10-01"}

    before = await database_state(session_factory)
    data = await client.ok(SET, {"id": jid, "d": "1980-01-01"})
    payload = data["setGoLiveDate"]
    assert payload["result"] is None
    (error,) = payload["errors"]
    assert error["field"] == "goLiveDate" and "上线日期" in error["message"] and "1990" in error["messageEn"]
    assert await database_state(session_factory) == before

    cleared = await client.ok(SET, {"id": jid, "d": None})
    assert cleared["setGoLiveDate"]["result"]["goLiveDate"] is None
