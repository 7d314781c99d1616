"""Leases on queued rows: how several workers share a queue without doing an item twice.

A row of a queue (an email of the outbox, an event job) has ``attempts`` and
``locked_until``. A worker claims it with one conditional update that only a free row
passes (not finished, not given up, no live lease), which counts the attempt and sets a
lease; the row is the worker's until it finishes it or the lease runs out (the worker
died), when another worker may take it over.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, or_, update

from core.db import Database, utcnow

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
