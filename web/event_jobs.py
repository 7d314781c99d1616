"""The runner of event jobs (``core.events``), mounted by ``create_app`` as a Litestar
plugin.

It starts with the app when a plugin registers event handlers, runs the waiting jobs every
``settings.event_jobs_seconds`` (retries, and the jobs of changes made outside requests),
and at once after a request whose transaction queued some: the request's session says so
(``core.services.event_jobs.QUEUED``) and :func:`wake` is called when it closes. Several
workers run it at once; each job is claimed by one of them.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.config.app import AppConfig
from litestar.plugins import InitPlugin

from core.services.event_jobs import EventRuntime, run_waiting
from core.settings import Settings
from web import mail_queue
from web.periodic import PeriodicTask

STATE_KEY = "event_jobs"


def event_runtime(app: Litestar) -> EventRuntime:
    context = app.state.context
    return EventRuntime(context.database, context.settings, context.mailer, context.plugins)


def wake(app: Litestar) -> None:
    """Has this worker's runner run the waiting jobs now (nothing when it does not run)."""
    runner: PeriodicTask | None = app.state.get(STATE_KEY)
    if runner is not None:
        runner.wake()


class EventJobsPlugin(InitPlugin):
    """Starts and stops the runner with the app."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        runner = PeriodicTask("event jobs pass", self.settings.event_jobs_seconds)
        app_config.state[STATE_KEY] = runner

        async def start(app: Litestar) -> None:
            if len(app.state.context.plugins.event_handlers):
                runtime = event_runtime(app)

                async def one() -> None:
                    if (await run_waiting(runtime)).done:
                        mail_queue.wake(app)  # the handlers may have made news

                runner.start(one)

        async def stop(app: Litestar) -> None:
            await runner.stop()

        app_config.on_startup.append(start)
        # Before the database is disposed of.
        app_config.on_shutdown.insert(0, stop)
        return app_config
