"""Installing the indicator cache on the app (the lead wires this into api/app.py's lifespan)."""

from __future__ import annotations

from api.context import AppState
from core.indicators.cache import IndicatorCache, build_cache, invalidation_hook


def install_indicator_cache(state: AppState, cache: IndicatorCache | None = None) -> IndicatorCache:
    """Attach a cache to ``state`` and invalidate it after every committed mutation.

    Redis when ``REDIS_URL`` is set (shared by all workers), else in process. The after-commit hook
    bumps the generation of every jurisdiction a mutation changed, before the mutation's response
    is sent, so no reader sees a dashboard computed before the write.
    """
    chosen = cache or build_cache(state.settings.redis_url, state.settings.redis_timeout)
    state.indicator_cache = chosen
    state.after_commit.append(invalidation_hook(chosen))
    return chosen
