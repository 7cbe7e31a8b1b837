"""Rows read as records (api/records.py) carry what the ORM instances carried: the same value for
every column attribute and read-only property, the table name the personal-data audit records,
identity semantics; statements and models records cannot stand for are read as instances."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import String, inspect, select
from sqlalchemy.orm import DeclarativeBase, Mapped, aliased, mapped_column

from api.context import AppState, Context
from api.records import record_class, record_model
from core.audit.models import AuditEntry
from core.cases.models import Hearing, LitigationCase, Outcome
from core.db import Base
from core.disputes.models import Dispute
from core.obligations.models import Obligation
from core.org.models import Official, Unit
from core.principal import SYSTEM
from tests.api.test_nested_queries import seed


def app_models() -> list[type]:
    return sorted((mapper.class_ for mapper in Base.registry.mappers), key=lambda cls: cls.__name__)


def test_every_model_of_the_app_is_read_as_records() -> None:
    unfit = [model.__name__ for model in app_models() if record_model(select(model)) is not model]
    assert unfit == []


class Other(DeclarativeBase):
    """A registry of its own for the models below, outside caseload's metadata."""


class Renamed(Other):
    """A column named otherwise than its attribute: a result's column names would not be attributes."""

    __tablename__ = "renamed"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column("label_text", String(20))


class Plain(Other):
    __tablename__ = "plain"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))


@pytest.mark.parametrize(
    "stmt",
    [
        select(Renamed),
        select(Dispute.id, Dispute.title),
        select(Dispute, LitigationCase).join(LitigationCase, LitigationCase.dispute_id == Dispute.id),
        select(aliased(Dispute)),
    ],
    ids=["renamed column", "columns", "two entities", "aliased"],
)
def test_what_records_cannot_stand_for_is_read_as_instances(stmt: Any) -> None:
    assert record_model(stmt) is None


def test_a_plain_model_and_a_filtered_ordered_page_of_it_are_records() -> None:
    assert record_model(select(Plain)) is Plain
    assert record_model(select(Dispute).where(Dispute.id > 3).order_by(Dispute.id).limit(5)) is Dispute


async def seeded_context(ctx: Any, settings: Any, session_factory: Any, registry: Any, n: int) -> Context:
    """``n`` disputes with their cases and deadlines committed, and a system request's context."""
    await seed(ctx, n)
    await ctx.session.commit()
    return Context(AppState(settings=settings, session_factory=session_factory, registry=registry), SYSTEM)


async def test_records_carry_what_the_instances_carry(
    ctx: Any, settings: Any, session_factory: Any, registry: Any
) -> None:
    context = await seeded_context(ctx, settings, session_factory, registry, 2)
    compared: dict[str, int] = {}
    try:
        for model in app_models():
            order = inspect(model).primary_key
            records = await context.records(select(model).order_by(*order))
            async with session_factory() as session:
                instances = list((await session.scalars(select(model).order_by(*order))).all())
            assert len(records) == len(instances), model.__name__
            keys = [attribute.key for attribute in inspect(model).column_attrs]
            properties = [
                name
                for klass in model.__mro__
                for name, value in vars(klass).items()
                if isinstance(value, property)
            ]
            for record, instance in zip(records, instances, strict=True):
                assert type(record) is not model
                for key in keys + properties:
                    assert getattr(record, key) == getattr(instance, key), (model.__name__, key)
                    assert type(getattr(record, key)) is type(getattr(instance, key)), (model.__name__, key)
                assert record.__tablename__ == model.__tablename__  # type: ignore[attr-defined]
            compared[model.__name__] = len(records)
    finally:
        await context.close()
    # The page's models and the ones with properties or JSON documents were among those compared.
    for model in (Dispute, LitigationCase, Hearing, Outcome, Obligation, Unit, Official, AuditEntry):
        assert compared.get(model.__name__, 0) > 0, (model.__name__, compared)


async def test_records_compare_and_hash_by_identity(
    ctx: Any, settings: Any, session_factory: Any, registry: Any
) -> None:
    context = await seeded_context(ctx, settings, session_factory, registry, 1)
    try:
        first = await context.records(select(AuditEntry).order_by(AuditEntry.id))
        again = await context.records(select(AuditEntry).order_by(AuditEntry.id))
    finally:
        await context.close()
    assert first and any(isinstance(entry.after, dict) for entry in first)
    assert first[0] == first[0] and first[0] != again[0]  # equal values, different rows read
    assert len({*first, *again}) == len(first) + len(again)  # a dict column does not stop hashing
    with pytest.raises(AttributeError):
        first[0].status = "changed"  # type: ignore[misc]


def test_a_record_class_is_made_once_per_model_and_columns() -> None:
    names = tuple(attribute.key for attribute in inspect(Unit).column_attrs)
    assert record_class(Unit, names) is record_class(Unit, names)
    record = record_class(Unit, names)._make(range(len(names)))  # type: ignore[attr-defined]
    assert record.unit_id == record.id  # Unit.unit_id, a property, comes along
