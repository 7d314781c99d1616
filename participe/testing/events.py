"""Event jobs (``core.events``) and the mail queue in tests: run what waits, now, as the
app's runners would."""

from __future__ import annotations

from litestar import Litestar

from core.services.event_jobs import RunSummary, run_waiting
from web import mail_queue
from web.event_jobs import event_runtime


async def run_event_jobs(app: Litestar) -> RunSummary:
    """Runs the event jobs waiting in ``app``'s database with its settings, mailer and
    plugins; how many were done and failed. The app's own runner may have run some
    already: each job runs once either way."""
    return await run_waiting(event_runtime(app))


async def run_mail_queue(app: Litestar) -> int:
    """One pass of ``app``'s mail queue, now, as its runner would: reminders and
    summaries due, the news' emails and digests composed into the outbox, then delivery
    when SMTP is configured; how many emails were sent by SMTP."""
    return await mail_queue.run_mail_queue(app)
