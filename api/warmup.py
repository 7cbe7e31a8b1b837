"""Start-up warm-up: the first dashboard a user opens costs what any later one does.

A new process has compiled no SQL statement, built no GraphQL execution plan, loaded no policy nor
working-day calendar, and its indicator cache is empty: the first dashboard after start took twice
a warm one (issue 23). Once the app is serving, :func:`warm_up` runs the console's own dashboard
document (read from its script, so the two cannot drift) through the whole pipeline for the first
jurisdiction, as a system principal, off the request path (a task of the lifespan; ``/healthz``
answers meanwhile). The answer is discarded; what stays is what any request would have left behind:
compiled statements, the validated document, the policy and calendar, and the figures in the
indicator cache under the current generations (so a write still invalidates them).

It first builds the bulletin charts' font cache (matplotlib reads every installed font the first
time), so the first download does not wait for it.

A failure here is logged and forgotten: warming is an optimisation, never a reason not to serve.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from core.clock import CHINA
from core.enums import Role
from core.org.models import Jurisdiction
from core.principal import Principal

if TYPE_CHECKING:
    from strawberry.schema.base import BaseSchema

    from api.context import AppState

log = logging.getLogger("caseload.warmup")

DASHBOARD_SCRIPT = Path(__file__).parent / "console" / "static" / "js" / "pages" / "dashboard.js"
WARM_UP = Principal(user="startup", role=Role.SYSTEM_ADMIN, request_id="warm-up")


def console_dashboard_document() -> str:
    """The ``ConsoleDashboard`` query the console sends (its ``DASHBOARD`` template literal)."""
    script = DASHBOARD_SCRIPT.read_text(encoding="utf-8")
    match = re.search(r"const DASHBOARD = `(query ConsoleDashboard.*?)`;", script, re.DOTALL)
    if match is None:
        raise LookupError(f"no ConsoleDashboard query in {DASHBOARD_SCRIPT}")
    return match.group(1)


async def warm_up(state: AppState, schema: BaseSchema) -> float | None:
    """Run the console's dashboard of this year to date for the first jurisdiction; the seconds it
    took, or None when there is no jurisdiction yet (or it failed: logged)."""
    from api.context import Context

    started = time.perf_counter()
    try:
        # The charts' fonts first: a bulletin download needs them whether or not there is data.
        from core.indicators.render import prepare_charts

        await asyncio.to_thread(prepare_charts)
        async with state.session_factory() as session:
            first = await session.scalar(select(Jurisdiction.id).order_by(Jurisdiction.id).limit(1))
        if first is None:
            return None
        today: dt.date = state.clock().astimezone(CHINA).date()
        document = console_dashboard_document()
        context = Context(state, WARM_UP)
        # As the console sends it (no operationName): the answer is then filed under the key the
        # console's first request looks up (api/indicators/document_cache.py).
        context.requested_operation = (document, None)
        try:
            result = await schema.execute(
                document,
                variable_values={"j": str(first), "period": {"kind": "YTD", "asOf": today.isoformat()}},
                context_value=context,
            )
        finally:
            await context.close()
        if result.errors:
            log.warning("start-up warm-up answered errors: %s", [e.message for e in result.errors])
            return None
    except Exception:
        log.warning("start-up warm-up failed (serving without it)", exc_info=True)
        return None
    elapsed = time.perf_counter() - started
    log.info("start-up warm-up: first dashboard prepared in %.2f s", elapsed)
    return elapsed
