"""The indicator cache: generations, invalidation, siblings in the key, and the Redis variant."""

from __future__ import annotations

import os
import uuid
from contextlib import asynccontextmanager
from typing import Any

import pytest

from core.context import ServiceContext
from core.enums import Role
from core.errors import NotFound
from core.indicators import periods as P
from core.indicators import service
from core.indicators.cache import GLOBAL, IndicatorCache, InProcessCache, RedisCache, invalidation_hook
from core.indicators.types import Assessment, Dashboard
from core.org.models import Unit
from core.principal import Principal
from tests.indicators.conftest import Scenario
from tests.indicators.helpers import D, Recorder


async def exercise(cache: IndicatorCache) -> None:
    stamp = await cache.stamp([1, 2])
    await cache.set(1, stamp, "k", {"v": "1.00", "n": [1, 2]})
    assert await cache.get(1, stamp, "k") == {"v": "1.00", "n": [1, 2]}
    assert await cache.get(1, stamp, "other") is None
    # A write in jurisdiction 2 (a sibling in the key) moves the stamp on: the old entry is unreachable.
    await invalidation_hook(cache)([("litigation_cases", 7, 2)])
    fresh = await cache.stamp([1, 2])
    assert fresh != stamp and await cache.get(1, fresh, "k") is None
    # Changes outside any jurisdiction (the calendar) move every stamp on.
    await cache.set(1, fresh, "k", {"v": 2})
    await cache.invalidate([None])
    assert (await cache.generations([GLOBAL]))[GLOBAL] >= 1
    assert await cache.get(1, await cache.stamp([1, 2]), "k") is None
    await invalidation_hook(cache)([])  # nothing changed: nothing bumped
    before = await cache.generations([1, 2])
    assert await cache.bump_generation(1) == before[1] + 1


async def test_in_process_cache():
    cache = InProcessCache(max_entries=2)
    await exercise(cache)
    stamp = await cache.stamp([5])
    for key in ("a", "b", "c"):
        await cache.set(5, stamp, key, key)
    assert await cache.get(5, stamp, "a") is None  # evicted, least recently used
    assert await cache.get(5, stamp, "c") == "c"


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set")
async def test_redis_cache():
    cache = RedisCache.from_url(os.environ["REDIS_URL"], prefix=f"test:{uuid.uuid4().hex}")
    try:
        await exercise(cache)
    finally:
        await cache.close()


def fresh_ctx(session_factory, ctx):
    @asynccontextmanager
    async def open_ctx():
        async with session_factory() as session:
            yield ServiceContext(
                session=session, principal=ctx.principal, registry=ctx.registry, clock=ctx.clock
            )

    return open_ctx


async def cached_dashboard(cache, ctx, session_factory, jid, period, unit_id=None):
    return await service.read_through(
        cache,
        ctx,
        fresh_ctx(session_factory, ctx),
        jid,
        service.dashboard_key(period, unit_id, ctx.today()),
        Dashboard,
        lambda c: service.dashboard(c, jid, period, unit_id=unit_id),
    )


async def test_dashboards_are_served_from_the_cache_until_invalidated(scenario: Scenario, session_factory):
    cache = InProcessCache()
    ctx, jid = scenario.ctx, scenario.org.jurisdiction.id
    first = await cached_dashboard(cache, ctx, session_factory, jid, P.year(2024))
    second = await cached_dashboard(cache, ctx, session_factory, jid, P.year(2024))
    assert second == first and (cache.hits, cache.misses) == (1, 1)
    assert first == await service.dashboard(ctx, jid, P.year(2024))
    unit = await cached_dashboard(cache, ctx, session_factory, jid, P.year(2024), scenario.agency.id)
    assert unit.unit_id == scenario.agency.id and cache.misses == 2
    await scenario.rec.case(scenario.market, D(2024, 12, 1))
    await ctx.session.commit()
    # Even before (or without) the invalidation, the committed write's audit entry changes the key.
    fresh = await cached_dashboard(cache, ctx, session_factory, jid, P.year(2024))
    assert fresh.indicator("case_volume").current.numerator == 5
    await cache.invalidate(j for _, _, j in ctx.changes)
    again = await cached_dashboard(cache, ctx, session_factory, jid, P.year(2024))
    assert again == fresh


async def test_an_answer_is_never_older_than_the_invalidation_before_it(
    scenario: Scenario, session_factory, make_ctx
):
    """A reader whose transaction began before a write still gets (and caches) the new figures."""
    cache = InProcessCache()
    jid = scenario.org.jurisdiction.id
    async with session_factory() as reader_session:
        reader = ServiceContext(
            session=reader_session,
            principal=scenario.ctx.principal,
            registry=scenario.ctx.registry,
            clock=scenario.ctx.clock,
        )
        before = await service.dashboard(reader, jid, P.year(2024))  # the reader's snapshot begins here
        assert before.indicator("case_volume").current.numerator == 4
        async with session_factory() as writer_session:
            writer = ServiceContext(
                session=writer_session,
                principal=scenario.ctx.principal,
                registry=scenario.ctx.registry,
                clock=scenario.ctx.clock,
            )
            rec = await Recorder.start(writer, scenario.org)
            await rec.case(await writer_session.get(Unit, scenario.market.id), D(2024, 12, 2))
            await writer_session.commit()
            await cache.invalidate(j for _, _, j in writer.changes)
        after = await cached_dashboard(cache, reader, session_factory, jid, P.year(2024))
        assert after.indicator("case_volume").current.numerator == 5
    again = await cached_dashboard(cache, scenario.ctx, session_factory, jid, P.year(2024))
    assert again.indicator("case_volume").current.numerator == 5 and cache.hits == 1


async def test_assessments_go_through_the_cache_too(scenario: Scenario, session_factory):
    cache = InProcessCache()
    ctx, jid = scenario.ctx, scenario.org.jurisdiction.id

    async def assess():
        return await service.read_through(
            cache,
            ctx,
            fresh_ctx(session_factory, ctx),
            jid,
            service.assessment_key(2024, None, ctx.today()),
            Assessment,
            lambda c: service.assessment(c, jid, 2024),
        )

    first = await assess()
    assert await assess() == first and cache.hits == 1
    outsider = ServiceContext(
        session=ctx.session,
        principal=Principal(user="x", role=Role.LEADER, jurisdiction_id=jid + 100),
        registry=ctx.registry,
        clock=ctx.clock,
    )
    with pytest.raises(NotFound):  # a cached answer is not handed to someone who may not read it
        await service.read_through(
            cache,
            outsider,
            fresh_ctx(session_factory, ctx),
            jid,
            service.assessment_key(2024, None, ctx.today()),
            Assessment,
            lambda c: service.assessment(c, jid, 2024),
        )


class SlowDashboard:
    """A dashboard computation that takes ``delay`` seconds (so concurrent readers all miss
    meanwhile) and counts how often it ran."""

    def __init__(self, jid: int, delay: float) -> None:
        self.jid, self.delay, self.runs = jid, delay, 0

    async def __call__(self, c: ServiceContext) -> Dashboard:
        import asyncio

        self.runs += 1
        await asyncio.sleep(self.delay)
        return await service.dashboard(c, self.jid, P.year(2024))


async def read_in_own_session(cache, session_factory, ctx, jid, key, compute) -> Dashboard:
    """A dashboard read as one request reads it: its own session, counting in a fresh one."""
    async with session_factory() as session:
        mine = ServiceContext(
            session=session, principal=ctx.principal, registry=ctx.registry, clock=ctx.clock
        )
        return await service.read_through(
            cache, mine, fresh_ctx(session_factory, ctx), jid, key, Dashboard, compute
        )


async def test_concurrent_misses_of_the_same_answer_count_it_once(scenario: Scenario, session_factory):
    """Fifty viewers opening a dashboard right after a write do not count it fifty times at once."""
    import asyncio

    cache = InProcessCache()
    ctx, jid = scenario.ctx, scenario.org.jurisdiction.id
    key = service.dashboard_key(P.year(2024), None, ctx.today())
    compute = SlowDashboard(jid, 0.05)

    def reader() -> Any:
        return read_in_own_session(cache, session_factory, ctx, jid, key, compute)

    answers = await asyncio.gather(*(reader() for _ in range(6)))
    assert compute.runs == 1 and all(a == answers[0] for a in answers)
    assert answers[0].indicator("case_volume").current.numerator == 4
    # A reader that goes away does not cancel the counting for the others.
    await scenario.rec.case(scenario.market, D(2024, 12, 1))
    await ctx.session.commit()
    first = asyncio.ensure_future(reader())
    await asyncio.sleep(0.01)
    others = [asyncio.ensure_future(reader()) for _ in range(3)]
    first.cancel()
    fresh = await asyncio.gather(*others)
    assert compute.runs == 2 and {a.indicator("case_volume").current.numerator for a in fresh} == {5}


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set")
async def test_processes_sharing_redis_count_a_missed_answer_once(scenario: Scenario, session_factory):
    """Two workers (two caches on one Redis) missing the same dashboard at once count it once: one
    computes under the key's lock, the other waits for it and reads what it stored."""
    import asyncio

    prefix = f"test:{uuid.uuid4().hex}"
    workers = [RedisCache.from_url(os.environ["REDIS_URL"], prefix=prefix) for _ in range(2)]
    ctx, jid = scenario.ctx, scenario.org.jurisdiction.id
    key = service.dashboard_key(P.year(2024), None, ctx.today())
    compute = SlowDashboard(jid, 0.2)

    def reader(cache: IndicatorCache) -> Any:
        return read_in_own_session(cache, session_factory, ctx, jid, key, compute)

    try:
        answers = await asyncio.gather(*(reader(workers[i % 2]) for i in range(4)))
        assert compute.runs == 1 and all(a == answers[0] for a in answers)
        assert answers[0].indicator("case_volume").current.numerator == 4
        # A lock whose holder died expires: the next reader computes after it, not never.
        stamp = await service.cache_stamp(workers[0], ctx, jid)
        abandoned = workers[0]._redis.lock(
            workers[0]._value_key(jid, stamp, key + "x") + ":computing", timeout=0.3, thread_local=False
        )
        assert await abandoned.acquire()
        started = asyncio.get_running_loop().time()
        await service.read_through(
            workers[1], ctx, fresh_ctx(session_factory, ctx), jid, key + "x", Dashboard, compute
        )
        assert compute.runs == 2 and asyncio.get_running_loop().time() - started >= 0.25
    finally:
        for cache in workers:
            await cache.close()
