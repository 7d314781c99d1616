"""Built-in features that are modules on by default: the agenda, sharing and embedding,
each turned off and on again for one dialogue through the API, leaving nothing behind
while off."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.db import Database, utcnow
from core.models import AgendaEvent, Block, Dialogue, Proposal
from tests.conftest import World
from tests.web.front_helpers import SLUG, Client, dialogue, proposal, text_of

MODULES = f"/api/v1/admin/dialogues/{SLUG}/modules"


async def _turn(client: Client, world: World, name: str, on: bool) -> None:
    url = f"{MODULES}/{name}"
    if on:
        answer = await client.put(url, json={"settings": {}}, headers=world.admin.headers)
        assert answer.status_code == 200, answer.text
    else:
        answer = await client.delete(url, headers=world.admin.headers)
        assert answer.status_code == 204, answer.text


async def test_the_built_in_modules_are_on_by_default(client: Client, world: World) -> None:
    await dialogue(client, world)
    usable = await client.get("/api/v1/admin/modules", headers=world.admin.headers)
    described = {item["name"]: item for item in usable.json()["items"]}
    assert {"agenda", "sharing", "embed", "questionnaire"} <= set(described)
    assert described["agenda"]["enabled_by_default"] is True
    on = await client.get(MODULES, headers=world.admin.headers)
    assert {"agenda", "sharing", "embed"} <= {item["name"] for item in on.json()["items"]}


async def test_the_agenda_turned_off_leaves_no_block_file_or_tab(
    client: Client, world: World, database: Database
) -> None:
    await dialogue(client, world)
    async with database.session() as session:
        dialogue_id = await session.scalar(select(Dialogue.id).where(Dialogue.slug == SLUG))
        assert dialogue_id is not None
        session.add(
            AgendaEvent(
                organisation_id=world.org.id,
                dialogue_id=dialogue_id,
                title="Atelier du quartier Nord",
                starts_at=utcnow() + timedelta(days=3),
            )
        )
        session.add(
            Block(
                organisation_id=world.org.id,
                dialogue_id=dialogue_id,
                position=0,
                kind="agenda",
                settings={},
            )
        )
        await session.commit()
    home = f"/dialogues/{SLUG}"
    admin = f"/admin/dialogues/{SLUG}"
    assert "Atelier du quartier Nord" in text_of((await client.get(home)).text)
    assert (await client.get(f"{home}/agenda.ics")).status_code == 200
    assert f'href="{admin}/agenda"' in (await client.get(admin, headers=world.admin.headers)).text

    await _turn(client, world, "agenda", on=False)
    page = (await client.get(home)).text
    assert "Atelier du quartier Nord" not in text_of(page) and "agenda.ics" not in page
    assert (await client.get(f"{home}/agenda.ics")).status_code == 404
    tabs = (await client.get(admin, headers=world.admin.headers)).text
    assert f'href="{admin}/agenda"' not in tabs

    await _turn(client, world, "agenda", on=True)
    assert "Atelier du quartier Nord" in text_of((await client.get(home)).text)
    assert (await client.get(f"{home}/agenda.ics")).status_code == 200


async def test_sharing_and_embedding_turned_off(client: Client, world: World) -> None:
    await dialogue(client, world)
    created = await proposal(client, world.alice.headers, title="Un banc")
    page = f"/proposals/{created['id']}"
    embed = f"/embed/dialogues/{SLUG}"
    assert 'id="share-title"' in (await client.get(page)).text
    assert (await client.get(embed)).status_code == 200

    await _turn(client, world, "sharing", on=False)
    await _turn(client, world, "embed", on=False)
    shown = await client.get(page)
    assert shown.status_code == 200 and 'id="share-title"' not in shown.text
    assert (await client.get(embed)).status_code == 404

    await _turn(client, world, "sharing", on=True)
    await _turn(client, world, "embed", on=True)
    assert 'id="share-title"' in (await client.get(page)).text
    assert (await client.get(embed)).status_code == 200


async def test_the_map_turned_off_asks_no_location_and_shows_no_map(
    client: Client, world: World
) -> None:
    await dialogue(client, world)
    located = await proposal(client, world.alice.headers, location={"lat": 47.2, "lng": -1.5})
    proposals = f"/dialogues/{SLUG}/proposals"
    geojson = f"/api/v1/dialogues/{SLUG}/proposals.geojson"
    assert (await client.get(geojson)).status_code == 200
    assert "?view=map" in (await client.get(proposals)).text
    form = f"/dialogues/{SLUG}/proposals/new"
    assert 'name="lat"' in (await client.get(form, headers=world.alice.headers)).text

    await _turn(client, world, "map", on=False)
    assert (await client.get(geojson)).status_code == 404
    listing = await client.get(f"{proposals}?view=map")
    assert listing.status_code == 200 and "?view=map" not in listing.text
    assert 'name="lat"' not in (await client.get(form, headers=world.alice.headers)).text
    refused = await client.post(
        f"/api/v1/dialogues/{SLUG}/proposals",
        json={"title": "Ailleurs", "body": "Là.", "location": {"lat": 1.0, "lng": 2.0}},
        headers=world.alice.headers,
    )
    assert refused.status_code == 422 and "location" in refused.json()["detail"]
    # What was stored stays, and an edit through the form keeps it.
    edited = await client.post(
        f"/proposals/{located['id']}/edit",
        data={
            "title": "Un banc, place du marché",
            "body": "Pour s'asseoir.",
            "field__quartier": "Centre",
            "theme": "mobilite",
            "sector": "nord",
        },
        headers=world.alice.headers,
        follow_redirects=False,
    )
    assert edited.status_code == 303, edited.text
    kept = (await client.get(f"/api/v1/proposals/{located['id']}")).json()
    assert kept["title"] == "Un banc, place du marché"
    assert kept["location"] == {"lat": 47.2, "lng": -1.5}

    await _turn(client, world, "map", on=True)
    assert (await client.get(geojson)).status_code == 200


async def test_drafts_turned_off_are_neither_offered_nor_taken(
    client: Client, world: World
) -> None:
    await dialogue(client, world)
    form = f"/dialogues/{SLUG}/proposals/new"
    draft_button = 'value="draft"'
    assert draft_button in (await client.get(form, headers=world.alice.headers)).text
    kept = await proposal(client, world.alice.headers, title="Mon brouillon", draft=True)
    assert kept["status"] == "draft"

    await _turn(client, world, "drafts", on=False)
    page = (await client.get(form, headers=world.alice.headers)).text
    assert draft_button not in page and 'value="publish"' in page
    refused = await client.post(
        f"/api/v1/dialogues/{SLUG}/proposals",
        json={"title": "Un autre", "body": "Plus tard.", "draft": True},
        headers=world.alice.headers,
    )
    assert refused.status_code == 422 and "draft" in refused.json()["detail"]
    # A draft kept from before can still be published.
    published = await client.post(
        f"/api/v1/proposals/{kept['id']}/publish", headers=world.alice.headers
    )
    assert published.status_code == 200, published.text


async def test_images_turned_off_are_neither_asked_nor_shown(
    client: Client, world: World, database: Database
) -> None:
    await dialogue(client, world)
    created = await proposal(client, world.alice.headers, title="Un banc")
    async with database.session() as session:
        stored = await session.get(Proposal, created["id"])
        assert stored is not None
        stored.image_path = "banc.png"
        await session.commit()
    page = f"/proposals/{created['id']}"
    form = f"/dialogues/{SLUG}/proposals/new"
    assert 'src="/media/banc.png"' in (await client.get(page)).text
    assert 'src="/media/banc.png"' in (await client.get(f"/dialogues/{SLUG}/proposals")).text
    assert 'name="image"' in (await client.get(form, headers=world.alice.headers)).text

    await _turn(client, world, "images", on=False)
    assert "/media/banc.png" not in (await client.get(page)).text
    assert "/media/banc.png" not in (await client.get(f"/dialogues/{SLUG}/proposals")).text
    assert 'name="image"' not in (await client.get(form, headers=world.alice.headers)).text

    await _turn(client, world, "images", on=True)
    assert 'src="/media/banc.png"' in (await client.get(page)).text
