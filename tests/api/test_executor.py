"""caseload's execution context (api/executor.py) answers exactly what strawberry's stock one does:
the same data, and the same errors (message, path, locations), for caseload's own queries and for a
small schema built to reach every way out of the short way."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import strawberry
from graphql import GraphQLObjectType, Undefined
from sqlalchemy import update
from strawberry.extensions import FieldExtension, SchemaExtension
from strawberry.permission import BasePermission
from strawberry.scalars import JSON
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from api.executor import CaseloadExecutionContext, leaf_plan, resolver_plan
from api.schema import schema as caseload_schema
from benchmarks.app import PAGE as BENCH_PAGE
from core.disputes.models import Dispute
from tests.api.conftest import GraphQLClient
from tests.api.test_nested_queries import PAGE as NESTED_PAGE
from tests.api.test_nested_queries import seed
from tests.api.test_prefetch import PAGE as PREFETCH_PAGE
from tests.indicators.conftest import Scenario, scenario  # noqa: F401 (a fixture)

STOCK = StrawberryGraphQLCoreExecutionContext


def test_caseload_schema_uses_it() -> None:
    assert caseload_schema.execution_context_class is CaseloadExecutionContext


def test_the_schema_has_nothing_for_an_incremental_executor_to_do() -> None:
    """CaseloadExecutionContext stands on graphql-core's plain executor (api/executor.py,
    StrawberryExecutor): right only while the schema declares neither @defer nor @stream."""
    from graphql.execution import Executor
    from graphql.execution.incremental import IncrementalExecutor

    directives = {directive.name for directive in caseload_schema._schema.directives}
    assert not directives & {"defer", "stream"}
    assert issubclass(CaseloadExecutionContext, Executor)
    assert not issubclass(CaseloadExecutionContext, IncrementalExecutor)


def schema_fields(graphql_schema: Any) -> Iterator[tuple[str, str, Any]]:
    for type_name, graphql_type in graphql_schema.type_map.items():
        if isinstance(graphql_type, GraphQLObjectType) and not type_name.startswith("__"):
            for field_name, field_def in graphql_type.fields.items():
                yield type_name, field_name, field_def


def test_only_basic_leaf_fields_take_the_short_way() -> None:
    """No field with a resolver (among them the personal-data fields, which mask and audit in theirs),
    permission classes or other field extensions, or arguments reads its attribute directly."""
    short = []
    for type_name, field_name, field_def in schema_fields(caseload_schema._schema):
        plan = leaf_plan(field_def)
        definition = field_def.extensions["strawberry-definition"]
        if plan is not None:
            assert definition.base_resolver is None and not definition.extensions, (type_name, field_name)
            assert not field_def.args and definition.is_basic_field
            short.append(f"{type_name}.{field_name}")
    for personal in ("applicantIdNumber", "applicantPhone"):
        assert leaf_plan(caseload_schema._schema.get_type("Dispute").fields[personal]) is None
    assert {"Dispute.id", "Dispute.status", "Dispute.receivedDate", "Hearing.headAttended"} <= set(short)
    assert "Dispute.statusLabel" not in short and "Dispute.litigationCases" not in short


def test_resolvers_called_directly_have_nothing_in_strawberrys_wrapper() -> None:
    """A resolver is called without strawberry's wrapper only when the wrapper would add nothing but
    argument conversion: no permission classes or other field extensions, no subscription."""
    direct = []
    for type_name, field_name, field_def in schema_fields(caseload_schema._schema):
        plan = resolver_plan(field_def, caseload_schema._schema)
        definition = field_def.extensions["strawberry-definition"]
        if plan is not None:
            assert definition.base_resolver is not None and not definition.extensions, (type_name, field_name)
            assert not definition.is_subscription
            direct.append(f"{type_name}.{field_name}")
        elif definition.base_resolver is not None and not definition.extensions:
            assert definition.is_subscription, (type_name, field_name)
    assert {"Dispute.litigationCases", "LitigationCase.obligations", "Dispute.applicantIdNumber"} <= set(
        direct
    )
    assert "Dispute.id" not in direct


# --- caseload's queries, over HTTP, through either context ---------------------------------------


def switcher(app: Any) -> Iterator[Any]:
    """Sets the app's schema's execution context class (both execution paths read it per request)."""
    graphql = next(r.endpoint for r in app.router.routes if getattr(r, "path", "") == "/graphql")
    schema = graphql.schema
    assert schema.execution_context_class is CaseloadExecutionContext

    def use(cls: type) -> None:
        schema.execution_context_class = cls

    yield use
    schema.execution_context_class = CaseloadExecutionContext


@pytest.fixture
def switch(app: Any) -> Iterator[Any]:
    yield from switcher(app)


async def same_answer(
    client: GraphQLClient, switch: Any, query: str, variables: dict[str, Any] | None = None, **headers: str
) -> dict[str, Any]:
    """The body through each context, twice (the first through strawberry's pipeline, the second
    through the remembered operation of api/prepared.py); all four must be equal."""
    bodies = []
    for cls in (STOCK, CaseloadExecutionContext, STOCK, CaseloadExecutionContext):
        switch(cls)
        bodies.append(await client(query, variables, **headers))
    assert bodies[0] == bodies[1] == bodies[2] == bodies[3]
    return bodies[0]


async def test_caseload_pages_are_the_same(ctx: Any, client: GraphQLClient, switch: Any) -> None:
    await seed(ctx, 3)
    jurisdiction = (await client.ok("{ disputes(first: 1) { nodes { jurisdictionId } } }"))["disputes"]
    j = jurisdiction["nodes"][0]["jurisdictionId"]
    body = await same_answer(client, switch, BENCH_PAGE, {"first": 50, "j": j})
    nodes = body["data"]["disputes"]["nodes"]
    assert len(nodes) == 3 and nodes[0]["status"] and nodes[0]["litigationCases"][0]["hearings"]
    assert nodes[0]["litigationCases"][0]["outcome"] == {
        "kind": "REVOKED",
        "isLoss": True,
        "decidedDate": "2024-06-03",
    }
    await same_answer(client, switch, NESTED_PAGE, {"first": 2})
    await same_answer(client, switch, PREFETCH_PAGE)
    fragments = """query($skip: Boolean!, $with: Boolean!) { disputes(first: 3, order: RECEIVED_ASC) {
      nodes { ...Head again: status number @skip(if: $skip) title @include(if: $with) s: status
              ... on Dispute { receivedDate status } resolvedDate closedDate resolutionResult } } }
    fragment Head on Dispute { id status number isMajor lossRisk applicantCount createdAt version }"""
    for skip, include in ((True, False), (False, True)):
        await same_answer(client, switch, fragments, {"skip": skip, "with": include})


async def test_personal_data_is_masked_through_the_short_way(
    ctx: Any, client: GraphQLClient, switch: Any
) -> None:
    await seed(ctx, 2)
    await ctx.session.execute(
        update(Dispute).values(applicant_id_number="110101199001011234", applicant_phone="13812345678")
    )
    await ctx.session.commit()
    query = "{ disputes(first: 5) { nodes { id applicantName applicantIdNumber applicantPhone } } }"
    full = await same_answer(client, switch, query)
    assert {n["applicantIdNumber"] for n in full["data"]["disputes"]["nodes"]} == {"110101199001011234"}
    agency = (await client.ok("{ disputes(first: 1) { nodes { unitId jurisdictionId } } }"))["disputes"]
    clerk = {
        "x-caseload-role": "unit_clerk",
        "x-caseload-jurisdiction": agency["nodes"][0]["jurisdictionId"],
        "x-caseload-unit": agency["nodes"][0]["unitId"],
    }
    masked = await same_answer(client, switch, query, **clerk)
    assert [(n["applicantIdNumber"], n["applicantPhone"]) for n in masked["data"]["disputes"]["nodes"]] == [
        ("110101********1234", "138****5678")
    ] * 2


async def test_errors_are_the_same(ctx: Any, client: GraphQLClient, switch: Any) -> None:
    await seed(ctx, 1)
    body = await same_answer(client, switch, '{ dispute(id: "999999") { id status } }')
    assert body == {"data": {"dispute": None}}
    body = await same_answer(
        client, switch, '{ dispute(id: "x") { id } disputes(first: 1) { nodes { id } } }'
    )
    assert body["data"]["disputes"]["nodes"] and body["errors"][0]["path"] == ["dispute"]
    await same_answer(client, switch, "{ disputes(first: 1) { nodes { id nope } } }")


async def test_a_dashboard_is_the_same(
    api_client: GraphQLClient,
    switch_api: Any,
    scenario: Scenario,  # noqa: F811
) -> None:
    # Another root field beside the dashboard: its document is not served from the cache.
    query = """query($j: ID!, $year: Int!) { __typename dashboard(jurisdictionId: $j,
      period: {kind: YEAR, year: $year}) { jurisdictionName
        indicators { indicator label status statusLabel current { numerator denominator value display }
                     previous { value } change changePercent }
        units { unitId name values { indicator figure { numerator denominator value } rank } } } }"""
    body = await same_answer(
        api_client, switch_api, query, {"j": str(scenario.org.jurisdiction.id), "year": 2024}
    )
    assert body["data"]["dashboard"]["indicators"] and "errors" not in body


@pytest.fixture
async def api_app(settings: Any, registry: Any, session_factory: Any) -> AsyncIterator[Any]:
    from api.app import create_app
    from core.clock import CHINA, fixed_clock
    from tests.indicators.conftest import RECORDED_ON

    application = create_app(
        settings, registry=registry, clock=fixed_clock(dt.datetime.combine(RECORDED_ON, dt.time(10), CHINA))
    )
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def api_client(api_app: Any) -> AsyncIterator[GraphQLClient]:
    import httpx

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api_app), base_url="http://test") as http:
        yield GraphQLClient(http)


@pytest.fixture
def switch_api(api_app: Any) -> Iterator[Any]:
    yield from switcher(api_app)


# --- a small schema that reaches every way out of the short way -----------------------------------


@strawberry.enum
class Color(enum.Enum):
    RED = "red"
    GREEN = "green"
    ALSO_RED = "red"  # an alias: strawberry names it by the first member with its value


@strawberry.enum
class Size(enum.StrEnum):
    SMALL = "s"
    LARGE = "l"


class Deny(BasePermission):
    message = "not for you"

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return False


class Source:
    """What a resolver hands the executor: attributes, some of them odd."""

    reads = 0

    def __init__(self, **values: Any) -> None:
        defaults: dict[str, Any] = {
            "name": "a",
            "id": 7,
            "count": 3,
            "ratio": 0.5,
            "flag": True,
            "day": dt.date(2024, 5, 6),
            "moment": dt.datetime(2024, 5, 6, 9, 30),
            "amount": decimal.Decimal("1.50"),
            "color": Color.GREEN,
            "maybe_color": None,
            "size": Size.LARGE,
            "note": None,
            "payload": {"k": [1, 2]},
            "secret": "s",
            "required": "r",
        }
        defaults.update(values)
        self.__dict__.update(defaults)

    @property
    def counted(self) -> str | None:
        Source.reads += 1
        value: str | None = self.__dict__.get("counted_value", "c")
        return value

    @property
    def late(self) -> Any:
        async def value() -> str:
            return "late"

        return value()


def raising(message: str) -> property:
    def get(self: Any) -> Any:
        raise ValueError(message)

    return property(get)


@strawberry.type
class Item:
    name: str
    id: strawberry.ID
    count: int
    ratio: float
    flag: bool | None
    day: dt.date
    moment: dt.datetime
    amount: decimal.Decimal
    color: Color
    maybe_color: Color | None
    size: Size
    note: str | None
    payload: JSON
    secret: str = strawberry.field(permission_classes=[Deny])
    required: str
    counted: str | None
    late: str

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()

    @strawberry.field
    def failing(self) -> str | None:
        raise ValueError("resolver failed")

    @strawberry.field
    def greet(self, greeting: str = "hi", times: int = 1, tags: list[str] | None = None) -> str:
        tags = tags or []
        tags.append(self.name)  # a resolver that changes its list argument: never shared between rows
        return f"{greeting * times} {','.join(tags)}"

    @strawberry.field
    async def echo(self) -> str:
        return str(self.name)

    @strawberry.field
    async def late_failing(self) -> str:
        raise ValueError("async resolver failed")


class Suffix(FieldExtension):
    """A field extension: strawberry's wrapper runs it, so its field's resolver is not called directly."""

    def resolve(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        return f"{next_(source, info, **kwargs)}!"


@strawberry.input
class Filter:
    prefix: str = ""
    sizes: list[Size] | None = None


@strawberry.type
class Extra:
    """Resolvers that ask for the source, the Info and converted arguments in each way strawberry allows."""

    name: str

    @strawberry.field
    def path(self, info: strawberry.Info) -> str:
        return f"{info.path.prev.key if info.path.prev else ''}.{info.field_name}:{self.name}"

    @strawberry.field
    @staticmethod
    def rooted(root: Any, where: strawberry.Info, size: Size = Size.SMALL) -> str:
        return f"{root.name}/{where.python_name}/{size.name}"

    @strawberry.field
    def parented(self, parent: strawberry.Parent[Any], color: Color | None = None) -> str:
        return f"{parent.name}:{color.name if color else '-'}"

    @strawberry.field
    def filtered(self, filter: Filter | None = None) -> str:
        if filter is None:
            return "none"
        sizes = filter.sizes or []
        sizes.append(Size.LARGE)  # an input object is never shared between rows
        return f"{filter.prefix}{self.name}{[s.name for s in sizes]}"

    @strawberry.field(extensions=[Suffix()])
    def extended(self, times: int = 1) -> str:
        return self.name * times

    @strawberry.field
    def ided(self, key: strawberry.ID, day: dt.date | None = None) -> str:
        return f"{key}@{day.isoformat() if day else ''}"

    @strawberry.field
    def refusing(self, count: int) -> int:
        return count


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Person(Named):  # implements an interface: strawberry gives it an is_type_of
    count: int


@strawberry.type
class Box:
    items: list[Item]
    item: Item
    optional: Item | None
    sparse: list[Item | None] | None
    grid: list[list[Item]]
    people: list[Person]
    named: list[Named]
    tupled: list[Item]

    @strawberry.field
    def mixed(self) -> list[Item]:
        """Plain items, a coroutine and an exception."""

        async def later() -> Source:
            return Source(name="from a coroutine")

        return [Source(), later(), ValueError("an exception for an item"), Source(name="last")]  # type: ignore[list-item]


def odd_sources() -> list[Source]:
    class Raising(Source):
        name = raising("name failed")  # type: ignore[assignment]

    class RaisingNote(Source):
        note = raising("note failed")  # type: ignore[assignment]

    return [
        Source(),
        Source(color=Color.ALSO_RED, size="s", maybe_color=Color.RED, note=Undefined, flag=None),
        Source(color="green"),  # a value, not a member: strawberry looks it up
        Source(color="purple"),  # no such value
        Source(count="x"),  # not an Int
        Source(count=2**40),  # out of Int's range
        Source(required=None),  # null for a non-null field
        Source(note=ValueError("an exception as a value")),
        Source(name=ValueError("an exception for a non-null field")),
        Source(id="abc", ratio=float("nan")),
        Source(id=7.0, name=Size.SMALL, flag=1),  # ID from a float, a str subclass, a Boolean from an int
        Source(id=True),  # not an ID
        Raising(),
        RaisingNote(),
        Source(counted_value=None),
    ]


@strawberry.type
class Query:
    @strawberry.field
    def box(self) -> Box:
        sources = odd_sources()
        return Box(  # type: ignore[arg-type]
            items=sources,
            item=Source(),
            optional=sources[6],
            sparse=[Source(), None, sources[4]],
            grid=[[Source()], [], sources[:3]],
            people=[Person(name="p", count=1), Source(name="not a person")],
            named=[Person(name="q", count=2)],
            tupled=tuple(sources[:2]),
        )

    @strawberry.field
    def items(self) -> list[Item | None]:
        return odd_sources()  # type: ignore[return-value]

    @strawberry.field
    async def later(self) -> Item:
        return Source()  # type: ignore[return-value]

    @strawberry.field
    def extras(self) -> list[Extra]:
        return [Extra(name="x"), Extra(name="y")]

    @strawberry.field
    def missing(self) -> Item | None:
        return object()  # type: ignore[return-value]  # no attributes at all


class Upper(SchemaExtension):
    """A ``resolve`` hook: strawberry makes it graphql-core middleware, so the short way stays shut."""

    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        result = _next(root, info, *args, **kwargs)
        return result.upper() if isinstance(result, str) else result


ALL = """ name id count ratio flag day moment amount color maybeColor size note payload required counted late
          shout failing """

QUERIES = [
    "{ items {" + ALL + "} }",
    "{ items { name count color size note } later { name day } }",
    "{ box { items { name } item {" + ALL + "} optional { name } } }",
    "{ box { item { required } optional { required } } }",  # the null bubbles to a nullable parent
    "{ box { items { required } } }",  # the null bubbles to the non-null list, then to box
    "{ items { secret } }",
    "{ items { a: name b: name name ...F ... on Item { name count } } } fragment F on Item { name color }",
    "query($skip: Boolean!) { items { name @skip(if: $skip) count @include(if: $skip) } }",
    "{ missing { name note } }",
    "{ later { name color late } }",
    "{ items { __typename name } }",
    'query($n: Int!) { items { greet a: greet(greeting: "yo", times: $n) b: greet(tags: ["t"]) } }',
    "{ box { sparse { name count } grid { name color } } }",
    "{ box { people { name count } } }",
    "{ box { named { name ... on Person { count } } } }",
    "{ box { mixed { name } } }",
    "{ box { sparse { name } mixed { name echo } } }",
    "{ box { tupled { name echo } optional { echo } } }",
    "{ box { items { echo } } }",
    "{ box { items { name lateFailing } } }",  # async errors in non-null items of a non-null list
    "{ items { name lateFailing } box { sparse { lateFailing } } }",
    "{ extras { path rooted parented extended } }",
    'query($n: Int!) { extras { rooted(size: LARGE) parented(color: RED) extended(times: $n) ided(key: "k") } }',
    '{ extras { a: filtered b: filtered(filter: {prefix: "p", sizes: [SMALL]}) c: ided(key: 3, day: "2024-02-29") } }',
    'query($n: Int!) { extras { x: rooted y: rooted(size: LARGE) z: refusing(count: $n) w: ided(key: "1") } }',
    '{ extras { refusing(count: 2) ided(key: "k", day: "2024-02-30") } }',
]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("extensions", [(), (Upper,)], ids=["plain", "middleware"])
async def test_a_small_schema_answers_the_same(query: str, extensions: tuple[Any, ...]) -> None:
    answers = []
    reads = []
    for cls in (STOCK, CaseloadExecutionContext):
        schema = strawberry.Schema(query=Query, extensions=extensions, execution_context_class=cls)
        Source.reads = 0
        result = await schema.execute(query, variable_values={"skip": True, "n": 2})
        reads.append(Source.reads)
        errors = [error.formatted for error in result.errors or []]
        answers.append((result.data, errors))
    assert answers[0] == answers[1]
    assert reads[0] == reads[1]  # each attribute read once, whichever way it went


async def test_the_small_schema_reaches_the_odd_cases() -> None:
    schema = strawberry.Schema(query=Query, execution_context_class=CaseloadExecutionContext)
    result = await schema.execute("{ items {" + ALL + "} }")
    messages = {error.message for error in result.errors or []}
    assert {
        "Cannot return null for non-nullable field Item.required.",
        "Enum 'Color' cannot represent value: 'purple'",
        "an exception as a value",
        "name failed",
        "note failed",
        "resolver failed",
    } <= messages, messages
    assert result.data is not None
    first, second, third = result.data["items"][:3]
    assert first["color"] == "GREEN" and first["size"] == "LARGE" and first["day"] == "2024-05-06"
    assert second["color"] == "RED" and second["maybeColor"] == "RED" and second["note"] is None
    assert third["color"] == "GREEN" and first["late"] == "late" and first["payload"] == {"k": [1, 2]}
    graphql_item = schema._schema.get_type("Item")
    assert isinstance(graphql_item, GraphQLObjectType)
    assert leaf_plan(graphql_item.fields["secret"]) is None  # permission classes: an extension
    assert leaf_plan(graphql_item.fields["shout"]) is None
    assert leaf_plan(graphql_item.fields["name"]) is not None
    plan = leaf_plan(graphql_item.fields["color"])
    assert plan is not None and plan.enum_names == {Color.RED: "RED", Color.GREEN: "GREEN"}
