"""Event jobs in tests (``core.events``): run what waits, now, as the app's runner would."""

from __future__ import annotations

from litestar import Litestar

from core.services.event_jobs import RunSummary, run_waiting
from web.event_jobs import event_runtime


async def run_event_jobs(app: Litestar) -> RunSummary:
    """Runs the event jobs waiting in ``app``'s database with its settings, mailer and
    plugins; how many were done and failed. The app's own runner may have run some
    already: each job runs once either way."""
    return await run_waiting(event_runtime(app))
