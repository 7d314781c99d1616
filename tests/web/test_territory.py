"""The organisation's territory: set on the organisation page, every map opens on it, and
a proposal placed outside it is refused (a message on the page, a stable code in the API)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from core.db import Database
from core.models import Organisation, Proposal
from core.services.territory import Territory, territory_errors
from tests.conftest import World
from tests.helpers import solved_form
from tests.signin_helpers import sign_in
from tests.web.admin.test_admin_organisation import NO_FILE, form
from tests.web.front_helpers import PROPOSALS_API, SLUG, Client, dialogue, proposal

TOWN = {
    "center_lat": 47.2184,
    "center_lng": -1.5536,
    "zoom": 14,
    "south": 47.18,
    "west": -1.62,
    "north": 47.26,
    "east": -1.49,
}
PARIS = {"lat": 48.8566, "lng": 2.3522}


async def _territory(database: Database, world: World, territory: dict[str, Any]) -> None:
    async with database.session() as session:
        org = await session.get(Organisation, world.org.id)
        assert org is not None
        org.options = {**(org.options or {}), "territory": territory}
        await session.commit()


async def _count(database: Database) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.count(Proposal.id))) or 0)


async def test_a_proposal_outside_the_territory_is_refused_by_the_api(
    client: Client, world: World, database: Database
) -> None:
    await dialogue(client, world)
    anywhere = await proposal(client, world.alice.headers, location=PARIS)  # no territory yet
    await _territory(database, world, TOWN)
    before = await _count(database)
    refused = await client.post(
        PROPOSALS_API,
        json={
            "title": "Un kiosque",
            "body": "Loin.",
            "fields": {"quartier": "Centre"},
            "location": PARIS,
        },
        headers=world.alice.headers,
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "proposal.location_outside_territory"
    assert await _count(database) == before
    inside = await proposal(client, world.alice.headers, location={"lat": 47.22, "lng": -1.55})
    moved = await client.patch(
        f"/api/v1/proposals/{inside['id']}",
        json={"location": PARIS},
        headers=world.alice.headers,
    )
    assert moved.status_code == 422
    assert moved.json()["code"] == "proposal.location_outside_territory"
    # a proposal without a place, or one placed before, is not refused
    unplaced = await client.patch(
        f"/api/v1/proposals/{anywhere['id']}",
        json={"title": "Un titre changé"},
        headers=world.alice.headers,
    )
    assert unplaced.status_code == 200, unplaced.text


async def test_the_form_says_the_place_is_outside_and_keeps_what_was_typed(
    client: Client, world: World, database: Database
) -> None:
    await dialogue(client, world, form=[])
    await _territory(database, world, TOWN)
    await sign_in(client, database, "bob@example.org")
    path = f"/dialogues/{SLUG}/proposals/new"
    page = await client.get(path)
    assert 'data-center="47.2184,-1.5536" data-zoom="14"' in page.text
    refused = await client.post(
        path,
        data={
            **await solved_form(client, path),
            "title": "Un kiosque à Paris",
            "body": "Bien loin.",
            "lat": "48.8566",
            "lng": "2.3522",
            "action": "publish",
        },
    )
    assert refused.status_code == 422, refused.text[:500]
    assert "Ce lieu est en dehors du territoire de la plateforme" in refused.text
    assert 'value="Un kiosque à Paris"' in refused.text
    english = await client.post(
        path,
        data={
            **await solved_form(client, path),
            "title": "Un kiosque à Paris",
            "body": "Bien loin.",
            "lat": "48.8566",
            "lng": "2.3522",
            "action": "publish",
        },
        headers={"Accept-Language": "en"},
    )
    assert "This place is outside the platform&#39;s territory" in english.text or (
        "This place is outside the platform's territory" in english.text
    )


async def test_every_map_opens_on_the_territory(
    client: Client, world: World, database: Database
) -> None:
    await dialogue(client, world)
    await proposal(client, world.alice.headers)
    default = await client.get(f"/dialogues/{SLUG}/proposals?view=map")
    assert 'data-center="46.6,2.4" data-zoom="6"' in default.text
    await _territory(database, world, {"south": 47.18, "west": -1.62, "north": 47.26, "east": -1.5})
    only_box = await client.get(f"/dialogues/{SLUG}/proposals?view=map")
    assert re.search(r'data-center="47\.22[0-9]*,-1\.56[0-9]*" data-zoom="13"', only_box.text)
    await _territory(database, world, TOWN)
    for path in (f"/dialogues/{SLUG}/proposals?view=map", f"/dialogues/{SLUG}/proposals/new"):
        page = await client.get(path, headers=world.bob.headers)
        assert 'data-center="47.2184,-1.5536" data-zoom="14"' in page.text, path


async def test_the_organisation_page_sets_the_territory(
    client: Client, world: World, database: Database
) -> None:
    page = await client.get("/admin/organisation", headers=world.admin.headers)
    assert 'name="options.territory.center_lat"' in page.text
    fields = {f"options.territory.{key}": str(value) for key, value in TOWN.items()}
    saved = await client.post(
        "/admin/organisation", data=form(**fields), files=NO_FILE, headers=world.admin.headers
    )
    assert saved.status_code in (200, 303), saved.text[:500]
    async with database.session() as session:
        org = await session.get(Organisation, world.org.id)
        assert org is not None
        assert org.options["territory"] == TOWN
        assert org.options["embedding_sites"] == ["https://www.ville-test.fr"]
    refused = await client.post(
        "/admin/organisation",
        data=form(**{**fields, "options.territory.north": "47.1"}),
        files=NO_FILE,
        headers=world.admin.headers,
    )
    assert refused.status_code == 422
    assert "La limite nord doit être au nord de la limite sud." in refused.text
    half = await client.post(
        "/admin/organisation",
        data=form(**{**fields, "options.territory.east": ""}),
        files=NO_FILE,
        headers=world.admin.headers,
    )
    assert half.status_code == 422
    assert "Indiquez les quatre limites du territoire, ou aucune." in half.text


def test_what_a_territory_must_be() -> None:
    assert territory_errors(Territory(**TOWN)) == {}  # type: ignore[arg-type]
    assert territory_errors(Territory()) == {}
    assert "center_lng" in territory_errors(Territory(center_lat=47.0))
    outside = Territory(**{**TOWN, "center_lat": 40.0})  # type: ignore[arg-type]
    assert "center_lat" in territory_errors(outside)
    assert "east" in territory_errors(Territory(**{**TOWN, "east": -1.7}))  # type: ignore[arg-type]
    assert Territory().contains(0, 0)
    assert not Territory(**TOWN).contains(48.85, 2.35)  # type: ignore[arg-type]
