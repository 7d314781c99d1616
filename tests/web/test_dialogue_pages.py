"""A dialogue's home page: blocks in order, the default layout, the agenda as .ics, the
organisation's theme."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from core.db import Database, utcnow
from core.models import AgendaEvent, Block, Organisation
from tests.conftest import World
from tests.helpers import phases_now
from tests.web.front_helpers import SLUG, Client, dialogue, proposal, text_of


async def _dialogue_id(database: Database) -> int:
    from sqlalchemy import select

    from core.models import Dialogue

    async with database.session() as session:
        found = await session.scalar(select(Dialogue.id).where(Dialogue.slug == SLUG))
    assert found is not None
    return found


async def _blocks(database: Database, world: World, *blocks: tuple[str, dict[str, Any]]) -> None:
    dialogue_id = await _dialogue_id(database)
    async with database.session() as session:
        for position, (kind, settings) in enumerate(blocks):
            session.add(
                Block(
                    organisation_id=world.org.id,
                    dialogue_id=dialogue_id,
                    position=position,
                    kind=kind,
                    settings=settings,
                )
            )
        await session.commit()


async def test_default_layout(client: Client, world: World) -> None:
    await dialogue(client, world, description="## Le projet\n\nUn **budget** pour vos idées.")
    await proposal(client, world.alice.headers)
    await proposal(client, world.bob.headers)
    page = await client.get(f"/dialogues/{SLUG}")
    assert page.status_code == 200
    html = page.text
    assert "<h2>Le projet</h2>" in html and "<strong>budget</strong>" in html
    text = text_of(html)
    assert "Le dépôt des propositions est ouvert" in text
    assert f'href="/dialogues/{SLUG}/proposals/new"' in html
    assert 'class="timeline-step timeline-current" aria-current="step"' in html
    assert "Dépôt des propositions En cours" in text
    assert "2 participants" in text and "2 propositions" in text and "0 vote" in text


async def test_blocks_add_to_the_page_and_hide_nothing_a_citizen_needs(
    client: Client, world: World, database: Database
) -> None:
    """A text block added to the page comes after the description, the call to action
    and the steps, which stay."""
    await dialogue(client, world, description="## Le projet\n\nUn **budget** pour vos idées.")
    await _blocks(database, world, ("text", {"title": "Bienvenue", "markdown": "Un mot."}))
    html = (await client.get(f"/dialogues/{SLUG}")).text
    assert "<h2>Le projet</h2>" in html
    assert f'href="/dialogues/{SLUG}/proposals/new"' in html
    assert "Déposer une proposition" in text_of(html)
    assert 'class="timeline-step timeline-current" aria-current="step"' in html
    assert html.index("dialogue-description") < html.index("block-text")
    assert html.index("call-to-action") < html.index("block-text")


async def test_live_results_and_the_back_office_are_linked(client: Client, world: World) -> None:
    """Results shown live during the vote are linked from the dialogue's tabs; staff find
    a link to the back office in the header and to the dialogue's own admin page."""
    await dialogue(
        client,
        world,
        phases=phases_now("vote"),
        vote={"type": "support", "settings": {}},
        results_visibility="live",
    )
    citizen = (await client.get(f"/dialogues/{SLUG}", headers=world.alice.headers)).text
    assert f'<a href="/dialogues/{SLUG}/results">Résultats en direct</a>' in citizen
    assert 'href="/admin"' not in citizen and f'href="/admin/dialogues/{SLUG}"' not in citizen
    staff = (await client.get(f"/dialogues/{SLUG}", headers=world.admin.headers)).text
    assert '<a href="/admin">Administration</a>' in staff
    assert f'<a href="/admin/dialogues/{SLUG}">Administrer cette démarche</a>' in staff
    english = await client.get(
        f"/dialogues/{SLUG}", headers={**world.admin.headers, "Accept-Language": "en"}
    )
    assert "Live results" in english.text and "Manage this dialogue" in english.text
    assert ">Administration</a>" in english.text


async def test_call_to_action_follows_the_phase(client: Client, world: World) -> None:
    await dialogue(client, world, phases=phases_now("vote"))
    text = text_of((await client.get(f"/dialogues/{SLUG}")).text)
    assert "Le vote est ouvert" in text
    assert "Vote En cours" in text


async def test_blocks_in_order(client: Client, world: World, database: Database) -> None:
    await dialogue(client, world)
    first = await proposal(client, world.alice.headers, title="Première idée")
    await proposal(client, world.bob.headers, title="Seconde idée")
    await client.post(
        f"/api/v1/proposals/{first['id']}/comments", json={"body": "ok"}, headers=world.bob.headers
    )
    await _blocks(
        database,
        world,
        ("text", {"title": "Bienvenue", "markdown": "Lisez <script>alert(1)</script> *ceci*"}),
        ("participation", {}),
        ("highlighted_proposals", {"proposal_ids": [first["id"]]}),
        ("news", {"items": [{"title": "Réunion publique", "body": "Le **12 mars**"}]}),
        ("map", {}),
        ("results", {}),
        ("plugin_gone", {}),  # a kind whose plugin was removed is skipped
        ("text", {"unknown_setting": 1}),  # settings that no longer validate too
    )
    page = await client.get(f"/dialogues/{SLUG}")
    assert page.status_code == 200
    html = page.text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html and "<em>ceci</em>" in html
    order = [
        html.index(marker)
        for marker in (
            "block-text",
            "block-participation",
            "block-highlighted_proposals",
            "block-news",
            "block-map",
            "block-results",
        )
    ]
    assert order == sorted(order)
    text = text_of(html)
    assert "2 participants" in text and "1 commentaire" in text
    assert "Première idée" in text and "Seconde idée" not in text
    assert "<strong>12 mars</strong>" in html
    assert "2 propositions localisées." in text
    assert "Les résultats seront publiés" in text
    assert "/static/vendor/leaflet-markercluster/leaflet.markercluster.js" in html


async def test_agenda_block_and_calendar_file(
    client: Client, world: World, database: Database
) -> None:
    await dialogue(client, world)
    dialogue_id = await _dialogue_id(database)
    now = utcnow()
    async with database.session() as session:
        session.add_all(
            [
                AgendaEvent(
                    organisation_id=world.org.id,
                    dialogue_id=dialogue_id,
                    title="Atelier, quartier Nord; venez nombreux",
                    description="Salle des fêtes\nEntrée libre",
                    place="Mairie annexe",
                    starts_at=now + timedelta(days=3),
                    ends_at=now + timedelta(days=3, hours=2),
                ),
                AgendaEvent(
                    organisation_id=world.org.id,
                    dialogue_id=dialogue_id,
                    title="Réunion passée",
                    starts_at=now - timedelta(days=3),
                ),
            ]
        )
        await session.commit()
    await _blocks(database, world, ("agenda", {}))
    text = text_of((await client.get(f"/dialogues/{SLUG}")).text)
    assert "Atelier, quartier Nord" in text and "Mairie annexe" in text
    assert "Réunion passée" not in text
    ics = await client.get(f"/dialogues/{SLUG}/agenda.ics")
    assert ics.status_code == 200
    assert ics.headers["content-type"] == "text/calendar; charset=utf-8"
    body = ics.text
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert body.endswith("END:VCALENDAR\r\n")
    assert body.count("BEGIN:VEVENT") == 2
    assert "SUMMARY:Atelier\\, quartier Nord\\; venez nombreux" in body
    assert "DESCRIPTION:Salle des fêtes\\nEntrée libre" in body
    assert "LOCATION:Mairie annexe" in body
    start = (now + timedelta(days=3)).strftime("%Y%m%dT%H%M%SZ")
    assert f"DTSTART:{start}" in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))


async def test_the_pages_load_the_theme_from_an_address_that_changes_with_it(
    client: Client, world: World, database: Database
) -> None:
    """A new colour gives the pages a new address of the style sheet at once, and the
    versioned sheet is kept long by browsers; an unversioned or old one only briefly."""

    def sheet_of(html: str) -> str:
        found = re.search(r'<link rel="stylesheet" href="(/theme\.css\?v=[0-9a-f]+)">', html)
        assert found is not None, html[:800]
        return found.group(1)

    before = sheet_of((await client.get("/")).text)
    versioned = await client.get(before)
    assert "immutable" in versioned.headers["cache-control"]
    assert "max-age=300" in (await client.get("/theme.css")).headers["cache-control"]
    async with database.session() as session:
        org = await session.get(Organisation, world.org.id)
        assert org is not None
        org.theme = {"primary_color": "#1f4e8c"}
        await session.commit()
    after = sheet_of((await client.get("/")).text)
    assert after != before
    assert "--primary: #1f4e8c" in (await client.get(after)).text
    old = await client.get(before)
    assert "max-age=300" in old.headers["cache-control"] and "#1f4e8c" in old.text
    admin = await client.get("/admin/organisation", headers=world.admin.headers)
    assert sheet_of(admin.text) == after


async def test_theme_stylesheet(client: Client, world: World, database: Database) -> None:
    css = await client.get("/theme.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "--primary: #000091;" in css.text
    async with database.session() as session:
        org = await session.get(Organisation, world.org.id)
        assert org is not None
        org.theme = {"primary_color": "#ffd700", "logo_url": "/media/logo.png"}
        await session.commit()
    css = await client.get("/theme.css")
    assert "--primary-brand: #ffd700;" in css.text
    # gold on white is unreadable: the primary colour is darkened to reach 4.5:1
    from web.pages.assets import contrast

    primary = css.text.split("--primary: ")[1].split(";")[0]
    assert contrast(primary, "#ffffff") >= 4.5
    again = await client.get("/theme.css", headers={"If-None-Match": css.headers["etag"]})
    assert again.status_code == 304
    home = await client.get("/")
    assert f'<link rel="stylesheet" href="/theme.css?v={css.headers["etag"].strip(chr(34))}">' in (
        home.text
    )
    assert 'class="brand-logo" src="/media/logo.png"' in home.text
    async with database.session() as session:
        org = await session.get(Organisation, world.org.id)
        assert org is not None
        org.theme = {"primary_color": "red;} body{display:none"}
        await session.commit()
    assert "display:none" not in (await client.get("/theme.css")).text


async def test_organisation_home_blocks(client: Client, world: World, database: Database) -> None:
    await dialogue(client, world)
    async with database.session() as session:
        for position, (kind, settings) in enumerate(
            [
                ("text", {"markdown": "Bienvenue sur **notre** plateforme."}),
                ("map", {}),  # a dialogue's block kind on the home page shows nothing
                ("agenda", {"title": "Rendez-vous"}),
                ("highlighted_proposals", {"title": "À la une"}),
            ]
        ):
            session.add(
                Block(
                    organisation_id=world.org.id,
                    dialogue_id=None,
                    position=position,
                    kind=kind,
                    settings=settings,
                )
            )
        await session.commit()
    home = await client.get("/")
    assert home.status_code == 200
    assert "Bienvenue sur <strong>notre</strong> plateforme." in home.text
    assert "Rendez-vous" in home.text and "Aucun événement à venir." in home.text
    assert "À la une" in home.text and "Aucune proposition pour le moment." in home.text
    assert "Budget participatif 2027" in home.text
    english = await client.get("/", headers={"Accept-Language": "en"})
    assert "Current dialogues Idea box Budget participatif 2027 Submission of proposals" in (
        text_of(english.text)
    )
