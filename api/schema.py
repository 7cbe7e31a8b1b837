"""Assembles the GraphQL schema from the domain packages (nothing else lives here)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ParserCache, SchemaExtension, ValidationCache
from strawberry.types import ExecutionContext

from api.attachments.mutations import AttachmentMutation
from api.audit.queries import AuditQuery
from api.auth.schema import AuthMutation, AuthQuery
from api.cases.mutations import CaseMutation
from api.cases.queries import CaseQuery
from api.common import EnumLabels, enum_labels
from api.context import Context
from api.disputes.mutations import DisputeMutation
from api.disputes.queries import DisputeQuery
from api.documents.mutations import DocumentMutation
from api.documents.queries import DocumentQuery
from api.executor import CaseloadExecutionContext
from api.hardening import CostLimit, hardening_extensions
from api.indicators import IndicatorMutation, IndicatorQuery
from api.indicators.document_cache import DashboardDocuments
from api.ledger.mutations import LedgerMutation
from api.ledger.queries import LedgerQuery
from api.ledger.subscriptions import LedgerSubscription
from api.limits import InputLengthLimit
from api.notify.mutations import NotifyMutation
from api.notify.queries import NotifyQuery
from api.notify.subscriptions import NotifySubscription
from api.obligations.mutations import ObligationMutation
from api.obligations.queries import ObligationQuery
from api.org.mutations import OrgMutation
from api.org.queries import OrgQuery
from api.prepared import RememberPrepared
from core.errors import DomainError

log = logging.getLogger("caseload.graphql")


@strawberry.type
class MetaQuery:
    @strawberry.field(description="全部枚举的中文名称（供前端显示）")
    def enum_labels(self) -> list[EnumLabels]:
        return enum_labels()


@strawberry.type
class Query(
    OrgQuery,
    DisputeQuery,
    CaseQuery,
    ObligationQuery,
    AuditQuery,
    NotifyQuery,
    MetaQuery,
    AuthQuery,
    LedgerQuery,
    IndicatorQuery,
    DocumentQuery,
):
    pass


@strawberry.type
class Mutation(
    OrgMutation,
    DisputeMutation,
    CaseMutation,
    ObligationMutation,
    NotifyMutation,
    AuthMutation,
    LedgerMutation,
    IndicatorMutation,
    AttachmentMutation,
    DocumentMutation,
):
    pass


@strawberry.type
class Subscription(NotifySubscription, LedgerSubscription):
    pass


class CloseReadSession(SchemaExtension):
    """Return the request's read session to the pool when the operation is done."""

    async def on_operation(self) -> AsyncIterator[None]:
        yield
        context = self.execution_context.context
        if isinstance(context, Context):
            await context.close()


class CaseloadSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Expected errors (bad arguments, domain rules) are the client's business, not the log's.
        for error in errors:
            original = error.original_error
            if original is None or isinstance(original, DomainError | GraphQLError) or not error.path:
                log.info("graphql error: %s", error.message)
            else:
                log.error("unexpected error", exc_info=error.original_error)


def build_schema(*, production: bool = False) -> strawberry.Schema:
    """The schema; in production introspection is off (see api/hardening.py for every limit)."""
    return CaseloadSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=[
            *hardening_extensions(production),
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            CostLimit,  # after the validation cache, which would overwrite its verdict
            InputLengthLimit,  # likewise
            DashboardDocuments,
            RememberPrepared,
            CloseReadSession,
        ],
        execution_context_class=CaseloadExecutionContext,
    )


schema = build_schema()
