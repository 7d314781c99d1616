"""The ``binary`` vote type through the API: options and labels, values, rules, tally and
widget."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from core.db import Database
from core.models import Vote
from core.plugin_manager import Plugins
from participe.testing import put_vote, replace, tally_of, vote_dialogue, votes_of
from plugins.vote_binary.settings import BinarySettings
from tests.ballot_helpers import render_widget, settings_error
from tests.conftest import World

Client = AsyncTestClient[Litestar]
FOR_AGAINST: dict[str, Any] = {
    "type": "binary",
    "settings": {"options": ["for", "against", "neutral"], "labels": {"neutral": "Sans avis"}},
}


async def test_settings_are_validated(client: Client, world: World) -> None:
    for settings in (
        {"options": ["yes", "against"]},
        {"options": ["yes"]},
        {"options": ["yes", "no", "no"]},
        {"options": ["oui", "non"]},
        {"labels": {"neutral": "Bof"}},
        {"max_votes": 0},
    ):
        code = await settings_error(client, world, {"type": "binary", "settings": settings})
        assert code == "validation", settings


async def test_yes_no_values(client: Client, world: World, database: Database) -> None:
    setup = await vote_dialogue(client, world, {"type": "binary", "settings": {}}, proposals=2)
    a, b = setup.proposals
    body = (await put_vote(client, world.bob, setup, a, "yes")).json()
    assert body["rules"] == {
        "options": ["yes", "no"],
        "labels": {"yes": "Oui", "no": "Non"},
        "min_votes": 0,
        "max_votes": None,
    }
    body = (await put_vote(client, world.bob, setup, b, "no")).json()
    assert votes_of(body) == {a: "yes", b: "no"}
    body = (await put_vote(client, world.bob, setup, a, "no")).json()
    assert votes_of(body) == {a: "no", b: "no"}
    async with database.session() as session:
        stored = set(await session.scalars(select(Vote.value)))
    assert stored == {-1}
    for value in ("neutral", "for", None, 1, "YES"):
        response = await put_vote(client, world.bob, setup, a, value)
        assert response.status_code == 422, value
        assert response.json()["code"] == "vote.invalid_value"


async def test_for_against_neutral_and_max_votes(client: Client, world: World) -> None:
    vote = {"type": "binary", "settings": {**FOR_AGAINST["settings"], "max_votes": 2}}
    setup = await vote_dialogue(client, world, vote, proposals=3)
    a, b, c = setup.proposals
    body = (await replace(client, world.bob, setup, {a: "for", b: "neutral"})).json()
    assert votes_of(body) == {a: "for", b: "neutral"}
    assert body["rules"]["labels"] == {"for": "Pour", "against": "Contre", "neutral": "Sans avis"}
    assert body["remaining"] == {"votes": 0}
    response = await put_vote(client, world.bob, setup, c, "against")
    assert response.json()["code"] == "vote.max_exceeded"
    response = await put_vote(client, world.bob, setup, a, "yes")
    assert response.json()["code"] == "vote.invalid_value"


async def test_tally_counts_each_option(
    client: Client, world: World, database: Database, plugins: Plugins
) -> None:
    setup = await vote_dialogue(client, world, FOR_AGAINST, proposals=2)
    a, b = setup.proposals
    carole = await world.person("carole@example.org")
    await replace(client, world.alice, setup, {a: "for", b: "against"})
    await replace(client, world.bob, setup, {a: "for", b: "neutral"})
    await replace(client, carole, setup, {a: "against"})
    tally = await tally_of(database, plugins, setup)
    assert tally.ballots_counted == 3
    assert tally.proposals == {
        a: {"counts": {"for": 2, "against": 1, "neutral": 0}},
        b: {"counts": {"for": 0, "against": 1, "neutral": 1}},
    }


def test_widget(plugins: Plugins) -> None:
    settings = BinarySettings(options=["for", "against", "neutral"], labels={"for": "J'approuve"})
    page = render_widget(
        plugins,
        "vote_binary/widget.html",
        proposal=SimpleNamespace(id=7, title="Piste cyclable"),
        value="against",
        settings=settings,
        remaining={"votes": None},
    )
    assert '<form method="post" action="/proposals/7/vote"' in page
    assert '<input type="hidden" name="csrf_token" value="jeton-csrf">' in page
    assert page.count('type="radio" name="value"') == 3
    assert 'value="against" required checked' in page
    assert "J&#39;approuve" in page and "Contre" in page and "Neutre" in page
    assert 'name="action" value="cast"' in page and 'name="action" value="withdraw"' in page
    page = render_widget(
        plugins,
        "vote_binary/widget.html",
        proposal=SimpleNamespace(id=7, title="Piste cyclable"),
        value=None,
        settings=settings,
        remaining={"votes": None},
    )
    assert "checked" not in page and 'value="withdraw"' not in page
