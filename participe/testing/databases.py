"""The test run's database: created and migrated once (SQLite in a temporary folder, or a
fresh PostgreSQL database when ``PARTICIPE_TEST_DATABASE_URL`` names a server), emptied
before each test, dropped at the end."""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

import core.models  # noqa: F401 - registers the core's tables on Base
from core.db import Base, Database
from core.migrate import upgrade
from core.settings import normalise_database_url

#: A PostgreSQL server's URL (any database on it): each run creates its own database there.
PG_URL_VARIABLE = "PARTICIPE_TEST_DATABASE_URL"


def server_url() -> str | None:
    """The PostgreSQL server named by ``PARTICIPE_TEST_DATABASE_URL``, if any."""
    url = os.environ.get(PG_URL_VARIABLE)
    return normalise_database_url(url) if url else None


async def _administer(admin_url: str, statement: str) -> None:
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(statement))
    await engine.dispose()


class TestDatabase:
    """A database of its own: :meth:`create` it (empty), :meth:`migrate` it, :meth:`drop`
    it at the end. On SQLite it is a file in ``folder``; on PostgreSQL, a database named
    ``prefix`` and a random suffix on the server of ``PARTICIPE_TEST_DATABASE_URL``."""

    __test__ = False  # not a test class, whatever pytest's naming rules say

    def __init__(self, folder: Path, prefix: str = "participe_test") -> None:
        self.admin_url = server_url()
        self.name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        if self.admin_url:
            self.url = self.admin_url.rsplit("/", 1)[0] + "/" + self.name
        else:
            self.url = f"sqlite+aiosqlite:///{folder / (self.name + '.db')}"

    async def create(self) -> None:
        if self.admin_url:
            await _administer(self.admin_url, f'CREATE DATABASE "{self.name}"')

    async def migrate(self, migration_locations: Sequence[str]) -> None:
        """Upgrades the database to every head: the core's and those of the plugins' own
        migration branches."""
        database = Database(self.url)
        try:
            await upgrade(database, migration_locations)
        finally:
            await database.dispose()

    async def drop(self) -> None:
        if self.admin_url:
            await _administer(self.admin_url, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


async def empty_tables(database: Database) -> None:
    """Deletes every row of every table declared on ``Base`` (the plugins' too) that the
    migrations created (a plugin's models imported without its plugin loaded have none)."""
    async with database.engine.begin() as connection:
        created = set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
        tables = [table.name for table in Base.metadata.sorted_tables if table.name in created]
        if database.is_sqlite:
            # The vote log gives its entries up only with their dialogue (migration 0012):
            # the dialogues go first, their entries with them. TRUNCATE fires no row trigger.
            await connection.execute(text('DELETE FROM "dialogues"'))
            for name in reversed(tables):
                await connection.execute(text(f'DELETE FROM "{name}"'))
        else:
            quoted = ", ".join(f'"{name}"' for name in tables)
            await connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
