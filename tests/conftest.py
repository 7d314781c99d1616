"""Shared fixtures: a migrated database (SQLite by default, PostgreSQL when
``PARTICIPE_TEST_DATABASE_URL`` names one), the app, an HTTP client, and people."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

import core.models  # noqa: F401
from core.db import Base, Database
from core.migrate import upgrade
from core.models import Organisation, User
from core.models.users import Role
from core.plugin_manager import Plugins
from core.services import organisations, users
from core.settings import Settings, normalise_database_url
from tests.live_workers import LiveWorkers, start_workers
from web.app import create_app
from web.plugins import build_plugins

PG_URL_VARIABLE = "PARTICIPE_TEST_DATABASE_URL"
#: ``on``: the app of the tests also loads the installed third-party plugins (the
#: ``participe`` entry points), to check that the platform works with them present.
ENTRY_POINTS_VARIABLE = "PARTICIPE_TEST_ENTRY_POINTS"


def load_entry_points() -> bool:
    return os.environ.get(ENTRY_POINTS_VARIABLE, "off").lower() in ("1", "on", "true", "yes")


def _pg_admin_url() -> str | None:
    url = os.environ.get(PG_URL_VARIABLE)
    return normalise_database_url(url) if url else None


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skips the tests marked ``pg_only`` on SQLite, saying why."""
    if item.get_closest_marker("pg_only") is not None and not _pg_admin_url():
        pytest.skip(f"needs PostgreSQL ({PG_URL_VARIABLE}): SQLite runs one writer at a time")


def pytest_report_header() -> str:
    plugins = "with installed plugins" if load_entry_points() else "built-in plugins only"
    return f"database: {'PostgreSQL' if _pg_admin_url() else 'SQLite'}, {plugins}"


async def _create_pg_database(admin_url: str, name: str) -> str:
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    return admin_url.rsplit("/", 1)[0] + "/" + name


async def _drop_pg_database(admin_url: str, name: str) -> None:
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await engine.dispose()


@pytest.fixture(scope="session")
def plugins() -> Plugins:
    return build_plugins(Settings(load_entry_points=load_entry_points()))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, plugins: Plugins) -> Iterator[str]:
    """A database migrated to every head, created for this test run."""
    admin_url = _pg_admin_url()
    name = f"participe_test_{uuid.uuid4().hex[:10]}"
    if admin_url:
        url = asyncio.run(_create_pg_database(admin_url, name))
    else:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'participe.db'}"

    async def migrate() -> None:
        database = Database(url)
        await upgrade(database, plugins.migration_locations())
        await database.dispose()

    asyncio.run(migrate())
    yield url
    if admin_url:
        asyncio.run(_drop_pg_database(admin_url, name))


async def _empty_tables(database: Database) -> None:
    tables = [table.name for table in Base.metadata.sorted_tables]
    async with database.engine.begin() as connection:
        if database.is_sqlite:
            # The vote log gives its entries up only with their dialogue (migration 0012):
            # the dialogues go first, their entries with them. TRUNCATE fires no row trigger.
            await connection.execute(text('DELETE FROM "dialogues"'))
            for name in reversed(tables):
                await connection.execute(text(f'DELETE FROM "{name}"'))
        else:
            quoted = ", ".join(f'"{name}"' for name in tables)
            await connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await _empty_tables(database)
    yield database
    await database.dispose()


@pytest.fixture
async def session(database: Database) -> AsyncIterator[AsyncSession]:
    async with database.session() as session:
        yield session


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        load_entry_points=load_entry_points(),
        rate_limits=False,
        upload_dir=str(tmp_path / "uploads"),
    )


@pytest.fixture
def app(settings: Settings, plugins: Plugins, database: Database) -> Litestar:
    return create_app(settings, plugins=plugins, database=database)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1") as client:
        yield client


@dataclass
class Person:
    user: User
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class World:
    """An organisation with an administrator and two citizens, committed."""

    org: Organisation
    admin: Person
    alice: Person
    bob: Person
    database: Database

    async def person(self, email: str, role: Role = Role.CITIZEN, **fields: Any) -> Person:
        async with self.database.session() as session:
            org = await session.get(Organisation, self.org.id)
            assert org is not None
            user = await users.ensure_user(session, org, email, role=role)
            for name, value in fields.items():
                setattr(user, name, value)
            token = await users.create_api_token(session, user)
            await session.commit()
            return Person(user, token)


@pytest.fixture
async def world(database: Database) -> World:
    async with database.session() as session:
        org = await organisations.create_organisation(session, slug="ville", name="Ville de Test")
        await session.commit()
    world = World(org=org, admin=None, alice=None, bob=None, database=database)  # type: ignore[arg-type]
    world.admin = await world.person("admin@ville.test", Role.ADMIN)
    world.alice = await world.person("alice@example.org", display_name="Alice")
    world.bob = await world.person("bob@example.org", display_name="Bob")
    return world


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveServer:
    url: str
    process: Any


@pytest.fixture
def live_server_env() -> dict[str, str]:
    """More environment for the live server (``PARTICIPE_SMTP_URL``, ...): a test module
    overrides this fixture with its own of the same name."""
    return {}


def start_live_server(
    database_url: str, tmp_path: Path, env: dict[str, str], access_log: Path | None = None
) -> LiveServer:
    """The app served by a real uvicorn process on loopback, on the test database; with
    ``access_log``, its access log on and everything it prints written to that file."""
    import subprocess
    import sys
    import time
    import urllib.request

    port = _free_port()
    environ = {
        **os.environ,
        "PARTICIPE_DATABASE_URL": database_url,
        "PARTICIPE_RATE_LIMITS": "off",
        "PARTICIPE_UPLOAD_DIR": str(tmp_path / "uploads"),
        "PARTICIPE_LOAD_ENTRY_POINTS": "on" if load_entry_points() else "off",
        **env,
    }
    logging = ["info"] if access_log else ["warning", "--no-access-log"]
    command = [sys.executable, "-m", "uvicorn", "--factory", "web.asgi:app_factory"]
    arguments = ["--host", "127.0.0.1", "--port", str(port), "--log-level", *logging]
    with contextlib.ExitStack() as files:
        output = files.enter_context(access_log.open("wb")) if access_log else None
        process = subprocess.Popen(
            [*command, *arguments],
            env=environ,
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url + "/static/participe.css", timeout=1):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                process.wait()
                printed = access_log.read_text() if access_log else ""
                raise RuntimeError(f"the live server did not start {printed}") from None
            time.sleep(0.1)
    return LiveServer(url, process)


def stop_live_server(server: LiveServer) -> None:
    import subprocess

    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture
def live_server(
    database: Database, database_url: str, tmp_path: Path, live_server_env: dict[str, str]
) -> Iterator[LiveServer]:
    """The app served by a real uvicorn process on loopback, on the test database."""
    server = start_live_server(database_url, tmp_path, live_server_env)
    yield server
    stop_live_server(server)


@pytest.fixture
def live_workers(
    database: Database, database_url: str, tmp_path: Path, live_server_env: dict[str, str]
) -> Iterator[LiveWorkers]:
    """The app served as in production, ``participe serve --workers 2``, on the test
    database, rate limits off and snapshots kept 2 seconds as by default; see
    :mod:`tests.live_workers` to warm both workers and to send requests together."""
    env = {"PARTICIPE_LOAD_ENTRY_POINTS": "on" if load_entry_points() else "off"}
    workers = start_workers(database_url, _free_port(), tmp_path, {**env, **live_server_env})
    yield workers
    workers.stop()


@dataclass
class SmtpServer:
    """A real SMTP server (aiosmtpd) on loopback; ``messages`` are the mails it received."""

    host: str
    port: int
    messages: list[Any]
    #: Seconds the server waits before accepting each mail (a slow mail server).
    delay: float = 0.0

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    async def wait_for(self, count: int, seconds: float = 10.0) -> list[Any]:
        deadline = asyncio.get_running_loop().time() + seconds
        while len(self.messages) < count:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{len(self.messages)} mail(s) received, {count} expected")
            await asyncio.sleep(0.02)
        return self.messages


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    server = SmtpServer("127.0.0.1", _free_port(), [])

    class Handler:
        async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:
            await asyncio.sleep(server.delay)
            mail = message_from_bytes(envelope.content, policy=policy.default)
            mail["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
            server.messages.append(mail)
            return "250 OK"

    controller = Controller(Handler(), hostname=server.host, port=server.port)
    controller.start()
    yield server
    controller.stop()
