"""Fixtures of the package's own tests: Participe with its installed plugins (this one
through its entry point), on a migrated database (SQLite, or PostgreSQL when
``PARTICIPE_TEST_DATABASE_URL`` names a server), and an organisation with people."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from core.db import Base, Database
from core.migrate import upgrade
from core.models.users import Role
from core.plugin_manager import Plugins
from core.services import organisations, users
from core.settings import Settings, normalise_database_url
from web.app import create_app
from web.plugins import build_plugins


@pytest.fixture(scope="session")
def plugins() -> Plugins:
    return build_plugins(Settings())


async def _admin(url: str, statement: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(statement))
    await engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, plugins: Plugins) -> Iterator[str]:
    server = os.environ.get("PARTICIPE_TEST_DATABASE_URL")
    name = f"participe_paper_{uuid.uuid4().hex[:10]}"
    if server:
        admin_url = normalise_database_url(server)
        asyncio.run(_admin(admin_url, f'CREATE DATABASE "{name}"'))
        url = admin_url.rsplit("/", 1)[0] + "/" + name
    else:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'participe.db'}"

    async def migrate() -> None:
        database = Database(url)
        await upgrade(database, plugins.migration_locations())
        await database.dispose()

    asyncio.run(migrate())
    yield url
    if server:
        asyncio.run(_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    names = [table.name for table in reversed(Base.metadata.sorted_tables)]
    async with database.engine.begin() as connection:
        # The vote log gives its entries up only with their dialogue: dialogues first.
        await connection.execute(text('DELETE FROM "dialogues"'))
        for name in names:
            await connection.execute(text(f'DELETE FROM "{name}"'))
    yield database
    await database.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url, rate_limits=False, upload_dir=str(tmp_path / "uploads")
    )


@pytest.fixture
async def client(
    settings: Settings, plugins: Plugins, database: Database
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    app = create_app(settings, plugins=plugins, database=database)
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1") as client:
        yield client


@dataclass
class Person:
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class People:
    admin: Person
    citizens: list[Person]


@pytest.fixture
async def people(database: Database) -> People:
    """An organisation's administrator and six citizens, committed."""
    async with database.session() as session:
        org = await organisations.create_organisation(session, slug="ville", name="Ville")
        admin = await users.ensure_user(session, org, "admin@ville.test", role=Role.ADMIN)
        tokens = [await users.create_api_token(session, admin)]
        for index in range(6):
            citizen = await users.ensure_user(session, org, f"c{index}@ville.test")
            tokens.append(await users.create_api_token(session, citizen))
        await session.commit()
    return People(Person(tokens[0]), [Person(token) for token in tokens[1:]])
