"""A dialogue's home page blocks (add, order, settings, remove) and agenda events."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from core.models import AgendaEvent, Block
from tests.conftest import World
from tests.helpers import create_dialogue

Client = AsyncTestClient[Litestar]
BASE = "/admin/dialogues/budget-2027"


async def _blocks(world: World) -> list[tuple[str, dict[str, object]]]:
    async with world.database.session() as session:
        rows = await session.scalars(select(Block).order_by(Block.position, Block.id))
        return [(block.kind, block.settings) for block in rows]


async def _add(client: Client, world: World, kind: str) -> str:
    added = await client.post(
        f"{BASE}/blocks", data={"kind": kind}, headers=world.admin.headers, follow_redirects=False
    )
    assert added.status_code == 303, added.text
    return added.headers["location"].split("?")[0]


async def test_blocks_are_added_configured_ordered_removed(client: Client, world: World) -> None:
    await create_dialogue(client, world.admin.headers)
    text_block = await _add(client, world, "text")
    news_block = await _add(client, world, "news")
    page = await client.get(news_block, headers=world.admin.headers)
    assert page.status_code == 200 and 'name="settings.items.0.title"' in page.text

    saved = await client.post(
        news_block,
        data={
            "settings.title": "Les nouvelles",
            "settings.items.0.title": "Lancement",
            "settings.items.0.body": "C'est parti !",
            "settings.items.0.date": "2027-03-01",
            "settings.items.1.title": "",
        },
        headers=world.admin.headers,
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    await client.post(
        text_block,
        data={"settings.title": "Bienvenue", "settings.markdown": "Un **texte**."},
        headers=world.admin.headers,
    )
    assert await _blocks(world) == [
        ("text", {"title": "Bienvenue", "markdown": "Un **texte**."}),
        (
            "news",
            {
                "title": "Les nouvelles",
                "items": [{"title": "Lancement", "body": "C'est parti !", "date": "2027-03-01"}],
            },
        ),
    ]
    await client.post(news_block + "/move", data={"direction": "up"}, headers=world.admin.headers)
    assert [kind for kind, _ in await _blocks(world)] == ["news", "text"]
    listing = await client.get(f"{BASE}/blocks", headers=world.admin.headers)
    assert listing.text.index("Les nouvelles") < listing.text.index("Bienvenue")
    home = await client.get("/dialogues/budget-2027")
    assert home.status_code == 200
    assert "Lancement" in home.text and "Bienvenue" in home.text

    refused = await client.post(
        news_block,
        data={"settings.title": "X", "settings.items.0.title": "", "settings.items.0.body": "b"},
        headers=world.admin.headers,
    )
    assert refused.status_code == 422 and "Ce champ est obligatoire." in refused.text
    await client.post(text_block + "/delete", headers=world.admin.headers)
    assert [kind for kind, _ in await _blocks(world)] == ["news"]
    unknown = await client.post(
        f"{BASE}/blocks", data={"kind": "nope"}, headers=world.admin.headers
    )
    assert unknown.status_code == 422


async def test_agenda_events(client: Client, world: World) -> None:
    await create_dialogue(client, world.admin.headers)
    bad = await client.post(
        f"{BASE}/agenda",
        data={
            "title": "",
            "starts_at": "2027-03-10T18:30",
            "ends_at": "2027-03-10T18:00",
            "place": "Mairie",
        },
        headers=world.admin.headers,
    )
    assert bad.status_code == 422 and "Ce champ est obligatoire." in bad.text
    ends_first = await client.post(
        f"{BASE}/agenda",
        data={"title": "Réunion", "starts_at": "2027-03-10T18:30", "ends_at": "2027-03-10T18:00"},
        headers=world.admin.headers,
    )
    assert ends_first.status_code == 422 and "La fin doit venir après le début." in ends_first.text
    added = await client.post(
        f"{BASE}/agenda",
        data={
            "title": "Réunion publique",
            "starts_at": "2027-03-10T18:30",
            "ends_at": "2027-03-10T20:00",
            "place": "Salle des fêtes",
            "description": "Venez nombreux.",
        },
        headers=world.admin.headers,
        follow_redirects=False,
    )
    assert added.status_code == 303, added.text
    async with world.database.session() as session:
        event = await session.scalar(select(AgendaEvent))
        assert event is not None
        assert event.starts_at == datetime(2027, 3, 10, 18, 30, tzinfo=ZoneInfo("Europe/Paris"))
        assert event.place == "Salle des fêtes"
    edit = await client.get(f"{BASE}/agenda/{event.id}", headers=world.admin.headers)
    assert 'value="2027-03-10T18:30"' in edit.text
    await client.post(
        f"{BASE}/agenda/{event.id}",
        data={"title": "Réunion publique", "starts_at": "2027-03-11T18:30", "ends_at": ""},
        headers=world.admin.headers,
    )
    async with world.database.session() as session:
        changed = await session.get(AgendaEvent, event.id)
        assert changed is not None and changed.ends_at is None and changed.place == ""
    await client.post(f"{BASE}/agenda/{event.id}/delete", headers=world.admin.headers)
    async with world.database.session() as session:
        assert await session.scalar(select(AgendaEvent)) is None
