"""The PostgreSQL pool checks a connection before use only when it sat idle for a while,
and replaces one that was cut meanwhile (``core.db._ping_idle_connections``)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from core.db import Database, is_sqlite


async def test_a_pooled_connection_cut_while_idle_is_replaced(database_url: str) -> None:
    if is_sqlite(database_url):
        pytest.skip("SQLite opens a connection per session: there is no pool to check")
    # Every connection counts as idle for long (the default is ten seconds).
    database = Database(database_url, idle_ping=0.0)
    admin = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with database.engine.connect() as connection:
            first = await connection.scalar(text("SELECT pg_backend_pid()"))
        # Back in the pool: a restart or a firewall cuts it while it waits.
        async with admin.connect() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        async with database.engine.connect() as connection:
            second = await connection.scalar(text("SELECT pg_backend_pid()"))
        assert second != first
    finally:
        await admin.dispose()
        await database.dispose()
