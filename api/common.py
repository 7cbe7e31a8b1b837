"""Building blocks shared by every domain package: enums, errors as data, payloads, pagination."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

import strawberry
from sqlalchemy import Select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from api.context import Info
from api.pagination import Key, read_page
from api.prefetch import prefetch_connection
from core import enums as core_enums
from core.context import ServiceContext
from core.db import write_turn
from core.enums import (
    ActionType,
    BatchKind,
    CaseStatus,
    DisputeField,
    DisputeSource,
    DisputeStatus,
    DocumentKind,
    DutyKind,
    DutyStatus,
    HearingStatus,
    IdentityCheck,
    Instance,
    JurisdictionLevel,
    LossCause,
    NotificationKind,
    ObligationStatus,
    OfficialRank,
    OutcomeKind,
    ReconsiderationDecision,
    ReconsiderationStatus,
    ResolutionResult,
    ResolutionStage,
    ResolutionStatus,
    Role,
    UnitKind,
)
from core.errors import DomainError
from core.requests.claims import mark_committed

log = logging.getLogger("caseload.api")
T = TypeVar("T")

MAX_ID = 2**31 - 1  # ids are 32-bit integers on every database

# GraphQL enums are the core enums themselves (values stored in the database, names in GraphQL):
# strawberry.enum registers each class in place, so the API and the core share one type.
for _enum, _description in (
    (JurisdictionLevel, "辖区层级"),
    (UnitKind, "单位类型"),
    (OfficialRank, "负责人职级"),
    (Role, "角色"),
    (DisputeField, "争议领域"),
    (ActionType, "行政行为类型"),
    (DisputeSource, "争议来源"),
    (BatchKind, "批案/系列案/群体性"),
    (DisputeStatus, "争议状态"),
    (ResolutionStage, "化解阶段"),
    (ResolutionStatus, "化解状态"),
    (ResolutionResult, "化解结果"),
    (ReconsiderationStatus, "复议状态"),
    (ReconsiderationDecision, "复议决定"),
    (Instance, "审级"),
    (CaseStatus, "诉讼案件状态"),
    (HearingStatus, "庭审状态"),
    (IdentityCheck, "出庭人员身份核验"),
    (OutcomeKind, "裁判结果"),
    (DutyKind, "裁判后事项"),
    (DutyStatus, "事项状态"),
    (ObligationStatus, "期限状态"),
    (NotificationKind, "通知类型"),
    (DocumentKind, "文书种类"),
    (LossCause, "败诉原因类别"),
):
    strawberry.enum(_enum, description=_description)


def label_of(attr: str, description: str | None = None) -> Any:
    """A field giving the Chinese label of the enum attribute ``attr`` of the parent."""

    def resolve(root: strawberry.Parent[Any]) -> str | None:
        value = getattr(root, attr)
        return value.label if isinstance(value, core_enums.LabeledEnum) else None

    return strawberry.field(resolver=resolve, description=description or f"{attr} 的中文名称")


def mask(value: str, keep_start: int, keep_end: int) -> str:
    """Hide the middle of a personal number: 110101********1234, 138****5678."""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[len(value) - keep_end :]


def personal_field(attr: str, keep_start: int, keep_end: int, description: str) -> Any:
    """A personal-data field: masked unless the principal may see it; a full read is audited."""

    def resolve(root: strawberry.Parent[Any], info: Info) -> str | None:
        value = getattr(root, attr)
        if value is None:
            return None
        context = info.context
        if not context.principal.sees_personal_data:
            return mask(value, keep_start, keep_end)
        context.sensitive_reads.append(
            (type(root).__tablename__, root.id, attr, getattr(root, "jurisdiction_id", None))
        )
        return str(value)

    return strawberry.field(resolver=resolve, description=description)


@strawberry.type(description="一个枚举值及其中文名称")
class EnumValueLabel:
    name: str
    value: str
    label: str


@strawberry.type(description="枚举类型及其全部取值")
class EnumLabels:
    enum: str
    values: list[EnumValueLabel]


def enum_labels() -> list[EnumLabels]:
    return [
        EnumLabels(enum=name, values=[EnumValueLabel(name=m.name, value=m.value, label=m.label) for m in cls])
        for name, cls in sorted(core_enums.all_labeled_enums().items())
    ]


# ---------------------------------------------------------------------------------------------
# Errors as data
# ---------------------------------------------------------------------------------------------


@strawberry.type(description="A rejected mutation: nothing was written. 操作未执行的原因。")
class UserError:
    field: str | None = strawberry.field(description="the input field at fault (camelCase), if any")
    code: str = strawberry.field(description="stable machine-readable code")
    message: str = strawberry.field(description="中文说明")
    message_en: str = strawberry.field(description="English explanation")

    @classmethod
    def of(cls, exc: DomainError) -> UserError:
        return cls(field=exc.field, code=exc.code, message=exc.message_zh, message_en=exc.message_en)


@strawberry.type
class Payload(Generic[T]):
    result: T | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


async def run_mutation(info: Info, fn: Callable[[ServiceContext], Awaitable[Any]]) -> Any:
    """Run ``fn`` in its own transaction: commit and return the result, or roll back and return errors."""
    context = info.context
    app = context.app
    changes: list[tuple[str, int, int | None]] = []
    try:
        async with write_turn(app.session_factory), app.session_factory() as session, session.begin():
            ctx = ServiceContext(
                session=session, principal=context.principal, registry=app.registry, clock=app.clock
            )
            result = await fn(ctx)
            await session.flush()
            # An Idempotency-Key's commit mark goes in with the writes (core/requests/claims.py).
            await mark_committed(session)
            changes = ctx.changes
    except DomainError as exc:
        return Payload(result=None, errors=[UserError.of(exc)])
    except StaleDataError:
        return Payload(
            result=None,
            errors=[
                UserError(
                    field="version",
                    code="conflict",
                    message="该记录已被他人修改，请刷新后重试",
                    message_en="the record was changed concurrently; reload and retry",
                )
            ],
        )
    except IntegrityError as exc:
        log.warning("integrity error in mutation: %s", exc.orig)
        return Payload(
            result=None,
            errors=[
                UserError(
                    field=None,
                    code="conflict",
                    message="数据与已有记录冲突（可能是重复提交），请刷新后重试",
                    message_en="conflicts with an existing record (duplicate?); reload and retry",
                )
            ],
        )
    for hook in app.after_commit:
        try:
            await hook(changes)
        except Exception:  # a failed cache invalidation must not turn a committed write into an error
            log.exception("after-commit hook failed")
    return Payload(result=result, errors=[])


# ---------------------------------------------------------------------------------------------
# Relay-style cursor pagination
# ---------------------------------------------------------------------------------------------


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int = strawberry.field(description="rows matching the filter, over all pages")

    @strawberry.field(description="the nodes of this page, without edges")
    def nodes(self) -> list[T]:
        return [e.node for e in self.edges]


async def paginate(
    info: Info,
    stmt: Select[Any],
    order: Sequence[Key],
    *,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
) -> Connection[Any]:
    """One page of ``stmt`` (filtered and scoped) in the ordering ``order`` (api/pagination.py: keyset
    cursors, forward and backward), with the total count."""
    page = await read_page(info.context, stmt, order, first=first, after=after, last=last, before=before)
    # What the nodes select below them is loaded now, a level at a time, for the whole page.
    await prefetch_connection(info._raw_info, page.rows)
    edges = [Edge(cursor=cursor, node=row) for cursor, row in zip(page.cursors, page.rows, strict=True)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=page.total,
    )


def gid(value: strawberry.ID | str | int, field: str) -> int:
    """Parse an ID argument, naming the field when it is not one."""
    text = str(value)
    if not text.isdigit() or int(text) > MAX_ID:
        raise DomainError("invalid_id", f"{field} 不是有效的编号", f"{field} is not a valid id", field)
    return int(text)
