"""Idempotency that heals (issue 17, point 9): a key whose request died is released when its lease
lapses, not after a day; only final answers are kept; a transient error releases the key so the
retry runs; a retry of a request that committed is told so and never runs twice."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

import api.common
from core.disputes.models import Dispute
from core.requests.models import IdempotencyKey
from tests.http_fixtures import GraphQLClient
from tests.support import make_org

MUTATION = """mutation($u: ID!) { recordDispute(input: {unitId: $u, title: "重试登记", applicantName: "陈某",
    field: OTHER, actionType: PENALTY, source: SCREENING, receivedDate: "2024-11-01"})
    { result { number } errors { code field } } }"""


def key_hash(client: GraphQLClient, key: str) -> str:
    # As api/hardening.py scopes keys: the caller's authorization and development identity.
    owner = hashlib.sha256(b"|").hexdigest()
    return hashlib.sha256(owner.encode() + b"|" + key.encode()).hexdigest()


async def disputes(session_factory: Any) -> int:
    async with session_factory() as s:
        return int(await s.scalar(select(func.count(Dispute.id))) or 0)


async def leave_running(
    session_factory: Any, client: GraphQLClient, key: str, body: bytes, **row: Any
) -> None:
    """The row a process killed mid-request leaves behind: running, never answered."""
    async with session_factory() as s, s.begin():
        s.add(
            IdempotencyKey(
                key_hash=key_hash(client, key),
                request_hash=hashlib.sha256(body).hexdigest(),
                status_code=0,
                response=None,
                expires_at=time.time() + 86400,
                lease_token="dead" * 8,
                **row,
            )
        )


@pytest.fixture
async def payload(ctx: Any) -> dict[str, Any]:
    org = await make_org(ctx)
    await ctx.session.commit()
    return {"query": MUTATION, "variables": {"u": str(org.agency.id)}}


def body_of(client: GraphQLClient, payload: dict[str, Any]) -> bytes:
    return client.http.build_request("POST", "/graphql", json=payload).content


async def test_a_dead_requests_key_is_taken_over_once_its_lease_lapses(
    client: GraphQLClient, session_factory: Any, payload: dict[str, Any]
) -> None:
    body = body_of(client, payload)
    await leave_running(session_factory, client, "k-dead", body, lease_until=time.time() - 1)
    retry = await client.http.post(
        "/graphql", content=body, headers={"idempotency-key": "k-dead", "content-type": "application/json"}
    )
    assert retry.status_code == 200, retry.text
    assert retry.json()["data"]["recordDispute"]["result"]["number"]
    assert await disputes(session_factory) == 1
    again = await client.http.post(
        "/graphql", content=body, headers={"idempotency-key": "k-dead", "content-type": "application/json"}
    )
    assert again.headers.get("idempotent-replay") == "true" and again.json() == retry.json()
    assert await disputes(session_factory) == 1


async def test_a_live_request_keeps_its_key_and_the_retry_is_told_when_to_come_back(
    client: GraphQLClient, session_factory: Any, payload: dict[str, Any]
) -> None:
    body = body_of(client, payload)
    await leave_running(session_factory, client, "k-live", body, lease_until=time.time() + 20)
    busy = await client.http.post(
        "/graphql", content=body, headers={"idempotency-key": "k-live", "content-type": "application/json"}
    )
    assert busy.status_code == 409 and 1 <= int(busy.headers["retry-after"]) <= 20
    assert "请求正在处理" in busy.text
    assert await disputes(session_factory) == 0


async def test_a_request_that_committed_and_died_is_not_run_again(
    client: GraphQLClient, session_factory: Any, payload: dict[str, Any]
) -> None:
    body = body_of(client, payload)
    await leave_running(
        session_factory,
        client,
        "k-committed",
        body,
        lease_until=time.time() - 1,
        committed_at=time.time() - 5,
    )
    retry = await client.http.post(
        "/graphql",
        content=body,
        headers={"idempotency-key": "k-committed", "content-type": "application/json"},
    )
    [error] = retry.json()["errors"]
    assert error["extensions"]["code"] == "idempotent_request_committed" and "已提交" in error["message"]
    assert await disputes(session_factory) == 0  # not run a second time


async def test_a_transient_error_releases_the_key_and_the_retry_runs(
    client: GraphQLClient, session_factory: Any, payload: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = api.common.mark_committed
    calls = []

    async def connection_dropped_at_commit(session: Any) -> None:
        calls.append(1)
        if len(calls) == 1:  # the database connection drops as the first attempt commits
            raise OperationalError("COMMIT", {}, ConnectionResetError("connection reset by peer"))
        await real(session)

    monkeypatch.setattr(api.common, "mark_committed", connection_dropped_at_commit)
    headers = {"idempotency-key": "k-transient"}
    first = await client.http.post("/graphql", json=payload, headers=headers)
    assert first.json().get("errors"), first.text
    assert await disputes(session_factory) == 0
    async with session_factory() as s:
        assert await s.scalar(select(func.count(IdempotencyKey.id))) == 0  # released, not stored
    retry = await client.http.post("/graphql", json=payload, headers=headers)
    assert retry.json()["data"]["recordDispute"]["result"]["number"], retry.text
    assert retry.headers.get("idempotent-replay") is None
    assert await disputes(session_factory) == 1
    async with session_factory() as s:
        row = await s.scalar(select(IdempotencyKey))
        assert row is not None and row.committed_at is not None and row.status_code == 200


async def test_a_domain_error_is_a_final_answer_and_is_replayed(
    client: GraphQLClient, session_factory: Any, payload: dict[str, Any]
) -> None:
    refused = {**payload, "variables": {"u": "999999"}}
    headers = {"idempotency-key": "k-domain"}
    first = await client.http.post("/graphql", json=refused, headers=headers)
    assert first.json()["data"]["recordDispute"]["errors"], first.text
    again = await client.http.post("/graphql", json=refused, headers=headers)
    assert again.headers.get("idempotent-replay") == "true" and again.json() == first.json()
