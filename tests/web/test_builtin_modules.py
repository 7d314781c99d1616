"""Built-in features that are modules on by default: the agenda, sharing and embedding,
the map, drafts, images, comments and the home page's blocks, each turned off and on
again for one dialogue through the API, leaving nothing behind while off."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from core.db import Database, utcnow
from core.models import AgendaEvent, Block, Dialogue, Proposal
from core.models.dialogues import CommentsMode
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


async def _add_block(database: Database, world: World, kind: str, settings: dict[str, Any]) -> int:
    """Puts a block of ``kind`` on the dialogue's home page; returns the dialogue's id."""
    async with database.session() as session:
        dialogue_id = await session.scalar(select(Dialogue.id).where(Dialogue.slug == SLUG))
        assert dialogue_id is not None
        session.add(
            Block(
                organisation_id=world.org.id,
                dialogue_id=dialogue_id,
                position=0,
                kind=kind,
                settings=settings,
            )
        )
        await session.commit()
    return dialogue_id


async def test_the_built_in_modules_are_on_by_default(client: Client, world: World) -> None:
    await dialogue(client, world)
    usable = await client.get("/api/v1/admin/modules", headers=world.admin.headers)
    described = {item["name"]: item for item in usable.json()["items"]}
    on_by_default = {"agenda", "sharing", "embed", "comments", "page_blocks", "budget"}
    assert on_by_default | {"questionnaire"} <= set(described)
    assert all(described[name]["enabled_by_default"] for name in on_by_default)
    assert "mode" in str(described["comments"]["settings_schema"])
    on = await client.get(MODULES, headers=world.admin.headers)
    assert on_by_default <= {item["name"] for item in on.json()["items"]}


async def test_the_agenda_turned_off_leaves_no_block_file_or_tab(
    client: Client, world: World, database: Database
) -> None:
    await dialogue(client, world)
    dialogue_id = await _add_block(database, world, "agenda", {})
    async with database.session() as session:
        session.add(
            AgendaEvent(
                organisation_id=world.org.id,
                dialogue_id=dialogue_id,
                title="Atelier du quartier Nord",
                starts_at=utcnow() + timedelta(days=3),
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
    headers = world.admin.headers
    assert (await client.get(f"{admin}/agenda", headers=headers)).status_code == 404
    added = await client.post(
        f"{admin}/agenda",
        data={"title": "Réunion", "starts_at": "2030-01-01T10:00"},
        headers=headers,
    )
    assert added.status_code == 404
    async with database.session() as session:
        events = (await session.scalars(select(AgendaEvent))).all()
    assert [event.title for event in events] == ["Atelier du quartier Nord"]

    await _turn(client, world, "agenda", on=True)
    assert (await client.get(f"{admin}/agenda", headers=headers)).status_code == 200
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


async def test_comments_turned_off_leave_no_list_form_or_route(
    client: Client, world: World
) -> None:
    await dialogue(client, world, comments={"mode": "qualified"})
    created = await proposal(client, world.alice.headers, title="Un banc")
    api = f"/api/v1/proposals/{created['id']}/comments"
    posted = await client.post(
        api, json={"body": "Bien vu", "stance": "for"}, headers=world.bob.headers
    )
    assert posted.status_code == 201, posted.text
    comment_id = posted.json()["id"]
    page = f"/proposals/{created['id']}"
    listing = f"/dialogues/{SLUG}/proposals"
    shown = await client.get(page, headers=world.bob.headers)
    assert 'id="comments"' in shown.text and "Bien vu" in shown.text
    assert "1 commentaire" in text_of((await client.get(listing)).text)
    modules = await client.get(MODULES, headers=world.admin.headers)
    (described,) = [item for item in modules.json()["items"] if item["name"] == "comments"]
    assert described["settings"] == {"mode": "qualified"}

    await _turn(client, world, "comments", on=False)
    shown = await client.get(page, headers=world.bob.headers)
    assert shown.status_code == 200
    assert 'id="comments"' not in shown.text and "Bien vu" not in shown.text
    assert f'action="/proposals/{created["id"]}/comments"' not in shown.text
    assert "commentaire" not in text_of((await client.get(listing)).text)
    assert (await client.get(api)).status_code == 404
    refused = await client.post(api, json={"body": "Et ça ?"}, headers=world.bob.headers)
    assert refused.status_code == 404
    form = await client.post(f"{page}/comments", data={"body": "x"}, headers=world.bob.headers)
    assert form.status_code == 404
    report = f"/api/v1/comments/{comment_id}/report"
    assert (await client.post(report, headers=world.alice.headers)).status_code == 404
    reported = await client.post(
        f"/comments/{comment_id}/report", data={"reason": ""}, headers=world.alice.headers
    )
    assert reported.status_code == 404
    described = (await client.get(f"/api/v1/dialogues/{SLUG}")).json()
    assert described["comments"] == {"mode": "off"}
    modules = await client.get(MODULES, headers=world.admin.headers)
    assert "comments" not in {item["name"] for item in modules.json()["items"]}

    # On again without settings: the stored mode and comments come back.
    await _turn(client, world, "comments", on=True)
    described = (await client.get(f"/api/v1/dialogues/{SLUG}")).json()
    assert described["comments"] == {"mode": "qualified"}
    assert "Bien vu" in (await client.get(page, headers=world.bob.headers)).text
    unqualified = await client.post(api, json={"body": "Hmm"}, headers=world.bob.headers)
    assert unqualified.status_code == 422  # still qualified: a side is required
    assert (await client.get(api)).json()["total"] == 1


async def test_comments_mode_off_is_the_module_off(client: Client, world: World) -> None:
    url = f"/api/v1/admin/dialogues/{SLUG}"
    await dialogue(client, world, comments={"mode": "qualified"})

    async def state() -> tuple[str, dict[str, Any] | None]:
        mode = (await client.get(f"/api/v1/dialogues/{SLUG}")).json()["comments"]["mode"]
        on = (await client.get(MODULES, headers=world.admin.headers)).json()["items"]
        settings = next((item["settings"] for item in on if item["name"] == "comments"), None)
        return mode, settings

    assert await state() == ("qualified", {"mode": "qualified"})
    off = await client.patch(url, json={"comments": {"mode": "off"}}, headers=world.admin.headers)
    assert off.status_code == 200 and off.json()["comments"] == {"mode": "off"}
    assert await state() == ("off", None)
    # Turned on through its module route with no mode, it keeps the mode it had.
    await _turn(client, world, "comments", on=True)
    assert await state() == ("qualified", {"mode": "qualified"})
    changed = await client.put(
        f"{MODULES}/comments", json={"settings": {"mode": "thread"}}, headers=world.admin.headers
    )
    assert changed.status_code == 200 and changed.json()["settings"] == {"mode": "thread"}
    assert await state() == ("thread", {"mode": "thread"})
    bad = await client.put(
        f"{MODULES}/comments", json={"settings": {"mode": "off"}}, headers=world.admin.headers
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "settings.mode"
    await _turn(client, world, "comments", on=False)
    assert await state() == ("off", None)
    on = await client.patch(
        url, json={"comments": {"mode": "qualified"}}, headers=world.admin.headers
    )
    assert on.status_code == 200 and on.json()["comments"] == {"mode": "qualified"}
    assert await state() == ("qualified", {"mode": "qualified"})


async def test_a_comments_mode_stored_off_counts_as_the_module_off(
    client: Client, world: World, database: Database
) -> None:
    """A dialogue stored before comments were a module, with ``off`` in its column."""
    await dialogue(client, world)
    async with database.session() as session:
        stored = await session.scalar(select(Dialogue).where(Dialogue.slug == SLUG))
        assert stored is not None
        stored.comments_mode = CommentsMode.OFF
        await session.commit()
    created = await proposal(client, world.alice.headers)
    api = f"/api/v1/proposals/{created['id']}/comments"
    assert (await client.get(api)).status_code == 404
    on = (await client.get(MODULES, headers=world.admin.headers)).json()["items"]
    assert "comments" not in {item["name"] for item in on}
    await _turn(client, world, "comments", on=True)
    assert (await client.get(f"/api/v1/dialogues/{SLUG}")).json()["comments"] == {"mode": "thread"}
    posted = await client.post(api, json={"body": "Enfin"}, headers=world.bob.headers)
    assert posted.status_code == 201, posted.text


async def test_page_blocks_turned_off_leave_no_block_tab_or_route(
    client: Client, world: World, database: Database
) -> None:
    await dialogue(client, world)
    await _add_block(
        database, world, "text", {"title": "Le mot du maire", "markdown": "Bienvenue à tous."}
    )
    async with database.session() as session:
        block_id = await session.scalar(select(Block.id).where(Block.kind == "text"))
    home = f"/dialogues/{SLUG}"
    admin = f"/admin/dialogues/{SLUG}"
    blocks = f"{admin}/blocks"
    assert "Le mot du maire" in text_of((await client.get(home)).text)
    assert f'href="{blocks}"' in (await client.get(admin, headers=world.admin.headers)).text
    assert (await client.get(blocks, headers=world.admin.headers)).status_code == 200

    await _turn(client, world, "page_blocks", on=False)
    page = await client.get(home)
    assert page.status_code == 200 and "Le mot du maire" not in text_of(page.text)
    assert f'href="{blocks}"' not in (await client.get(admin, headers=world.admin.headers)).text
    for path in (blocks, f"{blocks}/{block_id}"):
        assert (await client.get(path, headers=world.admin.headers)).status_code == 404
    for path, data in (
        (blocks, {"kind": "text"}),
        (f"{blocks}/{block_id}", {"settings.title": "Autre"}),
        (f"{blocks}/{block_id}/move", {"direction": "up"}),
        (f"{blocks}/{block_id}/delete", {}),
    ):
        answer = await client.post(path, data=data, headers=world.admin.headers)
        assert answer.status_code == 404, path
    async with database.session() as session:
        kept = await session.get(Block, block_id)
        assert kept is not None and kept.settings["title"] == "Le mot du maire"

    await _turn(client, world, "page_blocks", on=True)
    assert "Le mot du maire" in text_of((await client.get(home)).text)
    assert (await client.get(blocks, headers=world.admin.headers)).status_code == 200


async def test_the_modules_tab_sets_the_comments_mode(client: Client, world: World) -> None:
    await dialogue(client, world, comments={"mode": "qualified"})
    tab = f"/admin/dialogues/{SLUG}/modules"
    page = await client.get(tab, headers=world.admin.headers)
    assert 'name="comments.mode"' in page.text
    assert "modules/comments</code>" not in page.text  # a form, not a pointer to the API
    saved = await client.post(
        f"{tab}/comments", data={"comments.mode": "thread"}, headers=world.admin.headers
    )
    assert saved.status_code in (200, 303), saved.text
    mode = (await client.get(f"/api/v1/dialogues/{SLUG}")).json()["comments"]["mode"]
    assert mode == "thread"
