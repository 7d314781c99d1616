"""The mail queue's runner, mounted by ``create_app`` as a Litestar plugin.

Every ``settings.mail_seconds`` (and at once after the event jobs made news), a worker
sends the reminders and summaries that fell due, composes the news' emails and digests,
and delivers the outbox by SMTP at ``settings.mail_rate`` (:mod:`core.services.news_mail`).
Several workers run it at once; task leases keep each step to one of them at a time.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.config.app import AppConfig
from litestar.plugins import InitPlugin

from core.services.news_mail import NewsRuntime, one_pass
from core.settings import Settings
from web.periodic import PeriodicTask

STATE_KEY = "mail_queue"


def news_runtime(app: Litestar) -> NewsRuntime:
    context = app.state.context
    settings = context.settings
    return NewsRuntime(
        context.database, context.mailer, context.plugins, settings.secret_key, settings.base_url
    )


async def run_mail_queue(app: Litestar) -> int:
    """One pass of the mail queue for ``app``; how many emails it sent by SMTP."""
    settings = app.state.context.settings
    return await one_pass(news_runtime(app), settings.vote_reminder_hours, settings.mail_rate)


def wake(app: Litestar) -> None:
    """Has this worker's mail queue run now (nothing when it does not run)."""
    runner: PeriodicTask | None = app.state.get(STATE_KEY)
    if runner is not None:
        runner.wake()


class MailQueuePlugin(InitPlugin):
    """Starts and stops the runner with the app."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        runner = PeriodicTask("mail queue pass", self.settings.mail_seconds)
        app_config.state[STATE_KEY] = runner

        async def start(app: Litestar) -> None:
            async def one() -> None:
                # A pass stops at its limit or its time: when it sent something, more may
                # be waiting, so the next one comes at once (it finds nothing otherwise).
                if await run_mail_queue(app) > 0:
                    runner.wake()

            runner.start(one)

        async def stop(app: Litestar) -> None:
            await runner.stop()

        app_config.on_startup.append(start)
        # Before the database is disposed of.
        app_config.on_shutdown.insert(0, stop)
        return app_config
