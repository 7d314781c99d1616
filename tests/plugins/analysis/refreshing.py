"""Bringing the stored analysis up to date in a test, as the app's task does after the
event jobs ran."""

from __future__ import annotations

from litestar import Litestar
from sqlalchemy import select

from core.db import Database
from core.models import Dialogue
from participe.testing import run_event_jobs
from plugins.analysis import results


async def analyse_now(app: Litestar, database: Database) -> None:
    """Runs the event jobs, then recomputes every dialogue's analysis where it is on."""
    summary = await run_event_jobs(app)
    assert summary.failed == 0
    async with database.read_session() as session:
        ids = list(await session.scalars(select(Dialogue.id)))
    for dialogue_id in ids:
        await results.refresh(database, dialogue_id)
