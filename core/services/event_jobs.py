"""The queue of event jobs (``core.events``): written with the change, run after it.

:func:`queue` adds the jobs of an event to the caller's transaction; :func:`run_waiting`
claims the waiting jobs one by one (a lease, so that several runners never run a job at
once) and runs each handler in a transaction of its own that also marks the job done.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database, utcnow
from core.events import MAX_ATTEMPTS, Event, EventContext, EventHandler
from core.leases import claim
from core.mail import Mailer
from core.models import Dialogue, EventJob, Organisation, OutboxMessage
from core.plugin_manager import Plugins
from core.services.organisations import home_url
from core.settings import Settings

log = logging.getLogger("participe.events")

#: The jobs not done yet (waiting, failed, or given up).
UNFINISHED = EventJob.done_at.is_(None)

#: Set in a session's ``info`` when it queued jobs: after its commit, the app wakes its
#: runner rather than wait for the next pass.
QUEUED = "participe_event_jobs_queued"


@dataclass(frozen=True)
class EventRuntime:
    """What the runner hands to the handlers, besides their transaction."""

    database: Database
    settings: Settings
    mailer: Mailer
    plugins: Plugins


@dataclass(frozen=True)
class RunSummary:
    done: int = 0
    failed: int = 0


def queue(
    session: AsyncSession,
    plugins: Plugins,
    dialogue: Dialogue,
    name: str,
    subject_id: int,
    **details: str,
) -> int:
    """Adds to ``session`` one job per handler of event ``name`` live on ``dialogue``;
    returns how many. Costs nothing when no handler listens."""
    handlers = plugins.event_handlers_for(name, dialogue)
    for handler in handlers:
        session.add(
            EventJob(
                organisation_id=dialogue.organisation_id,
                dialogue_id=dialogue.id,
                handler=handler.id,
                event=name,
                subject_id=subject_id,
                details=dict(details),
                attempts=0,
            )
        )
    if handlers:
        session.info[QUEUED] = True
    return len(handlers)


async def waiting_ids(database: Database, limit: int = 200) -> list[int]:
    """The jobs a runner may take now, oldest first."""
    now = utcnow()
    async with database.read_session() as session:
        return list(
            await session.scalars(
                select(EventJob.id)
                .where(
                    UNFINISHED,
                    EventJob.attempts < MAX_ATTEMPTS,
                    or_(EventJob.locked_until.is_(None), EventJob.locked_until < now),
                )
                .order_by(EventJob.id)
                .limit(limit)
            )
        )


async def run_waiting(runtime: EventRuntime, ids: Sequence[int] | None = None) -> RunSummary:
    """Runs the waiting jobs (only ``ids`` when given); returns how many succeeded and
    failed. A failure is recorded on its job (``attempts``, ``last_error``), rolls back
    what the handler wrote, and does not stop the others."""
    pending = list(ids) if ids is not None else await waiting_ids(runtime.database)
    done = failed = 0
    for job_id in pending:
        job = await claim(
            runtime.database,
            EventJob,
            job_id,
            unfinished=UNFINISHED,
            max_attempts=MAX_ATTEMPTS,
        )
        if job is None:
            continue  # done, given up, or being run by another runner
        try:
            messages = await _run(runtime, job)
        except Exception as failure:  # one broken handler must not stop the others
            failed += 1
            log.warning("event job %s (%s) failed: %s", job.id, job.handler, failure)
            async with runtime.database.write_session() as session:
                await session.execute(
                    update(EventJob)
                    .where(EventJob.id == job.id)
                    .values(
                        locked_until=None, last_error=f"{type(failure).__name__}: {failure}"[:500]
                    )
                )
            continue
        done += 1
        if messages:
            await runtime.mailer.deliver(runtime.database, messages)
    return RunSummary(done=done, failed=failed)


async def _run(runtime: EventRuntime, job: EventJob) -> list[int]:
    """Runs ``job``'s handler in a transaction that marks the job done; returns the ids of
    the emails it queued."""
    async with runtime.database.write_session() as session:
        dialogue = await session.get(Dialogue, job.dialogue_id)
        organisation = await session.get(Organisation, job.organisation_id)
        handler = runtime.plugins.event_handlers.get(job.handler)
        if handler is None:
            raise LookupError(f"no event handler {job.handler!r} is installed")
        if dialogue is not None and organisation is not None and _live(runtime, handler, dialogue):
            event = Event(
                name=job.event,
                organisation_id=job.organisation_id,
                dialogue_id=job.dialogue_id,
                subject_id=job.subject_id,
                details=dict(job.details),
            )
            context = EventContext(
                session=session,
                organisation=organisation,
                dialogue=dialogue,
                settings=runtime.settings,
                mailer=runtime.mailer,
                plugins=runtime.plugins,
                site_url=await home_url(session, organisation, runtime.settings.base_url),
            )
            await handler.handle(event, context)
            await session.flush()
        queued = [
            item.id for item in session.identity_map.values() if isinstance(item, OutboxMessage)
        ]
        await session.execute(
            update(EventJob)
            .where(EventJob.id == job.id)
            .values(done_at=utcnow(), locked_until=None, last_error=None)
        )
    return queued


def _live(runtime: EventRuntime, handler: EventHandler, dialogue: Dialogue) -> bool:
    """Whether the handler's module is still on where the event happened: a module turned
    off since then leaves its jobs done without running them."""
    return handler in runtime.plugins.event_handlers_for(handler.event, dialogue)


async def counts(database: Database) -> dict[str, int]:
    """How many jobs are waiting, done, and given up."""
    async with database.read_session() as session:
        rows = await session.execute(
            select(
                func.count().filter(EventJob.done_at.is_not(None)),
                func.count().filter(UNFINISHED, EventJob.attempts >= MAX_ATTEMPTS),
                func.count().filter(UNFINISHED, EventJob.attempts < MAX_ATTEMPTS),
            )
        )
        done, given_up, waiting = rows.one()
    return {"waiting": waiting, "done": done, "given_up": given_up}
