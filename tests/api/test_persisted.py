"""Apollo's automatic persisted queries (the PersistedQueryNotFound round trip, GET by hash, hash
mismatch) and trusted documents in production (only registered operations run)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.cli import main
from api.persisted import document_hash
from core.clock import fixed_clock
from tests.http_fixtures import NOW, GraphQLClient

LABELS = "query Labels { enumLabels { enum } }"
NEW_MEDIA = "application/graphql-response+json"


def _apq(text: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": document_hash(text)}}


async def test_the_round_trip_apollos_link_makes(client: GraphQLClient) -> None:
    http = client.http
    # 1. The hash alone: not known yet, the error Apollo's link recognises.
    first = await http.post("/graphql", json={"extensions": _apq(LABELS)})
    assert first.status_code == 200
    error = first.json()["errors"][0]
    assert error["message"] == "PersistedQueryNotFound"
    assert error["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    # Under the new media type it is a request error: 400, no data (Apollo's link reads the body).
    strict = await http.post("/graphql", json={"extensions": _apq(LABELS)}, headers={"accept": NEW_MEDIA})
    assert strict.status_code == 400 and "data" not in strict.json()
    assert strict.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    # 2. The link resends with the text: run, and remembered.
    second = await http.post("/graphql", json={"query": LABELS, "extensions": _apq(LABELS)})
    assert second.status_code == 200 and second.json()["data"]["enumLabels"]
    # 3. From now on the hash alone is enough, by POST …
    third = await http.post("/graphql", json={"extensions": _apq(LABELS), "operationName": "Labels"})
    assert third.json() == second.json()
    # … and by GET (a short URL a cache can keep).
    by_get = await http.get("/graphql", params={"extensions": json.dumps(_apq(LABELS))})
    assert by_get.status_code == 200 and by_get.json() == second.json()


async def test_a_get_with_the_text_registers_the_hash_too(client: GraphQLClient) -> None:
    text = "query Typename { __typename }"
    params = {"query": text, "extensions": json.dumps(_apq(text))}
    assert (await client.http.get("/graphql", params=params)).json() == {"data": {"__typename": "Query"}}
    hashed = await client.http.get("/graphql", params={"extensions": json.dumps(_apq(text))})
    assert hashed.json() == {"data": {"__typename": "Query"}}


async def test_a_hash_that_is_not_the_texts_is_400_and_not_remembered(client: GraphQLClient) -> None:
    http = client.http
    wrong = {"persistedQuery": {"version": 1, "sha256Hash": document_hash("{ __typename }")}}
    refused = await http.post("/graphql", json={"query": LABELS, "extensions": wrong})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"
    # The hash was not bound to the other text.
    after = await http.post("/graphql", json={"extensions": wrong})
    assert after.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    for bad in ({"version": 2, "sha256Hash": "0" * 64}, {"version": 1, "sha256Hash": "xyz"}, "hash"):
        response = await http.post("/graphql", json={"query": LABELS, "extensions": {"persistedQuery": bad}})
        assert response.status_code == 400, bad
        assert response.json()["errors"][0]["extensions"]["messageEn"]


@pytest.fixture
async def trusted_client(
    settings: Any,
    registry: Any,
    session_factory: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[httpx.AsyncClient]:
    """A production app whose manifest was written by ``caseload operations register``."""
    document = tmp_path / "labels.graphql"
    document.write_text(LABELS, encoding="utf-8")
    manifest = tmp_path / "trusted.json"
    assert main(["operations", "register", str(document), "--manifest", str(manifest)]) == 0
    assert "Labels" in capsys.readouterr().out
    # Registering again adds nothing and keeps the entry.
    assert main(["operations", "register", str(document), "--manifest", str(manifest)]) == 0
    assert json.loads(manifest.read_text(encoding="utf-8")) == {document_hash(LABELS): LABELS}
    monkeypatch.setenv("CASELOAD_SECRET_KEY", "t" * 40)
    production = dataclasses.replace(settings, environment="production", trusted_documents=str(manifest))
    app = create_app(production, registry=registry, clock=fixed_clock(NOW))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        yield http


async def test_trusted_documents_only_registered_operations_run(trusted_client: httpx.AsyncClient) -> None:
    http = trusted_client
    by_hash = await http.post("/graphql", json={"extensions": _apq(LABELS)})
    assert by_hash.status_code == 200 and by_hash.json()["data"]["enumLabels"]
    by_text = await http.post("/graphql", json={"query": LABELS})
    assert by_text.json() == by_hash.json()
    for refused in (
        {"query": "{ __typename }"},
        {"query": "{ __typename }", "extensions": _apq("{ __typename }")},  # APQ cannot register one
        {"extensions": _apq("{ __typename }")},
    ):
        response = await http.post("/graphql", json=refused)
        assert response.status_code == 400, refused
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "operation_not_trusted"
        assert "已登记" in error["message"] and "register" in error["extensions"]["messageEn"]


def test_register_refuses_what_is_not_a_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.graphql"
    broken.write_text("query {", encoding="utf-8")
    manifest = tmp_path / "trusted.json"
    assert main(["operations", "register", str(broken), "--manifest", str(manifest)]) != 0
    assert not manifest.exists() and "broken.graphql" in capsys.readouterr().err
