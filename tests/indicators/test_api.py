"""The GraphQL API and the bulletin downloads, over HTTP against the app."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from api.app import create_app
from api.indicators.files import bulletin_routes
from api.indicators.wiring import install_indicator_cache
from core.audit.models import AuditEntry
from core.clock import CHINA, fixed_clock
from core.config import Settings
from core.enums import OutcomeKind
from core.indicators.cache import InProcessCache
from core.policy.manager import PolicyRegistry
from tests.api.conftest import GraphQLClient
from tests.indicators.conftest import RECORDED_ON, Scenario
from tests.indicators.helpers import D

NOW = dt.datetime.combine(RECORDED_ON, dt.time(10, 0), tzinfo=CHINA)


@pytest.fixture
async def cache() -> InProcessCache:
    return InProcessCache()


@pytest.fixture
async def api(
    settings: Settings, registry: PolicyRegistry, session_factory: Any, cache: InProcessCache
) -> AsyncIterator[GraphQLClient]:
    application = create_app(settings, registry=registry, clock=fixed_clock(NOW))
    mounted = {getattr(r, "path", "") for r in application.router.routes}
    application.router.routes.extend(r for r in bulletin_routes() if r.path not in mounted)
    async with application.router.lifespan_context(application):
        install_indicator_cache(application.state.caseload, cache)
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield GraphQLClient(http)


DASHBOARD = """
query($j: ID!, $p: PeriodInput!, $u: ID) {
  dashboard(jurisdictionId: $j, period: $p, unitId: $u) {
    period { kind key label start end }
    previousPeriod { key }
    asOf
    indicators {
      indicator label status statusLabel
      current { numerator denominator value display }
      previous { value }
      change changePercent
      withHiddenLosses { value }
      definition { source refined instances lossOutcomes description }
      targets { targetId title status margin marginEvent recovery projection { value status } }
    }
    units { name values { indicator rank rankFromBottom of figure { value } } }
  }
}
"""


def by_code(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["indicator"]: i for i in data["dashboard"]["indicators"]}


async def test_dashboard_over_graphql(api: GraphQLClient, scenario: Scenario):
    data = await api.ok(
        DASHBOARD, {"j": str(scenario.org.jurisdiction.id), "p": {"kind": "YEAR", "year": 2024}}
    )
    board = data["dashboard"]
    assert board["period"] == {
        "kind": "YEAR",
        "key": "2024",
        "label": "2024年",
        "start": "2024-01-01",
        "end": "2024-12-31",
    }
    assert board["previousPeriod"]["key"] == "2023"
    codes = by_code(data)
    loss = codes["loss_rate"]
    assert loss["current"] == {"numerator": 2, "denominator": 5, "value": "40.00", "display": "40.00%"}
    assert loss["withHiddenLosses"]["value"] == "60.00"
    assert loss["definition"]["source"] == "national" and loss["definition"]["instances"] == ["first"]
    assert "revoked" in loss["definition"]["lossOutcomes"]
    assert codes["correction_rate"]["previous"]["value"] is None
    assert codes["case_volume"]["changePercent"] == "100.00"
    assert codes["loss_rate"]["status"] == "NO_TARGET"  # testland sets no target
    units = {u["name"]: u for u in board["units"]}
    township_loss = next(v for v in units["城关镇"]["values"] if v["indicator"] == "loss_rate")
    assert (township_loss["rank"], township_loss["rankFromBottom"], township_loss["of"]) == (2, 1, 2)


async def test_bad_period_names_the_field(api: GraphQLClient, scenario: Scenario):
    body = await api(
        DASHBOARD, {"j": str(scenario.org.jurisdiction.id), "p": {"kind": "QUARTER", "year": 2024}}
    )
    error = body["errors"][0]
    assert error["extensions"]["field"] == "quarter" and error["extensions"]["code"] == "required"
    body = await api(
        DASHBOARD,
        {"j": str(scenario.org.jurisdiction.id), "p": {"kind": "QUARTER", "year": 2024, "quarter": 5}},
    )
    assert body["errors"][0]["extensions"]["field"] == "quarter"
    body = await api(
        DASHBOARD,
        {
            "j": str(scenario.org.jurisdiction.id),
            "p": {"kind": "CUSTOM", "start": "2024-05-01", "end": "2024-04-01"},
        },
    )
    assert body["errors"][0]["extensions"]["field"] == "end"


SET_TARGET = """
mutation($input: SetTargetInput!) {
  setTarget(input: $input) {
    result { id targetId indicator value comparator reason version }
    errors { field code message }
  }
}
"""
CLEAR_TARGET = "mutation($id: ID!) { clearTarget(id: $id) { result { id } errors { field code } } }"
LOSS_TARGETS = """
query($j: ID!) {
  dashboard(jurisdictionId: $j, period: {kind: YEAR, year: 2024}) {
    indicators(codes: ["loss_rate"]) { status targets { targetId origin status margin recovery } }
  }
}
"""


async def test_a_dashboard_validated_before_is_answered_from_the_cache_without_executing(
    api: GraphQLClient, scenario: Scenario, cache: InProcessCache, monkeypatch: pytest.MonkeyPatch
):
    """The HTTP view answers a dashboard this process has run before from the cache, before parsing;
    the readability check and the freshness stamp still run for every request."""
    from api import prepared
    from api.schema import CaseloadSchema

    executed: list[str | None] = []  # through strawberry's pipeline or the short path (api/prepared.py)
    execute, execute_short = CaseloadSchema.execute, prepared.execute

    async def counting(self: Any, query: str | None, *args: Any, **kwargs: Any) -> Any:
        executed.append(query)
        return await execute(self, query, *args, **kwargs)

    def counting_short(schema: Any, document: Any, *args: Any, **kwargs: Any) -> Any:
        executed.append("short path")
        return execute_short(schema, document, *args, **kwargs)

    monkeypatch.setattr(CaseloadSchema, "execute", counting)
    monkeypatch.setattr(prepared, "execute", counting_short)
    j = str(scenario.org.jurisdiction.id)
    first = await api.ok(LOSS_TARGETS, {"j": j})
    assert (len(executed), cache.hits) == (1, 0)  # the document and the figures both missed
    assert await api.ok(LOSS_TARGETS, {"j": j}) == first
    assert (len(executed), cache.hits) == (1, 1)  # not parsed, validated or executed again

    # Another jurisdiction's staff send the same text: refused as if it did not exist, not served.
    other = {"x-caseload-role": "justice_staff", "x-caseload-jurisdiction": str(int(j) + 100)}
    refused = await api(LOSS_TARGETS, {"j": j}, **other)
    assert refused["data"] is None and refused["errors"][0]["extensions"]["field"] == "jurisdictionId"
    assert len(executed) == 2 and cache.hits == 1
    # A bad id in the same text goes through the pipeline, which names the field.
    bad = await api(LOSS_TARGETS, {"j": "x1"})
    assert bad["errors"][0]["extensions"]["field"] == "jurisdictionId" and len(executed) == 3

    # A committed write changes the stamp: the next answer is computed (once) and cached again.
    await scenario.rec.case(scenario.market, D(2024, 12, 1))
    await scenario.ctx.session.commit()
    fresh = await api.ok(LOSS_TARGETS, {"j": j})
    assert len(executed) == 4 and cache.hits == 1
    assert await api.ok(LOSS_TARGETS, {"j": j}) == fresh and len(executed) == 4 and cache.hits == 2


async def test_set_and_clear_target_invalidate_the_cached_dashboard(
    api: GraphQLClient, scenario: Scenario, cache: InProcessCache
):
    j = str(scenario.org.jurisdiction.id)
    first = await api.ok(LOSS_TARGETS, {"j": j})
    assert first["dashboard"]["indicators"][0]["targets"] == []
    await api.ok(LOSS_TARGETS, {"j": j})
    assert cache.hits == 1  # the second read came from the cache
    result = await api.mutate(
        SET_TARGET,
        {
            "input": {
                "jurisdictionId": j,
                "indicator": "loss_rate",
                "year": 2024,
                "comparator": "<=",
                "value": "45",
                "reason": "年度目标",
            }
        },
    )
    assert (result["targetId"], result["value"], result["version"]) == ("custom.loss_rate", "45", 1)
    after = await api.ok(LOSS_TARGETS, {"j": j})
    (loss_target,) = after["dashboard"]["indicators"][0]["targets"]
    # 2 of 5 = 40 % ≤ 45 %; 3 of 6 = 50 % would not be: no stale answer after the commit.
    assert loss_target == {
        "targetId": "custom.loss_rate",
        "origin": "override",
        "status": "MET",
        "margin": 0,
        "recovery": None,
    }
    tighter = await api.mutate(
        SET_TARGET,
        {
            "input": {
                "jurisdictionId": j,
                "indicator": "loss_rate",
                "year": 2024,
                "comparator": "<=",
                "value": "10",
                "reason": "收紧",
                "version": 1,
            }
        },
    )
    assert tighter["version"] == 2
    (missed,) = (await api.ok(LOSS_TARGETS, {"j": j}))["dashboard"]["indicators"][0]["targets"]
    assert (missed["status"], missed["recovery"]) == ("MISSED", 15)  # 2 of 20 = 10 %
    cleared = await api.mutate(CLEAR_TARGET, {"id": result["id"]})
    assert cleared["id"] == result["id"]
    assert (await api.ok(LOSS_TARGETS, {"j": j}))["dashboard"]["indicators"][0]["targets"] == []
    assert (
        await scenario.ctx.session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.entity_type == "target_overrides")
        )
        == 3
    )


async def test_any_committed_write_in_the_jurisdiction_invalidates(api: GraphQLClient, scenario: Scenario):
    j = str(scenario.org.jurisdiction.id)
    query = 'query($j: ID!) { dashboard(jurisdictionId: $j, period: {kind: YEAR, year: 2024}) { indicators(codes: ["case_volume"]) { current { numerator } } } }'
    assert (await api.ok(query, {"j": j}))["dashboard"]["indicators"][0]["current"]["numerator"] == 4
    record = """
    mutation($input: RecordDisputeInput!) { recordDispute(input: $input) { result { id } errors { field message } } }
    """
    dispute = await api.mutate(
        record,
        {
            "input": {
                "unitId": str(scenario.market.id),
                "title": "处罚争议",
                "applicantName": "某公司",
                "field": "MARKET_REGULATION",
                "actionType": "PENALTY",
                "source": "LITIGATION",
                "receivedDate": "2024-12-01",
            }
        },
    )
    file_case = """
    mutation($input: FileLitigationCaseInput!) { fileLitigationCase(input: $input) { result { id } errors { field message } } }
    """
    await api.mutate(
        file_case,
        {
            "input": {
                "disputeId": dispute["id"],
                "court": "县人民法院",
                "caseNumber": "（2024）测行初99号",
                "plaintiffName": "某公司",
                "filedDate": "2024-12-02",
            }
        },
    )
    assert (await api.ok(query, {"j": j}))["dashboard"]["indicators"][0]["current"]["numerator"] == 5


async def test_target_errors_are_data_naming_the_field(api: GraphQLClient, scenario: Scenario):
    j = str(scenario.org.jurisdiction.id)
    body = await api.ok(
        SET_TARGET,
        {
            "input": {
                "jurisdictionId": j,
                "indicator": "loss_rate",
                "year": 2024,
                "comparator": "~",
                "value": "5",
                "reason": "x",
            }
        },
    )
    assert body["setTarget"]["result"] is None
    assert body["setTarget"]["errors"][0]["field"] == "comparator"
    leader = {"x-caseload-role": "leader", "x-caseload-jurisdiction": j}
    body = await api.ok(
        SET_TARGET,
        {"input": {"jurisdictionId": j, "indicator": "loss_rate", "year": 2024, "value": "5", "reason": "x"}},
        **leader,
    )
    assert body["setTarget"]["errors"][0]["code"] == "forbidden"


ASSESSMENT = """
query($j: ID!) {
  assessment(jurisdictionId: $j, year: 2024) {
    period { key }
    rankings { indicator label entries { unitName rank rankFromBottom display } }
    rows { name excellentEligible values { indicator figure { display } rank } }
    jurisdiction { name targets { targetId } }
    penalties { ruleId exempted exemption exemptionCitation { source } }
    knownFacts
  }
}
"""


async def test_assessment_over_graphql(api: GraphQLClient, scenario: Scenario):
    data = (await api.ok(ASSESSMENT, {"j": str(scenario.org.jurisdiction.id)}))["assessment"]
    assert data["period"]["key"] == "2024"
    loss = next(r for r in data["rankings"] if r["indicator"] == "loss_rate")
    assert [(e["unitName"], e["rank"], e["display"]) for e in loss["entries"]] == [
        ("县自然资源局", 1, "25.00%"),
        ("城关镇", 2, "100.00%"),
    ]
    assert all(r["excellentEligible"] for r in data["rows"])  # testland has no penalties
    assert data["knownFacts"] == []


SERIES = """
query($j: ID!) {
  indicatorSeries(jurisdictionId: $j, indicator: "correction_rate", granularity: QUARTER, start: "2024-01-01", end: "2024-12-31") {
    label definition { source } points { period { key label } figure { numerator denominator display } }
  }
}
"""


async def test_series_over_graphql(api: GraphQLClient, scenario: Scenario):
    data = (await api.ok(SERIES, {"j": str(scenario.org.jurisdiction.id)}))["indicatorSeries"]
    assert data["label"] == "行政复议纠错率"
    assert [(p["period"]["key"], p["figure"]["display"]) for p in data["points"]] == [
        ("2024-Q1", "50.00%"),
        ("2024-Q2", "—"),
        ("2024-Q3", "—"),
        ("2024-Q4", "0.00%"),
    ]


PUBLISH = """
mutation($j: ID!) {
  publishBulletin(jurisdictionId: $j, year: 2024, quarter: 3, note: "第三季度") {
    result { id edition title xlsxUrl docxUrl content { indicators { indicator ytd { value display } } units { name cases lost lossRate { value } } } }
    errors { field code message }
  }
}
"""


async def test_publish_download_and_diff(api: GraphQLClient, scenario: Scenario):
    from docx import Document
    from openpyxl import load_workbook

    j = str(scenario.org.jurisdiction.id)
    first = await api.mutate(PUBLISH, {"j": j})
    assert first["edition"] == 1 and first["xlsxUrl"] == f"/bulletins/{first['id']}.xlsx"
    ytd = {i["indicator"]: i["ytd"] for i in first["content"]["indicators"]}
    response = await api.http.get(first["xlsxUrl"])
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    rows = {r[0]: r for r in wb["通报概况"].iter_rows(values_only=True) if r and r[0]}
    # Rates as fractions with a percent format (21.74% is 0.2174).
    assert round(Decimal(str(rows["败诉率"][4])) * 100, 2) == Decimal(ytd["loss_rate"]["value"])
    assert round(Decimal(str(rows["出庭应诉率"][4])) * 100, 2) == Decimal(
        ytd["head_appearance_rate"]["value"]
    )
    assert rows["发案量"][4] == int(ytd["case_volume"]["value"])
    units = {r[0]: r for r in wb["单位情况"].iter_rows(min_row=2, values_only=True)}
    for unit in first["content"]["units"]:
        assert (units[unit["name"]][2], units[unit["name"]][5]) == (unit["cases"], unit["lost"])
    word = await api.http.get(first["docxUrl"])
    assert word.status_code == 200
    doc = Document(io.BytesIO(word.content))
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "指标")
    cells = {row.cells[0].text: row.cells[3].text for row in table.rows[1:]}
    assert cells["败诉率"] == ytd["loss_rate"]["display"] and cells["发案量"] == ytd["case_volume"]["display"]

    # Another jurisdiction cannot download it (as if it did not exist); a leader here can.
    other = {"x-caseload-role": "justice_staff", "x-caseload-jurisdiction": str(int(j) + 100)}
    assert (await api.http.get(first["xlsxUrl"], headers=other)).status_code == 404
    leader = {"x-caseload-role": "leader", "x-caseload-jurisdiction": j}
    assert (await api.http.get(first["docxUrl"], headers=leader)).status_code == 200
    assert (await api.http.get("/bulletins/999999.xlsx")).status_code == 404

    # A late lost case changes the next edition only.
    late = await scenario.rec.case(scenario.township, D(2024, 8, 1))
    await scenario.rec.hearing(late, D(2024, 9, 2), attended=True)
    await scenario.rec.outcome(late, OutcomeKind.REVOKED, D(2024, 9, 2))
    await scenario.ctx.session.commit()
    second = await api.mutate(PUBLISH, {"j": j})
    assert second["edition"] == 2
    again = await api.ok(
        f'{{ bulletin(id: "{first["id"]}") {{ content {{ indicators {{ indicator ytd {{ value }} }} }} }} }}'
    )
    assert {i["indicator"]: i["ytd"]["value"] for i in again["bulletin"]["content"]["indicators"]}[
        "case_volume"
    ] == "4"
    diff = await api.ok(
        "query($a: ID!, $b: ID!) { bulletinDiff(fromId: $a, toId: $b) { path label kind before after } }",
        {"a": first["id"], "b": second["id"]},
    )
    changes = {c["path"]: c for c in diff["bulletinDiff"]}
    assert (
        changes["indicators[case_volume].ytd.numerator"]["before"],
        changes["indicators[case_volume].ytd.numerator"]["after"],
    ) == ("4", "5")
    listed = await api.ok(
        "query($j: ID!) { bulletins(jurisdictionId: $j) { edition publishedBy note } }", {"j": j}
    )
    assert [b["edition"] for b in listed["bulletins"]] == [2, 1]
    preview = await api.ok(
        "query($j: ID!) { bulletinPreview(jurisdictionId: $j, year: 2024, quarter: 4) { periodLabel summary } }",
        {"j": j},
    )
    assert preview["bulletinPreview"]["periodLabel"] == "2024年第四季度"


async def test_definitions_and_assessment_facts_over_graphql(api: GraphQLClient, make_ctx):
    from core.org.service import create_jurisdiction_from_plugin

    ctx = make_ctx(today=RECORDED_ON)
    j = await create_jurisdiction_from_plugin(ctx, "qiannan")
    await ctx.session.commit()
    jid = str(j.id)
    data = await api.ok(
        "query($j: ID!) { indicatorDefinitions(jurisdictionId: $j) {"
        " indicator label source refined added perCase kind instances citation { source text } } }",
        {"j": jid},
    )
    defs = {d["indicator"]: d for d in data["indicatorDefinitions"]}
    assert defs["head_appearance_rate"]["source"] == "qiannan" and defs["head_appearance_rate"][
        "instances"
    ] == ["first"]
    assert defs["head_appearance_rate"]["perCase"] and not defs["head_appearance_rate"]["added"]
    assert (
        defs["head_appearance_rate"]["citation"]["source"]
        == "《黔南州司法局“三个加强”推动司法行政工作取得实效》"
    )
    # What a reader sees names the document, never the file the quotes are checked against.
    assert defs["head_appearance_rate"]["citation"]["text"].startswith("《黔南州司法局")
    assert ".txt" not in json.dumps(data, ensure_ascii=False)
    assert defs["loss_rate"]["source"] == "national" and not defs["loss_rate"]["perCase"]
    # The 14 national indicators, then the three Qiannan adds ("一清", source 004).
    added = {k: d for k, d in defs.items() if d["added"]}
    assert len(defs) == 17 and sorted(added) == [
        "qiannan.correction_count",
        "qiannan.head_appearance_cases",
        "qiannan.reconsideration_received",
    ]
    assert added["qiannan.correction_count"]["label"] == "行政复议被纠错数"
    assert {d["source"] for d in added.values()} == {"qiannan"}
    assert {d["kind"] for d in added.values()} == {"count"}
    record = """
    mutation($j: ID!, $f: String!) {
      recordAssessmentFact(input: {jurisdictionId: $j, fact: $f, year: 2024, note: "包案化解不到位"}) {
        result { id fact year } errors { field code }
      }
    }
    """
    bad = await api.ok(record, {"j": jid, "f": "not_a_fact"})
    assert bad["recordAssessmentFact"]["errors"] == [{"field": "fact", "code": "unknown_fact"}]
    fact = await api.mutate(record, {"j": jid, "f": "package_resolution_inadequate"})
    a = await api.ok(
        "query($j: ID!) { assessment(jurisdictionId: $j, year: 2024) { facts { id fact } penalties { ruleId unitName citation { clause } } } }",
        {"j": jid},
    )
    assert a["assessment"]["facts"] == [{"id": fact["id"], "fact": "package_resolution_inadequate"}]
    # A jurisdiction-wide fact: the rule applies to units, so no penalty follows.
    assert a["assessment"]["penalties"] == []
    removed = await api.mutate(
        "mutation($id: ID!) { removeAssessmentFact(id: $id) { result { id } errors { field } } }",
        {"id": fact["id"]},
    )
    assert removed["id"] == fact["id"]
    again = await api.ok(
        "query($j: ID!) { assessment(jurisdictionId: $j, year: 2024) { facts { id } } }", {"j": jid}
    )
    assert again["assessment"]["facts"] == []


ADDED_DASHBOARD = """
query($j: ID!) {
  dashboard(jurisdictionId: $j, period: {kind: YEAR, year: 2024}) {
    indicators(codes: ["qiannan.correction_count"]) {
      indicator label current { value display }
      definition { added source perCase citation { clause } }
      targets { targetId status margin }
    }
  }
}
"""


async def test_plugin_added_indicator_over_graphql(api: GraphQLClient, make_ctx, scenario: Scenario):
    """Qiannan's 被纠错数 (added by its plugin) reads and takes a target like a national indicator;
    another jurisdiction (testland) does not have it, and the error names the field."""
    from core.org.service import create_jurisdiction_from_plugin

    ctx = make_ctx(today=RECORDED_ON)
    qiannan = await create_jurisdiction_from_plugin(ctx, "qiannan")
    await ctx.session.commit()
    j = str(qiannan.id)
    [line] = (await api.ok(ADDED_DASHBOARD, {"j": j}))["dashboard"]["indicators"]
    assert (line["label"], line["current"]["display"]) == ("行政复议被纠错数", "0")
    assert line["definition"]["added"] and line["definition"]["source"] == "qiannan"
    assert "糾錯數" in line["definition"]["citation"]["clause"]
    body = await api.mutate(
        SET_TARGET,
        {
            "input": {
                "jurisdictionId": j,
                "indicator": "qiannan.correction_count",
                "year": 2024,
                "comparator": "<=",
                "value": "2",
                "reason": "纠错数控制目标",
            }
        },
    )
    assert body["indicator"] == "qiannan.correction_count"
    [line] = (await api.ok(ADDED_DASHBOARD, {"j": j}))["dashboard"]["indicators"]
    assert [(t["targetId"], t["status"]) for t in line["targets"]] == [
        ("custom.qiannan.correction_count", "MET")  # no correction in 2024, which has ended
    ]
    other = str(scenario.org.jurisdiction.id)  # testland
    body = await api.ok(
        SET_TARGET,
        {
            "input": {
                "jurisdictionId": other,
                "indicator": "qiannan.correction_count",
                "year": 2024,
                "value": "2",
                "reason": "x",
            }
        },
    )
    assert body["setTarget"]["result"] is None
    assert body["setTarget"]["errors"][0]["field"] == "indicator"


async def test_a_dashboard_only_query_is_answered_whole_from_the_cache(
    api: GraphQLClient, scenario: Scenario, cache: InProcessCache
):
    j = str(scenario.org.jurisdiction.id)
    variables = {"j": j, "p": {"kind": "YEAR", "year": 2024}}
    first = await api.ok(DASHBOARD, variables)
    misses = cache.misses
    assert await api.ok(DASHBOARD, variables) == first
    assert (cache.hits, cache.misses) == (1, misses)  # the document itself: no figure was read
    # Other variables or another selection are other answers.
    other = await api.ok(DASHBOARD, {**variables, "p": {"kind": "YEAR", "year": 2023}})
    assert other["dashboard"]["period"]["key"] != first["dashboard"]["period"]["key"]
    # Whoever may not read the jurisdiction gets the error, not the cached answer.
    body = await api(
        DASHBOARD,
        variables,
        **{"x-caseload-role": "justice_staff", "x-caseload-jurisdiction": str(int(j) + 1000)},
    )
    assert body["data"] is None and body["errors"]
    # A dashboard beside another root field is executed as usual.
    both = "query($j: ID!) { __typename dashboard(jurisdictionId: $j, period: {kind: YEAR, year: 2024}) { asOf } }"
    assert (await api.ok(both, {"j": j}))["dashboard"]["asOf"] == first["dashboard"]["asOf"]


async def test_a_cached_dashboard_is_served_byte_for_byte_as_computed(
    api: GraphQLClient, scenario: Scenario, cache: InProcessCache
):
    """The cache kept answers re-encoded with ", " separators: 11% more bytes than the answer it held."""
    variables = {"j": str(scenario.org.jurisdiction.id), "p": {"kind": "YEAR", "year": 2024}}
    payload = {"query": DASHBOARD, "variables": variables}
    computed = await api.http.post("/graphql", json=payload)
    hits = cache.hits
    cached = await api.http.post("/graphql", json=payload)
    assert cache.hits == hits + 1  # the second answer did come from the cache
    assert cached.content == computed.content
