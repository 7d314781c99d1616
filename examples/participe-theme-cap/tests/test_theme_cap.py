"""Approval with at most N per theme, end to end: the module granted and turned on, the
vote type chosen with N, ballots judged by theme through the API and the vote page, the
tally ranked within themes and recounted from the vote log."""

from __future__ import annotations

import html
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.db import Database
from core.plugin_manager import Plugins
from participe.testing import (
    VoteSetup,
    World,
    grant_module,
    put_vote,
    replace,
    tally_of,
    vote_dialogue,
)

Client = AsyncTestClient[Litestar]
THEMES = [{"key": "mobilite", "label": "Mobilité"}, {"key": "nature", "label": "Nature"}]
TITLES = ["Une piste cyclable", "Un bus de nuit", "Un parc", "Un banc"]
#: The theme each proposal's author chose, in the order of TITLES.
THEME_OF = ["mobilite", "mobilite", "nature", None]


async def _capped(
    client: Client, world: World, database: Database, plugins: Plugins, per_theme: int = 1
) -> VoteSetup:
    await grant_module(database, plugins, world, "theme_cap")
    setup = await vote_dialogue(
        client,
        world,
        {"type": "theme_cap", "settings": {"per_theme": per_theme}},
        proposals=TITLES,
        themes=THEMES,
        modules={"theme_cap": {}},
        details=[{"theme": theme} if theme else {} for theme in THEME_OF],
    )
    return setup


async def test_at_most_n_approvals_in_one_theme(
    client: Client, world: World, database: Database, plugins: Plugins
) -> None:
    setup = await _capped(client, world, database, plugins)
    piste, bus, parc, banc = setup.proposals
    assert (await put_vote(client, world.bob, setup, piste)).status_code == 200
    refused = await put_vote(client, world.bob, setup, bus)
    assert refused.status_code == 409 and refused.json()["code"] == "vote.theme_cap_exceeded"
    # Another theme, and a proposal without one, are still open.
    assert (await put_vote(client, world.bob, setup, parc)).status_code == 200
    response = await put_vote(client, world.bob, setup, banc)
    assert response.status_code == 200
    body = response.json()
    assert body["remaining"]["per_theme"] == {"mobilite": 0, "nature": 0}
    # A whole ballot is judged the same way.
    replaced = await replace(client, world.alice, setup, {piste: None, bus: None})
    assert replaced.status_code == 409 and replaced.json()["code"] == "vote.theme_cap_exceeded"
    # Taking a vote back makes room in its theme.
    await client.delete(setup.vote(piste), headers=world.bob.headers)
    assert (await put_vote(client, world.bob, setup, bus)).status_code == 200


async def test_n_is_chosen_per_dialogue(
    client: Client, world: World, database: Database, plugins: Plugins
) -> None:
    setup = await _capped(client, world, database, plugins, per_theme=2)
    piste, bus, _, _ = setup.proposals
    assert (await put_vote(client, world.bob, setup, piste)).status_code == 200
    assert (await put_vote(client, world.bob, setup, bus)).status_code == 200


async def test_the_tally_ranks_within_themes_and_recounts(
    client: Client, world: World, database: Database, plugins: Plugins
) -> None:
    setup = await _capped(client, world, database, plugins)
    piste, bus, parc, banc = setup.proposals
    citizens = await world.citizens(3)
    for citizen in citizens:
        await put_vote(client, citizen, setup, parc)
    await put_vote(client, citizens[0], setup, piste)
    await put_vote(client, citizens[1], setup, piste)
    await put_vote(client, citizens[2], setup, bus)
    tally = await tally_of(database, plugins, setup)
    rows: dict[int, dict[str, Any]] = {p: tally.proposals[p] for p in setup.proposals}
    assert rows[piste] == {"supports": 2, "theme": "mobilite", "theme_rank": 1}
    assert rows[bus] == {"supports": 1, "theme": "mobilite", "theme_rank": 2}
    assert rows[parc] == {"supports": 3, "theme": "nature", "theme_rank": 1}
    assert rows[banc] == {"supports": 0, "theme": None, "theme_rank": 1}


async def test_the_vote_page_says_what_is_left_and_why_a_vote_is_refused(
    client: Client, world: World, database: Database, plugins: Plugins
) -> None:
    setup = await _capped(client, world, database, plugins)
    piste, bus, _, _ = setup.proposals
    await put_vote(client, world.bob, setup, piste)
    page = await client.get(f"/proposals/{bus}", headers=world.bob.headers)
    assert page.status_code == 200
    assert "Approbations restantes dans ce thème : 0" in page.text
    page = await client.get(
        f"/proposals/{bus}", headers={**world.bob.headers, "Accept-Language": "en"}
    )
    assert "Approvals left in this theme: 0" in page.text and "I approve" in page.text

    refused = await client.post(
        f"/proposals/{bus}/vote",
        data={"action": "cast", "value": "1"},
        headers=world.bob.headers,
        follow_redirects=False,
    )
    assert "refused=vote.theme_cap_exceeded" in refused.headers["location"]
    shown = await client.get(refused.headers["location"], headers=world.bob.headers)
    assert "le nombre maximum de propositions de ce thème" in html.unescape(shown.text)
    shown = await client.get(
        refused.headers["location"], headers={**world.bob.headers, "Accept-Language": "en"}
    )
    assert "as many proposals of this theme as allowed" in shown.text


async def test_the_vote_type_needs_the_module(
    client: Client, world: World, database: Database, plugins: Plugins
) -> None:
    await grant_module(database, plugins, world, "theme_cap")
    body = {
        "slug": "sans-module",
        "title": "Sans le module",
        "kind": "budget",
        "vote": {"type": "theme_cap", "settings": {}},
        "phases": [{"kind": "proposals"}, {"kind": "vote"}],
    }
    response = await client.post("/api/v1/admin/dialogues", json=body, headers=world.admin.headers)
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [{"field": "vote.type", "message": "its module is off"}]
