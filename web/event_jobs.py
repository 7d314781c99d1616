"""The runner of event jobs (``core.events``), mounted by ``create_app`` as a Litestar
plugin.

It starts with the app when a plugin registers event handlers, runs the waiting jobs every
``settings.event_jobs_seconds`` (retries, and the jobs of changes made outside requests),
and at once after a request whose transaction queued some: the request's session says so
(``core.services.event_jobs.QUEUED``) and :func:`wake` is called when it closes. Several
workers run it at once; each job is claimed by one of them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar import Litestar

from core.services.event_jobs import EventRuntime, run_waiting
from core.settings import Settings
from web import mail_queue, periodic
from web.periodic import PeriodicPlugin, PeriodicTask

STATE_KEY = "event_jobs"


def event_runtime(app: Litestar) -> EventRuntime:
    context = app.state.context
    return EventRuntime(context.database, context.settings, context.mailer, context.plugins)


def wake(app: Litestar) -> None:
    """Has this worker's runner run the waiting jobs now (nothing when it does not run)."""
    periodic.wake(app, STATE_KEY)


def _event_jobs_pass(app: Litestar, runner: PeriodicTask) -> Callable[[], Awaitable[None]] | None:
    if not len(app.state.context.plugins.event_handlers):
        return None
    runtime = event_runtime(app)

    async def one() -> None:
        if (await run_waiting(runtime)).done:
            mail_queue.wake(app)  # the handlers may have made news

    return one


def event_jobs_plugin(settings: Settings) -> PeriodicPlugin:
    """Starts and stops the runner with the app."""
    return PeriodicPlugin(
        STATE_KEY, "event jobs pass", settings.event_jobs_seconds, _event_jobs_pass
    )
