"""The map's GeoJSON: the document of the contract, byte for byte; each worker's cache of
it, which a change committed by any worker makes stale at once; its ETag, which answers a
conditional request with 304."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import event

from core.db import Database, utcnow
from core.models import Proposal
from core.plugin_manager import Plugins
from core.services import moderation, proposal_map
from core.services.proposal_map import MapCache
from core.services.proposals import ProposalFilters
from core.settings import Settings
from tests.conftest import World
from tests.helpers import create_dialogue
from web.app import create_app

Client = AsyncTestClient[Litestar]
SLUG = "budget-2027"
MAP = f"/api/v1/dialogues/{SLUG}/proposals.geojson"
LIST = f"/api/v1/dialogues/{SLUG}/proposals"
THEMES = [{"key": "mobilite", "label": "Mobilité"}, {"key": "nature", "label": "Nature"}]
SECTORS = [{"key": "nord", "label": "Nord"}, {"key": "sud", "label": "Sud"}]
PROPOSALS: list[dict[str, Any]] = [
    {"title": "Des bancs « à l'ombre »", "theme": "nature", "sector": "nord"},
    {"title": 'Piste cyclable rue "Nationale"', "theme": "mobilite", "sector": None},
    {"title": "Un verger", "theme": None, "sector": "sud"},
    {"title": "Nulle part", "theme": "nature", "sector": "sud", "location": None},
    {"title": "Jardin partagé 🌱", "theme": "nature", "sector": "sud"},
]


async def _dialogue_with_proposals(client: Client, world: World) -> list[int]:
    await create_dialogue(client, world.admin.headers, themes=THEMES, sectors=SECTORS)
    ids = []
    for index, proposal in enumerate(PROPOSALS):
        body = {
            "body": "Pour le quartier.",
            "location": {"lat": 47.2 + index / 1000, "lng": -1.5536 - index / 7},
            **proposal,
        }
        response = await client.post(LIST, json=body, headers=world.alice.headers)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


def contract_document(items: list[dict[str, Any]]) -> bytes:
    """The document API.md describes, built the plain way (dicts, in its order) from the
    proposals of the list API."""
    return msgspec.json.encode(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "id": item["id"],
                    "geometry": {
                        "type": "Point",
                        "coordinates": [item["location"]["lng"], item["location"]["lat"]],
                    },
                    "properties": {
                        "id": item["id"],
                        "title": item["title"],
                        "status": item["status"],
                        "theme": item["theme"],
                        "sector": item["sector"],
                        "url": f"/proposals/{item['id']}",
                    },
                }
                for item in items
                if item["location"] is not None
            ],
        }
    )


async def titles_on_the_map(client: Client, query: str = "") -> dict[int, str]:
    response = await client.get(f"{MAP}?{query}")
    assert response.status_code == 200, response.text
    return {f["id"]: f["properties"]["title"] for f in response.json()["features"]}


@pytest.fixture
async def other_worker(
    settings: Settings, plugins: Plugins, database: Database
) -> AsyncIterator[Client]:
    """A client of a second app on the same database, as another worker of the server."""
    async with AsyncTestClient(
        app=create_app(settings, plugins=plugins, database=database), base_url="http://127.0.0.1"
    ) as client:
        yield client


@pytest.mark.parametrize(
    "query", ["", "sort=title", "sort=oldest", "theme=nature", "sector=sud&status=published"]
)
async def test_the_document_is_the_contract_byte_for_byte(
    client: Client, world: World, query: str
) -> None:
    await _dialogue_with_proposals(client, world)
    items = (await client.get(f"{LIST}?per_page=100&{query}")).json()["items"]
    for _ in range(2):  # read, then from the cache
        response = await client.get(f"{MAP}?{query}")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/geo+json"
        assert response.content == contract_document(items)
    assert len(response.json()["features"]) == len([i for i in items if i["location"]])


async def test_a_change_committed_by_any_worker_is_on_the_cached_map_at_once(
    client: Client, world: World, app: Litestar, other_worker: Client
) -> None:
    ids = await _dialogue_with_proposals(client, world)
    before = await titles_on_the_map(client)
    assert await titles_on_the_map(client) == before
    assert len(app.state.context.map_cache) == 1
    # The author's edit, through the other worker.
    edited = await other_worker.patch(
        f"/api/v1/proposals/{ids[0]}", json={"title": "Des bancs au soleil"},
        headers=world.alice.headers,
    )  # fmt: skip
    assert edited.status_code == 200, edited.text
    assert (await titles_on_the_map(client))[ids[0]] == "Des bancs au soleil"
    # A review by staff, through the other worker: the status filter follows.
    reviewed = await other_worker.patch(
        f"/api/v1/admin/proposals/{ids[1]}", json={"status": "accepted"},
        headers=world.admin.headers,
    )  # fmt: skip
    assert reviewed.status_code == 200, reviewed.text
    assert list(await titles_on_the_map(client, "status=accepted")) == [ids[1]]
    features = (await client.get(MAP)).json()["features"]
    assert {f["id"]: f["properties"]["status"] for f in features}[ids[1]] == "accepted"
    # Moderation and deletion, committed elsewhere.
    async with world.database.session() as session:
        hidden = await session.get(Proposal, ids[2])
        assert hidden is not None
        moderation.hide(hidden, "Hors charte", utcnow())
        await session.commit()
    assert ids[2] not in await titles_on_the_map(client)
    async with world.database.session() as session:
        await session.delete(await session.get(Proposal, ids[4]))
        await session.commit()
    assert set(await titles_on_the_map(client)) == {ids[0], ids[1]}
    # Each worker serves the same document.
    assert (await client.get(MAP)).content == (await other_worker.get(MAP)).content


async def test_a_change_that_commits_after_a_later_one_is_on_the_map(
    client: Client, world: World
) -> None:
    """Two changes may commit in the opposite order of their ``updated_at`` (set when the
    change is written, before the commit): the map cached between the two commits must
    not be served after the second one, although the latest ``updated_at`` stays."""
    ids = await _dialogue_with_proposals(client, world)
    now = utcnow()
    async with world.database.session() as session:
        for proposal_id, seconds in ((ids[0], 10), (ids[1], 5)):
            proposal = await session.get(Proposal, proposal_id)
            assert proposal is not None
            proposal.updated_at = now - timedelta(seconds=seconds)
        for proposal_id in ids[2:]:
            await session.delete(await session.get(Proposal, proposal_id))
        await session.commit()
    expected = {ids[0]: PROPOSALS[0]["title"], ids[1]: PROPOSALS[1]["title"]}
    assert await titles_on_the_map(client) == expected
    async with world.database.session() as session:  # written 7 s ago, committed now
        proposal = await session.get(Proposal, ids[0])
        assert proposal is not None
        proposal.title = "Écrit avant, validé après"
        proposal.updated_at = now - timedelta(seconds=7)
        await session.commit()
    assert (await titles_on_the_map(client))[ids[0]] == "Écrit avant, validé après"


async def test_an_unchanged_map_answers_not_modified(
    client: Client, world: World, other_worker: Client
) -> None:
    ids = await _dialogue_with_proposals(client, world)
    first = await client.get(MAP)
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "no-cache"
    for sent in (etag, f'"nope", W/{etag}', "*"):
        again = await client.get(MAP, headers={"If-None-Match": sent})
        assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    # Any worker names the same document with the same tag.
    assert (await other_worker.get(MAP, headers={"If-None-Match": etag})).status_code == 304
    # Another map, or the same after a change, is another document.
    other = await client.get(f"{MAP}?theme=nature", headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["etag"] != etag
    edited = await client.patch(
        f"/api/v1/proposals/{ids[0]}", json={"title": "Un autre titre"},
        headers=world.alice.headers,
    )  # fmt: skip
    assert edited.status_code == 200, edited.text
    changed = await client.get(MAP, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert "Un autre titre" in changed.text
    # Bad filters and unknown dialogues answer as before, whatever the tag.
    bad = await client.get(f"{MAP}?status=nope", headers={"If-None-Match": "*"})
    assert (bad.status_code, bad.json()["code"]) == (422, "validation")
    unknown = await client.get(MAP.replace(SLUG, "inconnu"), headers={"If-None-Match": "*"})
    assert unknown.status_code == 404


async def test_requests_that_miss_at_once_read_the_proposals_once(
    client: Client, world: World, database: Database
) -> None:
    """After a change, under load, the requests of one worker that miss the same version
    at once wait for the first one's document. (Through the service: the test client
    runs one request at a time.)"""
    await _dialogue_with_proposals(client, world)
    cache = MapCache()
    reads: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "proposals.lat IS NOT NULL" in statement:
            reads.append(statement)

    async def request() -> bytes:
        async with database.session() as session:
            found = await proposal_map.map_version(session, world.org.id, SLUG, ProposalFilters())
            return await proposal_map.map_document(session, cache, found)

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        bodies = await asyncio.gather(*(request() for _ in range(6)))
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", record)
    assert bodies == [(await client.get(MAP)).content] * 6
    assert len(reads) == 1, reads
