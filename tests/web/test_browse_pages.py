"""Browsing proposals: grid, list and map views, filters as addresses, pagination."""

from __future__ import annotations

import re

from tests.conftest import World
from tests.web.front_helpers import SLUG, Client, dialogue, proposal, text_of

URL = f"/dialogues/{SLUG}/proposals"


def titles(html: str) -> list[str]:
    return re.findall(r'class="proposal-card-title"><a href="/proposals/\d+">([^<]+)</a>', html)


async def test_grid_list_and_filters(client: Client, world: World) -> None:
    await dialogue(client, world)
    await proposal(client, world.alice.headers, title="Pistes cyclables", theme="mobilite")
    await proposal(
        client, world.bob.headers, title="Un verger", theme="nature", sector="sud", location=None
    )
    await proposal(client, world.bob.headers, title="Arbres en ville", theme="nature")
    grid = await client.get(URL)
    assert grid.status_code == 200
    assert titles(grid.text) == ["Arbres en ville", "Un verger", "Pistes cyclables"]
    assert 'class="proposal-grid"' in grid.text
    assert "3 propositions" in text_of(grid.text)
    listed = await client.get(URL, params={"view": "list", "theme": "nature", "sort": "title"})
    assert 'class="proposal-list"' in listed.text
    assert titles(listed.text) == ["Arbres en ville", "Un verger"]
    assert 'value="nature" selected' in listed.text
    # the view links keep the filters
    assert 'href="/dialogues/budget-2027/proposals?theme=nature&amp;sort=title"' in listed.text
    searched = await client.get(URL, params={"q": "VERGER"})
    assert titles(searched.text) == ["Un verger"]
    sector = await client.get(URL, params={"sector": "sud", "status": "published"})
    assert titles(sector.text) == ["Un verger"]
    nothing = await client.get(URL, params={"q": "piscine"})
    assert "Aucune proposition ne correspond à ces filtres." in nothing.text


async def test_bad_filters_are_dropped_not_errors(client: Client, world: World) -> None:
    await dialogue(client, world)
    await proposal(client, world.alice.headers)
    for params in (
        {"theme": "inconnu"},
        {"status": "draft"},
        {"sort": "votes; drop table"},
        {"page": "abc"},
        {"view": "carousel"},
        {"page": "99"},
    ):
        response = await client.get(URL, params=params)
        assert response.status_code == 200, params
    dropped = await client.get(URL, params={"theme": "inconnu"})
    assert "ont été ignorés" in dropped.text
    assert titles(dropped.text) == ["Des pistes cyclables rue Nationale"]
    assert (await client.get("/dialogues/nope/proposals")).status_code == 404


async def test_pagination(client: Client, world: World) -> None:
    await dialogue(client, world)
    for number in range(14):
        await proposal(client, world.alice.headers, title=f"Idée numéro {number:02d}")
    first = await client.get(URL, params={"sort": "title"})
    assert len(titles(first.text)) == 12
    assert 'href="/dialogues/budget-2027/proposals?sort=title&amp;page=2" rel="next"' in first.text
    second = await client.get(URL, params={"sort": "title", "page": "2"})
    assert titles(second.text) == ["Idée numéro 12", "Idée numéro 13"]
    assert 'aria-current="page" href="/dialogues/budget-2027/proposals?sort=title&amp;page=2"' in (
        second.text
    )


async def test_map_view_lists_located_proposals(client: Client, world: World) -> None:
    await dialogue(client, world)
    await proposal(client, world.alice.headers, title="Ici", theme="nature")
    await proposal(client, world.alice.headers, title="Nulle part", location=None)
    page = await client.get(URL, params={"view": "map", "theme": "nature"})
    assert titles(page.text) == ["Ici"]  # the list a reader without JavaScript gets
    assert 'data-geojson="/api/v1/dialogues/budget-2027/proposals.geojson?theme=nature"' in (
        page.text
    )
    assert '<script src="/static/vendor/leaflet/leaflet.js" defer></script>' in page.text
    assert "/static/vendor/leaflet-markercluster/leaflet.markercluster.js" in page.text
    for asset in (
        "/static/vendor/leaflet/leaflet.js",
        "/static/vendor/leaflet/leaflet.css",
        "/static/vendor/leaflet/images/marker-icon.png",
        "/static/vendor/leaflet-markercluster/leaflet.markercluster.js",
        "/static/js/proposals-map.js",
    ):
        assert (await client.get(asset)).status_code == 200, asset
