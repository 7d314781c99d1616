"""``participe.testing``: a pytest plugin that runs Participe, with your plugin, in tests.

Load it from your package's ``tests/conftest.py`` (not as a ``pytest11`` entry point,
which would load it in every run of every project)::

    pytest_plugins = ["participe.testing"]


    @pytest.fixture(scope="session")
    def participe_plugins() -> list[str]:
        return ["street_art"]  # your entry point's name; ``pip install -e .`` first

or run ``pytest -p participe.testing``. Set ``asyncio_mode = "auto"`` (pytest-asyncio) in
your pytest configuration: the fixtures and helpers are async.

Fixtures (function scope unless said):

- ``participe_plugins`` (session): the plugins the app loads besides the built-in ones,
  a list of entry-point names (installed packages) or ``(name, module)`` pairs
  (registered without being installed). Empty by default: override it. Other installed
  plugins are blocked, so that the run does not depend on the virtualenv.
- ``plugins`` (session): the app's plugin manager (:class:`core.plugin_manager.Plugins`).
- ``database_url`` (session): a database migrated to every head (the core's and the
  plugins' own branches), created for the run: SQLite in a temporary folder, or a fresh
  database on the PostgreSQL server named by ``PARTICIPE_TEST_DATABASE_URL``, dropped at
  the end.
- ``database``: the :class:`core.db.Database`, every table emptied before the test.
- ``session``: an ``AsyncSession`` on it (commit what the app must see).
- ``settings``: the app's :class:`core.settings.Settings` (rate limits off, uploads in
  the test's temporary folder).
- ``app`` and ``client``: the Litestar app and an ``AsyncTestClient`` on it
  (``await client.get("/api/v1/dialogues")``).
- ``world``: a :class:`World`, an organisation with an administrator and two citizens,
  each a :class:`Person` with a bearer token (``headers=world.alice.headers``);
  ``await world.person(email, Role.REVIEWER)`` and ``await world.citizens(5)`` add more.
- ``outbox``: the :class:`Outbox`, the mail the app queued
  (``await outbox.messages("alice@example.org")``, newest first).

Helpers (import them from ``participe.testing``): :func:`vote_dialogue` (a dialogue in its
vote phase with proposals, a :class:`VoteSetup`), :func:`switch_phase`,
:func:`grant_module` (the operator's grant) and :func:`enable_module` (an administrator
turns a module on), :func:`run_event_jobs` (the event handlers' waiting jobs, run now),
:func:`run_mail_queue` (the mail queue's pass, now),
:func:`configure_before_vote`, :func:`put_vote`, :func:`replace`, :func:`votes_of`,
:func:`recounted` and :func:`tally_of` (the recount from the vote log),
:func:`build_test_plugins`, :func:`make_app` and :func:`http_client` (a second app, with
other plugins).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database
from core.plugin_manager import Plugins
from core.settings import Settings
from participe.testing.apps import (
    PluginChoice,
    app_settings,
    build_test_plugins,
    http_client,
    installed_plugins,
    make_app,
)
from participe.testing.databases import TestDatabase, empty_tables, server_url
from participe.testing.dialogues import (
    VoteSetup,
    configure_before_vote,
    put_vote,
    recounted,
    replace,
    switch_phase,
    tally_of,
    vote_dialogue,
    votes_of,
)
from participe.testing.events import run_event_jobs, run_mail_queue
from participe.testing.modules import enable_module, grant_module
from participe.testing.outbox import Outbox
from participe.testing.people import Person, World

__all__ = [
    "Outbox",
    "Person",
    "PluginChoice",
    "TestDatabase",
    "VoteSetup",
    "World",
    "app_settings",
    "build_test_plugins",
    "configure_before_vote",
    "enable_module",
    "grant_module",
    "http_client",
    "installed_plugins",
    "make_app",
    "put_vote",
    "recounted",
    "replace",
    "run_event_jobs",
    "run_mail_queue",
    "switch_phase",
    "tally_of",
    "vote_dialogue",
    "votes_of",
]


def pytest_report_header() -> str:
    return f"participe.testing: {'PostgreSQL' if server_url() else 'SQLite'} database"


@pytest.fixture(scope="session")
def participe_plugins() -> Sequence[PluginChoice]:
    return ()


@pytest.fixture(scope="session")
def plugins(participe_plugins: Sequence[PluginChoice]) -> Plugins:
    return build_test_plugins(participe_plugins)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, plugins: Plugins) -> Iterator[str]:
    created = TestDatabase(tmp_path_factory.mktemp("db"))

    async def prepare() -> None:
        await created.create()
        await created.migrate(plugins.migration_locations())

    asyncio.run(prepare())
    yield created.url
    asyncio.run(created.drop())


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await empty_tables(database)
    yield database
    await database.dispose()


@pytest.fixture
async def session(database: Database) -> AsyncIterator[AsyncSession]:
    async with database.session() as session:
        yield session


@pytest.fixture
def settings(
    participe_plugins: Sequence[PluginChoice], database_url: str, tmp_path: Path
) -> Settings:
    return app_settings(participe_plugins, database_url, tmp_path)


@pytest.fixture
def app(settings: Settings, plugins: Plugins, database: Database) -> Litestar:
    return make_app(settings, database, plugins)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with http_client(app) as client:
        yield client


@pytest.fixture
async def world(database: Database) -> World:
    return await World.create(database)


@pytest.fixture
def outbox(database: Database) -> Outbox:
    return Outbox(database)
