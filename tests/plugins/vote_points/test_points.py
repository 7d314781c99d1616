"""The ``points`` vote type through the API: distributing a budget of points, or grading
on a scale; rules, tally and widget."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.db import Database
from core.plugin_manager import Plugins
from participe.testing import put_vote, replace, tally_of, vote_dialogue, votes_of
from plugins.vote_points.settings import PointsSettings
from tests.ballot_helpers import render_widget, settings_error
from tests.conftest import World

Client = AsyncTestClient[Litestar]
DISTRIBUTE: dict[str, Any] = {
    "type": "points",
    "settings": {"mode": "distribute", "points_budget": 10, "max_per_proposal": 6},
}
SCALE: dict[str, Any] = {"type": "points", "settings": {"mode": "scale", "scale_max": 5}}


async def test_settings_are_validated(client: Client, world: World) -> None:
    for settings in (
        {"mode": "ranking"},
        {"points_budget": 0},
        {"points_budget": 10, "max_per_proposal": 11},
        {"max_per_proposal": 0},
        {"scale_max": 0},
        {"scale_max": 101},
    ):
        code = await settings_error(client, world, {"type": "points", "settings": settings})
        assert code == "validation", settings


async def test_distributing_points(client: Client, world: World) -> None:
    setup = await vote_dialogue(client, world, DISTRIBUTE, proposals=3)
    a, b, c = setup.proposals
    body = (await put_vote(client, world.bob, setup, a, 6)).json()
    assert body["rules"] == {
        "mode": "distribute",
        "points_budget": 10,
        "max_per_proposal": 6,
        "min_votes": 0,
        "max_votes": None,
    }
    assert body["remaining"] == {"votes": None, "points": 4}
    body = (await put_vote(client, world.bob, setup, b, 4)).json()
    assert body["remaining"]["points"] == 0
    response = await put_vote(client, world.bob, setup, c, 1)
    assert response.status_code == 409
    assert response.json()["code"] == "vote.points_exceeded"
    # Taking points back from one proposal frees them for another.
    body = (await put_vote(client, world.bob, setup, a, 3)).json()
    assert body["remaining"]["points"] == 3
    body = (await put_vote(client, world.bob, setup, c, 3)).json()
    assert votes_of(body) == {a: 3, b: 4, c: 3}
    # More than max_per_proposal on one proposal.
    response = await replace(client, world.bob, setup, {a: 7})
    assert response.json()["code"] == "vote.points_exceeded"
    for value in (0, -2, "3", None):
        response = await put_vote(client, world.bob, setup, a, value)
        assert response.status_code == 422, value
        assert response.json()["code"] == "vote.invalid_value", value
    response = await client.put(setup.vote(a), json={"value": 2.5}, headers=world.bob.headers)
    assert (response.status_code, response.json()["code"]) == (400, "validation")
    body = (await client.get(setup.ballot, headers=world.bob.headers)).json()
    assert votes_of(body) == {a: 3, b: 4, c: 3}


async def test_grading_on_a_scale(client: Client, world: World) -> None:
    vote = {"type": "points", "settings": {**SCALE["settings"], "max_votes": 2}}
    setup = await vote_dialogue(client, world, vote, proposals=3)
    a, b, c = setup.proposals
    body = (await put_vote(client, world.bob, setup, a, 0)).json()
    assert votes_of(body) == {a: 0}
    assert body["rules"] == {"mode": "scale", "scale_max": 5, "min_votes": 0, "max_votes": 2}
    assert body["remaining"] == {"votes": 1}
    body = (await put_vote(client, world.bob, setup, b, 5)).json()
    assert votes_of(body) == {a: 0, b: 5}
    response = await put_vote(client, world.bob, setup, c, 3)
    assert response.json()["code"] == "vote.max_exceeded"
    for value in (6, -1):
        response = await put_vote(client, world.bob, setup, a, value)
        assert response.status_code == 422
        assert response.json()["code"] == "vote.invalid_value"


async def test_tallies(client: Client, world: World, database: Database, plugins: Plugins) -> None:
    points = await vote_dialogue(client, world, DISTRIBUTE, slug="points", proposals=2)
    a, b = points.proposals
    await replace(client, world.alice, points, {a: 6, b: 4})
    await replace(client, world.bob, points, {a: 2})
    assert (await tally_of(database, plugins, points)).proposals == {
        a: {"points": 8},
        b: {"points": 4},
    }

    scale = await vote_dialogue(client, world, SCALE, slug="notes", proposals=3)
    a, b, c = scale.proposals
    await replace(client, world.alice, scale, {a: 5, b: 0})
    await replace(client, world.bob, scale, {a: 2, b: 0})
    tally = await tally_of(database, plugins, scale)
    assert tally.ballots_counted == 2
    assert tally.proposals == {
        a: {"points": 7, "mean": 3.5},
        b: {"points": 0, "mean": 0.0},
        c: {"points": 0, "mean": None},
    }


def test_widgets(plugins: Plugins) -> None:
    proposal = SimpleNamespace(id=3, title="Jardin partagé")
    page = render_widget(
        plugins,
        "vote_points/widget.html",
        proposal=proposal,
        value=4,
        settings=PointsSettings(points_budget=10, max_per_proposal=6),
        remaining={"votes": None, "points": 2},
    )
    assert '<form method="post" action="/proposals/3/vote"' in page
    assert '<input type="hidden" name="csrf_token" value="jeton-csrf">' in page
    assert 'type="number" name="value" min="1" max="6"' in page and 'value="4"' in page
    assert "Points restants : 2 sur 10" in page
    assert 'name="action" value="withdraw"' in page
    page = render_widget(
        plugins,
        "vote_points/widget.html",
        proposal=proposal,
        value=None,
        settings=PointsSettings(mode="scale", scale_max=4),
        remaining={"votes": None},
    )
    assert page.count('type="radio" name="value"') == 5
    assert 'value="withdraw"' not in page
