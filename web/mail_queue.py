"""The mail queue's runner, mounted by ``create_app`` as a Litestar plugin.

Every ``settings.mail_seconds`` (and at once after the event jobs made news), a worker
sends the reminders and summaries that fell due, composes the news' emails and digests,
and delivers the outbox by SMTP at ``settings.mail_rate`` (:mod:`core.services.news_mail`).
Several workers run it at once; task leases keep each step to one of them at a time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar import Litestar

from core.services.news_mail import NewsRuntime, one_pass
from core.settings import Settings
from web import periodic
from web.periodic import PeriodicPlugin, PeriodicTask

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
    periodic.wake(app, STATE_KEY)


def _mail_queue_pass(app: Litestar, runner: PeriodicTask) -> Callable[[], Awaitable[None]]:
    async def one() -> None:
        # A pass stops at its limit or its time: when it sent something, more may be
        # waiting, so the next one comes at once (it finds nothing otherwise).
        if await run_mail_queue(app) > 0:
            runner.wake()

    return one


def mail_queue_plugin(settings: Settings) -> PeriodicPlugin:
    """Starts and stops the runner with the app."""
    return PeriodicPlugin(STATE_KEY, "mail queue pass", settings.mail_seconds, _mail_queue_pass)
