"""The results cache: keyed by the state of the ballots, so a ballot change is seen at once;
in memory by default, in Redis (the real one on 127.0.0.1:6379) when configured."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis
from sqlalchemy import func, select

from core.db import Database
from core.models import Dialogue, VoteLogEntry
from core.plugin_manager import Plugins
from core.results_cache import MemoryResultsCache, RedisResultsCache, make_results_cache
from core.services import results
from core.services.results import ballots_version
from core.settings import Settings
from participe.testing import put_vote, switch_phase, vote_dialogue
from tests.conftest import World
from tests.results_helpers import by_id, read_results
from web.app import create_app

REDIS_URL = "redis://127.0.0.1:6379/0"
SUPPORT = {"type": "support", "settings": {}}


async def test_memory_cache_keeps_the_most_recent_entries() -> None:
    cache = MemoryResultsCache(size=2)
    await cache.set("a", b"1")
    await cache.set("b", b"2")
    assert await cache.get("a") == b"1"  # a is now the most recent
    await cache.set("c", b"3")
    assert await cache.get("b") is None
    assert await cache.get("a") == b"1" and await cache.get("c") == b"3"
    await cache.close()


async def test_redis_cache_is_shared_and_expires() -> None:
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    first, second = RedisResultsCache(REDIS_URL, prefix), RedisResultsCache(REDIS_URL, prefix)
    try:
        await first.set("results:1.2", b"body")
        assert await second.get("results:1.2") == b"body"
        assert 0 < await second._redis.ttl(f"{prefix}:results:results:1.2") <= 7 * 24 * 3600
    finally:
        await first._redis.delete(f"{prefix}:results:results:1.2")
        await first.close()
        await second.close()


async def test_an_unreachable_redis_is_a_miss_not_an_error() -> None:
    cache = make_results_cache("redis://127.0.0.1:1/0")
    assert isinstance(cache, RedisResultsCache)
    assert await cache.get("x") is None
    await cache.set("x", b"y")  # logged, not raised
    await cache.close()


@pytest.fixture
def computations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    original = results.compute_results

    async def counting(*args: Any, **kwargs: Any) -> dict[str, Any]:
        calls.append(1)
        return await original(*args, **kwargs)

    monkeypatch.setattr(results, "compute_results", counting)
    return calls


async def _live(client: Any, world: World) -> Any:
    setup = await vote_dialogue(client, world, SUPPORT)
    await client.patch(
        f"/api/v1/admin/dialogues/{setup.slug}",
        json={"results_visibility": "live"},
        headers=world.admin.headers,
    )
    return setup


async def test_a_vote_is_seen_at_once_and_unchanged_results_are_not_recomputed(
    client: AsyncTestClient[Litestar], world: World, computations: list[int]
) -> None:
    setup = await _live(client, world)
    first = (await read_results(client, setup.slug)).json()
    assert by_id(first)[setup.proposals[0]] == {"supports": 0}
    assert (await read_results(client, setup.slug)).json() == first
    assert len(computations) == 1

    assert (await put_vote(client, world.bob, setup, setup.proposals[0])).status_code == 200
    second = (await read_results(client, setup.slug)).json()
    assert by_id(second)[setup.proposals[0]] == {"supports": 1}
    assert second["ballots_counted"] == 1
    assert len(computations) == 2

    withdrawn = await client.delete(setup.vote(setup.proposals[0]), headers=world.bob.headers)
    assert withdrawn.status_code == 200
    third = (await read_results(client, setup.slug)).json()
    assert by_id(third)[setup.proposals[0]] == {"supports": 0}
    assert third["ballots_counted"] == 0


async def test_proposal_and_dialogue_changes_change_the_version(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    setup = await _live(client, world)
    # Candidates and budget change before the vote (they are frozen once it opens).
    await switch_phase(client, world.admin.headers, setup.slug, "proposals")

    async def version() -> str:
        async with database.session() as session:
            dialogue = await session.scalar(select(Dialogue).where(Dialogue.slug == setup.slug))
            assert dialogue is not None
            return await ballots_version(session, dialogue)

    before = await version()
    assert await version() == before
    refused = await client.patch(
        f"/api/v1/admin/proposals/{setup.proposals[1]}",
        json={"status": "refused"},
        headers=world.admin.headers,
    )
    assert refused.status_code == 200, refused.text
    after_review = await version()
    assert after_review != before
    body = (await read_results(client, setup.slug)).json()
    assert setup.proposals[1] not in by_id(body)

    await client.patch(
        f"/api/v1/admin/dialogues/{setup.slug}",
        json={"budget": {"amount": 1000, "rule": "greedy"}},
        headers=world.admin.headers,
    )
    assert await version() != after_review


async def test_a_late_commit_below_the_newest_log_id_changes_the_version(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    """Ids are handed out before commit: an entry that commits after a newer one must
    still change the version, though the newest id stays the same. The version counts
    the entries of the dialogue's chain, bumped in each change's own transaction."""
    setup = await _live(client, world)
    await put_vote(client, world.bob, setup, setup.proposals[0])
    await put_vote(client, world.alice, setup, setup.proposals[1])
    async with database.session() as session:
        dialogue = await session.scalar(select(Dialogue).where(Dialogue.slug == setup.slug))
        assert dialogue is not None
        newest = await session.scalar(select(func.max(VoteLogEntry.id)))
        first = await session.scalar(select(VoteLogEntry).order_by(VoteLogEntry.id).limit(1))
        assert first is not None
        before = await ballots_version(session, dialogue)
        # An entry that took an id below every committed one commits now.
        session.add(
            VoteLogEntry(
                id=0,
                dialogue_id=first.dialogue_id,
                ballot_id=first.ballot_id,
                action="confirm",
                proposal_id=None,
                value=None,
            )
        )
        await session.commit()
        assert await session.scalar(select(func.max(VoteLogEntry.id))) == newest
        assert await ballots_version(session, dialogue) != before


async def test_results_are_cached_in_redis_when_configured(
    settings: Settings, plugins: Plugins, database: Database, world: World
) -> None:
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    app = create_app(
        settings.replace(redis_url=REDIS_URL, redis_prefix=prefix),
        plugins=plugins,
        database=database,
    )
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1") as client:
        setup = await _live(client, world)
        await put_vote(client, world.bob, setup, setup.proposals[0])
        body = (await read_results(client, setup.slug)).json()
        assert isinstance(app.state["results"].cache, RedisResultsCache)
        # The app runs in its own event loop: look into Redis with a client of our own.
        probe = Redis.from_url(REDIS_URL)
        keys = await probe.keys(f"{prefix}:results:*")
        try:
            assert len(keys) == 1
            assert (await read_results(client, setup.slug)).json() == body
        finally:
            if keys:
                await probe.delete(*keys)
            await probe.aclose()
