"""``participe events``: how many event jobs wait, are done or were given up, with the
failing ones; ``participe events run`` runs the waiting jobs now (``core.events``)."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from sqlalchemy import select

from core.db import Database
from core.events import MAX_ATTEMPTS
from core.mail import Mailer
from core.models import EventJob
from core.services.event_jobs import EventRuntime, counts, run_waiting
from web.commands._runtime import check_database, check_schema, load_settings
from web.plugins import build_plugins


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("events", help="event jobs: list the failing, run the waiting")
    parser.set_defaults(func=run_list)
    actions = parser.add_subparsers(dest="events_command", metavar="ACTION")
    actions.add_parser("list", help="counts, and the jobs that failed").set_defaults(func=run_list)
    actions.add_parser("run", help="run the waiting jobs now").set_defaults(func=run_now)


def _describe(job: EventJob) -> str:
    state = "gave up" if job.attempts >= MAX_ATTEMPTS else "will be tried again"
    return (
        f"#{job.id}  {job.created_at:%Y-%m-%d %H:%M:%S} UTC  {job.event} of "
        f"{job.subject_id} (dialogue {job.dialogue_id}) by {job.handler}: "
        f"{job.attempts} attempt(s), {state}: {job.last_error}"
    )


def run_list(args: argparse.Namespace) -> int:
    settings = load_settings()

    async def main() -> tuple[dict[str, int], list[EventJob]]:
        database = Database(settings.database_url)
        try:
            await check_database(database)
            await check_schema(database)
            async with database.read_session() as session:
                failing = list(
                    await session.scalars(
                        select(EventJob)
                        .where(EventJob.done_at.is_(None), EventJob.last_error.is_not(None))
                        .order_by(EventJob.id.desc())
                        .limit(20)
                    )
                )
            return await counts(database), failing
        finally:
            await database.dispose()

    numbers, failing = asyncio.run(main())
    print(f"{numbers['waiting']} waiting, {numbers['done']} done, {numbers['given_up']} given up")
    for job in failing:
        print(_describe(job))
    return 0


def run_now(args: argparse.Namespace) -> int:
    settings = load_settings()
    plugins = build_plugins(settings)

    async def main() -> tuple[int, int]:
        database = Database(settings.database_url)
        try:
            await check_database(database)
            await check_schema(database)
            mailer = Mailer.from_settings(settings, plugins.mail_template_dirs())
            runtime = EventRuntime(database, settings, mailer, plugins)
            summary = await run_waiting(runtime)
            return summary.done, summary.failed
        finally:
            await database.dispose()

    done, failed = asyncio.run(main())
    print(f"{done} job(s) done, {failed} failed")
    return 1 if failed else 0
