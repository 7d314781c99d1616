"""Going behind the vote log's back, as only someone with the database owner's rights can:
for the tests of what the recount and the results then find."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


@asynccontextmanager
async def unguarded(session: AsyncSession) -> AsyncIterator[None]:
    """Lifts the vote log's append-only triggers for the block, in ``session``'s
    transaction, and puts them back (the caller commits; a rollback puts them back too).
    Entries inserted meanwhile are still chained on PostgreSQL."""
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        await session.execute(text("ALTER TABLE vote_log DISABLE TRIGGER vote_log_append_only"))
        yield
        await session.execute(text("ALTER TABLE vote_log ENABLE TRIGGER vote_log_append_only"))
        return
    triggers = (
        await session.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
            {"t": "vote_log"},
        )
    ).all()
    assert triggers, "the vote log has no append-only trigger"
    for name, _ in triggers:
        await session.execute(text(f'DROP TRIGGER "{name}"'))
    yield
    for _, sql in triggers:
        await session.execute(text(sql))
