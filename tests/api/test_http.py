"""GraphQL over HTTP: methods, status codes, content types, errors naming the field; health."""

from __future__ import annotations

from tests.api.conftest import GraphQLClient


async def test_get_query_and_post_query(client: GraphQLClient):
    http = client.http
    got = await http.get("/graphql", params={"query": "{ enumLabels { enum } }"})
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("application/")
    assert "DisputeField" in [e["enum"] for e in got.json()["data"]["enumLabels"]]
    posted = await http.post("/graphql", json={"query": "{ jurisdictions { id } }"})
    assert posted.status_code == 200 and posted.json() == {"data": {"jurisdictions": []}}


async def test_mutation_over_get_is_refused(client: GraphQLClient):
    response = await client.http.get(
        "/graphql", params={"query": 'mutation { createJurisdiction(plugin: "x") { errors { code } } }'}
    )
    assert response.status_code in (400, 405)


async def test_malformed_requests_get_400(client: GraphQLClient):
    http = client.http
    bad_json = await http.post("/graphql", content=b"{not json", headers={"content-type": "application/json"})
    assert bad_json.status_code == 400
    no_query = await http.post("/graphql", json={"variables": {}})
    assert no_query.status_code == 400


RECORD = (
    """mutation Record($input: RecordDisputeInput!) { recordDispute(input: $input) { errors { field } } }"""
)


async def test_invalid_enum_input_names_the_field(client: GraphQLClient):
    variables = {
        "input": {
            "unitId": "1",
            "title": "t",
            "applicantName": "a",
            "field": "NOT_A_FIELD",
            "actionType": "PENALTY",
            "source": "SCREENING",
            "receivedDate": "2024-11-01",
        }
    }
    body = await client(RECORD, variables)
    assert body.get("data") is None
    message = body["errors"][0]["message"]
    assert "$input" in message and ".field" in message and "NOT_A_FIELD" in message


async def test_invalid_date_input_names_the_field(client: GraphQLClient):
    variables = {
        "input": {
            "unitId": "1",
            "title": "t",
            "applicantName": "a",
            "field": "OTHER",
            "actionType": "PENALTY",
            "source": "SCREENING",
            "receivedDate": "2024-13-45",
        }
    }
    body = await client(RECORD, variables)
    assert ".receivedDate" in body["errors"][0]["message"]


async def test_missing_required_input_names_the_field(client: GraphQLClient):
    body = await client(
        """mutation { recordDispute(input: {unitId: "1", title: "t"}) { errors { field } } }"""
    )
    messages = " ".join(e["message"] for e in body["errors"])
    assert "applicantName" in messages


async def test_enum_labels_carry_chinese(client: GraphQLClient):
    data = await client.ok("{ enumLabels { enum values { name value label } } }")
    fields = next(e for e in data["enumLabels"] if e["enum"] == "DisputeField")
    assert {"name": "LAND_EXPROPRIATION", "value": "land_expropriation", "label": "征地拆迁"} in fields[
        "values"
    ]


async def test_healthz_is_liveness_only(client: GraphQLClient):
    response = await client.http.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_graphiql_is_served_without_internet(client: GraphQLClient):
    page = await client.http.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    assert "unpkg.com" not in page.text and "cdn" not in page.text.lower()
    asset = await client.http.get("/static/graphiql/graphiql.min.js")
    assert asset.status_code == 200 and len(asset.content) > 100_000


NEW_MEDIA = "application/graphql-response+json"


async def test_the_new_media_type_is_used_when_the_client_accepts_it(client: GraphQLClient):
    http = client.http
    apollo = {"accept": f"{NEW_MEDIA},application/json;q=0.9"}  # what Apollo Client 4 sends
    answered = await http.post("/graphql", json={"query": "{ __typename }"}, headers=apollo)
    assert answered.status_code == 200 and answered.headers["content-type"].startswith(NEW_MEDIA)
    assert answered.json() == {"data": {"__typename": "Query"}}
    legacy = await http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"accept": "application/json"}
    )
    assert legacy.headers["content-type"] == "application/json"
    preferred = {"accept": f"{NEW_MEDIA};q=0.5, application/json"}
    assert (await http.post("/graphql", json={"query": "{ __typename }"}, headers=preferred)).headers[
        "content-type"
    ] == "application/json"


async def test_request_errors_are_400_under_the_new_media_type_and_200_for_legacy_clients(
    client: GraphQLClient,
):
    http = client.http
    new = {"accept": NEW_MEDIA}
    failures = {
        "parse": {"query": "{"},
        "validation": {"query": "{ noSuchField }"},
        "coercion": {"query": "query($id: ID!) { dispute(id: $id) { id } }", "variables": {"id": None}},
        "unknown operation": {"query": "query A { __typename }", "operationName": "B"},
    }
    unknown = await http.post("/graphql", json=failures["unknown operation"])
    assert unknown.json()["errors"][0]["extensions"]["field"] == "operationName"
    for what, payload in failures.items():
        refused = await http.post("/graphql", json=payload, headers=new)
        assert refused.status_code == 400, what
        assert refused.headers["content-type"].startswith(NEW_MEDIA), what
        body = refused.json()
        assert "data" not in body and body["errors"][0]["message"], what
        legacy = await http.post("/graphql", json=payload, headers={"accept": "application/json"})
        assert legacy.status_code == 200 and legacy.json()["data"] is None, what
    # A field error is not a request error: execution ran, data is there.
    ran = await http.post("/graphql", json={"query": '{ dispute(id: "x") { id } }'}, headers=new)
    assert ran.status_code == 200 and "data" in ran.json()


async def test_parameters_of_the_wrong_type_are_400_naming_the_parameter(client: GraphQLClient):
    for name, value in [
        ("operationName", {"obj": "ect"}),
        ("operationName", ["a"]),
        ("query", 0),
        ("variables", "s"),
    ]:
        response = await client.http.post("/graphql", json={"query": "{ __typename }", name: value})
        assert response.status_code == 400, (name, value)
        error = response.json()["errors"][0]
        assert error["extensions"]["field"] == name and name in error["extensions"]["messageEn"]
        assert name in error["message"]  # the Chinese message names it too
    no_type = await client.http.post("/graphql", content=b'{"query": "{ __typename }"}')
    assert no_type.status_code == 415
    get_vars = await client.http.get(
        "/graphql", params={"query": "query($n: String) { __typename }", "variables": "{not json"}
    )
    assert get_vars.status_code == 400 and get_vars.json()["errors"][0]["extensions"]["field"] == "variables"
