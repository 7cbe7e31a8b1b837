"""Per-request DataLoaders: every field that reaches another record batches through one of these.

Loaders are created fresh for each request (``Context.loaders``) and apply the principal's scope,
so a nested field can never reveal a row the root query could not.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from strawberry.dataloader import DataLoader

if TYPE_CHECKING:
    from api.context import Context


class Loaders:
    def __init__(self, context: Context) -> None:
        self._context = context
        self._by_id: dict[Any, DataLoader[int, Any]] = {}
        self._by_fk: dict[tuple[Any, str, str], DataLoader[int, list[Any]]] = {}
        self._keyed: dict[str, DataLoader[int, Any]] = {}

    def by_id(self, model: Any) -> DataLoader[int, Any]:
        """Load rows of ``model`` by primary key (``None`` for missing or out-of-scope rows)."""
        loader = self._by_id.get(model)
        if loader is None:
            context = self._context

            async def load(ids: Sequence[int]) -> list[Any]:
                stmt = context.scoped(select(model).where(model.id.in_(set(ids))), model)
                rows = {row.id: row for row in await context.scalars(stmt)}
                return [rows.get(i) for i in ids]

            loader = DataLoader(load_fn=load)
            self._by_id[model] = loader
        return loader

    def many(
        self, model: Any, fk: str, *, order_by: Any = None, where: Any = None, name: str = ""
    ) -> DataLoader[int, list[Any]]:
        """Load the rows of ``model`` whose ``fk`` column is each key (one query per batch).

        ``name`` distinguishes loaders of the same model and column with different ``where``;
        ``order_by`` is a column or a tuple of columns (the default: the primary key).
        """
        key = (model, fk, name)
        loader = self._by_fk.get(key)
        if loader is None:
            context = self._context
            column = getattr(model, fk)

            async def load(keys: Sequence[int]) -> list[list[Any]]:
                stmt = select(model).where(column.in_(set(keys)))
                if where is not None:
                    stmt = stmt.where(where)
                stmt = context.scoped(stmt, model)
                if order_by is None:
                    stmt = stmt.order_by(model.id)
                elif isinstance(order_by, tuple):
                    stmt = stmt.order_by(*order_by)
                else:
                    stmt = stmt.order_by(order_by)
                grouped: dict[int, list[Any]] = defaultdict(list)
                for row in await context.scalars(stmt):
                    grouped[getattr(row, fk)].append(row)
                return [grouped.get(k, []) for k in keys]

            loader = DataLoader(load_fn=load)
            self._by_fk[key] = loader
        return loader

    def keyed(self, name: str, load: Callable[[Sequence[int]], Awaitable[list[Any]]]) -> DataLoader[int, Any]:
        """A loader batching ``load`` (one call per batch of keys), made once per request under ``name``."""
        loader = self._keyed.get(name)
        if loader is None:
            loader = DataLoader(load_fn=load)
            self._keyed[name] = loader
        return loader
