"""Each worker keeps snapshots of organisations and dialogues (``core.read_cache``): a
warm request reads neither, a change made in the worker is served at once, a change made
elsewhere once the snapshot's time is up, and no request's changes reach another's copy."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import event, text
from sqlalchemy.pool import QueuePool

from core import read_cache
from core.db import Database
from core.models import Dialogue
from core.models.dialogues import DialogueKind
from core.plugin_manager import Plugins
from core.read_cache import ReadCache
from core.services import dialogues, organisations
from core.settings import Settings
from participe.testing import put_vote, switch_phase, vote_dialogue
from tests.ballot_helpers import Client
from tests.conftest import World
from tests.web.test_query_counts import counted_queries
from web.app import create_app

SUPPORT = {"type": "support", "settings": {"max_votes": 3}}


class Clock:
    """``time.monotonic`` of the cache, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(read_cache.time, "monotonic", clock)
    return clock


async def title_seen(client: Client, slug: str) -> str:
    response = await client.get(f"/api/v1/dialogues/{slug}")
    assert response.status_code == 200, response.text
    title: str = response.json()["title"]
    return title


async def change_elsewhere(database: Database, slug: str, title: str) -> None:
    """What another worker's change looks like from here: a committed row this process's
    sessions did not write."""
    async with database.engine.begin() as connection:
        await connection.execute(
            text("UPDATE dialogues SET title = :title WHERE slug = :slug"),
            {"title": title, "slug": slug},
        )


async def test_a_warm_vote_reads_neither_the_organisation_nor_the_dialogue(
    client: Client, world: World, database: Database
) -> None:
    setup = await vote_dialogue(client, world, SUPPORT)
    await put_vote(client, world.bob, setup, setup.proposals[0])
    with counted_queries(database) as statements:
        response = await put_vote(client, world.bob, setup, setup.proposals[1])
    assert response.status_code == 200, response.text
    assert not [s for s in statements if "FROM organisations" in s], statements
    # Only the version of its configuration, under its lock (core.services.vote_locks).
    assert not [s for s in statements if s.startswith("SELECT dialogues.id")], statements
    assert [s for s in statements if "config_version" in s], statements


async def test_a_phase_closed_in_this_worker_refuses_the_next_vote(
    client: Client, world: World
) -> None:
    setup = await vote_dialogue(client, world, SUPPORT)
    first = await put_vote(client, world.bob, setup, setup.proposals[0])
    assert first.status_code == 200, first.text
    await switch_phase(client, world.admin.headers, setup.slug, "results")
    refused = await put_vote(client, world.bob, setup, setup.proposals[1])
    assert refused.status_code == 409, refused.text


async def test_a_change_from_another_worker_is_served_once_the_time_is_up(
    client: Client, world: World, database: Database, clock: Clock
) -> None:
    setup = await vote_dialogue(client, world, SUPPORT)
    assert await title_seen(client, setup.slug) == "Budget participatif 2026"
    await change_elsewhere(database, setup.slug, "Budget 2026, nouveau titre")
    clock.now += Settings.read_cache_seconds / 2
    assert await title_seen(client, setup.slug) == "Budget participatif 2026"
    clock.now += Settings.read_cache_seconds
    assert await title_seen(client, setup.slug) == "Budget 2026, nouveau titre"


@pytest.fixture
async def uncached(
    settings: Settings, plugins: Plugins, database: Database
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    app = create_app(settings.replace(read_cache_seconds=0), plugins=plugins, database=database)
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1") as client:
        yield client


async def test_without_snapshots_every_request_reads_the_database(
    client: Client, world: World, database: Database, uncached: Client
) -> None:
    setup = await vote_dialogue(client, world, SUPPORT)
    assert await title_seen(uncached, setup.slug) == "Budget participatif 2026"
    await change_elsewhere(database, setup.slug, "Budget 2026, nouveau titre")
    assert await title_seen(uncached, setup.slug) == "Budget 2026, nouveau titre"


async def test_a_request_changing_its_copy_leaves_the_snapshot_alone(
    client: Client, world: World, database: Database
) -> None:
    setup = await vote_dialogue(client, world, SUPPORT)
    cache = ReadCache(60)
    async with database.session() as session:
        session.info[read_cache.SESSION_KEY] = cache
        org = await organisations.resolve_host(session, "127.0.0.1")
        assert org is not None
        copy = await dialogues.get_dialogue(session, org, setup.slug)
        copy.title = "Jamais enregistré"
        copy.phases[0].title = "Jamais enregistrée non plus"
        await session.rollback()
    async with database.session() as session:
        session.info[read_cache.SESSION_KEY] = cache
        org = await organisations.resolve_host(session, "127.0.0.1")
        assert org is not None
        again = await dialogues.get_dialogue(session, org, setup.slug)
        assert again is not copy
        assert again.title == "Budget participatif 2026"
        assert again.phases[0].title != "Jamais enregistrée non plus"


async def test_a_session_reads_the_dialogues_it_has_not_committed_yet(
    client: Client, world: World, database: Database
) -> None:
    cache = ReadCache(60)
    async with database.session() as session:
        session.info[read_cache.SESSION_KEY] = cache
        org = await organisations.resolve_host(session, "127.0.0.1")
        assert org is not None
        session.add(
            Dialogue(
                organisation_id=org.id,
                slug="pas-encore",
                title="Pas encore",
                kind=DialogueKind.IDEAS,
            )
        )
        await session.flush()
        found = await dialogues.get_dialogue(session, org, "pas-encore")
        assert found.title == "Pas encore"


def test_a_snapshot_read_before_a_change_is_not_kept() -> None:
    cache = ReadCache(60)
    before = read_cache._Generation.value
    read_cache._Generation.bump()  # a change committed while the snapshot was read
    cache.put("key", "old", before)
    assert cache.get("key") is None
    cache.put("key", "new", read_cache._Generation.value)
    assert cache.get("key") == "new"


async def test_a_miss_reads_on_the_request_s_own_connection(
    client: Client, world: World, database: Database
) -> None:
    """A burst of misses must not need a second connection per request: with a full
    pool, every one of them would wait for another's."""
    setup = await vote_dialogue(client, world, SUPPORT)
    pool = database.engine.sync_engine.pool
    if not isinstance(pool, QueuePool):
        pytest.skip("SQLite opens a connection per session: there is no pool to exhaust")
    most = [0]

    def checked_out(*_args: object) -> None:
        most[0] = max(most[0], pool.checkedout())

    event.listen(pool, "checkout", checked_out)
    try:
        async with database.session() as session:
            session.info[read_cache.SESSION_KEY] = ReadCache(60)
            org = await organisations.resolve_host(session, "127.0.0.1")
            assert org is not None
            await dialogues.get_dialogue(session, org, setup.slug)
    finally:
        event.remove(pool, "checkout", checked_out)
    assert most == [1]
