"""Per-request DataLoaders: every field that reaches another record batches through one of these.

Loaders are created fresh for each request (``Context.loaders``) and apply the principal's scope,
so a nested field can never reveal a row the root query could not. They hold read-only records of
the rows (``Context.records``, api/records.py), not ORM instances.

A nested field's resolver is synchronous: it returns ``loader.get(key)``, the value itself when the
loader already holds it (a connection loaded it for the whole page up front, ``api/prefetch.py``),
else the loader's future, which graphql-core awaits like any awaitable a resolver returns.
"""

from __future__ import annotations

from asyncio import Future
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import select
from strawberry.dataloader import DataLoader

if TYPE_CHECKING:
    from api.context import Context

K = TypeVar("K")
V = TypeVar("V")
R = TypeVar("R")


class Loader(DataLoader[K, V]):
    """A DataLoader that hands out what it already holds without a hop through the event loop."""

    def get(self, key: K) -> Any:
        """The value for ``key`` if it is already loaded, else the future of its load (a resolver returns
        either; graphql-core awaits the future). ``Any``: a resolver's annotation is its GraphQL type."""
        future = self.cache_map.get(key)
        if future is not None and future.done() and not future.cancelled() and future.exception() is None:
            return future.result()
        return self.load(key)

    async def prefetch(self, keys: Iterable[K]) -> list[V]:
        """Load every key not yet held in one call of the load function, keep the results as if they had
        been loaded one by one, and return the values of ``keys`` (each key once, in order)."""
        wanted = list(dict.fromkeys(keys))
        missing = [k for k in wanted if (f := self.cache_map.get(k)) is None or f.cancelled()]
        if missing:
            values = await self.load_fn(missing)
            self.prime_many(
                {k: v for k, v in zip(missing, values, strict=True) if not isinstance(v, BaseException)},
                force=True,
            )
        return [await self.load(k) for k in wanted]


def then(value: Any, fn: Callable[[Any], R]) -> Any:
    """``fn`` of a resolver's result, now if it is a value, or once the future it is has a value."""
    if isinstance(value, Future):

        async def chained() -> R:
            return fn(await value)

        return chained()
    return fn(value)


class Loaders:
    def __init__(self, context: Context) -> None:
        self._context = context
        self._by_id: dict[Any, Loader[int, Any]] = {}
        self._by_fk: dict[tuple[Any, str, str], Loader[int, list[Any]]] = {}
        self._keyed: dict[str, Loader[int, Any]] = {}

    def by_id(self, model: Any) -> Loader[int, Any]:
        """Load rows of ``model`` by primary key (``None`` for missing or out-of-scope rows)."""
        loader = self._by_id.get(model)
        if loader is None:
            context = self._context

            async def load(ids: Sequence[int]) -> list[Any]:
                stmt = context.scoped(select(model).where(model.id.in_(set(ids))), model)
                rows = {row.id: row for row in await context.records(stmt)}
                return [rows.get(i) for i in ids]

            loader = Loader(load_fn=load)
            self._by_id[model] = loader
        return loader

    def many(
        self, model: Any, fk: str, *, order_by: Any = None, where: Any = None, name: str = ""
    ) -> Loader[int, list[Any]]:
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
                for row in await context.records(stmt):
                    grouped[getattr(row, fk)].append(row)
                return [grouped.get(k, []) for k in keys]

            loader = Loader(load_fn=load)
            self._by_fk[key] = loader
        return loader

    def keyed(self, name: str, load: Callable[[Sequence[int]], Awaitable[list[Any]]]) -> Loader[int, Any]:
        """A loader batching ``load`` (one call per batch of keys), made once per request under ``name``."""
        loader = self._keyed.get(name)
        if loader is None:
            loader = Loader(load_fn=load)
            self._keyed[name] = loader
        return loader
