"""Length limits on every string input (issue 17, point 3): refused before anything runs, naming the
input path and the limit, on the first request of a text and on its repeats."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import func, select

from api.limits import DEFAULT_LIMIT, TEXT_FILTER_LIMIT, limit_for
from core.disputes.models import Dispute
from tests.api.conftest import GraphQLClient
from tests.support import make_org

SEARCH = "query($t: String) { disputes(filter: {text: $t}, first: 5) { totalCount } }"
RECORD = """mutation($input: RecordDisputeInput!) { recordDispute(input: $input) {
  result { id } errors { field code message } } }"""


def test_limits_follow_the_columns() -> None:
    assert limit_for("text") == TEXT_FILTER_LIMIT
    assert limit_for("applicantName") == Dispute.__table__.c.applicant_name.type.length
    assert limit_for("title", "RecordDisputeInput") == Dispute.__table__.c.title.type.length == 200
    assert limit_for("title", "CreateOfficialInput") == 100  # an official's 职务
    assert limit_for("fileBase64") is None
    assert limit_for("somethingElse") == DEFAULT_LIMIT


async def test_a_huge_text_filter_is_refused_quickly_and_clearly(client: GraphQLClient, app: Any) -> None:
    for _ in range(2):  # the first request of a text takes the pipeline, repeats the short way
        started = time.monotonic()
        body = await client(SEARCH, {"t": "征" * 100_000})
        assert time.monotonic() - started < 2
        [error] = body["errors"]
        assert error["extensions"] == {"code": "too_long", "field": "filter.text", "maxLength": 200}
        assert "内容过长" in error["message"] and "too long" in error["message"]
        assert body.get("data") is None
    assert (await client.ok(SEARCH, {"t": "征收"}))["disputes"]["totalCount"] == 0
    literal = await client('{ disputes(filter: {text: "%s"}) { totalCount } }' % ("x" * 201))
    assert literal["errors"][0]["extensions"]["field"] == "filter.text"


async def test_an_over_long_name_in_an_input_is_refused_and_nothing_written(
    ctx: Any, client: GraphQLClient, session_factory: Any
) -> None:
    org = await make_org(ctx)
    await ctx.session.commit()
    limit = limit_for("applicantName", "RecordDisputeInput")
    assert limit is not None
    data = {
        "unitId": str(org.agency.id),
        "title": "征收补偿争议",
        "applicantName": "陈" * (limit + 1),
        "field": "OTHER",
        "actionType": "PENALTY",
        "source": "SCREENING",
        "receivedDate": "2024-11-18",
    }
    body = await client(RECORD, {"input": data})
    assert body["errors"][0]["extensions"]["field"] == "input.applicantName"
    assert body["errors"][0]["extensions"]["maxLength"] == limit
    async with session_factory() as s:
        assert await s.scalar(select(func.count(Dispute.id))) == 0
    data["applicantName"] = "陈某"
    assert (await client.ok(RECORD, {"input": data}))["recordDispute"]["errors"] == []
