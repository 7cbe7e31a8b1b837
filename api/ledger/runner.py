"""The ledger import runner inside an API process (``CASELOAD_IMPORT_RUNNER=api``, the default on
SQLite, where no worker runs): claims queued jobs and runs them one at a time.

It wakes when this process queues a job (``AppState.import_wakeup``) and otherwise looks every
:data:`POLL_SECONDS` (a job queued by another process, or left queued by a restart). Claiming is
once across processes (core/ledger/jobs.py), so several API processes may run a runner each.
The import's reading and parsing run off the event loop; the rest yields at every query, so the
process keeps answering its other requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from api.context import AppState
from core.ledger.jobs import run_queued

log = logging.getLogger("caseload.ledger")

POLL_SECONDS = 5.0


async def run_imports(state: AppState, poll_seconds: float = POLL_SECONDS) -> None:
    """Run queued imports until cancelled (the app's lifespan starts and stops it)."""
    wakeup = state.import_wakeup
    assert wakeup is not None
    while True:
        wakeup.clear()
        try:
            await run_queued(
                state.session_factory, state.registry, clock=state.clock, after_commit=state.after_commit
            )
        except Exception:
            log.exception("ledger import runner round failed; will retry")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wakeup.wait(), poll_seconds)
