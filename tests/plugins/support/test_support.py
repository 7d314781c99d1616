"""The ``support`` vote type through the API: its settings, its rules, its tally and its
widget."""

from __future__ import annotations

from types import SimpleNamespace

from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.db import Database
from core.plugin_manager import Plugins
from participe.testing import put_vote, replace, tally_of, vote_dialogue, votes_of
from plugins.support.settings import SupportSettings
from tests.ballot_helpers import render_widget, settings_error
from tests.conftest import World

Client = AsyncTestClient[Litestar]


async def test_settings_are_validated(client: Client, world: World) -> None:
    for settings in (
        {"max_votes": 0},
        {"min_votes": -1},
        {"min_votes": 3, "max_votes": 2},
        {"budget_limit": 0},
        {"label": "  "},
        {"label": 3},
        {"points_budget": 10},
    ):
        assert await settings_error(client, world, {"type": "support", "settings": settings}) == (
            "validation"
        ), settings
    response = await client.post(
        "/api/v1/admin/dialogues",
        json={
            "slug": "idees",
            "title": "Idées",
            "kind": "ideas",
            "vote": {"type": "support", "settings": {"label": "J'aime", "max_votes": 5}},
        },
        headers=world.admin.headers,
    )
    assert response.status_code == 201
    assert response.json()["vote"] == {
        "type": "support",
        "settings": {"label": "J'aime", "min_votes": 0, "max_votes": 5, "budget_limit": None},
    }


async def test_max_votes(client: Client, world: World) -> None:
    setup = await vote_dialogue(
        client, world, {"type": "support", "settings": {"max_votes": 2}}, proposals=3
    )
    a, b, c = setup.proposals
    assert (await put_vote(client, world.bob, setup, a)).json()["remaining"]["votes"] == 1
    assert (await put_vote(client, world.bob, setup, b)).json()["remaining"]["votes"] == 0
    response = await put_vote(client, world.bob, setup, c)
    assert response.status_code == 409
    assert response.json()["code"] == "vote.max_exceeded"
    # Supporting again what is already supported is not one more support.
    assert (await put_vote(client, world.bob, setup, a)).status_code == 200
    body = (await client.get(setup.ballot, headers=world.bob.headers)).json()
    assert votes_of(body) == {a: 1, b: 1}


async def test_budget_limit(client: Client, world: World) -> None:
    setup = await vote_dialogue(
        client,
        world,
        {"type": "support", "settings": {"budget_limit": 100_000}},
        proposals=4,
        costs=[60_000, 30_000, 20_000, None],
    )
    big, medium, small, free = setup.proposals
    body = (await put_vote(client, world.bob, setup, big)).json()
    assert body["remaining"] == {"votes": None, "budget": 40_000}
    body = (await put_vote(client, world.bob, setup, medium)).json()
    assert body["remaining"]["budget"] == 10_000
    response = await put_vote(client, world.bob, setup, small)
    assert response.status_code == 409
    assert response.json()["code"] == "vote.budget_exceeded"
    # A proposal without a cost costs nothing.
    body = (await put_vote(client, world.bob, setup, free)).json()
    assert body["remaining"]["budget"] == 10_000
    # Swapping the big one for the small one fits.
    body = (await replace(client, world.bob, setup, {medium: 1, small: 1, free: 1})).json()
    assert body["remaining"]["budget"] == 50_000
    response = await replace(client, world.bob, setup, {big: 1, medium: 1, small: 1})
    assert response.json()["code"] == "vote.budget_exceeded"


async def test_tally_counts_supports_of_counted_ballots(
    client: Client, world: World, database: Database, plugins: Plugins
) -> None:
    setup = await vote_dialogue(
        client, world, {"type": "support", "settings": {"min_votes": 2}}, proposals=3
    )
    a, b, c = setup.proposals
    carole = await world.person("carole@example.org")
    for person in (world.alice, world.bob, carole):
        await replace(client, person, setup, {a: 1, b: 1})
    await client.post(setup.ballot + "/confirm", headers=world.alice.headers)
    await client.post(setup.ballot + "/confirm", headers=world.bob.headers)
    # Carole never confirms: her supports do not count.
    tally = await tally_of(database, plugins, setup)
    assert tally.vote_type == "support"
    assert tally.ballots_counted == 2
    assert tally.proposals == {a: {"supports": 2}, b: {"supports": 2}, c: {"supports": 0}}


def test_widget(plugins: Plugins) -> None:
    proposal = SimpleNamespace(id=42, title="Un banc <place>")
    settings = SupportSettings(label="J'adhère !", max_votes=3)
    page = render_widget(
        plugins,
        "support/widget.html",
        proposal=proposal,
        value=None,
        settings=settings,
        remaining={"votes": 2, "budget": None},
    )
    assert '<form method="post" action="/proposals/42/vote"' in page
    assert '<input type="hidden" name="value" value="1">' in page
    assert 'name="action" value="cast"' in page and "J&#39;adhère !" in page
    assert "Un banc &lt;place&gt;" in page
    assert "Soutiens restants : 2" in page
    page = render_widget(
        plugins,
        "support/widget.html",
        proposal=proposal,
        value=1,
        settings=settings,
        remaining={"votes": 2, "budget": None},
        csrf_token="jeton",
    )
    assert 'name="action" value="withdraw"' in page and 'value="cast"' not in page
    assert '<input type="hidden" name="csrf_token" value="jeton">' in page


async def test_at_the_maximum_the_widget_offers_no_more_support(
    client: Client, world: World
) -> None:
    setup = await vote_dialogue(client, world, {"type": "support", "settings": {"max_votes": 1}})
    assert (await put_vote(client, world.bob, setup, setup.proposals[0])).status_code == 200
    page = (
        await client.get(f"/dialogues/{setup.slug}/proposals?view=list", headers=world.bob.headers)
    ).text
    assert page.count('name="action" value="cast"') == 0
    assert page.count("Vous avez utilisé tous vos soutiens") == len(setup.proposals) - 1
    assert page.count('name="action" value="withdraw"') == 1
