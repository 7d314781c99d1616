"""Leases on queued rows: how several workers share a queue without doing an item twice;
and task leases, for a task that one worker at a time may run (sending emails at a
rate that holds for all the workers together).

A row of a queue (an email of the outbox, an event job) has ``attempts`` and
``locked_until``. A worker claims it with one conditional update that only a free row
passes (not finished, not given up, no live lease), which counts the attempt and sets a
lease; the row is the worker's until it finishes it or the lease runs out (the worker
died), when another worker may take it over.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, delete, or_, update

from core.db import Database, upsert, utcnow
from core.models import TaskLease

Row = TypeVar("Row")

#: How long a worker may hold a row before another may take it over.
LEASE = timedelta(minutes=2)


async def claim(
    database: Database,
    model: type[Row],
    row_id: int,
    *,
    unfinished: ColumnElement[bool],
    max_attempts: int,
    lease: timedelta = LEASE,
) -> Row | None:
    """Claims row ``row_id`` of ``model`` in a committed write transaction and returns it,
    or ``None`` when it is finished (``unfinished`` is false), given up
    (``max_attempts`` reached) or held by another worker."""
    table: Any = model
    now = utcnow()
    async with database.write_session() as session:
        claimed = await session.execute(
            update(table)
            .where(
                table.id == row_id,
                unfinished,
                table.attempts < max_attempts,
                or_(table.locked_until.is_(None), table.locked_until < now),
            )
            .values(attempts=table.attempts + 1, locked_until=now + lease)
        )
        if getattr(claimed, "rowcount", 0) != 1:
            return None
        return await session.get(model, row_id)


# -- task leases ---------------------------------------------------------------------

#: This process, as the holder of task leases.
HOLDER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


async def hold_task(
    database: Database, name: str, *, lease: timedelta = LEASE, holder: str = HOLDER
) -> bool:
    """Takes (or renews) the lease of task ``name`` for ``holder``; whether it is now
    ``holder``'s. One holder at a time: another takes it over only once the lease ran
    out (its holder died without releasing it)."""
    now = utcnow()
    async with database.write_session() as session:
        renewed: Any = await session.execute(
            update(TaskLease)
            .where(
                TaskLease.name == name,
                or_(TaskLease.holder == holder, TaskLease.locked_until < now),
            )
            .values(holder=holder, locked_until=now + lease)
        )
        if renewed.rowcount == 1:
            return True
        # ``RETURNING`` says whether the row was written: psycopg's row count of an
        # ``INSERT ... ON CONFLICT`` cannot be relied on.
        created = await session.scalar(
            upsert(session, TaskLease)
            .values(name=name, holder=holder, locked_until=now + lease)
            .on_conflict_do_nothing(index_elements=["name"])
            .returning(TaskLease.name)
        )
        return created is not None


async def release_task(database: Database, name: str, *, holder: str = HOLDER) -> None:
    async with database.write_session() as session:
        await session.execute(
            delete(TaskLease).where(TaskLease.name == name, TaskLease.holder == holder)
        )


@asynccontextmanager
async def task_lease(
    database: Database, name: str, *, lease: timedelta = LEASE
) -> AsyncIterator[bool]:
    """``async with task_lease(db, "mail") as held:`` runs the block's work only where
    ``held``; the lease is released after it."""
    held = await hold_task(database, name, lease=lease)
    try:
        yield held
    finally:
        if held:
            await release_task(database, name)


async def once(database: Database, name: str) -> bool:
    """Whether this caller is the first to do the one-off task ``name`` (a daily summary
    named by its day): the first writes a lease that never runs out, the others find it."""
    async with database.write_session() as session:
        created = await session.scalar(
            upsert(session, TaskLease)
            .values(name=name, holder=HOLDER, locked_until=datetime.max.replace(tzinfo=UTC))
            .on_conflict_do_nothing(index_elements=["name"])
            .returning(TaskLease.name)
        )
        return created is not None
